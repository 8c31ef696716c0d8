package org.bpf4j.linux.ringbuf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Epoll;
import org.bpf4j.linux.sys.Mapping;
import org.bpf4j.linux.sys.Posix;
import org.bpf4j.spec.MapType;

/**
 * Reads the records of a {@code BPF_MAP_TYPE_RINGBUF} map from user space, as the kernel lays
 * the ring out ({@code kernel/bpf/ringbuf.c}): a consumer page the reader writes, a producer
 * page it reads, then the data area mapped twice in a row so that a record that wraps is
 * contiguous. Each record starts with an 8-byte header whose first word is the length with
 * {@code BPF_RINGBUF_BUSY_BIT} (still being written: stop there) and
 * {@code BPF_RINGBUF_DISCARD_BIT} (discarded: skip it); records are 8-byte aligned.
 *
 * <p>{@link #poll} waits with epoll for the kernel's wake-up and hands each record to a callback
 * as a segment of the mapping (zero copy, valid only during the call); {@link #read} copies one
 * record out. Owns its mappings and epoll descriptor, not the map. Not thread-safe: one consumer.
 */
public final class RingBufferReader implements AutoCloseable {
    private static final int BUSY_BIT = 1 << 31;
    private static final int DISCARD_BIT = 1 << 30;
    private static final int HEADER_SIZE = 8;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final String name;
    private final Mapping consumer;
    private final Mapping producer;
    private final MemorySegment consumerPos;
    private final MemorySegment producerPos;
    private final MemorySegment data;
    private final long mask;
    private final Epoll epoll;
    private final List<byte[]> pending = new ArrayList<>();
    private boolean closed;

    /** Receives records without copying them. */
    @FunctionalInterface
    public interface RecordHandler {
        /**
         * Called once per record, in order.
         *
         * @param record the record's bytes in the ring; valid only until the call returns
         */
        void onRecord(MemorySegment record);
    }

    private RingBufferReader(KernelMap map, Bpf bpf) {
        this.name = map.name();
        long size = Integer.toUnsignedLong(map.maxEntries());
        int page = Posix.pageSize();
        this.consumer = Mapping.map(map.fd(), 0, page, Mapping.PROT_READ | Mapping.PROT_WRITE,
                "the consumer page of ring buffer '" + name + "'");
        Mapping p;
        Epoll e;
        try {
            p = Mapping.map(map.fd(), page, page + 2 * size, Mapping.PROT_READ,
                    "the producer page and data of ring buffer '" + name + "'");
        } catch (RuntimeException ex) {
            consumer.close();
            throw ex;
        }
        try {
            e = new Epoll(bpf);
            e.add(map.fd(), 0);
        } catch (RuntimeException ex) {
            p.close();
            consumer.close();
            throw ex;
        }
        this.producer = p;
        this.epoll = e;
        this.consumerPos = consumer.segment();
        this.producerPos = producer.segment();
        this.data = producer.segment().asSlice(page);
        this.mask = size - 1;
    }

    /**
     * Opens a reader on a ring buffer map.
     *
     * @param map a {@code ringbuf} map, which must stay open while the reader is used
     * @throws Bpf4jException if the map is not a ring buffer
     * @throws org.bpf4j.linux.KernelException if the kernel refuses the mappings
     */
    public static RingBufferReader open(KernelMap map) {
        return open(Kernel.system(), map);
    }

    /**
     * Opens a reader on a ring buffer map of a backend.
     *
     * @param kernel the backend whose layer closes the reader's descriptors
     * @param map a {@code ringbuf} map, which must stay open while the reader is used
     */
    public static RingBufferReader open(Kernel kernel, KernelMap map) {
        Objects.requireNonNull(map, "map");
        if (map.type() != MapType.RINGBUF.id()) {
            throw new Bpf4jException("map '" + map.name() + "' is not a ring buffer (type " + map.type()
                    + "); a RingBufferReader needs a ringbuf map");
        }
        return new RingBufferReader(map, kernel.bpf());
    }

    /**
     * Consumes every record available now, without waiting.
     *
     * @return how many records were handed to {@code handler} (discarded ones are not counted)
     */
    public int consume(RecordHandler handler) {
        checkOpen();
        int n = 0;
        long cons = (long) LONG.getAcquire(consumerPos, 0L);
        while (true) {
            long prod = (long) LONG.getAcquire(producerPos, 0L);
            if (cons >= prod) {
                break;
            }
            while (cons < prod) {
                long at = cons & mask;
                int len = (int) INT.getAcquire(data, at);
                if ((len & BUSY_BIT) != 0) {
                    LONG.setRelease(consumerPos, 0L, cons);
                    return n;
                }
                int size = len & ~(BUSY_BIT | DISCARD_BIT);
                if ((len & DISCARD_BIT) == 0) {
                    handler.onRecord(data.asSlice(at + HEADER_SIZE, size));
                    n++;
                }
                cons += (size + HEADER_SIZE + 7) & ~7L;
                LONG.setRelease(consumerPos, 0L, cons);
            }
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for records, then consumes every record available.
     *
     * @return how many records were handed to {@code handler}
     */
    public int poll(Duration timeout, RecordHandler handler) {
        int n = consume(handler);
        if (n > 0) {
            return n;
        }
        epoll.await(millis(timeout));
        return consume(handler);
    }

    /**
     * Reads one record, copying it out, waiting up to {@code timeout} for one.
     *
     * @return the record, or null if none came in time
     */
    public byte[] read(Duration timeout) {
        if (pending.isEmpty()) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (pending.isEmpty()) {
                consume(r -> pending.add(r.toArray(ValueLayout.JAVA_BYTE)));
                long left = deadline - System.nanoTime();
                if (!pending.isEmpty() || left <= 0) {
                    break;
                }
                epoll.await((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            }
        }
        return pending.isEmpty() ? null : pending.remove(0);
    }

    /** How many bytes of records the producer has written that the reader has not consumed. */
    public long available() {
        checkOpen();
        return (long) LONG.getAcquire(producerPos, 0L) - (long) LONG.getAcquire(consumerPos, 0L);
    }

    private static int millis(Duration d) {
        long ms = d.toMillis();
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) Math.max(0, ms);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the reader of ring buffer '" + name + "' is closed");
        }
    }

    /** Unmaps the ring and closes the epoll descriptor; the map stays open. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        epoll.close();
        producer.close();
        consumer.close();
    }
}
