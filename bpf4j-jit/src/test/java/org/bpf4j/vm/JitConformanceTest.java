package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bpf4j.jit.Jit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The VM's {@code .data} harness ({@link ConformanceTest#check}) on the JIT, with fallback to the
 * interpreter turned off: the shared bpf_conformance suite (313 programs) and the VM's own sandbox
 * cases (the test-jar's {@code /vm-cases}), same results and same error messages as the interpreter.
 */
class JitConformanceTest {
    static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);

    @TestFactory
    Stream<DynamicTest> sharedConformanceSuite() throws IOException {
        Path dir = ConformanceTest.sharedDir("conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "SKIPPED: the shared conformance suite is absent (looked in " + dir.toAbsolutePath() + ")");
        List<Path> files = ConformanceTest.dataFiles(dir);
        assertEquals(313, files.size(), "the shared suite has 313 programs");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> ConformanceTest.check(f, JIT)));
    }

    @TestFactory
    Stream<DynamicTest> sandboxCases() throws IOException, URISyntaxException {
        List<Path> files = ConformanceTest.dataFiles(vmCases());
        assertTrue(files.size() >= 20, "the sandbox cases are present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> ConformanceTest.check(f, JIT)));
    }

    /** The VM's sandbox cases, inside the VM's test-jar (or its test classes directory). */
    static Path vmCases() throws IOException, URISyntaxException {
        URI uri = ConformanceTest.class.getResource("/vm-cases").toURI();
        if ("jar".equals(uri.getScheme())) {
            try {
                FileSystems.newFileSystem(uri, Map.of());
            } catch (FileSystemAlreadyExistsException e) {
                // opened by another test class
            }
        }
        return Path.of(uri);
    }
}
