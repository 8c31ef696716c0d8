package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.perf.PerfEventAttr;
import org.bpf4j.linux.perf.PerfEvents;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.linux.probe.Tracefs;
import org.bpf4j.linux.sys.Fd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j trace} watchpoints that really fire: hardware breakpoints on the page that
 * {@code src/test/resources/watch/watched} maps at 0x10000000 and writes, reads or runs (see
 * its source), under {@code -c} (the command's threads, also those created after attaching) and
 * {@code -p} (every existing thread). The tests skip with the reason where bpf() or hardware
 * breakpoints are unavailable, and where the binary (built for x86-64) cannot run.
 */
class WatchpointTest {
    private static final Path WATCHED = Path.of("src", "test", "resources", "watch", "watched");

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    /** Skips unless bpf() works, this machine takes a user-space hardware breakpoint and runs the binary. */
    private static String watched() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")) && Files.isExecutable(WATCHED),
                "SKIPPED: " + WATCHED + " is an x86-64 binary");
        Kernel k = Kernel.system();
        try (Fd fd = PerfEvents.open(k, PerfEventAttr.breakpoint(PerfLayouts.BREAKPOINT_W, 0x10000000L, 8), null, 0,
                -1, "a breakpoint probe")) {
            assertTrue(fd.value() >= 0); // opened: this kernel (and its CPU) has hardware breakpoints
        } catch (KernelException e) {
            Assumptions.abort("SKIPPED: no hardware breakpoints here: " + e.getMessage());
        }
        return WATCHED.toAbsolutePath().normalize().toString();
    }

    @Test
    void countsEveryWriteOfACommandWithItsProbeName() {
        String w = watched();
        Cli r = Cli.run("trace", "-c", w + " write 5", "-e", "watchpoint:0x10000000:1:w { @[probe] = count(); } "
                + "w:0x10000008:8:w { @quad = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("Attached 2 probes\n", r.err());
        // the name: the command's program, the address in decimal, length and mode
        assertEquals("\n\n@[watchpoint:" + w + ":268435456:1:w]: 5\n@quad: 5\n", r.out());
    }

    @Test
    void modesTellReadsFromWrites() {
        String w = watched();
        // reads fire rw (written wr: sorted), not w
        Cli r = Cli.run("trace", "-c", w + " read 3", "-e", "watchpoint:0x10000000:1:wr { @rw[probe] = count(); } "
                + "watchpoint:0x10000000:1:w { @w = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("\n\n@rw[watchpoint:" + w + ":268435456:1:rw]: 3\n", r.out());
    }

    @Test
    void anExecutionBreakpointCountsCalls() {
        String w = watched();
        Cli r = Cli.run("trace", "-c", w + " exec 4", "-e", "watchpoint:0x10000100:1:x { @calls = count(); "
                + "@ip = max(reg(\"ip\")); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // the registers are the user's at the breakpoint: the instruction there, about to run
        assertEquals("\n\n@calls: 4\n@ip: 268435712\n", r.out());
    }

    @Test
    void aThreadCreatedAfterAttachingIsWatched() {
        String w = watched();
        // the breakpoint is inherited by the thread the command starts 200 ms after it runs
        Cli r = Cli.run("trace", "-c", w + " thread 200 6", "-e", "watchpoint:0x10000000:1:w { @[tid == pid] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("\n\n@[false]: 6\n", r.out());
    }

    @Test
    void everyExistingThreadOfAProcessIsWatched() throws Exception {
        String w = watched();
        // only the second thread writes 0x10000010
        Process loop = new ProcessBuilder(w, "loop", "10").start();
        try {
            String pid = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertEquals(Long.toString(loop.pid()), pid);
            Cli r = Cli.run("trace", "-p", pid, "-e", "watchpoint:0x10000010:1:w { printf(\"%s %d\\n\", probe, "
                    + "tid != pid); exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertEquals("watchpoint:/proc/" + pid + "/exe:268435472:1:w 1\n\n\n", r.out());
        } finally {
            loop.destroyForcibly().waitFor();
        }
    }

    @Test
    void aKernelAddressIsWatchedOnEveryCpu() throws Exception {
        String w = watched();
        // the kernel counts a task's voluntary context switches in its task_struct (nvcsw), written
        // by __schedule as the task sleeps: its address, read by a tracepoint, is a kernel address
        // written in that task's context
        Process sleeper = new ProcessBuilder(w, "sleep", "20", "1000").start();
        try {
            String pid = new BufferedReader(new InputStreamReader(sleeper.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            Cli a = Cli.run("trace", "-q", "-e", "tracepoint:sched:sched_switch /args.prev_pid == " + pid + "/ { "
                    + "printf(\"%lu\\n\", (uint64)curtask + offsetof(struct task_struct, nvcsw)); exit(); }");
            assertEquals(Main.EXIT_OK, a.status(), a.err());
            long address = Long.parseUnsignedLong(a.out().lines().findFirst().orElseThrow());
            Cli r = Cli.run("trace", "-e", "watchpoint:0x" + Long.toHexString(address) + ":8:w { printf(\"%s %d\\n\", "
                    + "probe, pid); exit(); }");
            if (r.status() == TraceCommand.EXIT_RUN_FAILED && r.err().contains("Operation not permitted")) {
                // this machine's kernel (6.18 under lockdown) refuses breakpoints on kernel addresses,
                // also to a C program run as root: opened per CPU without a process, each fails (a
                // warning for each, as current bpftrace, then the error)
                assertTrue(r.err().startsWith("WARNING: Failed to create a perf event for cpu 0 tid -1: Operation not "
                        + "permitted\n"), r.err());
                assertTrue(r.err().endsWith("ERROR: Unable to attach probe: watchpoint:" + Long.toUnsignedString(address)
                        + ":8:w. If this is expected, set the 'missing_probes' config variable to 'warn'.\n"), r.err());
                Assumptions.abort("SKIPPED: this kernel refuses breakpoints on kernel addresses: " + r.err().lines()
                        .findFirst().orElse(""));
            }
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertEquals("watchpoint:" + Long.toUnsignedString(address) + ":8:w " + pid + "\n\n\n", r.out());
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }

    @Test
    void moreWatchpointsThanDebugRegistersIsAnAttachError() {
        String w = watched();
        // x86-64 has 4 debug registers: the fifth breakpoint of one process finds none
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            script.append("watchpoint:0x").append(Long.toHexString(0x10000000L + 8 * i)).append(":8:w { @w").append(i)
                    .append(" = count(); }\n");
        }
        Cli r = Cli.run("trace", "-c", w + " write 1", "-e", script.toString());
        assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.err());
        r.assertNoStackTrace();
        // as current bpftrace: a warning for each thread whose event cannot be opened, then the error
        // (the fifth, or an earlier one if a breakpoint of another program holds a register on a CPU)
        assertTrue(java.util.regex.Pattern.compile("WARNING: Failed to create a perf event for cpu -1 tid [0-9]+: No "
                + "space left on device\nERROR: No more HW registers left\nERROR: Unable to attach probe: watchpoint:"
                + java.util.regex.Pattern.quote(w) + ":2684354[0-9]+:8:w\\. If this is expected, set the "
                + "'missing_probes' config variable to 'warn'\\.\n").matcher(r.err()).matches(), r.err());
        assertEquals("", r.out());
        // with missing_probes = "warn" the run goes on without it
        Cli warn = Cli.run("trace", "-c", w + " write 1", "-e", "config = { missing_probes = \"warn\" }\n" + script);
        assertEquals(Main.EXIT_OK, warn.status(), warn.err());
        assertTrue(java.util.regex.Pattern.compile("WARNING: Failed to create a perf event for cpu -1 tid [0-9]+: No "
                + "space left on device\nWARNING: No more HW registers left\nWARNING: Unable to attach probe: "
                + "watchpoint:" + java.util.regex.Pattern.quote(w) + ":2684354[0-9]+:8:w\\. Skipping\\.\n"
                + "Attached 4 probes\n").matcher(warn.err()).matches(), warn.err());
        assertTrue(warn.out().contains("@w0: 1\n"), warn.out());
    }
}
