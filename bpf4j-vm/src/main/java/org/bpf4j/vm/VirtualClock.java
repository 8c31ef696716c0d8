package org.bpf4j.vm;

import java.util.Comparator;
import java.util.TreeSet;
import java.util.function.LongSupplier;

/**
 * A monotonic clock the host moves by hand, and the timer wheel of {@code bpf_timer}: put one in
 * the {@link Environment} ({@link Environment#withClock}) and programs read it through
 * {@code bpf_ktime_get_ns} and arm timers on it; {@link #advanceTo} runs, in expiry order, the
 * callbacks of the timers that come due, each with the clock set to its expiry time. A callback
 * that traps ends the advance with its {@link VmTrapException}. Thread-safe; callbacks run on the
 * thread that advances the clock.
 */
public final class VirtualClock implements LongSupplier {
    private long now;
    private long sequence;
    private final TreeSet<TimerHelpers.BpfTimer> queue = new TreeSet<>(
            Comparator.comparingLong((TimerHelpers.BpfTimer t) -> t.expiry).thenComparingLong(t -> t.sequence));

    /** A clock that reads {@code startNanos}. */
    public VirtualClock(long startNanos) {
        now = startNanos;
    }

    @Override
    public synchronized long getAsLong() {
        return now;
    }

    /** Moves the clock {@code nanos} forward; see {@link #advanceTo}. */
    public int advanceBy(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("a monotonic clock does not go back (" + nanos + " ns)");
        }
        long target;
        synchronized (this) {
            target = now + nanos;
        }
        return advanceTo(target);
    }

    /**
     * Moves the clock to {@code nanos} (never back), running the callback of every timer due by
     * then, earliest first (timers that callbacks arm for a time up to {@code nanos} run too);
     * returns how many timers fired.
     */
    public int advanceTo(long nanos) {
        int fired = 0;
        for (;;) {
            TimerHelpers.BpfTimer t;
            synchronized (this) {
                t = queue.isEmpty() ? null : queue.first();
                if (t == null || t.expiry > nanos) {
                    now = Math.max(now, nanos);
                    return fired;
                }
                queue.remove(t);
                t.armed = false;
                now = Math.max(now, t.expiry);
            }
            t.fire();
            fired++;
        }
    }

    /** Number of armed timers. */
    public synchronized int pending() {
        return queue.size();
    }

    /** Arms (or re-arms) a timer to fire at an absolute time. */
    synchronized void arm(TimerHelpers.BpfTimer t, long expiry) {
        if (t.armed) {
            queue.remove(t);
        }
        t.expiry = expiry;
        t.sequence = sequence++;
        t.armed = true;
        queue.add(t);
    }

    /** Disarms a timer; true if it was armed. */
    synchronized boolean disarm(TimerHelpers.BpfTimer t) {
        if (!t.armed) {
            return false;
        }
        queue.remove(t);
        t.armed = false;
        return true;
    }
}
