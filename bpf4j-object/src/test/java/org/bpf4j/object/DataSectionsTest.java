package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;
import org.junit.jupiter.api.Test;

/**
 * The data sections' {@code DATASEC}s of every test object, which clang writes with size 0 and
 * variable offsets 0, come out of the object model with the section's size and each variable at
 * its ELF symbol's offset, in offset order (as libbpf fixes them before a load).
 */
class DataSectionsTest {
    @Test
    void dataSectionsHaveTheirSizesAndSymbolOffsets() {
        int checked = 0;
        for (String name : TestObjects.NAMES) {
            ObjectSpec spec = TestObjects.parse(name);
            ElfFile elf = ElfFile.parse(TestObjects.bytes(name), name);
            if (spec.btf().isEmpty()) {
                continue;
            }
            Btf btf = spec.btf().get();
            for (BtfType t : btf.types()) {
                if (!(t instanceof BtfType.Datasec d) || d.name().equals(".maps") || d.name().startsWith(".k")
                        || elf.sectionByName(d.name()).isEmpty()) {
                    continue;
                }
                ElfSection s = elf.sectionByName(d.name()).get();
                assertEquals(s.size(), d.size(), name + " " + d.name() + " size");
                List<Long> offsets = new ArrayList<>();
                for (BtfType.VarSecInfo vi : d.vars()) {
                    String var = btf.typeById(vi.type()).name();
                    List<ElfSymbol> syms = elf.symbols().stream()
                            .filter(y -> y.sectionIndex() == s.index() && y.name().equals(var)).toList();
                    assertEquals(1, syms.size(), name + " " + d.name() + " " + var + " symbols");
                    assertEquals(syms.get(0).value(), vi.offset(), name + " " + d.name() + " " + var + " offset");
                    assertEquals(syms.get(0).size(), vi.size(), name + " " + d.name() + " " + var + " size");
                    offsets.add(vi.offset());
                    checked++;
                }
                assertEquals(offsets.stream().sorted().toList(), offsets, name + " " + d.name() + " in offset order");
            }
        }
        assertTrue(checked >= 5, "variables checked: " + checked);
        System.out.println("DATASEC variables at their symbols' offsets: " + checked);
    }
}
