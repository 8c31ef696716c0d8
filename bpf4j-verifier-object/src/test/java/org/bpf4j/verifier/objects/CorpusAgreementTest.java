package org.bpf4j.verifier.objects;


import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Runs the verifier on every program of the shared corpus that reached the kernel's verifier and
 * prints the agreement table with the kernel's verdicts. Disagreements do not fail the build
 * while the verifier is young, but they must equal the inventory in
 * {@code src/test/resources/corpus-disagreements.tsv}: the test fails when a disagreement
 * appears or disappears, so the inventory is updated with each change
 * ({@code -Dbpf4j.updateInventory=true} rewrites it).
 */
class CorpusAgreementTest {
    private static final Path INVENTORY = Path.of("src/test/resources/corpus-disagreements.tsv");

    record Row(String object, String function, String section, String progType, String verdict, String error) {
    }

    @Test
    void agreementWithKernel() throws IOException {
        // Runs by default (about 66 s on a loaded 2-core machine, 2026-12-06): CI proves the
        // agreement figures. -Dbpf4j.verifierCorpus=false skips it for quick local runs.
        Assumptions.assumeTrue(Boolean.parseBoolean(System.getProperty("bpf4j.verifierCorpus", "true")),
                "corpus agreement skipped: -Dbpf4j.verifierCorpus=false");
        Path root = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus");
        Assumptions.assumeTrue(Files.isDirectory(root.resolve("ebpf-samples")),
                "corpus not found at " + root.toAbsolutePath() + "; skipping");
        List<String> lines = Files.readAllLines(root.resolve("ebpf-samples-verdicts.tsv"));
        Map<String, List<Row>> byObject = new LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            byObject.computeIfAbsent(f[1], k -> new ArrayList<>()).add(new Row(f[1], f[3], f[2], f[5], f[8], f[10]));
        }
        int[][] table = new int[2][3]; // [kernel accepted, rejected][we accepted, rejected, error]
        Map<String, String> disagreements = new TreeMap<>();
        Map<String, String> messages = new TreeMap<>();
        List<String> slowest = new ArrayList<>();
        long totalNanos = 0;
        List<long[]> times = new ArrayList<>();
        List<String> timeNames = new ArrayList<>();
        for (var e : byObject.entrySet()) {
            List<Row> rows = e.getValue().stream()
                    .filter(r -> r.verdict().equals("accepted") || r.verdict().equals("rejected")).toList();
            if (rows.isEmpty()) {
                continue;
            }
            ObjectSpec obj;
            try {
                obj = ObjectFile.read(root.resolve("ebpf-samples").resolve(e.getKey()));
            } catch (RuntimeException ex) {
                obj = null;
            }
            for (Row r : rows) {
                int k = r.verdict().equals("accepted") ? 0 : 1;
                String ours;
                String detail;
                try {
                    if (obj == null) {
                        throw new IllegalStateException("the object loader cannot read " + r.object());
                    }
                    // rows without a function name identify the program by its section
                    String fn = r.function().equals("-") ? obj.programs().stream()
                            .filter(q -> q.sectionName().equals(r.section())).findFirst().orElseThrow().name()
                            : r.function();
                    ProgramSpec p = obj.linkedProgram(fn);
                    ProgramType type = ProgramType.byName(r.progType()).orElseThrow();
                    VerifierInput in = ObjectInputs.input(obj, p, type);
                    if (obj.license().isEmpty()) {
                        // objects without a license section (falco) were loaded with "GPL" by their loader
                        in = in.withGpl(true);
                    }
                    long t0 = System.nanoTime();
                    VerificationResult res = Verifier.verify(in);
                    long dt = System.nanoTime() - t0;
                    totalNanos += dt;
                    if (dt > 1_000_000_000L) {
                        System.out.printf("  slow: %.1f s, %d insns processed, %s %s%n", dt / 1e9, res.processed(),
                                r.object(), r.function());
                    }
                    times.add(new long[] {dt, res.processed()});
                    timeNames.add(r.object() + " " + r.function());
                    ours = res.accepted() ? "accepted" : "rejected";
                    detail = res instanceof VerificationResult.Rejected j ? "insn " + j.slot() + ": " + j.message()
                            : res.processed() + " insns";
                    table[k][res.accepted() ? 0 : 1]++;
                } catch (RuntimeException ex) {
                    ours = "error";
                    detail = ex.toString();
                    table[k][2]++;
                }
                if (ours.equals("rejected") && r.verdict().equals("rejected")) {
                    messages.put(r.object() + "\t" + r.function() + (r.function().equals("-") ? " " + r.section() : ""),
                            detail + "\t" + r.error());
                }
                if (!ours.equals(r.verdict())) {
                    disagreements.put(r.object() + "\t" + r.function() + (r.function().equals("-") ? " " + r.section() : ""), r.verdict() + "\t" + ours + "\t"
                            + detail.replace('\t', ' ').replace('\n', ' ') + "\t" + r.error());
                }
            }
        }
        System.out.println("corpus agreement (kernel verdict x bpf4j verdict):");
        System.out.printf("  %-16s %10s %10s %10s%n", "", "we accept", "we reject", "error");
        System.out.printf("  %-16s %10d %10d %10d%n", "kernel accepted", table[0][0], table[0][1], table[0][2]);
        System.out.printf("  %-16s %10d %10d %10d%n", "kernel rejected", table[1][0], table[1][1], table[1][2]);
        System.out.printf("  total verification time %.1f ms%n", totalNanos / 1e6);
        Integer[] order = new Integer[times.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(times.get(b)[0], times.get(a)[0]));
        for (int i = 0; i < Math.min(5, order.length); i++) {
            System.out.printf("  slowest: %8.1f ms %8d insns processed  %s%n", times.get(order[i])[0] / 1e6,
                    times.get(order[i])[1], timeNames.get(order[i]));
        }
        for (var d : disagreements.entrySet()) {
            System.out.println("  disagreement: " + d.getKey() + "\t" + d.getValue());
        }
        // both reject: the kernel's decisive line (its log's last) must be our message's last line
        List<String> wording = new ArrayList<>();
        for (var d : messages.entrySet()) {
            String[] f = d.getValue().split("\t", -1);
            String[] ourLines = f[0].split("\n");
            String last = ourLines[ourLines.length - 1].replaceFirst("^insn \\d+: ", "");
            if (!last.equals(f[1])) {
                wording.add(d.getKey() + ": kernel '" + f[1] + "', bpf4j '" + f[0].replace('\n', '|') + "'");
            }
        }
        System.out.printf("  rejection wording: %d of %d programs both reject end with the kernel's line%n",
                messages.size() - wording.size(), messages.size());
        wording.forEach(w -> System.out.println("  wording differs: " + w));
        Map<String, String> expected = new TreeMap<>();
        Map<String, String> reasons = new TreeMap<>();
        if (Files.exists(INVENTORY)) {
            for (String l : Files.readAllLines(INVENTORY)) {
                if (l.isBlank() || l.startsWith("#")) {
                    continue;
                }
                String[] f = l.split("\t", -1);
                expected.put(f[0] + "\t" + f[1], f[3]);
                reasons.put(f[0] + "\t" + f[1], f.length > 6 ? f[6] : "");
            }
        }
        StringBuilder now = new StringBuilder("# object\tfunction\tkernel\tbpf4j\tbpf4j detail\tkernel error\twhy"
                + " (regenerate: -Dbpf4j.updateInventory=true; the why column is kept, write it by hand)\n");
        for (var d : disagreements.entrySet()) {
            now.append(d.getKey()).append('\t').append(d.getValue()).append('\t')
                    .append(reasons.getOrDefault(d.getKey(), "")).append('\n');
        }
        if (Boolean.getBoolean("bpf4j.updateInventory")) {
            Files.writeString(INVENTORY, now.toString());
            return;
        }
        List<String> changes = new ArrayList<>();
        for (var d : disagreements.entrySet()) {
            String ourVerdict = d.getValue().split("\t")[1];
            if (!expected.containsKey(d.getKey())) {
                changes.add("new disagreement (regression?): " + d.getKey() + " " + d.getValue());
            } else if (!expected.get(d.getKey()).equals(ourVerdict)) {
                changes.add("changed: " + d.getKey() + " now " + ourVerdict);
            }
        }
        for (String k : expected.keySet()) {
            if (!disagreements.containsKey(k)) {
                changes.add("now agrees with the kernel (improvement): " + k);
            }
        }
        wording.forEach(w -> changes.add("rejection wording differs from the kernel's: " + w));
        if (!changes.isEmpty()) {
            fail("the corpus disagreements differ from " + INVENTORY + "; update it with -Dbpf4j.updateInventory=true:\n  "
                    + String.join("\n  ", changes));
        }
    }
}
