package org.bpf4j.linux.sys;

import java.lang.ref.Cleaner;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An owned file descriptor of a kernel object (map, program, BTF, link, perf event, epoll).
 * {@link #close()} closes it once; an {@code Fd} that becomes unreachable without being closed
 * is closed by a {@link Cleaner} as a safety net, and counted in {@link #closedByCleaner()} so
 * that tests can see the leak. Thread-safe.
 */
public final class Fd implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong CLOSED_BY_CLEANER = new AtomicLong();

    private final State state;
    private final Cleaner.Cleanable cleanable;
    private final String what;

    /** The closing action, which must not refer to the {@code Fd}. */
    private static final class State implements Runnable {
        private final AtomicInteger fd;
        private final Bpf bpf;
        private volatile boolean explicit;

        State(int fd, Bpf bpf) {
            this.fd = new AtomicInteger(fd);
            this.bpf = bpf;
        }

        @Override
        public void run() {
            int n = fd.getAndSet(-1);
            if (n >= 0) {
                if (!explicit) {
                    CLOSED_BY_CLEANER.incrementAndGet();
                }
                bpf.close(n);
            }
        }
    }

    /**
     * Takes ownership of a descriptor.
     *
     * @param fd the descriptor, non-negative
     * @param bpf the layer that closes it
     * @param what what it is, for messages ({@code map 'counts'})
     */
    public Fd(int fd, Bpf bpf, String what) {
        if (fd < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + fd);
        }
        this.state = new State(fd, Objects.requireNonNull(bpf, "bpf"));
        this.what = Objects.requireNonNull(what, "what");
        this.cleanable = CLEANER.register(this, state);
    }

    /**
     * The descriptor's number.
     *
     * @throws IllegalStateException if it was closed
     */
    public int value() {
        int n = state.fd.get();
        if (n < 0) {
            throw new IllegalStateException(what + " is closed");
        }
        return n;
    }

    /** Whether {@link #close()} has run. */
    public boolean isClosed() {
        return state.fd.get() < 0;
    }

    /** What the descriptor refers to. */
    public String what() {
        return what;
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        state.explicit = true;
        cleanable.clean();
    }

    /** How many descriptors were closed by the cleaner because their owner forgot to close them. */
    public static long closedByCleaner() {
        return CLOSED_BY_CLEANER.get();
    }

    @Override
    public String toString() {
        int n = state.fd.get();
        return what + (n < 0 ? " (closed)" : " (fd " + n + ")");
    }
}
