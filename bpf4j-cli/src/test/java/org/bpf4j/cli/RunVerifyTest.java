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

    /**
     * {@code bpf4j run FILE.o} refuses exactly the programs {@code bpf4j verify} rejects, with the
     * same instruction and message, and runs them with {@code --no-verify}; the verifier's
     * verdicts are not hard-coded (a program of testprogs/ it rejected when this was written, and
     * the firewall it accepts), so the test holds whichever way they go.
     */
    @Test
    void anObjectsProgramIsRefusedExactlyWhenTheVerifierRejectsIt() {
        String packet = "02000000000202000000000108004500002d00010000400666c80a0000010a0000029c4000500000000100000000";
        String[][] programs = {{"../testprogs/skb_misc.o", "skb_misc"}, {"../testprogs/maps.o", "map_foreach"},
            {"../examples/xdp_firewall.o", "xdp_firewall"}};
        int refused = 0;
        for (String[] p : programs) {
            assumeTrue(Files.exists(Path.of(p[0])), "SKIPPED: " + p[0] + " is not in this checkout");
            Cli verify = Cli.run("verify", p[0], "--prog", p[1]);
            Cli run = Cli.run("run", p[0], "--prog", p[1], "--data", packet);
            if (verify.status() == 0) {
                assertEquals(0, run.status(), p[0] + ": accepted, so it runs: " + run.err());
                continue;
            }
            refused++;
            // verify prints "NAME: rejected at insn N: MESSAGE [SOURCE]"; run names the file and program
            String rejected = verify.out().strip().substring((p[1] + ": rejected").length());
            String err = run.error(1);
            assertTrue(err.startsWith("error: " + p[0] + ": program " + p[1] + ": rejected by the verifier"
                    + rejected.substring(0, rejected.indexOf(':'))), err + " / " + verify.out());
            assertTrue(err.endsWith(" (--no-verify runs it unverified, with every check)"), err);
            assertEquals(0, Cli.run("run", p[0], "--prog", p[1], "--data", packet, "--no-verify").status(),
                    p[0] + " runs unverified");
        }
        System.out.println("[run-verify] object programs refused as the verifier rejected them: " + refused + " of "
                + programs.length);
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
