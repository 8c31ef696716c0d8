package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Functions of current bpftrace's standard library that need a traced command (kernel backend). */
class TraceStdlibTest {
    private static void needsTheKernel() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
    }

    @Test
    void signalThreadStopsTheTracedThreadAndHasCpidIsTrueUnderC() {
        needsTheKernel();
        // the child sleeps 30 s unless the signal, sent to its thread at its first sleep, ends it
        long start = System.nanoTime();
        Cli r = Cli.run("trace", "--unsafe", "-c", "/bin/sleep 30", "-e",
                "tracepoint:syscalls:sys_enter_clock_nanosleep /pid == cpid/ { printf(\"%d %d\\n\", has_cpid, "
                        + "tid == cpid); signal_thread(\"SIGKILL\"); } "
                        + "tracepoint:sched:sched_process_exit /pid == cpid/ { printf(\"exit %s\\n\", comm); }");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("1 1\nexit sleep\n"), r.out());
        assertTrue(seconds < 20, "the child was not killed: " + seconds + " s");
    }
}
