package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bpf4j run} verifies a program first: a rejected one is refused (unless
 * {@code --no-verify}), an accepted one runs on the JIT with the verifier's facts.
 */
class RunVerifyTest {
    @TempDir
    Path dir;

    @Test
    void aRejectedProgramIsRefusedUnlessNoVerify() throws IOException {
        Path source = dir.resolve("uninit.s");
        Files.writeString(source, "mov %r0, %r3\nexit\n");
        assertEquals("error: " + source + ": rejected by the verifier at insn 0: R3 !read_ok "
                + "(--no-verify runs it unverified, with every check)", Cli.run("run", source.toString()).error(1));
        assertEquals("r0 = 0x0\n", Cli.run("run", "--no-verify", source.toString()).ok());
        assertEquals("r0 = 0x0\n", Cli.run("run", "--no-verify", "--engine", "jit", source.toString()).ok());
    }

    @Test
    void aVerifiedProgramRunsOnEveryEngineAlike() {
        Path fib = Path.of("../examples/fib.s");
        String expected = "r0 = 0x" + Long.toHexString(2880067194370816120L) + "\n"; // fib(90)
        assertEquals(expected, Cli.run("run", fib.toString()).ok());
        assertEquals(expected, Cli.run("run", "--engine", "interp", fib.toString()).ok());
        assertEquals(expected, Cli.run("run", "--engine", "jit", fib.toString()).ok());
        assertEquals(expected, Cli.run("run", "--no-verify", fib.toString()).ok());
    }

    @Test
    void theBenchmarksVerifyAndRunWithTheirMemory() {
        Path bench = Path.of(System.getProperty("bpf4j.shared", "../../shared"), "bench");
        assumeTrue(Files.isDirectory(bench), "SKIPPED: ../shared/bench is absent");
        assertEquals("r0 = 0x4e01f156\n", Cli.run("run", bench.resolve("bench_checksum.data").toString()).ok());
        String timed = Cli.run("run", bench.resolve("bench_sum_loop.data").toString(), "--repeat", "3").ok();
        assertTrue(timed.matches("(?s)r0 = 0x[0-9a-f]+\nns/run: [0-9.]+\n(cpu ns/run: [0-9.]+\n)?"), timed);
        assertEquals("bench_checksum.data: accepted (10509 insns processed)\n",
                Cli.run("verify", bench.resolve("bench_checksum.data").toString()).ok());
    }

    @Test
    void anExplicitBudgetStillApplies() throws IOException {
        Path loop = dir.resolve("loop.s");
        Files.writeString(loop, "mov %r0, 0\nloop:\nadd %r0, 1\njlt %r0, 1000, loop\nexit\n");
        assertEquals("r0 = 0x3e8\n", Cli.run("run", loop.toString()).ok());
        String err = Cli.run("run", "--budget", "100", loop.toString()).error(1);
        assertTrue(err.contains("budget"), err);
    }
}
