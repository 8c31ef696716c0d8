package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** {@code bpf4j run --dump-jit}: the JIT's bytecode listing, then the run as without it. */
class DumpJitTest {
    private static final Path FIB = Path.of("../examples/fib.s");
    private static final Path FIREWALL = Path.of("../examples/xdp_firewall.o");

    @Test
    void listsTheGeneratedClassThenRuns() {
        String plain = Cli.run("run", FIB.toString(), "--engine", "jit").ok();
        String dumped = Cli.run("run", FIB.toString(), "--engine", "jit", "--dump-jit").ok();
        assertTrue(dumped.startsWith("class org.bpf4j.jit."), dumped);
        assertTrue(dumped.contains("call(Lorg/bpf4j/jit/JitState;JJJJJJJJJJJJI)J"), dumped);
        assertTrue(dumped.endsWith(plain), "the run's output follows the listing unchanged: " + plain);
    }

    @Test
    void listsTheChosenProgramOfAnObject() {
        assumeTrue(Files.exists(FIREWALL), "the XDP firewall example is not in this checkout");
        String dumped = Cli.run("run", FIREWALL.toString(), "--engine", "jit", "--dump-jit", "--data", "00".repeat(60)).ok();
        assertTrue(dumped.startsWith("class org.bpf4j.jit."), dumped);
        assertTrue(dumped.contains("retval = "), dumped);
    }

    /**
     * The verifier's facts reach the JIT for an object file: the firewall's loads of its XDP
     * context's fields (proved by the verifier) call the context region directly; without
     * verification they take the checked accessors.
     */
    @Test
    void anObjectsVerifiedProgramIsCompiledWithTheFacts() {
        assumeTrue(Files.exists(FIREWALL), "the XDP firewall example is not in this checkout");
        String packet = "00".repeat(60);
        String verified = Cli.run("run", FIREWALL.toString(), "--dump-jit", "--data", packet).ok();
        assertTrue(verified.contains("invokestatic Memory.loadContext("), verified);
        String unverified = Cli.run("run", FIREWALL.toString(), "--no-verify", "--engine", "jit", "--dump-jit", "--data",
                packet).ok();
        assertFalse(unverified.contains("Memory.loadContext("), unverified);
        assertEquals(verified.substring(verified.indexOf("retval = ")),
                unverified.substring(unverified.indexOf("retval = ")));
    }

    @Test
    void needsTheJit() {
        assertEquals("error: --dump-jit needs --engine jit, not --engine interp",
                Cli.run("run", FIB.toString(), "--engine", "interp", "--dump-jit").error(2));
        assertEquals("error: --dump-jit needs --engine jit, not --engine interp",
                Cli.run("run", FIB.toString(), "--no-verify", "--dump-jit").error(2));
    }

    @Test
    void aVerifiedProgramIsListedWithTheVerifierFacts() {
        Path checksum = Path.of(System.getProperty("bpf4j.shared", "../../shared"), "bench", "bench_checksum.data");
        assumeTrue(Files.exists(checksum), "SKIPPED: ../shared/bench is absent");
        String dumped = Cli.run("run", checksum.toString(), "--dump-jit").ok();
        // the proved load reads the run's input array (a bounds test, no region table)
        assertTrue(dumped.contains("inputLoad"), dumped);
        assertTrue(dumped.endsWith("r0 = 0x4e01f156\n"), dumped);
        String unverified = Cli.run("run", checksum.toString(), "--no-verify", "--engine", "jit", "--dump-jit").ok();
        assertTrue(unverified.contains("Memory.load8(") && !unverified.contains("inputLoad"), unverified);
    }
}
