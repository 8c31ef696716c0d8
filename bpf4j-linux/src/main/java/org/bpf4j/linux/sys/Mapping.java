package org.bpf4j.linux.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bpf4j.linux.KernelException;

/**
 * A shared memory mapping of a kernel object's descriptor ({@code mmap(2)} with
 * {@code MAP_SHARED}), such as a ring buffer's pages or a perf event's ring. {@link #close()}
 * unmaps it; the segment must not be used afterwards (it is a raw address, not scoped).
 * Closing is thread-safe and idempotent.
 */
public final class Mapping implements AutoCloseable {
    /** {@code PROT_READ}. */
    public static final int PROT_READ = 1;
    /** {@code PROT_WRITE}. */
    public static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;

    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Mapping(MemorySegment segment) {
        this.segment = segment;
    }

    /**
     * Maps {@code length} bytes of {@code fd} at {@code offset}.
     *
     * @param what what is mapped, in messages
     * @throws KernelException if the kernel refuses
     */
    public static Mapping map(int fd, long offset, long length, int prot, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Native.captureSegment(arena);
            MemorySegment s = Native.mmap(capture, MemorySegment.NULL, length, prot, MAP_SHARED, fd, offset);
            if (s.address() == Native.MAP_FAILED) {
                throw new KernelException("mmap", Native.errno(capture), "mapping " + length + " bytes of " + what);
            }
            return new Mapping(s.reinterpret(length));
        }
    }

    /** The mapped memory. */
    public MemorySegment segment() {
        return segment;
    }

    /** Unmaps; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment capture = Native.captureSegment(arena);
                if (Native.munmap(capture, segment, segment.byteSize()) < 0) {
                    throw new KernelException("munmap", Native.errno(capture), "unmapping");
                }
            }
        }
    }
}
