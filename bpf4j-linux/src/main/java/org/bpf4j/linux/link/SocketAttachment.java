package org.bpf4j.linux.link;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.linux.sys.Posix;

/**
 * A socket filter program attached to a socket with {@code SO_ATTACH_BPF}. Closing detaches it
 * with {@code SO_DETACH_BPF}; the socket belongs to the caller and stays open (a filter also goes
 * away when its socket is closed, after which {@link #close()} does nothing). Thread-safe.
 */
public final class SocketAttachment implements Link {
    private final int socket;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    SocketAttachment(int socket, String description) {
        this.socket = socket;
        this.description = description;
    }

    /** The socket's descriptor (the caller's). */
    public int socket() {
        return socket;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Native.captureSegment(arena);
            MemorySegment zero = arena.allocate(ValueLayout.JAVA_INT);
            if (Native.setsockopt(capture, socket, Posix.SOL_SOCKET, Posix.SO_DETACH_BPF, zero, 4) < 0) {
                int errno = Native.errno(capture);
                // ENOENT: no filter any more; EBADF/ENOTSOCK: the socket was closed first.
                if (errno != 2 && errno != 9 && errno != 88) {
                    throw new KernelException("setsockopt(SO_DETACH_BPF)", errno, "detaching " + description);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "socket filter " + description + (isClosed() ? " (closed)" : "");
    }
}
