package org.bpf4j.vm.map;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * {@code BPF_MAP_TYPE_ARRAY_OF_MAPS} and {@code BPF_MAP_TYPE_HASH_OF_MAPS}: values are maps. A
 * program's lookup gives the inner map itself (its handle), which it passes to the map helpers; the
 * host stores maps with {@link #set} (or {@link #put} with a map id as the 4-byte value, as
 * user space passes an fd) and reads back their ids. Every inner map must match the template of
 * the definition as Linux's {@code bpf_map_meta_equal} checks: same type, key and value sizes and
 * flags, and for arrays the same max_entries unless the template has {@code BPF_F_INNER_MAP}.
 * The map does not own its inner maps. Thread-safe.
 */
public final class MapOfMaps extends BpfMap {
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

    private final boolean array;
    private final MapDefinition template;
    private final BpfMap[] slots;
    private final LinkedHashMap<Key, BpfMap> entries = new LinkedHashMap<>();

    MapOfMaps(MapDefinition d) {
        super(validate(d), 0, 1);
        array = d.type() == MapType.ARRAY_OF_MAPS;
        template = d.innerMap().orElseThrow();
        slots = array ? new BpfMap[d.maxEntries()] : null;
    }

    private static MapDefinition validate(MapDefinition d) {
        boolean array = d.type() == MapType.ARRAY_OF_MAPS;
        if (d.valueSize() != 4 || d.maxEntries() == 0 || d.keySize() == 0 || (array && d.keySize() != 4)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a map of maps needs 4-byte values (map "
                    + "ids), " + (array ? "4-byte keys" : "a key size") + " and max_entries above zero");
        }
        MapDefinition inner = d.innerMap().orElseThrow(() -> new MapException(Errno.EINVAL, "map " + d.name()
                + ": a map of maps needs an inner map template"));
        switch (inner.type()) {
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> throw new MapException(Errno.EINVAL, "map " + d.name()
                    + ": maps of maps nest one level only; the inner map is a " + inner.type().kernelName());
            case PROG_ARRAY -> throw new MapException(Errno.ENOTSUPP, "map " + d.name()
                    + ": a prog_array cannot be an inner map");
            default -> { }
        }
        return d;
    }

    /** Why {@code inner} cannot be stored, or empty if it matches the template. */
    private Optional<String> mismatch(BpfMap inner) {
        MapDefinition d = inner.definition();
        if (d.type() != template.type() || d.keySize() != template.keySize()
                || d.valueSize() != template.valueSize() || d.flags() != template.flags()
                || d.spinLockOffset() != template.spinLockOffset() || d.timerOffset() != template.timerOffset()) {
            return Optional.of("map " + d.name() + " (" + d.type().kernelName() + ", key " + d.keySize() + ", value "
                    + d.valueSize() + ", flags " + d.flags() + ") does not match the inner map template ("
                    + template.type().kernelName() + ", key " + template.keySize() + ", value "
                    + template.valueSize() + ", flags " + template.flags() + ")");
        }
        boolean anySize = (template.flags() & MapDefinition.F_INNER_MAP) != 0;
        if ((d.type() == MapType.ARRAY || d.type() == MapType.PERCPU_ARRAY) && !anySize
                && d.maxEntries() != template.maxEntries()) {
            return Optional.of("array " + d.name() + " has " + d.maxEntries() + " entries, the template "
                    + template.maxEntries() + " (BPF_F_INNER_MAP allows any)");
        }
        return Optional.empty();
    }

