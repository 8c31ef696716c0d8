package org.bpf4j.vm;

import java.util.random.RandomGenerator;

/**
 * What the host supplies to helpers: clocks and randomness. Immutable and thread-safe; the
 * default reads the JVM's clocks.
 *
 * @param monotonicNanos the clock of {@code bpf_ktime_get_ns} (and the boot and coarse clocks)
 * @param random the source of {@code bpf_get_prandom_u32}
 */
public record Environment(java.util.function.LongSupplier monotonicNanos, RandomGenerator random) {
    /** The JVM's monotonic clock and a thread-local random source. */
    public static Environment system() {
        return new Environment(System::nanoTime, java.util.concurrent.ThreadLocalRandom.current());
    }
}
