package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Loads every program of {@code ../shared/corpus/ebpf-samples} that the verdicts file lists as
 * accepted or rejected by the kernel, through {@link Kernel#load}, and compares: each accepted
 * program must load, each rejected one must be refused. Known differences are listed with their
 * reason in {@code corpus-load-exclusions.tsv}; the test fails if a program behaves differently
 * from both the verdict and the exclusion list (so an improvement also needs the list updated).
 */
@KernelTest
class CorpusLoadTest {
    private static final Path SHARED = Path.of(System.getProperty("bpf4j.shared", "../shared"));
    private static final Path CORPUS = SHARED.resolve("corpus");

    record Row(String object, String section, String function, String progType, String verdict, String error) {
    }

    static List<Row> verdicts() throws IOException {
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(CORPUS.resolve("ebpf-samples-verdicts.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            rows.add(new Row(f[1], f[2], f[3], f[5], f[8], f[10]));
        }
        return rows;
    }

    static Map<String, String> exclusions() throws IOException {
        Map<String, String> out = new HashMap<>();
        try (var in = CorpusLoadTest.class.getResourceAsStream("/corpus-load-exclusions.tsv")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                out.put(f[0] + " " + f[1] + " " + f[2], f[3]);
            }
        }
        return out;
    }

    @Test
    void programsLoadAsTheKernelVerdictsSay() throws IOException {
        assumeTrue(Files.isDirectory(CORPUS), "no corpus at " + CORPUS);
        Map<String, List<Row>> byObject = new LinkedHashMap<>();
        for (Row r : verdicts()) {
            if (r.verdict().equals("accepted") || r.verdict().equals("rejected")) {
                byObject.computeIfAbsent(r.object(), k -> new ArrayList<>()).add(r);
            }
        }
        Map<String, String> excluded = exclusions();
        Kernel kernel = Kernel.system();
        int expectedAccepted = 0;
        int loaded = 0;
        int expectedRejected = 0;
        int refused = 0;
        Map<String, String> mismatches = new TreeMap<>();
        Map<String, String> skipped = new TreeMap<>();
        for (Map.Entry<String, List<Row>> e : byObject.entrySet()) {
            Path file = CORPUS.resolve("ebpf-samples").resolve(e.getKey());
            Map<String, ProgramType> types = new HashMap<>();
            Map<String, String> nameOfRow = new HashMap<>();
            Map<String, String> outcome = new HashMap<>();
            try {
                ObjectSpec spec = ObjectFile.read(file);
                for (Row r : e.getValue()) {
                    // Programs without a function symbol are named by the parser; find them by section.
                    String name = r.function().equals("-") ? spec.programs().stream()
                            .filter(p -> p.sectionName().equals(r.section())).map(p -> p.name()).findFirst()
                            .orElse(r.section()) : r.function();
                    nameOfRow.put(r.section() + " " + r.function(), name);
                    types.put(name, ProgramType.byName(r.progType()).orElseThrow());
                }
                // Cilium's objects declare maps pinned by name, some with the same names and other
                // definitions: each object is loaded on its own, without pins.
                LoadOptions options = LoadOptions.defaults().withoutPinning().withPrograms(Set.copyOf(types.keySet()))
                        .withTypes(types).withLayout(DataLayout.read(file))
                        // Falco's probe.o has no license section; the kernel accepted its programs
                        // that call GPL-only helpers, so the verdicts were made with a GPL license.
                        .withDefaultLicense("GPL");
                try (KernelObject obj = kernel.load(spec, options)) {
                    for (KernelObject.Outcome o : obj.outcomes()) {
                        outcome.put(o.name(), switch (o) {
                            case KernelObject.Outcome.Loaded l -> "accepted";
                            case KernelObject.Outcome.Rejected r -> "rejected: " + r.error().getMessage();
                        });
                    }
                }
            } catch (Bpf4jException ex) {
                for (Row r : e.getValue()) {
                    nameOfRow.putIfAbsent(r.section() + " " + r.function(), r.function());
                    outcome.put(nameOfRow.get(r.section() + " " + r.function()), "error: " + ex.getMessage());
                }
            }
            for (Row r : e.getValue()) {
                String got = outcome.getOrDefault(nameOfRow.get(r.section() + " " + r.function()),
                        "error: not found in the object");
                boolean accepted = r.verdict().equals("accepted");
                if (accepted) {
                    expectedAccepted++;
                    loaded += got.equals("accepted") ? 1 : 0;
                } else {
                    expectedRejected++;
                    refused += got.startsWith("rejected") ? 1 : 0;
                }
                boolean agrees = accepted == got.equals("accepted");
                String key = r.object() + " " + r.section() + " " + r.function();
                String quirk = agrees ? null : org.bpf4j.linux.testing.KernelQuirks.explains(got);
                if (quirk != null) {
                    skipped.put(key, quirk);
                } else if (!agrees && !excluded.containsKey(key)) {
                    mismatches.put(key, "kernel verdict " + r.verdict() + ", bpf4j: " + got);
                } else if (agrees && excluded.containsKey(key)) {
                    mismatches.put(key, "listed in corpus-load-exclusions.tsv but now agrees: remove it");
                }
            }
        }
        System.out.printf("corpus load: %d/%d accepted programs loaded, %d/%d rejected programs refused, "
                + "%d excluded with a reason, %d skipped on this kernel%n", loaded, expectedAccepted, refused,
                expectedRejected, excluded.size(), skipped.size());
        skipped.forEach((k, v) -> System.out.println("  SKIPPED " + k + ": " + v));
        mismatches.forEach((k, v) -> System.out.println("  MISMATCH " + k + ": " + v));
        assertTrue(expectedAccepted > 500, "the verdicts file lists the accepted programs");
        assertEquals(Map.of(), mismatches);
    }
}
