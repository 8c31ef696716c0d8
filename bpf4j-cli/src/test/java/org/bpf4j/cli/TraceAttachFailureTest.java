package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.perf.PerfEventAttr;
import org.bpf4j.linux.perf.PerfEvents;
import org.bpf4j.linux.sys.Fd;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A probe the kernel will not attach, as current bpftrace handles it ({@code BPFtrace::run} and
 * {@code log_probe_attach_failure}): by default an error that ends the run before anything is
 * printed ({@code Unable to attach probe: NAME. If this is expected, ...}), with
 * {@code missing_probes = "warn"} a warning and the run goes on without it, with {@code "ignore"}
 * nothing; and "Attachment failed for all probes." when none is left. The probe here is a hardware
 * event, which a virtual machine's kernel has no counter for (perf_event_open: ENOENT); the tests
 * skip where bpf() is unavailable or the event opens.
 */
class TraceAttachFailureTest {
    private static final String PROBE = "hardware:cache-misses:1000000";

    /** Skips unless bpf() works and this machine has no cache-misses counter. */
    private static void hardwareEventsFail() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        // PERF_TYPE_HARDWARE (0), PERF_COUNT_HW_CACHE_MISSES (3), on CPU 0
        try (Fd fd = PerfEvents.open(Kernel.system(), new PerfEventAttr(0, 3, 1_000_000, false, 0, 1, 0, 0, false), null,
                -1, 0, "a hardware event")) {
            Assumptions.abort("SKIPPED: this machine counts cache misses (fd " + fd.value() + "): the probe attaches");
        } catch (KernelException e) {
            // no such counter here: the probe cannot be attached
        }
    }

    @Test
    void byDefaultTheRunEndsBeforeAnythingIsPrinted() {
        hardwareEventsFail();
        Cli r = Cli.run("trace", "-e", PROBE + " { @ = count(); } BEGIN { printf(\"begin\\n\"); }");
        assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.err());
        r.assertNoStackTrace();
        // BEGIN has run, but its output is never read: bpftrace returns before polling
        assertEquals("", r.out());
        assertEquals("ERROR: Unable to attach probe: " + PROBE + ". If this is expected, set the 'missing_probes' "
                + "config variable to 'warn'.\n", r.err());
    }

    @Test
    void warnSkipsTheProbe() {
        hardwareEventsFail();
        Cli r = Cli.run("trace", "-e", "config = { missing_probes = \"warn\" } " + PROBE + " { @ = count(); } "
                + "interval:ms:50 { printf(\"tick\\n\"); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // the probe is not counted
        assertEquals("WARNING: Unable to attach probe: " + PROBE + ". Skipping.\nAttached 1 probe\n", r.err());
        assertEquals("tick\n\n\n", r.out());
    }

    @Test
    void ignoreSaysNothingAndBeginAloneEnds() {
        hardwareEventsFail();
        // the environment's missing_probes is the config's; what is left (BEGIN) runs and ends
        Cli r = Cli.run("trace", "-e", "config = { missing_probes = \"ignore\" } " + PROBE + " { @ = count(); } "
                + "BEGIN { printf(\"begin\\n\"); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("Attached 1 probe\n", r.err());
        assertEquals("begin\n\n\n", r.out());
    }

    @Test
    void noProbeLeftIsAnError() {
        hardwareEventsFail();
        Cli r = Cli.run("trace", "-e", "config = { missing_probes = \"warn\" } " + PROBE + " { @ = count(); }");
        assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.err());
        assertEquals("WARNING: Unable to attach probe: " + PROBE + ". Skipping.\n"
                + "ERROR: Attachment failed for all probes.\n", r.err());
        assertEquals("", r.out());
        // with --no-warnings only the error is left
        Cli quiet = Cli.run("trace", "--no-warnings", "-e", "config = { missing_probes = \"warn\" } " + PROBE
                + " { @ = count(); }");
        assertEquals(TraceCommand.EXIT_RUN_FAILED, quiet.status(), quiet.err());
        assertEquals("ERROR: Attachment failed for all probes.\n", quiet.err());
    }
}
