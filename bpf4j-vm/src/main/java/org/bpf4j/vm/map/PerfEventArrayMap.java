package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: slots, indexed by a 4-byte key, that each hold a perf
 * ring buffer bound to one CPU; {@code bpf_perf_event_output} appends a sample to one of them.
 * The host fills the slots by opening a {@link PerfEventReader} (one buffer per CPU, slot {@code i}
 * for CPU {@code i}, as libbpf's {@code perf_buffer__new} does) and reads samples through it.
 *
 * <p>Each buffer keeps Linux's accounting: a sample takes an 8-byte header, a 4-byte size and the
 * data padded so that the record is a multiple of 8 bytes; a sample that does not fit is lost and
 * counted, and the count reaches the reader as a 24-byte {@code PERF_RECORD_LOST} record written
 * before the next sample that fits. Thread-safe.
 */
public final class PerfEventArrayMap extends BpfMap {
    /** {@code BPF_F_INDEX_MASK} and {@code BPF_F_CURRENT_CPU}. */
    public static final long INDEX_MASK = 0xffff_ffffL, CURRENT_CPU = INDEX_MASK;
    /** {@code BPF_F_CTXLEN_MASK}: bytes of the packet to append to a sample, for skb and xdp programs. */
    public static final long CTXLEN_MASK = 0xfffffL << 32;
    /** Bytes of a {@code PERF_RECORD_LOST} record (header, id, count). */
    static final int LOST_RECORD = 24;

    private final AtomicReferenceArray<Buffer> slots;

    PerfEventArrayMap(MapDefinition d) {
        super(validate(d), 0, 1);
        slots = new AtomicReferenceArray<>(d.maxEntries());
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() != 4 || d.valueSize() != 4 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a perf event array needs 4-byte keys and "
                    + "values and max_entries above zero");
        }
        return d;
    }

    /** The size of the record a sample of {@code length} bytes takes in a buffer. */
    static long recordSize(long length) {
        return 8 + ((length + 4 + 7) & ~7L);
    }

    /** One CPU's ring: records in order, with the bytes they take. */
    static final class Buffer {
        final int cpu;
        final long capacity;
        long used;
        long pendingLost;
        long totalLost;
        /** Samples (byte[]) and lost records (Long), in ring order. */
        final ArrayDeque<Object> records = new ArrayDeque<>();

        Buffer(int cpu, long capacity) {
            this.cpu = cpu;
            this.capacity = capacity;
        }

        synchronized int write(byte[] sample) {
            long size = recordSize(sample.length);
            long need = size + (pendingLost > 0 ? LOST_RECORD : 0);
            if (used + need > capacity) {
                pendingLost++;
                totalLost++;
                return -Errno.ENOSPC;
            }
            if (pendingLost > 0) {
                records.add(pendingLost);
                pendingLost = 0;
                used += LOST_RECORD;
            }
            int padded = (int) (size - 8 - 4);
            records.add(java.util.Arrays.copyOf(sample, padded));
            used += size;
            return 0;
        }

        synchronized Object take() {
            Object r = records.poll();
            if (r != null) {
                used -= r instanceof byte[] b ? 12 + b.length : LOST_RECORD;
            }
            return r;
        }
    }

    /** Binds a buffer to a slot; the reader's side. */
    void attach(int index, Buffer b) {
        slots.set(index, b);
    }

    /** Unbinds a buffer if it is still in its slot. */
    void detach(int index, Buffer b) {
        slots.compareAndSet(index, b, null);
    }

    /**
     * Opens a reader with one buffer of {@code pages} pages of 4,096 bytes (a power of two) per
     * CPU, in slots 0 to min(CPUs, max_entries) - 1. Close the reader to empty the slots.
     *
     * @throws MapException {@code EINVAL} if pages is not a power of two
     */
    public PerfEventReader open(int pages) {
        if (pages <= 0 || Integer.bitCount(pages) != 1) {
            throw new MapException(Errno.EINVAL, "map " + definition().name() + ": a perf buffer has a power of "
                    + "two pages, not " + pages);
        }
        return new PerfEventReader(this, pages * 4096L);
    }

    /**
     * {@code bpf_perf_event_output} from a program on {@code cpu}: appends {@code data} (already
     * followed by any packet bytes {@code BPF_F_CTXLEN_MASK} asked for) to the buffer in the slot
     * {@code flags & BPF_F_INDEX_MASK} names ({@code BPF_F_CURRENT_CPU}: the slot of {@code cpu}).
     * Returns 0, {@code -E2BIG} for an index past the end, {@code -ENOENT} for an empty slot,
     * {@code -EOPNOTSUPP} if the slot's buffer belongs to another CPU, {@code -ENOSPC} if the
     * sample does not fit (it is counted as lost).
     */
    public int output(int cpu, long flags, byte[] data) {
        long index = flags & INDEX_MASK;
        if (index == CURRENT_CPU) {
            index = cpu;
        }
        if (index >= slots.length()) {
            return -Errno.E2BIG;
        }
        Buffer b = slots.get((int) index);
        if (b == null) {
            return -Errno.ENOENT;
        }
        if (b.cpu != cpu) {
            return -Errno.EOPNOTSUPP;
        }
        if (recordSize(data.length) > 0xffff) {
            return -Errno.E2BIG; // a perf record's size is 16 bits
        }
        return b.write(data);
    }

    private static long index(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    @Override
    public long lookupAddress(byte[] key, int cpu) {
        return 0;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        return -Errno.EINVAL;
    }

    @Override
    public int delete(byte[] key) {
        long i = index(key);
        if (i >= slots.length()) {
            return -Errno.E2BIG;
        }
        return slots.getAndSet((int) i, null) == null ? -Errno.ENOENT : 0;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        long next = key == null || index(key) >= slots.length() ? 0 : index(key) + 1;
        if (next >= slots.length()) {
            return Optional.empty();
        }
        return Optional.of(new byte[] {(byte) next, (byte) (next >>> 8), (byte) (next >>> 16), (byte) (next >>> 24)});
    }

    @Override
    public Optional<byte[]> lookup(byte[] key, long flags) {
        throw new MapException(Errno.ENOTSUPP, "map " + definition().name() + ": a perf event array's slots hold "
                + "perf buffers, read through a PerfEventReader");
    }

    @Override
    public void put(byte[] key, byte[] value, long flags) {
        throw new MapException(Errno.EINVAL, "map " + definition().name() + ": fill a perf event array by opening "
                + "a PerfEventReader");
    }
}
