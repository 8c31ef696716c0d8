package org.bpf4j.object;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfExt;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * The steps from ELF bytes to an {@link ObjectSpec}: sections, BTF, maps, functions and their
 * relocations, programs and linking. One instance per parse.
 */
final class ObjectParser {
    static final String TEXT = ".text";
    static final String LEGACY_MAPS = "maps";
    static final String BTF_MAPS = ".maps";

    private final byte[] bytes;
    private final String name;

    ObjectParser(byte[] bytes, String name) {
        this.bytes = bytes;
        this.name = name;
    }

    MalformedInputException error(String message) {
        return new MalformedInputException(name + ": " + message);
    }

    ObjectSpec parse() {
        ElfFile elf = ElfFile.parse(bytes, name);
        if (elf.symbolTable().isEmpty()) {
            throw error("no symbol table (a stripped object?); programs are found by their function symbols");
        }
        String license = license(elf);
        int kernelVersion = kernelVersion(elf);
        Optional<Btf> btf = Optional.empty();
        BtfExt ext = BtfExt.empty();
        List<String> warnings = new ArrayList<>();
        Optional<ElfSection> btfSection = elf.sectionByName(".BTF");
        if (btfSection.isPresent()) {
            try {
                btf = Optional.of(HiddenFunctions.markStatic(DataSections.fix(Btf.parse(elf.data(btfSection.get())), elf), elf));
            } catch (MalformedInputException e) {
                // As libbpf: a malformed .BTF is dropped unless maps, externs or struct_ops need it.
                String need = btfNeed(elf);
                if (need != null) {
                    throw new MalformedInputException(e.getMessage() + " (the object needs its BTF for " + need + ")");
                }
                warnings.add("section '.BTF' ignored, as libbpf ignores a malformed .BTF that nothing needs: "
                        + e.getMessage());
            }
            Optional<ElfSection> extSection = elf.sectionByName(".BTF.ext");
            if (extSection.isPresent() && btf.isPresent()) {
                try {
                    ext = BtfExt.parse(elf.data(extSection.get()), btf.get());
                } catch (MalformedInputException e) {
                    warnings.add("section '.BTF.ext' ignored (no function or line info, no CO-RE relocations), "
                            + "as libbpf ignores a malformed .BTF.ext: " + e.getMessage());
                }
            } else if (extSection.isPresent()) {
                warnings.add("section '.BTF.ext' ignored with the .BTF it refers to");
            }
        }
        elf.symbolTableFault().ifPresent(f -> warnings.add(f + "; programs are whole code sections, and every "
                + "relocation that needs a symbol makes its program unloadable; legacy map sections, whose maps symbols "
                + "name, give no maps"));
        ObjectContext ctx = new ObjectContext(elf, btf, name);

        List<MapSpec> maps = new ArrayList<>();
        Map<Long, Integer> mapAt = new HashMap<>(); // section index << 32 | offset -> map index
        List<ElfSection> legacy = elf.sections().stream().filter(LegacyMaps::isLegacyMapSection).toList();
        for (LegacyMaps.Entry e : LegacyMaps.parse(ctx, legacy)) {
            mapAt.put(key(e.sectionIndex(), e.offset()), maps.size());
            maps.add(e.spec());
        }
        Optional<ElfSection> btfMaps = elf.sectionByName(BTF_MAPS);
        List<BtfMaps.Entry> btfMapEntries = List.of();
        if (btfMaps.isPresent()) {
            btfMapEntries = BtfMaps.parse(ctx, btfMaps.get());
            for (BtfMaps.Entry e : btfMapEntries) {
                mapAt.put(key(btfMaps.get().index(), e.offset()), maps.size());
                maps.add(e.spec());
            }
        }
        Map<Integer, Integer> dataMapOfSection = new HashMap<>();
        for (ElfSection s : elf.sections()) {
            MapSpec.Origin origin = GlobalData.origin(s);
            if (origin != null) {
                dataMapOfSection.put(s.index(), maps.size());
                maps.add(GlobalData.spec(ctx, s, origin));
            }
        }
        Externs externs = Externs.collect(ctx);
        int kconfigMap = -1;
        if (externs.kconfigSize() > 0) {
            kconfigMap = maps.size();
            maps.add(externs.kconfigMap());
        }
        checkUniqueMapNames(maps);

        Functions functions = Functions.collect(ctx, new Functions.MapLookup(mapAt, dataMapOfSection, kconfigMap,
                maps), externs);
        List<ProgramSpec> programs = new Linker(ctx, functions, ext, maps, license, kernelVersion).linkAll();
        if (btfMaps.isPresent()) {
            maps = BtfMaps.withInitialSlots(ctx, btfMaps.get(), btfMapEntries, maps, mapAt, programs);
        }
        List<StructOpsSpec> structOps = StructOps.parse(ctx, programs);
        return new ObjectSpec(name, programs, maps, btf, license, kernelVersion, externs.specs(), warnings, structOps);
    }

    /** What needs the object's BTF, as libbpf decides: BTF maps, struct_ops, externs; null if nothing. */
    private static String btfNeed(ElfFile elf) {
        if (elf.sectionByName(BTF_MAPS).isPresent()) {
            return "the maps of section '" + BTF_MAPS + "'";
        }
        for (ElfSection s : elf.sections()) {
            if (s.name().startsWith(".struct_ops")) {
                return "section '" + s.name() + "'";
            }
        }
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.isUndefined() && !sym.name().isEmpty()
                    && (sym.bind() == Elf.STB_GLOBAL || sym.bind() == Elf.STB_WEAK)) {
                return "extern '" + sym.name() + "'";
            }
        }
        return null;
    }

    static long key(int sectionIndex, long offset) {
        return ((long) sectionIndex << 32) | (offset & 0xffffffffL);
    }

    private void checkUniqueMapNames(List<MapSpec> maps) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < maps.size(); i++) {
            Integer prev = seen.put(maps.get(i).name(), i);
            if (prev != null) {
                throw error("two maps are named '" + maps.get(i).name() + "' (in sections '"
                        + maps.get(prev).sectionName() + "' and '" + maps.get(i).sectionName() + "')");
            }
        }
    }

    private String license(ElfFile elf) {
        Optional<ElfSection> s = elf.sectionByName("license");
        if (s.isEmpty()) {
            return "";
        }
        ByteReader data = elf.data(s.get());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < data.length() && data.u8(i) != 0; i++) {
            out.append((char) data.u8(i));
        }
        return out.toString();
    }

    private int kernelVersion(ElfFile elf) {
        Optional<ElfSection> s = elf.sectionByName("version");
        if (s.isEmpty()) {
            return 0;
        }
        ByteReader data = elf.data(s.get());
        if (data.length() != 4) {
            throw error("section 'version': is " + data.length() + " bytes, expected a 4-byte kernel version");
        }
        return data.s32(0);
    }
}
