package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpf4j.isa.DataFile;
import org.bpf4j.linux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/**
 * The shared conformance suite in the kernel through {@link MemoryProgram}: every test whose
 * program the kernel's verifier accepts must give the expected 64-bit r0; the ones it refuses
 * are skipped and listed with the verifier's reason.
 */
@KernelTest
class KernelConformanceTest {
    private static final Path SUITE = Path.of(System.getProperty("bpf4j.shared", "../shared")).resolve("conformance");

    @Test
    void conformanceSuiteInTheKernel() throws IOException {
        assumeTrue(Files.isDirectory(SUITE), "no conformance suite at " + SUITE);
        List<Path> files;
        try (Stream<Path> s = Files.list(SUITE)) {
            files = s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
        Kernel kernel = Kernel.system();
        int passed = 0;
        Map<String, String> failed = new TreeMap<>();
        Map<String, String> skipped = new TreeMap<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            DataFile data = DataFile.read(f);
            if (data.expectedResult().isEmpty()) {
                skipped.put(name, "no -- result");
                continue;
            }
            byte[] mem = data.memory().orElse(null);
            try (MemoryProgram p = MemoryProgram.load(kernel, "conformance", data.code(), mem == null ? -1 : mem.length)) {
                long r0 = p.run(mem);
                long expected = data.expectedResult().getAsLong();
                if (r0 == expected) {
                    passed++;
                } else {
                    failed.put(name, "expected 0x" + Long.toHexString(expected) + ", got 0x" + Long.toHexString(r0));
                }
            } catch (VerifierException e) {
                skipped.put(name, "the kernel's verifier refuses it: " + e.summary());
            }
        }
        System.out.printf("kernel conformance: %d passed, %d failed, %d skipped (of %d)%n", passed, failed.size(),
                skipped.size(), files.size());
        skipped.forEach((k, v) -> System.out.println("  SKIP " + k + ": " + v));
        failed.forEach((k, v) -> System.out.println("  FAIL " + k + ": " + v));
        assertEquals(Map.of(), failed);
        assertTrue(passed >= 300, passed + " passed");
    }
}
