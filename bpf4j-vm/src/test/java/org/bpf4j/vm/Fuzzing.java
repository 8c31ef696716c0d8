package org.bpf4j.vm;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * How much a fuzz test runs, read from system properties (the command line's {@code -D} options
 * reach the tests through Maven):
 *
 * <ul>
 *   <li>{@code bpf4j.fuzz.seed}: the seed; absent, each test's own fixed seed, so that the default
 *       build runs the same programs on every machine; {@code random}, a new seed (printed);
 *   <li>{@code bpf4j.fuzz.count}: how many programs (streams, objects) each test runs; absent, the
 *       test's own fixed count;
 *   <li>{@code bpf4j.fuzz.seconds}: a campaign of N seconds: the test goes on past its count until
 *       N seconds have passed (never stops before the count, so a slow machine runs at least the
 *       default work).
 * </ul>
 *
 * <p>A campaign: {@code ./mvnw -o -B verify -pl bpf4j-jit -am -Dtest=JitFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbpf4j.fuzz.seed=random -Dbpf4j.fuzz.seconds=300}; a
 * replay: the printed seed and count ({@code -Dbpf4j.fuzz.seed=S -Dbpf4j.fuzz.count=N}).
 * Immutable; the deadline is fixed when it is made.
 */
public final class Fuzzing {
    private final long seed;
    private final long count;
    private final long seconds;
    private final long deadline;

    private Fuzzing(long seed, long count, long seconds) {
        this.seed = seed;
        this.count = count;
        this.seconds = seconds;
        this.deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    /**
     * The settings of a test whose default build runs {@code defaultCount} programs of seed
     * {@code defaultSeed}; the clock of {@code bpf4j.fuzz.seconds} starts now.
     *
     * @throws IllegalArgumentException if a property is not a number ({@code random} for the seed)
     */
    public static Fuzzing of(long defaultSeed, long defaultCount) {
        String s = System.getProperty("bpf4j.fuzz.seed", "").strip();
        long seed = s.isEmpty() ? defaultSeed : s.equals("random") ? new SplittableRandom().nextLong() : number(
                "bpf4j.fuzz.seed", s);
        String c = System.getProperty("bpf4j.fuzz.count", "").strip();
        long count = c.isEmpty() ? defaultCount : number("bpf4j.fuzz.count", c);
        String t = System.getProperty("bpf4j.fuzz.seconds", "").strip();
        long seconds = t.isEmpty() ? 0 : number("bpf4j.fuzz.seconds", t);
        if (count < 0 || seconds < 0) {
            throw new IllegalArgumentException("bpf4j.fuzz.count and bpf4j.fuzz.seconds must not be negative");
        }
        return new Fuzzing(seed, count, seconds);
    }

    private static long number(String property, String value) {
        try {
            return Long.decode(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + property + "=" + value + ": not a number"
                    + (property.endsWith("seed") ? " (or random)" : ""), e);
        }
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The count: the work of the default build, or {@code bpf4j.fuzz.count}. */
    public long count() {
        return count;
    }

    /** Whether to run another program after {@code done}: below the count, or before the deadline. */
    public boolean more(long done) {
        return done < count || (seconds > 0 && System.nanoTime() < deadline);
    }

    /** Whether this is a timed campaign ({@code bpf4j.fuzz.seconds} set). */
    public boolean timed() {
        return seconds > 0;
    }

    /** The options that replay a run of {@code done} programs. */
    public String replay(long done) {
        return "-Dbpf4j.fuzz.seed=" + seed + " -Dbpf4j.fuzz.count=" + done;
    }

    @Override
    public String toString() {
        return "seed " + seed + ", count " + count + (seconds > 0 ? ", " + seconds + " s campaign" : "");
    }
}
