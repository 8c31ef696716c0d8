package org.bpf4j.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.spec.MapType;

/**
 * Reads the records programs write to a {@code BPF_MAP_TYPE_RINGBUF} map, as libbpf's
 * {@code ring_buffer} does: the consumer page is mapped read-write, the producer page and the
 * data area (mapped twice by the kernel, so a record never wraps) read-only; an epoll instance
 * waits for the kernel's wake-ups. Each record is 8-byte aligned behind an 8-byte header whose
 * length word carries a busy bit (still being written: reading stops there) and a discard bit
 * (skipped).
 *
 * <p>{@link #consume} hands each record to a callback as a segment into the mapping, valid only
 * during the callback (zero copy); {@link #read} copies. Owns the mappings and the epoll fd, not
 * the map: close it before the map. Not thread-safe (one consumer, as the ring requires).
 */
public final class RingBufferReader implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLLIN = 1;
    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Native.captureSegment(arena);
    private final MemorySegment consumer;
    private final MemorySegment producer;
    private final long pageSize;
    private final long dataSize;
    private final int epollFd;
    private final MemorySegment events;
    private boolean closed;

    private RingBufferReader(MemorySegment consumer, MemorySegment producer, long pageSize, long dataSize,
            int epollFd) {
        this.consumer = consumer;
        this.producer = producer;
        this.pageSize = pageSize;
        this.dataSize = dataSize;
        this.epollFd = epollFd;
        this.events = arena.allocate(12 * 8L, 8);
    }

    /**
     * Maps a ring buffer map for reading.
     *
     * @throws IllegalArgumentException if the map is not a ring buffer
     * @throws KernelException if mmap or epoll fails
     */
    public static RingBufferReader open(KernelMap map) {
        if (map.type() != MapType.RINGBUF.id()) {
            throw new IllegalArgumentException(map + " is not a ring buffer");
        }
        long page = Native.pageSize();
        long size = Integer.toUnsignedLong(map.maxEntries());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.captureSegment(a);
            MemorySegment cons = Native.mmap(cap, MemorySegment.NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED,
                    map.fd(), 0);
            if (cons.address() == Native.MAP_FAILED) {
                throw new KernelException("mmap", Native.errno(cap), "mapping the consumer page of " + map);
            }
            MemorySegment prod = Native.mmap(cap, MemorySegment.NULL, page + 2 * size, PROT_READ, MAP_SHARED,
                    map.fd(), page);
            if (prod.address() == Native.MAP_FAILED) {
                int errno = Native.errno(cap);
                Native.munmap(cap, cons, page);
                throw new KernelException("mmap", errno, "mapping the data of " + map);
            }
            int ep = Native.epollCreate1(cap, 0x80000); // EPOLL_CLOEXEC
            if (ep < 0) {
                int errno = Native.errno(cap);
                Native.munmap(cap, cons, page);
                Native.munmap(cap, prod, page + 2 * size);
                throw new KernelException("epoll_create1", errno, "waiting on " + map);
            }
            MemorySegment ev = a.allocate(12, 4);
            ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, EPOLLIN);
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, 4, 0L);
            if (Native.epollCtl(cap, ep, EPOLL_CTL_ADD, map.fd(), ev) < 0) {
                int errno = Native.errno(cap);
                Native.close(cap, ep);
                Native.munmap(cap, cons, page);
                Native.munmap(cap, prod, page + 2 * size);
                throw new KernelException("epoll_ctl", errno, "waiting on " + map);
            }
            return new RingBufferReader(cons.reinterpret(page), prod.reinterpret(page + 2 * size), page, size, ep);
        }
    }

    /**
     * Hands every complete record to {@code callback}, without waiting.
     *
     * @param callback gets each record's bytes as a read-only segment valid during the call
     * @return the number of records delivered
     */
    public int consume(Consumer<MemorySegment> callback) {
        checkOpen();
        int n = 0;
        long cons = (long) LONG.getAcquire(consumer, 0L);
        long prod = (long) LONG.getAcquire(producer, 0L);
        while (cons < prod) {
            long at = pageSize + (cons & (dataSize - 1));
            int word = (int) INT.getAcquire(producer, at);
            if ((word & BUSY) != 0) {
                break;
            }
            long len = word & ~(BUSY | DISCARD);
            if ((word & DISCARD) == 0) {
                callback.accept(producer.asSlice(at + HEADER, len).asReadOnly());
                n++;
            }
            cons += (len + HEADER + 7) & ~7L;
            LONG.setRelease(consumer, 0L, cons);
            prod = (long) LONG.getAcquire(producer, 0L);
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for the kernel to signal new records (not at all if records are
     * already there), then consumes them.
     *
     * @return the number of records delivered
     */
    public int poll(Duration timeout, Consumer<MemorySegment> callback) {
        checkOpen();
        long cons = (long) LONG.getAcquire(consumer, 0L);
        long prod = (long) LONG.getAcquire(producer, 0L);
        if (cons >= prod) {
            int r = Native.epollWait(capture, epollFd, events, 12, (int) Math.min(Integer.MAX_VALUE,
                    timeout.toMillis()));
            if (r < 0 && Native.errno(capture) != Errno.EINTR) {
                throw new KernelException("epoll_wait", Native.errno(capture), "waiting on a ring buffer");
            }
        }
        return consume(callback);
    }

    /** Waits as {@link #poll} does and returns copies of the records. */
    public List<byte[]> read(Duration timeout) {
        List<byte[]> out = new ArrayList<>();
        poll(timeout, s -> out.add(s.toArray(ValueLayout.JAVA_BYTE)));
        return out;
    }

    /** Bytes written by programs and not yet consumed. */
    public long available() {
        return (long) LONG.getAcquire(producer, 0L) - (long) LONG.getAcquire(consumer, 0L);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the ring buffer reader is closed");
        }
    }

    /** Unmaps the ring and closes the epoll fd; later calls do nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Native.munmap(capture, consumer, pageSize);
        Native.munmap(capture, producer, pageSize + 2 * dataSize);
        Native.close(capture, epollFd);
        arena.close();
    }
}
