package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code BPF_MAP_TYPE_LPM_TRIE}: keys are {@code struct bpf_lpm_trie_key} (a 4-byte little-endian
 * prefix length, then the data bytes, most significant first); a lookup finds the longest stored
 * prefix that matches the key's data within the key's prefix length. As in Linux the map must be
 * created with {@code BPF_F_NO_PREALLOC}, a full map refuses new prefixes with {@code -ENOSPC}, and
 * iteration visits more specific prefixes before the prefixes that contain them, zeros before ones
 * (the kernel's post-order walk of its trie).
 */
public final class LpmTrieMap extends BpfMap {
    /** {@code BPF_F_NO_PREALLOC}. */
    public static final int F_NO_PREALLOC = 1;

    private record Prefix(int length, byte[] data) {}

    private final int dataSize;
    private final TreeMap<Prefix, Integer> slots = new TreeMap<>(LpmTrieMap::order);
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    LpmTrieMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), 1);
        dataSize = d.keySize() - 4;
        for (int i = d.maxEntries() - 1; i >= 0; i--) {
            free.push(i);
        }
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() <= 4 || d.keySize() > 4 + 256 || d.valueSize() == 0 || d.maxEntries() == 0
                || d.flags() != F_NO_PREALLOC) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": an LPM trie needs keys of 4 + 1..256 bytes, "
                    + "a value size, max_entries, and exactly the flag BPF_F_NO_PREALLOC");
        }
        return d;
    }

    private static boolean bit(byte[] data, int i) {
        return (data[i >>> 3] & (0x80 >>> (i & 7))) != 0;
    }

    /** Post-order of the binary trie: a longer prefix inside a shorter one comes first; else 0 before 1. */
    private static int order(Prefix a, Prefix b) {
        int common = Math.min(a.length(), b.length());
        for (int i = 0; i < common; i++) {
            boolean x = bit(a.data(), i);
            boolean y = bit(b.data(), i);
            if (x != y) {
                return x ? 1 : -1;
            }
        }
        return Integer.compare(b.length(), a.length());
    }

    private Prefix prefix(byte[] key) {
        int length = (key[0] & 0xff) | (key[1] & 0xff) << 8 | (key[2] & 0xff) << 16 | (key[3] & 0xff) << 24;
        return new Prefix(length, Arrays.copyOfRange(key, 4, key.length));
    }

    private byte[] key(Prefix p) {
        byte[] k = new byte[4 + dataSize];
        k[0] = (byte) p.length();
        k[1] = (byte) (p.length() >>> 8);
        k[2] = (byte) (p.length() >>> 16);
        k[3] = (byte) (p.length() >>> 24);
        System.arraycopy(p.data(), 0, k, 4, dataSize);
        return k;
    }

    private boolean validLength(Prefix p) {
        return p.length() >= 0 && p.length() <= dataSize * 8;
    }

    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        Prefix wanted = prefix(key);
        int limit = Math.min(Math.max(wanted.length(), 0), dataSize * 8);
        Prefix best = null;
        for (Prefix p : slots.keySet()) {
            if (p.length() > limit || (best != null && p.length() <= best.length())) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < p.length() && match; i++) {
                match = bit(p.data(), i) == bit(wanted.data(), i);
            }
            if (match) {
                best = p;
            }
        }
        return best == null ? 0 : base[0] + (long) slots.get(best) * stride;
    }

    @Override
    public synchronized int update(byte[] key, byte[] value, long flags, int cpu) {
        if (flags > EXIST) {
            return -Errno.EINVAL;
        }
        Prefix p = prefix(key);
        if (!validLength(p)) {
            return -Errno.EINVAL;
        }
        Integer slot = slots.get(p);
        if (slot != null) {
            if (flags == NOEXIST) {
                return -Errno.EEXIST;
            }
            slots.remove(p);
            slots.put(p, slot); // keep the latest data bytes, as Linux replaces the node
        } else {
            if (flags == EXIST) {
                return -Errno.ENOENT;
            }
            if (free.isEmpty()) {
                return -Errno.ENOSPC;
            }
            slot = free.pop();
            slots.put(p, slot);
        }
        System.arraycopy(value, 0, storage[0], slot * stride, definition().valueSize());
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        Prefix p = prefix(key);
        if (!validLength(p)) {
            return -Errno.EINVAL;
        }
        Integer slot = slots.remove(p);
        if (slot == null) {
            return -Errno.ENOENT;
        }
        free.push(slot);
        return 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        if (key == null) {
            return slots.isEmpty() ? Optional.empty() : Optional.of(key(slots.firstKey()));
        }
        Prefix p = prefix(key);
        if (!validLength(p) || !slots.containsKey(p)) {
            return slots.isEmpty() ? Optional.empty() : Optional.of(key(slots.firstKey()));
        }
        Prefix next = slots.higherKey(p);
        return next == null ? Optional.empty() : Optional.of(key(next));
    }

    @Override
    public synchronized List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        for (Prefix p : slots.keySet()) {
            keys.add(key(p));
        }
        return keys;
    }
}
