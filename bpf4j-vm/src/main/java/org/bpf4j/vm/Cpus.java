package org.bpf4j.vm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The VM's notion of CPUs: a fixed count, and for each thread a stable CPU number, assigned
 * round-robin the first time the thread asks. Per-CPU maps keep one value per CPU, and
 * {@code bpf_get_smp_processor_id} returns the thread's number.
 *
 * <p>The count is {@code -Dbpf4j.cpus}, else the number of available processors, fixed when this
 * class initialises. Thread-safe.
 */
public final class Cpus {
    private Cpus() {}

    private static final int COUNT = Math.max(1, Integer.getInteger("bpf4j.cpus",
            Runtime.getRuntime().availableProcessors()));
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ThreadLocal<Integer> CURRENT =
            ThreadLocal.withInitial(() -> Math.floorMod(NEXT.getAndIncrement(), COUNT));

    /** The number of CPUs. */
    public static int count() {
        return COUNT;
    }

    /** The calling thread's CPU number, in [0, count()). */
    public static int current() {
        return CURRENT.get();
    }
}
