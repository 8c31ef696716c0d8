package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.DataFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs {@code .data} programs on the interpreter: the shared bpf_conformance suite
 * ({@code ../shared/conformance}, 313 programs) and our own sandbox cases
 * ({@code src/test/resources/vm-cases}). A case with {@code -- result} must return exactly that
 * r0, twice in a row on one reused execution; a case with {@code -- error} must fail to parse, load
 * or run with a message that starts with the expected text.
 */
class ConformanceTest {
    static final long CASE_BUDGET = 1_000_000;

    static Path sharedDir(String name) {
        String shared = System.getProperty("bpf4j.shared", "../shared");
        return Path.of(shared, name);
    }

    static List<Path> dataFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicTest> sharedConformanceSuite() throws IOException {
        Path dir = sharedDir("conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir),
                "SKIPPED: the shared conformance suite is absent (looked in " + dir.toAbsolutePath() + ")");
        List<Path> files = dataFiles(dir);
        assertEquals(313, files.size(), "the shared suite has 313 programs");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f, Interpreter.INSTANCE)));
    }

    @TestFactory
    Stream<DynamicTest> sandboxCases() throws IOException, URISyntaxException {
        Path dir = Path.of(ConformanceTest.class.getResource("/vm-cases").toURI());
        List<Path> files = dataFiles(dir);
        assertTrue(files.size() >= 20, "the sandbox cases are present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f, Interpreter.INSTANCE)));
    }

    static void check(Path file, Engine engine) {
        DataFile data;
        long r0;
        long again;
        try {
            data = DataFile.read(file);
            VmProgram program = VmProgram.load(file.getFileName().toString(), data.code(),
                    VmOptions.defaults().withEngine(engine).withInstructionBudget(CASE_BUDGET));
            Execution ex = program.newExecution();
            byte[] mem = data.memory().orElse(null);
            r0 = ex.runWithMemory(mem);
            again = ex.runWithMemory(mem);
        } catch (Bpf4jException e) {
            String expected = expectedError(file);
            if (expected == null) {
                fail(file.getFileName() + ": unexpected error: " + e.getMessage(), e);
            }
            assertTrue(e.getMessage().contains(expected),
                    () -> file.getFileName() + ": expected an error containing \"" + expected + "\", got \""
                            + e.getMessage() + "\"");
            return;
        }
        if (data.expectedError().isPresent()) {
            fail(file.getFileName() + ": expected the error \"" + data.expectedError().get() + "\", but r0 = 0x"
                    + Long.toHexString(r0));
        }
        long expected = data.expectedResult().orElseThrow(
                () -> new AssertionError(file.getFileName() + " has neither -- result nor -- error"));
        assertEquals(hex(expected), hex(r0), () -> file.getFileName() + ": r0");
        assertEquals(hex(r0), hex(again), () -> file.getFileName() + ": a second run on the same execution differs");
    }

    private static String expectedError(Path file) {
        try {
            String text = Files.readString(file);
            int i = text.indexOf("-- error");
            if (i < 0) {
                return null;
            }
            String rest = text.substring(i + "-- error".length()).strip();
            int end = rest.indexOf("\n--");
            return (end < 0 ? rest : rest.substring(0, end)).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
