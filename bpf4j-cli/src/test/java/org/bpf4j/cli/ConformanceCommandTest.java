package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpf4j conformance} over the shared suite and over cases made for each outcome. */
class ConformanceCommandTest {
    @TempDir
    Path dir;

    static Path sharedSuite() {
        return Path.of(System.getProperty("bpf4j.shared", "../../shared"), "conformance");
    }

    @Test
    void sharedSuitePassesOnTheInterpreter() {
        Path suite = sharedSuite();
        Assumptions.assumeTrue(Files.isDirectory(suite),
                "SKIPPED: the shared conformance suite is absent (looked in " + suite.toAbsolutePath()
                        + "; set -Dbpf4j.shared)");
        Cli r = Cli.run("conformance", "--engine", "interp", suite.toString());
        assertEquals("313 passed, 0 failed\n", r.out(), "the report (FAIL lines name each failure)");
        assertEquals(Main.EXIT_OK, r.status());
        assertEquals("", r.err());
    }

    @Test
    void reportsEveryOutcomeAndFailsIfAnyFailed() throws IOException {
        write("a-pass.data", "-- asm\nmov %r0, 3\nexit\n-- result\n0x3\n");
        write("b-wrong.data", "-- asm\nmov %r0, -2\nexit\n-- result\n0x3\n");
        write("c-trap-expected.data", "-- asm\nldxb %r0, [%r1]\nexit\n-- error\ninstruction 0: invalid read\n");
        write("d-trap-unexpected.data", "-- asm\nldxb %r0, [%r1]\nexit\n-- result\n0x0\n");
        write("e-no-expectation.data", "-- asm\nmov %r0, 3\nexit\n");
        write("f-parse-error-expected.data", "-- asm\nja +1\nlddw %r0, 1\nexit\n-- error\nis the second half of an lddw\n");
        write("g-malformed.data", "-- asm\nmovx %r0, 1\nexit\n-- result\n0x1\n");
        write("h-memory.data", "-- asm\nldxb %r0, [%r1+1]\nexit\n-- mem\n01 02\n-- result\n0x2\n");
        write("ignored.txt", "not a test");

        Cli r = Cli.run("conformance", dir.toString());
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertEquals("""
                FAIL b-wrong.data: expected 0x3, got 0xfffffffffffffffe
                FAIL d-trap-unexpected.data: instruction 0: invalid read of 1 byte at 0x0 (null pointer)
                SKIP e-no-expectation.data: no '-- result' or '-- error' section
                FAIL g-malformed.data: %s:2: unknown mnemonic 'movx'
                4 passed, 3 failed, 1 skipped
                """.formatted(dir.resolve("g-malformed.data")), r.out());
        assertEquals("", r.err());

        String verbose = Cli.run("conformance", "-v", dir.resolve("a-pass.data").toString(),
                dir.resolve("h-memory.data").toString()).ok();
        assertEquals("PASS a-pass.data\nPASS h-memory.data\n2 passed, 0 failed\n", verbose);
    }

    @Test
    void expectedErrorThatDoesNotHappenFails() throws IOException {
        write("x.data", "-- asm\nmov %r0, 1\nexit\n-- error\ninstruction 0: invalid read\n");
        Cli r = Cli.run("conformance", dir.toString());
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("FAIL x.data: expected the error \"instruction 0: invalid read\", got r0 = 0x1\n0 passed, 1 failed\n",
                r.out());
    }

    @Test
    void directoryWithoutTestsIsAnError() {
        String error = Cli.run("conformance", dir.toString()).error(Main.EXIT_BAD_INPUT);
        assertTrue(error.endsWith("the directory has no .data files"), error);
    }

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }
}
