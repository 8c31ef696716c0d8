package org.bpf4j.linux.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bpf4j.linux.KernelException;

/**
 * An epoll instance that waits for descriptors to become readable, each registered with a
 * number the caller chooses (a CPU, a ring's index). Owns its epoll descriptor, not the watched
 * ones. Not thread-safe: one reader waits at a time.
 */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLLIN = 1;
    /** {@code struct epoll_event} is packed (12 bytes) on x86_64 and 16 bytes elsewhere. */
    private static final int EVENT_SIZE = "amd64".equals(System.getProperty("os.arch")) ? 12 : 16;
    private static final int DATA_OFFSET = EVENT_SIZE == 12 ? 4 : 8;
    private static final int MAX_EVENTS = 64;

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate((long) EVENT_SIZE * MAX_EVENTS, 8);
    private final MemorySegment capture = Native.captureSegment(arena);

    /**
     * Creates an epoll instance.
     *
     * @param bpf the layer that closes its descriptor
     */
    public Epoll(Bpf bpf) {
        int r = Native.epollCreate1(capture, EPOLL_CLOEXEC);
        if (r < 0) {
            int e = Native.errno(capture);
            arena.close();
            throw new KernelException("epoll_create1", e, "creating an epoll instance");
        }
        this.fd = new Fd(r, bpf, "epoll");
    }

    /** Watches {@code watched} for input, reporting it as {@code tag}. */
    public void add(int watched, long tag) {
        MemorySegment ev = arena.allocate(16, 8);
        ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN);
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, DATA_OFFSET, tag);
        if (Native.epollCtl(capture, fd.value(), EPOLL_CTL_ADD, watched, ev) < 0) {
            throw new KernelException("epoll_ctl", Native.errno(capture), "watching fd " + watched);
        }
    }

    /**
     * Waits until a watched descriptor has input or the timeout passes.
     *
     * @param timeoutMillis how long to wait; 0 to poll, -1 forever
     * @return the tags of the descriptors with input (empty on timeout or interruption by a signal)
     */
    public long[] await(int timeoutMillis) {
        int n = Native.epollWait(capture, fd.value(), events, MAX_EVENTS, timeoutMillis);
        if (n < 0) {
            int e = Native.errno(capture);
            if (e == Errno.EINTR) {
                return new long[0];
            }
            throw new KernelException("epoll_wait", e, "waiting for input");
        }
        long[] tags = new long[n];
        for (int i = 0; i < n; i++) {
            tags[i] = events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * EVENT_SIZE + DATA_OFFSET);
        }
        return tags;
    }

    /** Closes the epoll descriptor (not the watched ones). */
    @Override
    public void close() {
        if (fd.isClosed()) {
            return;
        }
        fd.close();
        arena.close();
    }
}
