package org.bpf4j.isa;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;

/** Finds the shared test data beside the checkout ({@code -Dbpf4j.shared}, set by surefire). */
final class SharedData {
    private SharedData() {}

    /** The conformance suite directory; the calling test is skipped, with the reason, if it is absent. */
    static Path conformanceDir() {
        Path dir = location();
        assumeTrue(Files.isDirectory(dir), absent(dir));
        return dir;
    }

    private static Path location() {
        return Path.of(System.getProperty("bpf4j.shared", "../shared"), "conformance");
    }

    private static String absent(Path dir) {
        return "conformance suite not found at " + dir.toAbsolutePath()
                + " (set -Dbpf4j.shared to the shared/ folder); skipping";
    }

    /**
     * One dynamic test per conformance file, named after the file; if the suite is absent, one
     * test that is skipped with the reason (so that the skip shows in the report).
     */
    static Stream<DynamicTest> perFile(Function<Path, Executable> test) {
        Path dir = location();
        if (!Files.isDirectory(dir)) {
            return Stream.of(DynamicTest.dynamicTest("conformance suite absent", () -> assumeTrue(false, absent(dir))));
        }
        return conformanceFiles().stream()
                .map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), test.apply(p)));
    }

    /** The suite's {@code .data} files, sorted by name. */
    static List<Path> conformanceFiles() {
        try (Stream<Path> files = Files.list(conformanceDir())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".data")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
