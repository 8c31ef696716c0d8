package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;
import org.junit.jupiter.api.Test;

/**
 * Every helper of the catalog is implemented by the standard registry, implemented by the engines
 * ({@code engine} in {@code helper-coverage.tsv}), or listed there as unsupported with a reason;
 * never two of these, never none. A program calling an unsupported helper is refused at load time
 * with the helper's name.
 */
class HelperCoverageTest {
    private record Entry(String status, String reason) {}

    private static Map<String, Entry> listed() throws IOException, URISyntaxException {
        Path file = Path.of(HelperCoverageTest.class.getResource("/helper-coverage.tsv").toURI());
        Map<String, Entry> listed = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t");
            assertEquals(3, f.length, "helper-coverage.tsv:" + lineNo + ": name, status, reason");
            assertTrue(f[1].equals("engine") || f[1].equals("unsupported"), "helper-coverage.tsv:" + lineNo
                    + ": status is engine or unsupported");
            assertTrue(f[2].length() > 10, "helper-coverage.tsv:" + lineNo + ": a reason is given");
            assertTrue(listed.put(f[0], new Entry(f[1], f[2])) == null, "helper-coverage.tsv:" + lineNo + ": listed twice");
        }
        return listed;
    }

    @Test
    void everyCatalogHelperIsImplementedOrListedWithAReason() throws Exception {
        Map<String, Entry> listed = listed();
        HelperRegistry registry = HelperRegistry.standard();
        List<String> problems = new ArrayList<>();
        int implemented = 0, engine = 0, unsupported = 0;
        for (HelperSpec h : HelperCatalog.linux().all()) {
            boolean inRegistry = registry.byId(h.id()).isPresent();
            Entry e = listed.remove(h.name());
            if (inRegistry && e != null) {
                problems.add(h.name() + " is implemented now: delete its line from helper-coverage.tsv");
            } else if (!inRegistry && e == null) {
                problems.add(h.name() + " (id " + h.id() + ") is neither implemented nor listed with a reason");
            } else if (inRegistry) {
                implemented++;
            } else if (e.status().equals("engine")) {
                engine++;
            } else {
                unsupported++;
            }
        }
        listed.keySet().forEach(n -> problems.add(n + " is listed but the catalog has no such helper"));
        assertEquals(List.of(), problems);
        System.out.println("helpers: " + implemented + " in the standard registry, " + engine
                + " in the engines, " + unsupported + " unsupported with a reason, of "
                + HelperCatalog.linux().all().size() + " in the catalog");
        assertTrue(implemented + engine >= 60, "at least 60 helpers are implemented, not " + (implemented + engine));
    }

    @Test
    void unsupportedHelpersAreRefusedAtLoadByName() throws Exception {
        for (Map.Entry<String, Entry> e : listed().entrySet()) {
            HelperSpec h = HelperCatalog.linux().byName(e.getKey()).orElseThrow();
            Code call = Code.of(Instruction.Call.helper(h.id()), new Instruction.Exit());
            if (e.getValue().status().equals("engine")) {
                VmProgram.load(h.name(), call); // loads: the engines implement it
                continue;
            }
            var ex = assertThrows(UnsupportedFeatureException.class, () -> VmProgram.load(h.name(), call), h.name());
            assertTrue(ex.getMessage().contains("instruction 0") && (h.id() == 0 || ex.getMessage().contains("bpf_" + h.name())),
                    ex.getMessage());
        }
    }
}
