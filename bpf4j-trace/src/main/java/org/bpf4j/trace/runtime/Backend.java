package org.bpf4j.trace.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.codegen.CompiledScript;

/**
 * Where a compiled script's programs run and its maps live: the bpf4j VM or the Linux kernel.
 * Owns its maps and programs; close it to release them. Used from one thread at a time.
 */
public sealed interface Backend extends AutoCloseable permits VmBackend, KernelBackend {
    /**
     * Runs program {@code index} (in {@link CompiledScript#programs()} order)
     * once, and returns its return value.
     */
    long run(int index, byte[] context);

    /**
     * What {@link #bench} measured.
     *
     * @param averageNanos the mean time of one run
     * @param retval the last run's return value (a benchmark that returns non-zero is skipped)
     */
    record Bench(long averageNanos, long retval) {}

    /**
     * Runs program {@code index} (a {@code bench:} or {@code test:} probe) {@code repeat} times and
     * measures the mean time of a run. This default times {@link #run} calls with an empty context,
     * after one untimed run (which loads and compiles what the first run needs) when {@code repeat}
     * is more than 1.
     */
    default Bench bench(int index, int repeat) {
        byte[] ctx = new byte[TraceRuntime.CONTEXT_BYTES];
        if (repeat > 1) {
            run(index, ctx);
        }
        long retval = 0;
        long start = System.nanoTime();
        for (int i = 0; i < Math.max(1, repeat); i++) {
            retval = run(index, ctx);
        }
        return new Bench((System.nanoTime() - start) / Math.max(1, repeat), retval);
    }

    /**
     * Attaches the programs of probes the backend fires itself (tracepoints, uprobes, timers...).
     *
     * @param pid the process uprobes and USDT probes are limited to, or -1 for every process
     */
    default void attach(int pid) {
        attach(pid, AttachReport.STRICT);
    }

    /**
     * Stops process {@code pid} with {@code SIGSTOP} when it reaches the entry point of
     * {@code program} (an ELF file it is about to {@code exec}): then the dynamic loader has mapped
     * the libraries the program needs and none of the program's code has run (as current
     * bpftrace's {@code run_until_entry} for {@code dw_ustack} under {@code -c}). Close the result
     * to remove the stop; it does not continue the process.
     *
     * @return the armed stop, or null where the backend cannot stop processes or the file has no
     *     entry point (not an ELF executable: a script run by its interpreter)
     */
    default AutoCloseable stopAtEntry(int pid, Path program) {
        return null;
    }

    /**
     * How {@link #attach(int, AttachReport)} reports what it could not attach; current bpftrace's
     * {@code missing_probes} decides what follows ({@link TraceRuntime} implements it so).
     */
    interface AttachReport {
        /** Stops at the first probe that cannot be attached, saying nothing. */
        AttachReport STRICT = new AttachReport() {
            @Override
            public void warning(String message) {}

            @Override
            public boolean failed(AttachPoint attachPoint, String reason) {
                return false;
            }
        };

        /** Part of a probe (one CPU or thread of a watchpoint) could not be attached; the rest is. */
        void warning(String message);

        /**
         * A probe could not be attached at all, for {@code reason} in current bpftrace's words
         * (empty where it gives none). Returns whether attaching goes on without the probe; if not,
         * {@link #attach(int, AttachReport)} throws an {@link AttachException}.
         */
        boolean failed(AttachPoint attachPoint, String reason);
    }

    /**
     * As {@link #attach(int)}, reporting each probe that cannot be attached to {@code report},
     * which decides whether the others are still attached.
     *
     * @throws AttachException when a probe cannot be attached and {@code report} says to stop
     */
    default void attach(int pid, AttachReport report) {}

    /**
     * The programs (by index) whose probes {@link #attach(int, AttachReport)} left out because
     * they could not be attached.
     */
    default Set<Integer> unattached() {
        return Set.of();
    }

    /** The iterator's link could not be pinned where the script said (the path exists, or its directory does not). */
    final class PinFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** A failure to pin at {@code path}, for {@code cause}. */
        public PinFailure(String path, Throwable cause) {
            super("cannot pin the iterator's link at " + path + ": " + cause.getMessage(), cause);
        }
    }

    /**
     * For a script with an iterator ({@code iter:NAME}), after {@link #attach}: reads the iterator
     * to its end, which runs its program over every object, handing what the program printed to
     * {@code chunks} as it comes; or, for an iterator with a pin path, pins its link there and
     * returns the path.
     *
     * @throws UnsupportedOperationException on a backend without iterators
     * @throws PinFailure if the link cannot be pinned
     */
    default Optional<String> iterate(Consumer<byte[]> chunks) {
        throw new UnsupportedOperationException("iterators need the kernel backend");
    }

    /** Detaches what {@link #attach} attached (probes stop firing); the maps stay readable. */
    default void detach() {}

    /** Whether the backend fires interval probes itself (else the runtime runs them on its timers). */
    default boolean firesTimers() {
        return false;
    }

    /** Waits up to {@code nanos} for events to arrive (returns early when some may have). */
    default void await(long nanos) {
        try {
            Thread.sleep(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Hands every pending event to {@code handler}, in order. */
    void drain(Consumer<byte[]> handler);

    /** Events dropped so far because the transport was full. */
    long lost();

    /** The script's map {@code index}. */
    MapStore map(int index);

    /** The number of CPUs per-CPU values are kept for. */
    int cpus();

    /** The clock of {@code nsecs} ({@code CLOCK_MONOTONIC}), in nanoseconds. */
    long monotonicNanos();

    /** Sets the globals: the start time that {@code elapsed} counts from, and {@code cpid}. */
    void setGlobals(long startNanos, long cpid);

    @Override
    void close();

    /** A map as user space sees it: keys, values (every CPU's, 8-byte padded, for per-CPU maps). */
    interface MapStore {
        /** Every key. */
        List<byte[]> keys();

        /** The value of a key. */
        Optional<byte[]> lookup(byte[] key);

        /** Deletes a key. */
        void delete(byte[] key);

        /** Overwrites an existing key's value (every CPU's for per-CPU maps). */
        void overwrite(byte[] key, byte[] value);

        /** A map store made of the four operations of a backend's own map type. */
        static MapStore of(Supplier<List<byte[]>> keys, Function<byte[], Optional<byte[]>> lookup,
                Consumer<byte[]> delete, BiConsumer<byte[], byte[]> overwrite) {
            return new MapStore() {
                @Override
                public List<byte[]> keys() {
                    return keys.get();
                }

                @Override
                public Optional<byte[]> lookup(byte[] key) {
                    return lookup.apply(key);
                }

                @Override
                public void delete(byte[] key) {
                    delete.accept(key);
                }

                @Override
                public void overwrite(byte[] key, byte[] value) {
                    overwrite.accept(key, value);
                }
            };
        }
    }
}
