package org.bpf4j.object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** The shared corpus of real objects ({@code -Dbpf4j.shared}/corpus) and its verdict table. */
final class Corpus {
    private Corpus() {
    }

    /** One row of {@code ebpf-samples-verdicts.tsv}. */
    record Row(String project, String object, String section, String function, String loader, String progType,
            String attachType, int insns, String verdict, String error, String note) {
    }

    static Path root() {
        Path p = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus");
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("ebpf-samples")),
                "corpus not found at " + p.toAbsolutePath() + " (set -Dbpf4j.shared to the shared/ folder); skipping");
        return p;
    }

    static Path samples() {
        return root().resolve("ebpf-samples");
    }

    /** The rows by object path (relative to ebpf-samples), in file order. */
    static Map<String, List<Row>> rows() {
        try {
            Map<String, List<Row>> out = new LinkedHashMap<>();
            List<String> lines = Files.readAllLines(root().resolve("ebpf-samples-verdicts.tsv"));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.split("\t", -1);
                Row r = new Row(f[0], f[1], f[2], f[3], f[4], f[5], f[6], Integer.parseInt(f[7]), f[8], f[10],
                        f.length > 12 ? f[12] : "");
                out.computeIfAbsent(r.object(), k -> new ArrayList<>()).add(r);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Exclusions with reasons, from a test resource: object path, tab, reason. */
    static Map<String, String> exclusions(String resource) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Resources.lines(resource)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 2);
            if (f.length != 2 || f[1].isBlank()) {
                throw new IllegalStateException(resource + ": exclusion without a reason: " + line);
            }
            out.put(f[0], f[1]);
        }
        return out;
    }
}
