package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_DEVMAP_HASH}: network devices by any 4-byte key, the targets of
 * {@code bpf_redirect_map}, with the kernel's semantics ({@code kernel/bpf/devmap.c}): an ifindex
 * of 0 is refused ({@code -EINVAL}, there is no "empty" value as in a devmap), {@code BPF_EXIST}
 * needs no existing element, a new key in a full map is {@code -E2BIG}, deleting a missing key
 * {@code -ENOENT}. As for {@link DevMap}, every ifindex above zero counts as a device and a
 * devmap program (fd above zero in {@code struct bpf_devmap_val}) is refused with {@code -EINVAL}.
 *
 * <p>Iteration follows the kernel's buckets exactly: bucket {@code key & (n_buckets - 1)} with
 * {@code n_buckets} the entries rounded up to a power of two, buckets in order, the newest element
 * first in a bucket (an update replaces the element at the front). Thread-safe.
 */
public final class DevHashMap extends BpfMap {
    private final int mask;
    private final Map<Long, Integer> slots = new HashMap<>();
    private final List<LinkedList<Long>> buckets;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    DevHashMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), 1);
        int n = Integer.highestOneBit(Math.max(1, d.maxEntries() - 1)) * (d.maxEntries() > 1 ? 2 : 1);
        mask = n - 1;
        buckets = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            buckets.add(new LinkedList<>());
        }
        for (int i = d.maxEntries() - 1; i >= 0; i--) {
            free.push(i);
        }
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.maxEntries() == 0 || d.keySize() != 4 || (d.valueSize() != 4 && d.valueSize() != 8)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a devmap_hash needs 4-byte keys, 4- or 8-byte "
                    + "values (ifindex, program fd) and max_entries above zero");
        }
        return d;
    }

    private static long index(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    private static byte[] keyBytes(long k) {
        return new byte[] {(byte) k, (byte) (k >>> 8), (byte) (k >>> 16), (byte) (k >>> 24)};
    }

    private LinkedList<Long> bucket(long k) {
        return buckets.get((int) (k & mask));
    }

    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        Integer slot = slots.get(index(key));
        return slot == null ? 0 : base[0] + (long) slot * stride;
    }

    @Override
    public synchronized int update(byte[] key, byte[] value, long flags, int cpu) {
        long k = index(key);
        long ifindex = index(value);
        if (flags > EXIST || flags < 0 || ifindex == 0) {
            return -Errno.EINVAL;
        }
        Integer old = slots.get(k);
        if (old != null && (flags & NOEXIST) != 0) {
            return -Errno.EEXIST;
        }
        int progFd = value.length >= 8 ? (int) index(java.util.Arrays.copyOfRange(value, 4, 8)) : -1;
        if (progFd > 0) {
            return -Errno.EINVAL;
        }
        int slot;
        if (old != null) {
            slot = old;
            bucket(k).remove(k);
        } else {
            if (free.isEmpty()) {
                return -Errno.E2BIG;
            }
            slot = free.pop();
            slots.put(k, slot);
        }
        int off = slot * stride;
        java.util.Arrays.fill(storage[0], off, off + stride, (byte) 0);
        System.arraycopy(value, 0, storage[0], off, 4); // the program id stays 0
        bucket(k).addFirst(k);
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        long k = index(key);
        Integer slot = slots.remove(k);
        if (slot == null) {
            return -Errno.ENOENT;
        }
        bucket(k).remove(k);
        free.push(slot);
        return 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        int from = 0;
        if (key != null && slots.containsKey(index(key))) {
            long k = index(key);
            LinkedList<Long> b = bucket(k);
            int at = b.indexOf(k);
            if (at + 1 < b.size()) {
                return Optional.of(keyBytes(b.get(at + 1)));
            }
            from = (int) (k & mask) + 1;
        }
        for (int i = from; i < buckets.size(); i++) {
            if (!buckets.get(i).isEmpty()) {
                return Optional.of(keyBytes(buckets.get(i).getFirst()));
            }
        }
        return Optional.empty();
    }
}
