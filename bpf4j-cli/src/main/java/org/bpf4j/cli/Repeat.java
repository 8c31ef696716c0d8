package org.bpf4j.cli;

import java.util.Arrays;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Times repeated runs of a loaded program for {@code run --repeat}: a warm-up, then timed runs
 * each measured with {@link System#nanoTime()} on one reused runner. Stateless.
 *
 * <p>The warm-up lasts until it has made {@code max(N/10, 1000)} runs and spent at least
 * {@value #WARMUP_MIN_NANOS} ns (so HotSpot has compiled the engine's hot paths), but stops after
 * {@value #WARMUP_MAX_NANOS} ns whatever the count, for slow programs. This is a quick
 * measurement; the JMH benchmarks in {@code bpf4j-bench} are the careful one.
 */
final class Repeat {
    static final long WARMUP_MIN_NANOS = 1_000_000_000L;
    static final long WARMUP_MAX_NANOS = 5_000_000_000L;

    /**
     * What the timed runs measured.
     *
     * @param runs the number of timed runs
     * @param medianNanos the median time of one run, in nanoseconds
     * @param instructions the instructions one run executed, if the engine reports them
     */
    record Result(int runs, double medianNanos, OptionalLong instructions) {
        /** The median time per instruction, if the instruction count is known and positive. */
        OptionalDouble nanosPerInstruction() {
            return instructions.isPresent() && instructions.getAsLong() > 0
                    ? OptionalDouble.of(medianNanos / instructions.getAsLong())
                    : OptionalDouble.empty();
        }
    }

    private Repeat() {}

    /**
     * Warms up, then times {@code n} runs.
     *
     * @param runner the loaded program
     * @param memory the input memory of every run, or null
     * @param n the number of timed runs, at least 1
     * @throws org.bpf4j.Bpf4jException if a run fails
     */
    static Result measure(Backend.Runner runner, byte[] memory, int n) {
        long warmupRuns = Math.max(n / 10, 1000);
        long start = System.nanoTime();
        for (long i = 1; ; i++) {
            runner.run(memory);
            long elapsed = System.nanoTime() - start;
            if ((i >= warmupRuns && elapsed >= WARMUP_MIN_NANOS) || elapsed >= WARMUP_MAX_NANOS) {
                break;
            }
        }
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            runner.run(memory);
            times[i] = System.nanoTime() - t0;
        }
        return new Result(n, median(times), runner.instructions());
    }

    /** The median of the values (the mean of the middle two for an even count); sorts the array. */
    static double median(long[] values) {
        Arrays.sort(values);
        int mid = values.length / 2;
        return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
    }
}