    private static long index(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    /**
     * Stores an inner map under a key ({@code BPF_MAP_UPDATE_ELEM} with the inner map's fd).
     *
     * @throws MapException {@code EINVAL} if the map does not match the template or for bad flags
     *     (an array takes only {@code BPF_ANY}), {@code E2BIG} past the end of an array or when a
     *     hash is full, {@code EEXIST}/{@code ENOENT} as the flags demand
     */
    public void set(byte[] key, BpfMap inner, long flags) {
        checkKey(key);
        Optional<String> why = mismatch(inner);
        if (why.isPresent()) {
            throw new MapException(Errno.EINVAL, "map " + definition().name() + ": " + why.get());
        }
        check(store(key, inner, flags), "update");
    }

    private synchronized int store(byte[] key, BpfMap inner, long flags) {
        if (array) {
            if (flags != ANY) {
                return -Errno.EINVAL;
            }
            long i = index(key);
            if (i >= slots.length) {
                return -Errno.E2BIG;
            }
            slots[(int) i] = inner;
            return 0;
        }
        if (flags > EXIST) {
            return -Errno.EINVAL;
        }
        Key k = new Key(key.clone());
        boolean present = entries.containsKey(k);
        if (present && flags == NOEXIST) {
            return -Errno.EEXIST;
        }
        if (!present && flags == EXIST) {
            return -Errno.ENOENT;
        }
        if (!present && entries.size() >= definition().maxEntries()) {
            return -Errno.E2BIG;
        }
        entries.put(k, inner);
        return 0;
    }

    /** The inner map stored under a key, or empty. */
    public synchronized Optional<BpfMap> get(byte[] key) {
        checkKey(key);
        return Optional.ofNullable(inner(key));
    }

    private BpfMap inner(byte[] key) {
        if (array) {
            long i = index(key);
            return i < slots.length ? slots[(int) i] : null;
        }
        return entries.get(new Key(key));
    }

    /** The inner map's handle, which programs pass to map helpers; 0 if there is none. */
    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        BpfMap m = inner(key);
        return m == null || !m.isOpen() ? 0 : m.handle();
    }

    /** Programs cannot update maps of maps (the verifier refuses it); this returns {@code -EINVAL}. */
    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        return -Errno.EINVAL;
    }

    @Override
    public synchronized int delete(byte[] key) {
        if (array) {
            long i = index(key);
            if (i >= slots.length) {
                return -Errno.E2BIG;
            }
            if (slots[(int) i] == null) {
                return -Errno.ENOENT;
            }
            slots[(int) i] = null;
            return 0;
        }
        return entries.remove(new Key(key)) == null ? -Errno.ENOENT : 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        if (array) {
            long next = key == null || index(key) >= slots.length ? 0 : index(key) + 1;
            if (next >= slots.length) {
                return Optional.empty();
            }
            return Optional.of(new byte[] {(byte) next, (byte) (next >>> 8), (byte) (next >>> 16), (byte) (next >>> 24)});
        }
        Iterator<Key> it = entries.keySet().iterator();
        if (key != null && entries.containsKey(new Key(key))) {
            Key wanted = new Key(key);
            while (it.hasNext() && !it.next().equals(wanted)) {
                // advance past the given key
            }
        }
        return it.hasNext() ? Optional.of(it.next().bytes().clone()) : Optional.empty();
    }

    /** The id of the inner map under a key as 4 bytes, as {@code BPF_MAP_LOOKUP_ELEM} returns it. */
    @Override
    public synchronized Optional<byte[]> lookup(byte[] key, long flags) {
        checkKey(key);
        if (flags != 0) {
            throw new MapException(Errno.EINVAL, "map " + definition().name() + ": lookup flags " + flags);
        }
        BpfMap m = inner(key);
        if (m == null) {
            return Optional.empty();
        }
        int id = m.id();
        return Optional.of(new byte[] {(byte) id, (byte) (id >>> 8), (byte) (id >>> 16), (byte) (id >>> 24)});
    }

    /** Stores the open map whose id is the 4-byte value. @throws MapException {@code EBADF}-like {@code EINVAL} for an unknown id */
    @Override
    public void put(byte[] key, byte[] value, long flags) {
        checkValue(value);
        int id = (int) index(value);
        BpfMap inner = BpfMap.ofId(id).orElseThrow(() -> new MapException(Errno.EINVAL, "map "
                + definition().name() + ": no open map has id " + id));
        set(key, inner, flags);
    }
}
