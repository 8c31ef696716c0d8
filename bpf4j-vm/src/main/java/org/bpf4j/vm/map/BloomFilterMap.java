package org.bpf4j.vm.map;

import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_BLOOM_FILTER}: no keys; push adds a value, peek answers 0 if the value may be
 * present and {@code -ENOENT} if it certainly is not. The number of hash functions is the low four
 * bits of {@code map_extra} (5 when zero), and the bit array is sized as Linux sizes it
 * ({@code max_entries * hashes / ln 2}, rounded up to a power of two). The hash function is not the
 * kernel's jhash, so which absent values collide differs from Linux; present values are always found.
 */
public final class BloomFilterMap extends KeylessMap {
    private final int hashes;
    private final long[] bits;
    private final long mask;

    BloomFilterMap(MapDefinition d) {
        super(validate(d));
        int h = (int) (d.mapExtra() & 0xf);
        hashes = h == 0 ? 5 : h;
        long wanted = Math.max(64, (long) Math.ceil(d.maxEntries() * (double) hashes / Math.log(2)));
        long size = Long.highestOneBit(wanted - 1) << 1;
        bits = new long[(int) Math.min(size / 64, 1 << 26)];
        mask = (long) bits.length * 64 - 1;
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() != 0 || d.valueSize() == 0 || d.maxEntries() == 0 || (d.mapExtra() & ~0xfL) != 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a bloom filter has no key, needs a value "
                    + "size and max_entries, and map_extra holds only the number of hash functions (0-15)");
        }
        return d;
    }

    private long hash(byte[] value, int seed) {
        long h = 0x9e3779b97f4a7c15L * (seed + 1);
        for (byte b : value) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
            h ^= h >>> 29;
        }
        h *= 0xbf58476d1ce4e5b9L;
        return (h ^ (h >>> 31)) & mask;
    }

    /** {@code bpf_map_push_elem}: adds a value; 0 or {@code -EINVAL} for bad flags. */
    @Override
    public synchronized int push(byte[] value, long flags) {
        if (flags != ANY) {
            return -Errno.EINVAL;
        }
        for (int i = 0; i < hashes; i++) {
            long bit = hash(value, i);
            bits[(int) (bit >>> 6)] |= 1L << bit;
        }
        return 0;
    }

    /** {@code bpf_map_peek_elem}: 0 if the value may be present, else {@code -ENOENT}. */
    public synchronized int peek(byte[] value) {
        for (int i = 0; i < hashes; i++) {
            long bit = hash(value, i);
            if ((bits[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                return -Errno.ENOENT;
            }
        }
        return 0;
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        throw new MapException(Errno.EINVAL, "map " + definition().name() + ": a bloom filter is queried with "
                + "peek(value), not looked up by key");
    }
}
