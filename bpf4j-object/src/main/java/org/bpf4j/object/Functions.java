package org.bpf4j.object;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.Instruction;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfRelocation;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * The functions of the object's code sections, decoded, with what each relocated instruction
 * refers to. A function is a {@code STT_FUNC} symbol; in objects from old compilers that emitted
 * none, a global symbol of the section, and failing that the whole section.
 */
final class Functions {

    /** Where maps are: by defining section and offset, global data by section, the {@code .kconfig} map. */
    record MapLookup(Map<Long, Integer> mapAt, Map<Integer, Integer> dataMapOfSection, int kconfigMap,
            List<MapSpec> maps) {
    }

    /** What a relocated instruction refers to. */
    sealed interface Reloc {
        /** A call of the function starting at {@code slot} of section {@code section}. */
        record Call(int section, long slot, String symbol) implements Reloc {
        }

        /** The address of the function starting at {@code slot} of section {@code section}. */
        record CodeAddress(int section, long slot, String symbol) implements Reloc {
        }

        /** A map or an address in a map's value. */
        record MapLoad(int mapIndex, MapReference.Kind kind, long offset) implements Reloc {
        }

        /** A call or load of a symbol the loader provides, or of an undeclared symbol nobody provides. */
        record Extern(String name, ExternReference.Kind kind, int btfTypeId, boolean weak, boolean declared)
                implements Reloc {
        }
    }

    /**
     * One function: where it is, its instructions, and its relocations by slot in the function. A
     * function with a {@code defect} (an undecodable instruction, a relocation against an unusable
     * symbol) keeps its size but no instructions; the programs that contain it cannot be loaded.
     */
    static final class Function {
        final ElfSection section;
        final String name;
        final int startSlot;
        final List<Instruction> insns;
        final int slots;
        final int[] positionOfSlot;
        final int[] slotOfPosition;
        final Map<Integer, Reloc> relocs = new HashMap<>();
        final boolean global;
        String defect;

        Function(ElfSection section, String name, int startSlot, List<Instruction> insns, boolean global) {
            this(section, name, startSlot, insns, global, slotsOf(insns), null);
        }

        /** A function whose instructions cannot be decoded: {@code rawSlots} words and the reason. */
        static Function defective(ElfSection section, String name, int startSlot, int rawSlots, boolean global,
                String defect) {
            return new Function(section, name, startSlot, List.of(), global, rawSlots, defect);
        }

        private static int slotsOf(List<Instruction> insns) {
            int n = 0;
            for (Instruction i : insns) {
                n += i.slots();
            }
            return n;
        }

        private Function(ElfSection section, String name, int startSlot, List<Instruction> insns, boolean global,
                int n, String defect) {
            this.section = section;
            this.name = name;
            this.startSlot = startSlot;
            this.insns = insns;
            this.global = global;
            this.defect = defect;
            this.slots = n;
            this.positionOfSlot = new int[n];
            Arrays.fill(positionOfSlot, -1);
            this.slotOfPosition = new int[insns.size()];
            int s = 0;
            for (int p = 0; p < insns.size(); p++) {
                positionOfSlot[s] = p;
                slotOfPosition[p] = s;
                s += insns.get(p).slots();
            }
        }
    }

    private final Map<Integer, List<Function>> bySection;
    private final int textIndex;

    private Functions(Map<Integer, List<Function>> bySection, int textIndex) {
        this.bySection = bySection;
        this.textIndex = textIndex;
    }

    /** Code sections in section order, each with its functions in offset order. */
    Map<Integer, List<Function>> bySection() {
        return bySection;
    }

    /** The index of {@code .text}, or -1. */
    int textIndex() {
        return textIndex;
    }

