package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j trace --mode bench} (and {@code --bench}): current bpftrace's {@code bench:} probes,
 * each run many times and its mean time printed, on the VM and (where bpf() works) in the kernel.
 */
class TraceBenchTest {
    // @a++, not count(): END may run on another CPU than the benchmarks, and a count() read there
    // is that CPU's share
    private static final String SCRIPT = "BEGIN { printf(\"begin\\n\"); } bench:first { @a++; } "
            + "bench:second_one { if (@b == 0) { print(@a); } @b++; } tracepoint:sched:sched_switch { @t = count(); } "
            + "END { printf(\"end %d\\n\", @a > 0); clear(@a); clear(@b); }";
    private static final Pattern ROW = Pattern.compile("^(\\w+) +(\\d+) +(\\d+)$", Pattern.MULTILINE);

    private static void needsTheKernel() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
    }

    /** The table's rows (name, mean nanoseconds, iterations) after its header. */
    private static void assertTable(String out) {
        assertTrue(out.startsWith("begin\nBenchmark                                Time(ns)       Iterations\n"
                + "-".repeat(66) + "\n"), out);
        Matcher m = ROW.matcher(out);
        List<String> names = m.results().map(r -> r.group(1)).toList();
        assertEquals(List.of("first", "second_one"), names, out);
        // nothing else was attached (the tracepoint did not count), no map printed at the end
        assertTrue(out.endsWith("\nend 1\n\n\n"), out);
    }

    @Test
    void benchmarksRunOnTheVm() {
        Cli r = Cli.run("trace", "--backend", "vm", "--mode", "bench", "-e", SCRIPT.replace(
                " tracepoint:sched:sched_switch { @t = count(); }", ""));
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTable(r.out());
        assertEquals("", r.err(), "no Attached line");
    }

    @Test
    void benchmarksRunInTheKernelWithOneTestRunEach() {
        needsTheKernel();
        Cli r = Cli.run("trace", "--bench", "-e", SCRIPT);
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTable(r.out());
        Matcher m = ROW.matcher(r.out());
        while (m.find()) {
            long nanos = Long.parseLong(m.group(2));
            long iterations = Long.parseLong(m.group(3));
            // measured until the runs took a millisecond, as bpftrace does
            assertTrue(nanos * iterations >= 1_000_000 || iterations >= 1 << 30, r.out());
        }
    }

    @Test
    void jsonGivesOneResultPerBenchmark() {
        Cli r = Cli.run("trace", "--backend", "vm", "-q", "-f", "json", "--bench", "-e", "bench:a { @a = 1; } bench:b { @b = 2; }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().matches("\\{\"type\": \"benchmark_result\", \"data\": \\{\"a\": \\{\"average\": \\d+, \"iters\": \\d+}}}\n"
                + "\\{\"type\": \"benchmark_result\", \"data\": \\{\"b\": \\{\"average\": \\d+, \"iters\": \\d+}}}\n"), r.out());
    }

    private static final String FAILING = "bench:errs { errorf(\"x %d\", 1); } bench:ok { @a = 1; } "
            + "bench:skips { return 1; } bench:exits { exit(2); } END { printf(\"end\\n\"); }";

    /**
     * As current bpftrace: a benchmark that reports an error or exits with a non-zero code fails
     * (not in the table: the header comes with the first benchmark, here the second), one that
     * returns non-zero is skipped, END still runs, the exit status is 1.
     */
    private static void assertFailures(Cli r) {
        assertEquals(1, r.status(), r.err());
        assertEquals("ERROR: Benchmark 'errs' failed.\nERROR: Benchmark 'exits' failed.\n", r.err());
        assertTrue(r.out().matches("ok +\\d+ +\\d+\nend\n\n\n"), r.out());
    }

    @Test
    void failedBenchmarksMakeTheStatusOneOnTheVm() {
        assertFailures(Cli.run("trace", "--backend", "vm", "--bench", "-e", FAILING));
    }

    @Test
    void failedBenchmarksMakeTheStatusOneInTheKernel() {
        needsTheKernel();
        assertFailures(Cli.run("trace", "--bench", "-e", FAILING));
    }

    @Test
    void withoutTheModeBenchmarksAreNotRun() {
        Cli only = Cli.run("trace", "--backend", "vm", "-e", "bench:a { @a = 1; }");
        assertEquals("ERROR: No probes attached; use --bench to run benchmark probes.\n", only.err());
        Cli other = Cli.run("trace", "--backend", "vm", "-e", "bench:a { @a = 1; } BEGIN { @b = 2; exit(); }");
        assertEquals(Main.EXIT_OK, other.status(), other.err());
        assertEquals("\n\n@b: 2\n", other.out());
        assertEquals("Attached 1 probe\n", other.err());
    }

    @Test
    void modesAreCheckedAsBpftraceChecksThem() {
        assertEquals("ERROR: USAGE: --mode can only be 'codegen', 'compiler-bench', 'bench', 'test' or 'format'.\n",
                Cli.run("trace", "--backend", "vm", "--mode", "fast", "-e", "BEGIN { }").err());
        assertEquals("ERROR: USAGE: --bench conflicts with existing --mode\n",
                Cli.run("trace", "--backend", "vm", "--mode", "bench", "--bench", "-e", "BEGIN { }").err());
        assertEquals("ERROR: --mode codegen is not supported by bpf4j trace\n",
                Cli.run("trace", "--backend", "vm", "--mode", "codegen", "-e", "BEGIN { }").err());
    }
}
