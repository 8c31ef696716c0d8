package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.Cpus;

/**
 * The hash family: {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and
 * {@code LRU_PERCPU_HASH}. Values live in fixed slots of the map's storage, so a pointer a program
 * got from a lookup stays valid while the element exists. A full hash map refuses new keys with
 * {@code -E2BIG}; a full LRU map evicts its least recently used element (looked up or updated),
 * as the kernel's LRU does in spirit (the kernel's is approximate and per-CPU). Iteration follows
 * insertion order (the kernel's follows its hash buckets).
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
    private final LinkedHashMap<Key, Integer> slots;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    HashTableMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), d.type().perCpu() ? Cpus.count() : 1);
        lru = d.type() == MapType.LRU_HASH || d.type() == MapType.LRU_PERCPU_HASH;
        slots = new LinkedHashMap<>(16, 0.75f, lru);
        for (int i = d.maxEntries() - 1; i >= 0; i--) {
            free.push(i);
        }
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() == 0 || d.valueSize() == 0 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a hash map needs a key size, a value size "
                    + "and max_entries above zero");
        }
        return d;
    }

    private int copy(int cpu) {
        return storage.length == 1 ? 0 : cpu;
    }

    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
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
            long addr = lookupAddress(key, cpu);
            if (addr != 0) {
                if ((flags & 3) == NOEXIST) {
                    return -Errno.EEXIST;
                }
                copyValue(value, storage[copy(cpu)], (int) addr, flags);
                return 0;
            }
        }
        return insertOrReplace(key, value, flags, cpu);
    }

    private synchronized int insertOrReplace(byte[] key, byte[] value, long flags, int cpu) {
        Key k = new Key(key.clone());
        Integer slot = slots.get(k);
        if (slot != null) {
            if ((flags & 3) == NOEXIST) {
                return -Errno.EEXIST;
            }
            // Linux replaces the element with a new one: its timer is freed and its lock starts free.
            for (int c = 0; c < storage.length; c++) {
                freeFields(c, slot * stride);
            }
            if (storage.length == 1) {
                Arrays.fill(storage[0], slot * stride, slot * stride + stride, (byte) 0);
            }
        } else {
            if ((flags & 3) == EXIST) {
                return -Errno.ENOENT;
            }
            if (free.isEmpty()) {
                if (!lru) {
                    return -Errno.E2BIG;
                }
                Iterator<Map.Entry<Key, Integer>> eldest = slots.entrySet().iterator();
                int victim = eldest.next().getValue();
                eldest.remove();
                for (int c = 0; c < storage.length; c++) {
                    freeFields(c, victim * stride);
                }
                free.push(victim);
            }
            slot = free.pop();
            slots.put(k, slot);
            for (byte[] s : storage) {
                Arrays.fill(s, slot * stride, slot * stride + stride, (byte) 0);
            }
        }
        copyValue(value, storage[copy(cpu)], slot * stride, flags & ~F_LOCK);
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        Integer slot = slots.remove(new Key(key));
        if (slot == null) {
            return -Errno.ENOENT;
        }
        for (int c = 0; c < storage.length; c++) {
            freeFields(c, slot * stride);
        }
        free.push(slot);
        return 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        Iterator<Key> it = slots.keySet().iterator();
        if (key != null) {
            Key wanted = new Key(key);
            if (slots.containsKey(wanted)) {
                while (it.hasNext()) {
                    if (it.next().equals(wanted)) {
                        break;
                    }
                }
            } else {
                it = slots.keySet().iterator(); // a missing key restarts from the first, as in Linux
            }
        }
        return it.hasNext() ? Optional.of(it.next().bytes().clone()) : Optional.empty();
    }

    @Override
    public synchronized List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>(slots.size());
        for (Key k : slots.keySet()) {
            keys.add(k.bytes().clone());
        }
        return keys;
    }

    /** Number of elements. */
    public synchronized int size() {
        return slots.size();
    }
}
