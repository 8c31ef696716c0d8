package org.bpf4j.object;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * Completes the BTF {@code DATASEC}s of an object from its ELF file, as libbpf does when it opens
 * an object: compilers write size 0 for a data section and offset 0 for each of its variables,
 * leaving the numbers to the loader. A {@code DATASEC} of size 0 gets its section's size and each
 * variable its symbol's offset in the section; a variable of size 0 gets its symbol's size; the
 * variables are then in offset order. {@code DATASEC}s of extern sections ({@code .ksyms},
 * {@code .kconfig}), of sections the file does not have and {@code .maps} (whose order is the
 * maps' order) are left as they are, and so is a variable without exactly one symbol of its name
 * in the section. The one place that does this: the kernel loader and the verifier's adapter both
 * see the fixed BTF. Stateless.
 */
final class DataSections {
    private static final String MAPS = ".maps";

    private DataSections() {
    }

    /** The BTF with its data sections completed from {@code elf}; the same object if nothing changed. */
    static Btf fix(Btf btf, ElfFile elf) {
        Map<Integer, BtfType> fixed = new HashMap<>();
        for (int id = btf.firstOwnId(); id < btf.size(); id++) {
            if (!(btf.typeById(id) instanceof BtfType.Datasec d) || d.name().equals(".ksyms")
                    || d.name().equals(".kconfig") || d.name().equals(MAPS)) {
                continue;
            }
            Optional<ElfSection> section = elf.sectionByName(d.name());
            if (section.isEmpty()) {
                continue;
            }
            BtfType.Datasec f = fix(btf, d, section.get(), elf);
            if (!f.equals(d)) {
                fixed.put(id, f);
            }
        }
        return fixed.isEmpty() ? btf : btf.withTypes(fixed);
    }

    private static BtfType.Datasec fix(Btf btf, BtfType.Datasec d, ElfSection section, ElfFile elf) {
        boolean offsets = d.size() == 0;
        Map<String, List<ElfSymbol>> symbols = new HashMap<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.sectionIndex() == section.index() && !s.name().isEmpty()) {
                symbols.computeIfAbsent(s.name(), k -> new ArrayList<>(1)).add(s);
            }
        }
        List<BtfType.VarSecInfo> vars = new ArrayList<>();
        for (BtfType.VarSecInfo vi : d.vars()) {
            BtfType t = vi.type() < btf.size() ? btf.typeById(vi.type()) : null;
            List<ElfSymbol> named = t instanceof BtfType.Var v && v.linkage() != BtfType.Linkage.EXTERN
                    ? symbols.getOrDefault(v.name(), List.of()) : List.of();
            if (named.size() != 1) {
                vars.add(vi);
                continue;
            }
            ElfSymbol sym = named.get(0);
            long offset = offsets ? sym.value() : vi.offset();
            long size = vi.size() == 0 ? sym.size() : vi.size();
            vars.add(new BtfType.VarSecInfo(vi.type(), offset, size));
        }
        vars.sort(Comparator.comparingLong(BtfType.VarSecInfo::offset));
        return new BtfType.Datasec(d.name(), offsets ? section.size() : d.size(), vars);
    }
}
