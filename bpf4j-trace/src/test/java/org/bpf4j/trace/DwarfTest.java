package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.symbols.Dwarf;
import org.junit.jupiter.api.Test;

/**
 * Function parameters from DWARF against what bpftrace 0.17 (libdw) lists for the same binary:
 * {@code trace/dwarf/target.lv} is {@code bpftrace -lv 'uprobe:target:*'} of bpf4j-linux's attach
 * test binary (built with gcc -g, DWARF 5).
 */
class DwarfTest {
    private static final Path TARGET = Path.of("..", "bpf4j-linux", "src", "test", "resources", "attach", "target");

    @Test
    void parametersMatchBpftraceListing() throws Exception {
        assumeTrue(Files.exists(TARGET), "skipped: the attach test binary " + TARGET + " is absent");
        Map<String, List<String>> expected = new LinkedHashMap<>();
        String current = null;
        for (String line : Scripts.read(Scripts.dir("dwarf").resolve("target.lv")).split("\n")) {
            if (line.startsWith("uprobe:")) {
                current = line.substring(line.lastIndexOf(':') + 1);
                expected.put(current, new ArrayList<>());
            } else if (!line.isBlank()) {
                expected.get(current).add(line.strip());
            }
        }
        Dwarf dwarf = Dwarf.read(TARGET);
        assertTrue(dwarf.available(), "no debug information read from " + TARGET);
        int withParams = 0;
        for (Map.Entry<String, List<String>> e : expected.entrySet()) {
            List<String> actual = dwarf.params(e.getKey()).orElse(List.of()).stream()
                    .map(p -> p.type().name() + " " + p.name()).toList();
            assertEquals(e.getValue(), actual, e.getKey());
            withParams += e.getValue().isEmpty() ? 0 : 1;
        }
        assertTrue(withParams >= 5, "the listing should name the parameters of at least 5 functions");
    }

    @Test
    void typesAreReducedForTheLanguage() {
        assumeTrue(Files.exists(TARGET), "skipped: the attach test binary " + TARGET + " is absent");
        Dwarf dwarf = Dwarf.read(TARGET);
        List<Dwarf.Param> udp = dwarf.params("udp").orElseThrow();
        assertEquals(new Dwarf.PointerType("const char*", new Dwarf.IntType("const char", 8, true)), udp.get(0).type());
        assertEquals(new Dwarf.IntType("int", 32, true), udp.get(1).type());
        List<Dwarf.Param> main = dwarf.params("main").orElseThrow();
        assertEquals("char**", main.get(1).type().name());
        assertTrue(((Dwarf.PointerType) main.get(1).type()).pointee() instanceof Dwarf.PointerType);
    }
}
