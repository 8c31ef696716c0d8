package org.bpf4j.trace.runtime;

import java.util.List;

/**
 * Current bpftrace's {@code --mode bench}: BEGIN runs, then each {@code bench:NAME} probe, in the
 * order written, runs many times in the backend ({@code BPF_PROG_TEST_RUN} with a repeat count in
 * the kernel) with its output dropped, more times at each round until the runs take at least a
 * millisecond; its mean time per run is printed ({@link Output#benchmark}). A benchmark that
 * returns non-zero is skipped. Then END runs; no other probe is attached and no map is printed at
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
        for (int k = 0; k < benches.size(); k++) {
            measure(benches.get(k), names, k);
        }
        runtime.runEnd();
        if (!out.json()) {
            out.out().print("\n\n");
        }
        out.out().flush();
    }

    /** Runs benchmark {@code k} (program {@code index}) until the runs take a millisecond, as bpftrace. */
    private void measure(int index, List<String> names, int k) {
        long iterations = 1;
        while (true) {
            Backend.Bench b = backend.bench(index, (int) iterations);
            runtime.discardEvents();
            if (b.retval() != 0) {
                return; // the benchmark asked to be skipped
            }
            long total = b.averageNanos() * iterations;
            long factor = total < 1_000 ? 1_000 : total < 10_000 ? 100 : total < 100_000 ? 10 : total < 1_000_000 ? 2 : 1;
            if (factor == 1 || iterations * factor > MAX_REPEAT) {
                out.benchmark(names, k, b.averageNanos(), iterations);
                out.out().flush();
                return;
            }
            iterations *= factor;
        }
    }
}
