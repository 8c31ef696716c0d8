package org.bpf4j.cli;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.bpf4j.Bpf4jException;

/**
 * Times repeated runs of a loaded program for {@code run --repeat}: a warm-up, then the timed runs
 * in batches of up to {@value #BATCH} runs on one reused runner ({@link Backend.Runner#runBatch}:
 * one copy of the memory per batch, as {@code BPF_PROG_TEST_RUN} with a repeat count makes), each batch timed with
 * {@link System#nanoTime()}; the figure is the median batch's time divided by its runs. This is
 * what {@code JitBenchmark.run} in {@code bpf4j-bench} measures (time per run over invocations of
 * {@value #BATCH} runs), so the two print comparable {@code ns/run}: timing each run on its own
 * instead measured the clock too (a {@code nanoTime} call costs about 90 ns on these virtual
 * machines, several times an empty program's run). Each batch's thread CPU time (user and system,
 * so a kernel run's system call counts) gives a second figure, like the benchmark's
 * {@code cpu-measured}: on a loaded machine, wall-clock batches include time spent waiting for a
 * core, which CPU time does not. Stateless.
 *
 * <p>The warm-up lasts until it has made {@code max(N/10, 1000)} runs and spent at least
 * {@value #WARMUP_MIN_NANOS} ns (so HotSpot has compiled the engine's hot paths), but stops after
 * {@value #WARMUP_MAX_NANOS} ns whatever the count, for slow programs. This is a quick
 * measurement; the JMH benchmarks in {@code bpf4j-bench} are the careful one.
 */
final class Repeat {
    static final long WARMUP_MIN_NANOS = 1_000_000_000L;
    static final long WARMUP_MAX_NANOS = 5_000_000_000L;
    /** Runs per timed batch: the benchmark's runs per invocation ({@code JitBenchmark.BATCH}). */
    static final int BATCH = 1000;

    /**
     * What the timed runs measured.
     *
     * @param runs the number of timed runs
     * @param medianNanos the time of one run in the median batch, in nanoseconds
     * @param cpuNanos the thread's CPU time per run in the median batch by that measure, if the JVM
     *     measures thread CPU time
     * @param instructions the instructions one run executed, if the engine reports them
     */
    record Result(int runs, double medianNanos, OptionalDouble cpuNanos, OptionalLong instructions) {
        /** The median time per instruction, if the instruction count is known and positive. */
        OptionalDouble nanosPerInstruction() {
            return instructions.isPresent() && instructions.getAsLong() > 0
                    ? OptionalDouble.of(medianNanos / instructions.getAsLong())
                    : OptionalDouble.empty();
        }
    }

    private Repeat() {}

    /**
     * Warms up, then times {@code n} runs in batches of {@value #BATCH} (the last one may be smaller).
     *
     * @param runner the loaded program
     * @param memory the input memory of every run, or null
     * @param n the number of timed runs, at least 1
     * @throws Bpf4jException if a run fails
     */
    static Result measure(Backend.Runner runner, byte[] memory, int n) {
        long warmupRuns = Math.max(n / 10, 1000);
        long start = System.nanoTime();
        for (long i = 0; ; ) {
            int runs = (int) Math.min(BATCH, Math.max(1, warmupRuns - i));
            runner.runBatch(memory, runs);
            i += runs;
            long elapsed = System.nanoTime() - start;
            if ((i >= warmupRuns && elapsed >= WARMUP_MIN_NANOS) || elapsed >= WARMUP_MAX_NANOS) {
                break;
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        boolean cpu = threads.isCurrentThreadCpuTimeSupported();
        int batches = (n + BATCH - 1) / BATCH;
        double[] perRun = new double[batches];
        double[] cpuPerRun = new double[batches];
        int left = n;
        for (int b = 0; b < batches; b++) {
            int runs = Math.min(BATCH, left);
            left -= runs;
            long c0 = cpu ? threads.getCurrentThreadCpuTime() : 0;
            long t0 = System.nanoTime();
            runner.runBatch(memory, runs);
            perRun[b] = (double) (System.nanoTime() - t0) / runs;
            cpuPerRun[b] = cpu ? (double) (threads.getCurrentThreadCpuTime() - c0) / runs : 0;
        }
        return new Result(n, median(perRun), cpu ? OptionalDouble.of(median(cpuPerRun)) : OptionalDouble.empty(),
                runner.instructions());
    }

    /** The median of the values (the mean of the middle two for an even count); sorts the array. */
    static double median(double[] values) {
        Arrays.sort(values);
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
    }
}
