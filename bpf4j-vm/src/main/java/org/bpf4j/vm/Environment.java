package org.bpf4j.vm;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * What the host supplies to helpers: clocks, randomness, the identity of the "current task" and
 * where trace output goes. Immutable and thread-safe; start from {@link #system()} and change
 * parts with the {@code with} methods.
 *
 * @param monotonicNanos the clock of {@code bpf_ktime_get_ns} (and the boot and coarse clocks)
 * @param random the source of {@code bpf_get_prandom_u32}
 * @param pidTgid what {@code bpf_get_current_pid_tgid} returns: thread group id (process id) in
 *     the upper 32 bits, thread id in the lower
 * @param uidGid what {@code bpf_get_current_uid_gid} returns: gid in the upper 32 bits, uid in the lower
 * @param comm the task name {@code bpf_get_current_comm} copies (at most 15 bytes are used)
 * @param traceSink receives each message of {@code bpf_trace_printk} and {@code bpf_trace_vprintk}
 * @param addressSpace the host memory that probe helpers may read
 * @param tracee what tracing helpers see: stacks, task and cgroup, traced function, attach cookie
 *     ({@link Tracee}). Timers fire only when {@code monotonicNanos} is a {@link VirtualClock}.
 */
public record Environment(LongSupplier monotonicNanos, RandomGenerator random, long pidTgid, long uidGid,
        String comm, Consumer<String> traceSink, AddressSpace addressSpace, Tracee tracee) {
    public Environment {
        Objects.requireNonNull(monotonicNanos);
        Objects.requireNonNull(random);
        Objects.requireNonNull(comm);
        Objects.requireNonNull(traceSink);
        Objects.requireNonNull(addressSpace);
        Objects.requireNonNull(tracee);
    }

    /** An environment with no tracing information ({@link Tracee#none()}). */
    public Environment(LongSupplier monotonicNanos, RandomGenerator random, long pidTgid, long uidGid,
            String comm, Consumer<String> traceSink, AddressSpace addressSpace) {
        this(monotonicNanos, random, pidTgid, uidGid, comm, traceSink, addressSpace, Tracee.none());
    }

    /** This environment with other tracing information. */
    public Environment withTracee(Tracee t) {
        return new Environment(monotonicNanos, random, pidTgid, uidGid, comm, traceSink, addressSpace, t);
    }

    /**
     * The JVM's monotonic clock, a thread-local random source, this JVM's process id as both pid
     * and tgid, uid and gid 0, the task name {@code java}, and trace output to standard error.
     */
    public static Environment system() {
        long pid = ProcessHandle.current().pid();
        return new Environment(System::nanoTime, java.util.concurrent.ThreadLocalRandom.current(), pid << 32 | pid,
                0, "java", msg -> System.err.print(msg), AddressSpace.empty(),
                Tracee.none().withTaiOffset(SystemTai.OFFSET));
    }

    /**
     * The distance from the JVM's monotonic clock to TAI (wall-clock time plus the 37 leap seconds
     * since 1972), measured once per JVM, so that every system environment agrees on
     * {@code bpf_ktime_get_tai_ns} for the same monotonic time.
     */
    private static final class SystemTai {
        static final long OFFSET = System.currentTimeMillis() * 1_000_000L + 37_000_000_000L - System.nanoTime();
    }

    /** This environment with another task identity. */
    public Environment withTask(long pidTgid, long uidGid, String comm) {
        return new Environment(monotonicNanos, random, pidTgid, uidGid, comm, traceSink, addressSpace, tracee);
    }

    /** This environment with another trace sink. */
    public Environment withTraceSink(Consumer<String> sink) {
        return new Environment(monotonicNanos, random, pidTgid, uidGid, comm, sink, addressSpace, tracee);
    }

    /** This environment with other host memory for probe reads. */
    public Environment withAddressSpace(AddressSpace space) {
        return new Environment(monotonicNanos, random, pidTgid, uidGid, comm, traceSink, space, tracee);
    }

    /** This environment with another clock. */
    public Environment withClock(LongSupplier clock) {
        return new Environment(clock, random, pidTgid, uidGid, comm, traceSink, addressSpace, tracee);
    }

    /** This environment with another random source. */
    public Environment withRandom(RandomGenerator r) {
        return new Environment(monotonicNanos, r, pidTgid, uidGid, comm, traceSink, addressSpace, tracee);
    }
}
