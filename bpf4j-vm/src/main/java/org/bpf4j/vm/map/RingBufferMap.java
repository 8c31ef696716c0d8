package org.bpf4j.vm.map;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.SharedRegions;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: a multi-producer, single-consumer ring of variable-length records,
 * laid out as in Linux: each record is an 8-byte header (length with a busy and a discard bit,
 * then a page offset) followed by its data, padded to 8 bytes. Space is taken at reservation, so
 * the consumer sees records in reservation order and stops at the first one still busy.
 *
 * <p>Linux maps the data area twice so that a record that wraps is still contiguous; here the
 * storage is twice the ring size and records are written and read linearly from their start, which
 * gives programs the same contiguous view. Records that do not fit are dropped and counted.
 */
public final class RingBufferMap extends BpfMap {
    /** {@code BPF_RINGBUF_BUSY_BIT} and {@code BPF_RINGBUF_DISCARD_BIT}. */
    static final int BUSY = 1 << 31, DISCARD = 1 << 30;
    /** Header bytes before each record, {@code BPF_RINGBUF_HDR_SZ}. */
    public static final int HEADER = 8;
    /** {@code bpf_ringbuf_query} flags. */
    public static final int AVAIL_DATA = 0, RING_SIZE = 1, CONS_POS = 2, PROD_POS = 3;

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ConcurrentHashMap<Integer, RingBufferMap> BY_REGION = new ConcurrentHashMap<>();

    private final int size;
    private final byte[] ring;
    private final long ringBase;
    private long producer;
    private long consumer;
    private long dropped;
    private final Set<Integer> outstanding = new HashSet<>();

    RingBufferMap(MapDefinition d) {
        super(validate(d), 0, 1);
        size = d.maxEntries();
        ring = new byte[2 * size];
        ringBase = SharedRegions.register("ring buffer " + d.name(), ring, true);
        BY_REGION.put(Memory.regionOf(ringBase), this);
    }

    private static MapDefinition validate(MapDefinition d) {
        int n = d.maxEntries();
        if (d.keySize() != 0 || d.valueSize() != 0 || n < 4096 || Integer.bitCount(n) != 1 || n > (1 << 29)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a ring buffer has no key or value, and its "
                    + "max_entries is its size in bytes: a power of 2 of at least 4096");
        }
        return d;
    }

    /** The ring buffer a record pointer belongs to, or empty. */
    public static Optional<RingBufferMap> ofRecord(long address) {
        return Optional.ofNullable(BY_REGION.get(Memory.regionOf(address)));
    }

    /**
     * {@code bpf_ringbuf_reserve}: the address of {@code length} writable bytes, or 0 if they do not
     * fit (the drop is counted) or the flags are not 0.
     */
    public synchronized long reserve(long length, long flags) {
        if (flags != 0 || length < 0 || length > size - HEADER) {
            return 0;
        }
        int total = (int) ((length + HEADER + 7) & ~7L);
        if (producer - consumer + total > size) {
            dropped++;
            return 0;
        }
        int offset = (int) (producer & (size - 1));
        I32.set(ring, offset, (int) length | BUSY);
        I32.set(ring, offset + 4, 0);
        producer += total;
        outstanding.add(offset);
        return ringBase + offset + HEADER;
    }

    /**
     * {@code bpf_ringbuf_submit} and {@code bpf_ringbuf_discard}: publishes (or discards) a reserved
     * record. Returns false if the address is not an outstanding reservation of this ring.
     */
    public synchronized boolean commit(long address, boolean discard) {
        int offset = (int) (address - ringBase) - HEADER;
        if (!outstanding.remove(offset)) {
            return false;
        }
        int header = (int) I32.get(ring, offset);
        I32.set(ring, offset, (header & ~BUSY) | (discard ? DISCARD : 0));
        return true;
    }

    /** {@code bpf_ringbuf_output}: copies a record in; 0, or {@code -EAGAIN} when it does not fit. */
    public int output(byte[] data, long flags) {
        if ((flags & ~3L) != 0) {
            return -Errno.EINVAL;
        }
        long addr = reserve(data.length, 0);
        if (addr == 0) {
            return -11; // EAGAIN
        }
        System.arraycopy(data, 0, ring, (int) (addr - ringBase), data.length);
        commit(addr, false);
        return 0;
    }

    /** {@code bpf_ringbuf_query}. */
    public synchronized long query(long flags) {
        return switch ((int) flags) {
            case AVAIL_DATA -> producer - consumer;
            case RING_SIZE -> size;
            case CONS_POS -> consumer;
            case PROD_POS -> producer;
            default -> 0;
        };
    }

    /**
     * Hands every published record to {@code handler} in order, skipping discarded ones, up to the
     * first record still being written; returns how many it handed over. For one consumer at a time.
     */
    public int poll(Consumer<byte[]> handler) {
        int delivered = 0;
        for (;;) {
            byte[] record;
            synchronized (this) {
                if (consumer == producer) {
                    return delivered;
                }
                int offset = (int) (consumer & (size - 1));
                int header = (int) I32.get(ring, offset);
                if ((header & BUSY) != 0) {
                    return delivered;
                }
                int length = header & ~(BUSY | DISCARD);
                record = (header & DISCARD) != 0 ? null
                        : Arrays.copyOfRange(ring, offset + HEADER, offset + HEADER + length);
                consumer += (length + HEADER + 7) & ~7L;
            }
            if (record != null) {
                handler.accept(record);
                delivered++;
            }
        }
    }

    /** Records that did not fit and were dropped. */
    public synchronized long dropped() {
        return dropped;
    }

    @Override
    public long lookupAddress(byte[] key, int cpu) {
        return 0;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        return -Errno.ENOTSUPP;
    }

    @Override
    public int delete(byte[] key) {
        return -Errno.ENOTSUPP;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        return Optional.empty();
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        throw new MapException(Errno.ENOTSUPP, "map " + definition().name() + ": a ring buffer is read with poll()");
    }

    @Override
    public void close() {
        BY_REGION.remove(Memory.regionOf(ringBase));
        SharedRegions.release(ringBase);
        super.close();
    }
}
