package org.bpf4j.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.isa.DataFile;

/** Finds the shared benchmark programs ({@code ../shared/bench}) and parses them. */
final class BenchPrograms {
    private BenchPrograms() {}

    /**
     * The benchmark program of that name. The directory is {@code -Dbpf4j.bench.dir}, else
     * {@code ../shared/bench} or {@code shared/bench} relative to the working directory.
     */
    static DataFile load(String name) {
        String configured = System.getProperty("bpf4j.bench.dir");
        Path[] candidates = configured != null
                ? new Path[] {Path.of(configured)}
                : new Path[] {Path.of("../shared/bench"), Path.of("../../shared/bench"), Path.of("shared/bench")};
        for (Path dir : candidates) {
            Path file = dir.resolve(name + ".data");
            if (Files.isRegularFile(file)) {
                return DataFile.read(file);
            }
        }
        throw new IllegalStateException("benchmark program " + name + ".data not found; run from the repository "
                + "root next to ../shared, or set -Dbpf4j.bench.dir");
    }
}
