package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.Cpus;

/**
 * The hash family: {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and
 * {@code LRU_PERCPU_HASH}. Values live in fixed slots of the map's storage, so a pointer a program
 * got from a lookup stays valid while the element exists. A full hash map refuses new keys with
 * {@code -E2BIG}. An LRU map takes a node for every update before it looks at the key, as Linux
 * does, evicting by the kernel's algorithm ({@link LruLists}: the same elements go as in Linux when
 * the VM has as many CPUs as the kernel has possible CPUs), and refuses with {@code -ENOMEM} only
 * when nothing can be evicted; a program's lookup marks an element referenced, the host's does
 * not.
 *
 * <p>Iteration ({@link #nextKey}, {@link #keys()}, dumps) follows the kernel's buckets: bucket
 * {@code jhash(key, key_size, seed) & (n_buckets - 1)} with {@code n_buckets} the entries rounded up
 * to a power of two, buckets in order, the newest element first in a bucket (an update that
 * replaces an element moves it to the front; per-CPU and {@code BPF_F_LOCK} updates, which the
 * kernel makes in place, do not). The kernel draws the seed at random unless the map has
 * {@code BPF_F_ZERO_SEED}; the VM's seed is always 0, so its order is deterministic and equals
 * the kernel's for a zero-seeded map.
 */
public final class HashTableMap extends BpfMap {
    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private final boolean lru;
    private final boolean percpuValues;
    private final java.util.HashMap<Key, Integer> slots = new java.util.HashMap<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** For LRU maps: the key held in each slot (null when free), and the eviction lists. */
    private final Key[] keyOf;
    private final LruLists lruLists;

    /** A place in iteration order: buckets ascending, the newest (highest sequence) first in a bucket. */
    private record Pos(int bucket, long seq) implements Comparable<Pos> {
        @Override
        public int compareTo(Pos o) {
            return bucket != o.bucket ? Integer.compare(bucket, o.bucket) : Long.compare(o.seq, seq);
        }
    }

    private final int bucketMask;
    private final java.util.TreeMap<Pos, Key> order = new java.util.TreeMap<>();
    private final java.util.HashMap<Key, Pos> posOf = new java.util.HashMap<>();
    private long seq;

    HashTableMap(MapDefinition d) {
        super(validate(d), capacity(d), d.type().perCpu() ? Cpus.count() : 1);
        lru = isLru(d);
        percpuValues = d.type().perCpu();
        int n = capacity(d);
        bucketMask = Integer.highestOneBit(Math.max(1, n - 1)) * (n > 1 ? 2 : 1) - 1;
        if (lru) {
            keyOf = new Key[n];
            lruLists = new LruLists(n, Cpus.count(), (d.flags() & MapDefinition.F_NO_COMMON_LRU) != 0,
                    this::evict);
        } else {
            keyOf = null;
            lruLists = null;
            for (int i = n - 1; i >= 0; i--) {
                free.push(i);
            }
        }
    }

    private static boolean isLru(MapDefinition d) {
        return d.type() == MapType.LRU_HASH || d.type() == MapType.LRU_PERCPU_HASH;
    }

