package org.bpf4j.trace.runtime;

import java.io.PrintWriter;
import java.util.List;

/**
 * Current bpftrace's {@code --mode bench}: BEGIN runs, then each {@code bench:NAME} probe, in the
 * order written, runs many times in the backend ({@code BPF_PROG_TEST_RUN} with a repeat count in
 * the kernel) with its output dropped, more times at each round until the runs take at least a
 * millisecond; its mean time per run is printed ({@link Output#benchmark}). A benchmark that
 * returns non-zero is skipped; one that exits with a non-zero code or reports an error fails (the
 * exit status is then 1). Then END runs; no other probe is attached and no map is printed at
 * the end. Not thread-safe: one run on the runtime's thread.
 */
final class Benchmarks {
    /** The most runs one measurement asks for (the kernel's repeat count is 32 bits). */
    private static final long MAX_REPEAT = 1L << 30;

    private final TraceRuntime runtime;
    private final Backend backend;
    private final Output out;

    Benchmarks(TraceRuntime runtime, Backend backend, Output out) {
        this.runtime = runtime;
        this.backend = backend;
        this.out = out;
    }

    void run() {
        List<Integer> benches = runtime.beginTestRuns("bench");
        List<String> names = runtime.namesOf(benches);
        boolean failed = false;
        for (int k = 0; k < benches.size(); k++) {
            failed |= !measure(benches.get(k), names, k);
        }
        runtime.endTestRuns(failed, out);
    }

    /**
     * Runs benchmark {@code k} (program {@code index}) until the runs take a millisecond, as bpftrace;
     * false if it failed: as current bpftrace, a benchmark that called {@code exit()} with a
     * non-zero code or reported an error (errorf, a runtime error) in its last round is not
     * printed but reported ({@code ERROR: Benchmark 'NAME' failed.}), and the run's exit status is 1.
     */
    private boolean measure(int index, List<String> names, int k) {
        long iterations = 1;
        while (true) {
            int errorsBefore = runtime.errorsReported();
            Backend.Bench b = backend.bench(index, (int) iterations);
            runtime.discardEvents();
            if (runtime.exitCode() == 0 && b.retval() != 0) {
                return true; // the benchmark asked to be skipped
            }
            long total = b.averageNanos() * iterations;
            long factor = total < 1_000 ? 1_000 : total < 10_000 ? 100 : total < 100_000 ? 10 : total < 1_000_000 ? 2 : 1;
            if (factor == 1 || iterations * factor > MAX_REPEAT) {
                if (runtime.exitCode() != 0 || runtime.errorsReported() != errorsBefore) {
                    runtime.resetExitCode();
                    out.out().flush();
                    error("Benchmark '" + names.get(k) + "' failed.");
                    return false;
                }
                out.benchmark(names, k, b.averageNanos(), iterations);
                out.out().flush();
                return true;
            }
            iterations *= factor;
        }
    }

    /** bpftrace's {@code LOG(ERROR)}: on the error stream in either output form. */
    private void error(String message) {
        PrintWriter err = out instanceof Output.Text t ? t.err() : new PrintWriter(System.err, true);
        err.println("ERROR: " + message);
        err.flush();
    }
}