    /** The function of a section that starts exactly at a slot. */
    Optional<Function> startingAt(int section, long slot) {
        for (Function f : bySection.getOrDefault(section, List.of())) {
            if (f.startSlot == slot) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    static Functions collect(ObjectContext ctx, MapLookup maps, Externs externs) {
        Map<Integer, List<Function>> bySection = new LinkedHashMap<>();
        int text = -1;
        for (ElfSection s : ctx.elf().sections()) {
            if (s.type() != Elf.SHT_PROGBITS || !s.executable() || s.size() == 0) {
                continue;
            }
            if (s.name().equals(ObjectParser.TEXT)) {
                text = s.index();
            }
            bySection.put(s.index(), functionsOf(ctx, s));
        }
        Functions fns = new Functions(bySection, text);
        for (ElfSection rs : ctx.elf().sections()) {
            if (rs.isRelocations() && bySection.containsKey(rs.info())) {
                fns.relocate(ctx, rs, ctx.elf().section(rs.info()).orElseThrow(), maps, externs);
            }
        }
        return fns;
    }

    private static List<Function> functionsOf(ObjectContext ctx, ElfSection s) {
        List<ElfSymbol> syms = new ArrayList<>();
        for (ElfSymbol sym : ctx.elf().symbols()) {
            if (sym.sectionIndex() == s.index() && sym.type() == Elf.STT_FUNC) {
                syms.add(sym);
            }
        }
        if (syms.isEmpty()) {
            // Objects from compilers before LLVM 7 mark programs as global NOTYPE symbols.
            for (ElfSymbol sym : ctx.elf().symbols()) {
                if (sym.sectionIndex() == s.index() && sym.type() == Elf.STT_NOTYPE && !sym.isLocal()
                        && !sym.name().isEmpty()) {
                    syms.add(sym);
                }
            }
        }
        syms.sort(Comparator.comparingLong(ElfSymbol::value));
        ByteReader data = ctx.elf().data(s);
        List<Function> out = new ArrayList<>();
        if (syms.isEmpty()) {
            out.add(decode(ctx, s, data, s.name(), 0, s.size(), true));
            return out;
        }
        for (int i = 0; i < syms.size(); i++) {
            ElfSymbol sym = syms.get(i);
            long start = sym.value();
            long size = sym.size();
            if (size == 0) {
                size = (i + 1 < syms.size() ? syms.get(i + 1).value() : s.size()) - start;
            }
            if (start % 8 != 0 || size % 8 != 0) {
                throw ctx.error(s, "function '" + sym.name() + "' at offset " + start + " (" + size
                        + " bytes) is not on instruction boundaries");
            }
            if (start < 0 || size < 0 || start > s.size() || size > s.size() - start) {
                throw ctx.error(s, "function '" + sym.name() + "' at offset " + start + " (" + size
                        + " bytes) crosses the section boundary (" + s.size() + " bytes)");
            }
            if (i > 0) {
                Function prev = out.get(out.size() - 1);
                if (start < 8L * (prev.startSlot + prev.slots)) {
                    throw ctx.error(s, "functions '" + prev.name + "' and '" + sym.name() + "' overlap");
                }
            }
            if (size == 0) {
                throw ctx.error(s, "function '" + sym.name() + "' at offset " + start + " is empty");
            }
            out.add(decode(ctx, s, data, sym.name(), start, size, !sym.isLocal()));
        }
        return out;
    }

    private static Function decode(ObjectContext ctx, ElfSection s, ByteReader data, String name, long start,
            long size, boolean global) {
        if (size % 8 != 0) {
            throw ctx.error(s, "size " + size + " is not a multiple of the 8-byte instruction size");
        }
        long[] words = new long[(int) (size / 8)];
        for (int i = 0; i < words.length; i++) {
            words[i] = data.u64(start + 8L * i);
        }
        List<Instruction> insns = new ArrayList<>();
        int slot = 0;
        try {
            while (slot < words.length) {
                Instruction insn = Encoding.decodeAt(words, slot);
                insns.add(insn);
                slot += insn.slots();
            }
        } catch (MalformedInputException e) {
            // As libbpf: the loader copies instructions without judging them; the kernel refuses them.
            return Function.defective(s, name, (int) (start / 8), words.length, global,
                    "section '" + s.name() + "': function '" + name + "': " + e.getMessage());
        }
        return new Function(s, name, (int) (start / 8), List.copyOf(insns), global);
    }

    private Function containing(int section, long slot) {
        for (Function f : bySection.getOrDefault(section, List.of())) {
            if (slot >= f.startSlot && slot < f.startSlot + f.slots) {
                return f;
            }
        }
        return null;
    }

    /** Whether a relocation lies on an instruction of a function that is a call or an lddw. */
    private boolean onCallOrLoad(ElfSection target, ElfRelocation r, ObjectContext ctx) {
        if (r.offset() % 8 != 0 || r.offset() < 0 || r.offset() >= target.size()) {
            return false;
        }
        Function f = containing(target.index(), r.offset() / 8);
        if (f == null) {
            return false;
        }
        int pos = f.positionOfSlot[(int) (r.offset() / 8 - f.startSlot)];
        if (pos < 0) {
            return false;
        }
        Instruction insn = f.insns.get(pos);
        return insn instanceof Instruction.LoadImm64 || insn instanceof Instruction.Call c
                && c.kind() != org.bpf4j.isa.CallKind.HELPER;
    }

    private void relocate(ObjectContext ctx, ElfSection rs, ElfSection target, MapLookup maps, Externs externs) {
        for (ElfRelocation r : ctx.elf().relocations(rs)) {
            String where = "section '" + target.name() + "': relocation " + r.index() + " at offset 0x"
                    + Long.toHexString(r.offset());
            boolean none = r.type() == Elf.R_BPF_NONE;
            if (none && !onCallOrLoad(target, r, ctx)) {
                // R_BPF_NONE is a no-op unless it marks an lddw or call: old compilers (the OVS
                // datapath's) emitted type 0 for map references, and libbpf applies those by the
                // instruction they point at, as is done here.
                continue;
            }
            if (!none && r.type() != Elf.R_BPF_64_64 && r.type() != Elf.R_BPF_64_32 && r.type() != Elf.R_BPF_64_ABS64
                    && r.type() != Elf.R_BPF_64_ABS32 && r.type() != Elf.R_BPF_64_NODYLD32) {
                throw ctx.error(where + " has unknown type " + r.type());
            }
            if (r.offset() % 8 != 0) {
                throw ctx.error(where + " is not on an instruction boundary");
            }
            if (r.offset() < 0 || r.offset() >= target.size()) {
                throw ctx.error(where + " lies outside the section (" + target.size() + " bytes)");
            }
            long sectionSlot = r.offset() / 8;
            Function f = containing(target.index(), sectionSlot);
            if (f == null || f.defect != null) {
                continue; // outside every function, as libbpf skips it; or in one that cannot be loaded
            }
            int slot = (int) (sectionSlot - f.startSlot);
            int pos = f.positionOfSlot[slot];
            if (pos < 0) {
                throw ctx.error(where + " is not on an instruction boundary (it points into the second half of "
                        + "an lddw at instruction " + (slot - 1) + " of '" + f.name + "')");
            }
            ElfSymbol sym;
            try {
                sym = ctx.elf().symbol(r.symbolIndex());
            } catch (MalformedInputException e) {
                f.defect = where + " (instruction " + slot + " of '" + f.name + "') refers to symbol "
                        + r.symbolIndex() + ", which cannot be used: " + e.getMessage();
                continue;
            }
            Instruction insn = f.insns.get(pos);
            String at = where + " (instruction " + slot + " of '" + f.name + "') against '" + ctx.symbolName(sym) + "'";
            Reloc reloc = switch (insn) {
                case Instruction.Call c -> call(ctx, at, c, sym, r, externs);
                case Instruction.LoadImm64 l -> load(ctx, at, l, sym, r, maps, externs);
                default -> throw ctx.error(at + ": the instruction is neither a call nor an lddw");
            };
            if (f.relocs.put(slot, reloc) != null) {
                throw ctx.error(at + ": the instruction has two relocations");
            }
        }
    }

    private static boolean isExtern(ElfSymbol sym) {
        return sym.isUndefined() && !sym.name().isEmpty() && (sym.bind() == Elf.STB_GLOBAL || sym.bind() == Elf.STB_WEAK);
    }

    private Reloc call(ObjectContext ctx, String at, Instruction.Call c, ElfSymbol sym, ElfRelocation r,
            Externs externs) {
        if (isExtern(sym)) {
            Optional<ExternSpec> ext = externs.byName(sym.name());
            if (ext.isPresent() && ext.get().kind() != ExternSpec.Kind.KFUNC) {
                throw ctx.error(at + ": calls extern '" + sym.name() + "', which is a variable");
            }
            return new Reloc.Extern(sym.name(), ExternReference.Kind.FUNCTION, ext.map(ExternSpec::btfTypeId).orElse(0),
                    sym.bind() == Elf.STB_WEAK, ext.isPresent());
        }
        if (c.kind() != org.bpf4j.isa.CallKind.LOCAL) {
            throw ctx.error(at + ": a relocated call must be a bpf-to-bpf call (source register 1)");
        }
        if (!sym.isInSection() || !bySection.containsKey(sym.sectionIndex())) {
            throw ctx.error(at + ": the called symbol is not in a code section ('"
                    + ctx.sectionName(sym.sectionIndex()) + "')");
        }
        if ((sym.value() + r.addend()) % 8 != 0) {
            throw ctx.error(at + ": the called symbol's offset " + (sym.value() + r.addend())
                    + " is not on an instruction boundary");
        }
        long targetSlot = (sym.value() + r.addend()) / 8 + c.imm() + 1;
        return new Reloc.Call(sym.sectionIndex(), targetSlot, ctx.symbolName(sym));
    }

    private Reloc load(ObjectContext ctx, String at, Instruction.LoadImm64 l, ElfSymbol sym, ElfRelocation r,
            MapLookup maps, Externs externs) {
        if (isExtern(sym)) {
            Optional<ExternSpec> found = externs.byName(sym.name());
            boolean weak = sym.bind() == Elf.STB_WEAK;
            if (found.isEmpty()) {
                return new Reloc.Extern(sym.name(), ExternReference.Kind.VARIABLE, 0, weak, false);
            }
            ExternSpec ext = found.get();
            return switch (ext.kind()) {
                case KCONFIG -> new Reloc.MapLoad(maps.kconfigMap(), MapReference.Kind.VALUE, ext.offset());
                case KSYM -> new Reloc.Extern(ext.name(), ExternReference.Kind.VARIABLE, ext.btfTypeId(), weak, true);
                case KFUNC -> new Reloc.Extern(ext.name(), ExternReference.Kind.FUNCTION, ext.btfTypeId(), weak, true);
            };
        }
        if (!sym.isInSection()) {
            throw ctx.error(at + ": the symbol is in special section 0x" + Integer.toHexString(sym.sectionIndex())
                    + " (an uninitialized global variable?)");
        }
        int shndx = sym.sectionIndex();
        long addend = r.addend() + l.imm();
        if (bySection.containsKey(shndx)) {
            long off = sym.value() + addend;
            if (off % 8 != 0) {
                throw ctx.error(at + ": code address offset " + off + " is not on an instruction boundary");
            }
            return new Reloc.CodeAddress(shndx, off / 8, ctx.symbolName(sym));
        }
        String secName = ctx.sectionName(shndx);
        if (secName.equals(ObjectParser.LEGACY_MAPS) || secName.startsWith(ObjectParser.LEGACY_MAPS + "/")
                || secName.equals(ObjectParser.BTF_MAPS)) {
            long off = sym.value() + (sym.type() == Elf.STT_SECTION ? addend : r.addend());
            Integer index = maps.mapAt().get(ObjectParser.key(shndx, off));
            if (index == null) {
                throw ctx.error(at + ": no map is defined at offset " + off + " of section '" + secName + "'");
            }
            return new Reloc.MapLoad(index, MapReference.Kind.MAP, 0);
        }
        Integer data = maps.dataMapOfSection().get(shndx);
        if (data != null) {
            long off = sym.value() + addend;
            MapSpec m = maps.maps().get(data);
            if (off < 0 || off > m.valueSize()) {
                throw ctx.error(at + ": offset " + off + " lies outside '" + m.name() + "' (" + m.valueSize()
                        + " bytes)");
            }
            return new Reloc.MapLoad(data, MapReference.Kind.VALUE, off);
        }
        throw ctx.error(at + ": the symbol is in section '" + secName + "', which holds neither maps, global data "
                + "nor code");
    }
}