    /** Slots: max_entries, rounded up to a multiple of the CPUs for a per-CPU LRU list, as Linux does. */
    private static int capacity(MapDefinition d) {
        int n = d.maxEntries();
        if (isLru(d) && (d.flags() & MapDefinition.F_NO_COMMON_LRU) != 0) {
            int cpus = Cpus.count();
            n = (int) Math.min(Integer.MAX_VALUE / 2, ((long) n + cpus - 1) / cpus * cpus);
        }
        return n;
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() == 0 || d.valueSize() == 0 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a hash map needs a key size, a value size "
                    + "and max_entries above zero");
        }
        if ((d.flags() & MapDefinition.F_NO_COMMON_LRU) != 0 && !isLru(d)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": BPF_F_NO_COMMON_LRU is for LRU maps only");
        }
        return d;
    }

    /** Puts an element at the front of its bucket (a new element, or one the kernel replaced). */
    private void toFront(Key k) {
        Pos old = posOf.remove(k);
        if (old != null) {
            order.remove(old);
        }
        Pos p = new Pos(Jhash.jhash(k.bytes(), 0) & bucketMask, ++seq);
        order.put(p, k);
        posOf.put(k, p);
    }

    private void unlink(Key k) {
        Pos p = posOf.remove(k);
        if (p != null) {
            order.remove(p);
        }
    }

    private int copy(int cpu) {
        return storage.length == 1 ? 0 : cpu;
    }

    /** {@code del_from_htab}: removes the element in a slot, if there is one, for eviction. */
    private boolean evict(int slot) {
        Key k = keyOf[slot];
        if (k == null || !Integer.valueOf(slot).equals(slots.get(k))) {
            return false;
        }
        slots.remove(k);
        unlink(k);
        keyOf[slot] = null;
        for (int c = 0; c < storage.length; c++) {
            freeFields(c, slot * stride);
        }
        return true;
    }

    /** A program's lookup: for an LRU map it marks the element referenced. */
    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        Integer slot = slots.get(new Key(key));
        if (slot == null) {
            return 0;
        }
        if (lru) {
            lruLists.setRef(slot);
        }
        return base[copy(cpu)] + (long) slot * stride;
    }

    @Override
    public synchronized long peekAddress(byte[] key, int cpu) {
        Integer slot = slots.get(new Key(key));
        return slot == null ? 0 : base[copy(cpu)] + (long) slot * stride;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        if ((flags & ~F_LOCK) > EXIST || checkLockFlag(flags) < 0) {
            return -Errno.EINVAL;
        }
        if ((flags & F_LOCK) != 0) {
            // The value is updated in place under its own lock, outside the map's lock, as in Linux.
            long addr = peekAddress(key, cpu);
            if (addr != 0) {
                if ((flags & 3) == NOEXIST) {
                    return -Errno.EEXIST;
                }
                copyValue(value, storage[copy(cpu)], (int) addr, flags);
                return 0;
            }
        }
        return lru ? (percpuValues ? updateLruPercpu(key, value, flags, cpu) : updateLru(key, value, flags, cpu))
                : insertOrReplace(key, value, flags, cpu);
    }

    private static int checkFlags(boolean present, long flags) {
        if (present && (flags & 3) == NOEXIST) {
            return -Errno.EEXIST;
        }
        return !present && (flags & 3) == EXIST ? -Errno.ENOENT : 0;
    }

    /** {@code htab_lru_map_update_elem}: a new element always, the old one freed. */
    private synchronized int updateLru(byte[] key, byte[] value, long flags, int cpu) {
        int node = lruLists.popFree(cpu);
        if (node < 0) {
            return -Errno.ENOMEM;
        }
        Key k = new Key(key.clone());
        Integer old = slots.get(k);
        int r = checkFlags(old != null, flags);
        if (r < 0) {
            lruLists.pushFree(node);
            return r;
        }
        Arrays.fill(storage[0], node * stride, node * stride + stride, (byte) 0);
        copyValue(value, storage[0], node * stride, 0);
        slots.put(k, node);
        toFront(k);
        keyOf[node] = k;
        if (old != null) {
            lruLists.setRef(node);
            keyOf[old] = null;
            freeFields(0, old * stride);
            lruLists.pushFree(old);
        }
        return 0;
    }

    /** {@code htab_lru_percpu_map_update_elem}: an existing element is updated in place. */
    private synchronized int updateLruPercpu(byte[] key, byte[] value, long flags, int cpu) {
        int node = -1;
        if ((flags & 3) != EXIST) {
            node = lruLists.popFree(cpu);
            if (node < 0) {
                return -Errno.ENOMEM;
            }
        }
        Key k = new Key(key.clone());
        Integer old = slots.get(k);
        int r = checkFlags(old != null, flags);
        if (r == 0 && old != null) {
            lruLists.setRef(old);
            copyValue(value, storage[copy(cpu)], old * stride, 0);
        } else if (r == 0) {
            for (byte[] s : storage) {
                Arrays.fill(s, node * stride, node * stride + stride, (byte) 0);
            }
            copyValue(value, storage[copy(cpu)], node * stride, 0);
            slots.put(k, node);
            toFront(k);
            keyOf[node] = k;
            node = -1;
        }
        if (node >= 0) {
            lruLists.pushFree(node);
        }
        return r;
    }

    private synchronized int insertOrReplace(byte[] key, byte[] value, long flags, int cpu) {
        Key k = new Key(key.clone());
        Integer slot = slots.get(k);
        int r = checkFlags(slot != null, flags);
        if (r < 0) {
            return r;
        }
        if (slot != null) {
            // Linux replaces the element with a new one: its timer is freed and its lock starts free.
            for (int c = 0; c < storage.length; c++) {
                freeFields(c, slot * stride);
            }
            if (storage.length == 1) {
                Arrays.fill(storage[0], slot * stride, slot * stride + stride, (byte) 0);
                toFront(k); // a new element replaces the old one at the front of the bucket
            }
        } else {
            if (free.isEmpty()) {
                return -Errno.E2BIG;
            }
            slot = free.pop();
            slots.put(k, slot);
            toFront(k);
            for (byte[] s : storage) {
                Arrays.fill(s, slot * stride, slot * stride + stride, (byte) 0);
            }
        }
        copyValue(value, storage[copy(cpu)], slot * stride, flags & ~F_LOCK);
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        Key k = new Key(key);
        Integer slot = slots.remove(k);
        if (slot == null) {
            return -Errno.ENOENT;
        }
        unlink(k);
        for (int c = 0; c < storage.length; c++) {
            freeFields(c, slot * stride);
        }
        if (lru) {
            keyOf[slot] = null;
            lruLists.pushFree(slot);
        } else {
            free.push(slot);
        }
        return 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        Pos at = key == null ? null : posOf.get(new Key(key));
        // A missing key restarts from the first element, as in Linux.
        java.util.Map.Entry<Pos, Key> next = at == null ? order.firstEntry() : order.higherEntry(at);
        return next == null ? Optional.empty() : Optional.of(next.getValue().bytes().clone());
    }

    @Override
    public synchronized List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>(order.size());
        for (Key k : order.values()) {
            keys.add(k.bytes().clone());
        }
        return keys;
    }

    /** Number of elements. */
    public synchronized int size() {
        return slots.size();
    }
}
