package org.bpf4j.vm.map;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.SharedRegions;

/**
 * A map of the VM. Subclasses implement one family of map types with the kernel's semantics; this
 * class holds the definition, the value storage (one {@link SharedRegions} region per copy of the
 * values: one, or one per CPU for per-CPU maps) and the host API.
 *
 * <p>Two APIs: the <em>program</em> API ({@link #lookupAddress}, {@link #update(byte[], byte[], long, int)},
 * {@link #delete}, ...) returns VM addresses and negative error numbers as helpers do; the
 * <em>host</em> API ({@link #lookup}, {@link #put}, {@link #remove}, {@link #keys()}) copies bytes and
 * throws {@link MapException}. All operations are thread-safe. Close the map to withdraw its storage.
 */
public abstract sealed class BpfMap implements AutoCloseable permits ArrayMap, HashTableMap, LpmTrieMap, KeylessMap, RingBufferMap, ProgArrayMap {
    /** Update flags, as in {@code bpf_map_update_elem}. */
    public static final long ANY = 0, NOEXIST = 1, EXIST = 2, F_LOCK = 4;

    private final MapDefinition definition;
    /** Bytes between consecutive values in storage: the value size rounded up to 8, as in Linux. */
    protected final int stride;
    /** Value storage, one array per copy (per CPU for per-CPU maps). */
    protected final byte[][] storage;
    /** The VM address of each storage array. */
    protected final long[] base;
    private final int id;

    private static final AtomicInteger NEXT_ID = new AtomicInteger(1);
    private static final ConcurrentHashMap<Integer, BpfMap> OPEN = new ConcurrentHashMap<>();

    /** Creates storage for {@code slots} values in each of {@code copies} copies. */
    protected BpfMap(MapDefinition definition, int slots, int copies) {
        this.definition = definition;
        this.stride = (definition.valueSize() + 7) & ~7;
        long bytes = (long) stride * slots;
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new MapException(Errno.E2BIG, "map " + definition.name() + ": " + slots + " values of "
                    + definition.valueSize() + " bytes do not fit in the VM");
        }
        storage = new byte[copies][];
        base = new long[copies];
        for (int c = 0; c < copies; c++) {
            storage[c] = new byte[(int) bytes];
            base[c] = SharedRegions.register("map " + definition.name() + (copies > 1 ? " (cpu " + c + ")" : "")
                    + " values", storage[c], true);
        }
        id = NEXT_ID.getAndIncrement();
        OPEN.put(id, this);
    }

    /**
     * The value a program holds for this map (what {@code lddw} of a map loads): an address in
     * {@link Memory#MAP_HANDLE_REGION}, which has no bytes, so a program cannot read or write
     * through it; helpers turn it back into the map with {@link #ofHandle(long)}.
     */
    public long handle() {
        return Memory.address(Memory.MAP_HANDLE_REGION, id);
    }

    /** The open map a handle names, or empty. */
    public static Optional<BpfMap> ofHandle(long handle) {
        if (Memory.regionOf(handle) != Memory.MAP_HANDLE_REGION) {
            return Optional.empty();
        }
        return Optional.ofNullable(OPEN.get((int) handle));
    }

    /**
     * The address of the first value plus {@code offset}, for direct value access
     * ({@code lddw} of a map value: global data); only arrays allow it, as in Linux.
     *
     * @throws MapException if the map has no directly addressable values or the offset is outside them
     */
    public long valueAddress(int offset) {
        if (!(this instanceof ArrayMap) || storage.length != 1) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": only an array map's values "
                    + "can be addressed directly");
        }
        if (offset < 0 || offset >= storage[0].length) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": offset " + offset
                    + " is outside its " + storage[0].length + " bytes of values");
        }
        return base[0] + offset;
    }

    /** The definition. */
    public MapDefinition definition() {
        return definition;
    }

    /** Checks a key's length. */
    protected final void checkKey(byte[] key) {
        if (key.length != definition.keySize()) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": key of " + key.length
                    + " bytes, the map's keys have " + definition.keySize());
        }
    }

    /** Checks a value's length. */
    protected final void checkValue(byte[] value) {
        if (value.length != definition.valueSize()) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": value of " + value.length
                    + " bytes, the map's values have " + definition.valueSize());
        }
    }

    /** Refuses flags outside {@code allowed}; returns 0 or -EINVAL. */
    protected static int checkFlags(long flags, long allowed) {
        return (flags & ~allowed) != 0 || (flags & 3) == 3 ? -Errno.EINVAL : 0;
    }

    // ---- the program API ----

    /**
     * The address of the value for a key in the copy of {@code cpu} (ignored unless per-CPU), or 0
     * if there is none: {@code bpf_map_lookup_elem}.
     */
    public abstract long lookupAddress(byte[] key, int cpu);

    /** {@code bpf_map_update_elem} from a program on {@code cpu}: 0 or a negative error number. */
    public abstract int update(byte[] key, byte[] value, long flags, int cpu);

    /** {@code bpf_map_delete_elem}: 0 or a negative error number. */
    public abstract int delete(byte[] key);

    /** The key after {@code key} (null: the first key) in iteration order, or empty at the end. */
    public abstract Optional<byte[]> nextKey(byte[] key);

    // ---- the host API ----

    /**
     * The value for a key, or empty. For per-CPU maps, every CPU's value one after the other,
     * each padded to a multiple of 8 bytes, as {@code BPF_MAP_LOOKUP_ELEM} returns them.
     */
    public Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        long addr = lookupAddress(key, 0);
        if (addr == 0) {
            return Optional.empty();
        }
        int copies = storage.length;
        int valueSize = definition.valueSize();
        int offset = (int) addr;
        if (copies == 1) {
            return Optional.of(java.util.Arrays.copyOfRange(storage[0], offset, offset + valueSize));
        }
        byte[] all = new byte[stride * copies];
        for (int c = 0; c < copies; c++) {
            System.arraycopy(storage[c], offset, all, c * stride, valueSize);
        }
        return Optional.of(all);
    }

    /**
     * Sets the value for a key ({@code BPF_MAP_UPDATE_ELEM}); for per-CPU maps the value holds
     * every CPU's value, each padded to 8 bytes.
     *
     * @throws MapException with the kernel's error number
     */
    public void put(byte[] key, byte[] value, long flags) {
        checkKey(key);
        int copies = storage.length;
        if (copies == 1) {
            checkValue(value);
            check(update(key, value, flags, 0), "update");
            return;
        }
        if (value.length != stride * copies) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": a per-CPU value is " + copies
                    + " values of " + stride + " bytes, not " + value.length + " bytes");
        }
        byte[] first = java.util.Arrays.copyOf(value, definition.valueSize());
        check(update(key, first, flags, 0), "update");
        long addr = lookupAddress(key, 0);
        for (int c = 1; c < copies; c++) {
            System.arraycopy(value, c * stride, storage[c], (int) addr, definition.valueSize());
        }
    }

    /** Deletes a key ({@code BPF_MAP_DELETE_ELEM}). @throws MapException with the kernel's error number */
    public void remove(byte[] key) {
        checkKey(key);
        check(delete(key), "delete");
    }

    /** Every key, in iteration order. */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        Optional<byte[]> k = nextKey(null);
        while (k.isPresent() && keys.size() <= definition.maxEntries()) {
            keys.add(k.get());
            k = nextKey(k.get());
        }
        return keys;
    }

    private void check(int result, String what) {
        if (result < 0) {
            throw new MapException(-result, "map " + definition.name() + ": " + what + " refused");
        }
    }

    @Override
    public void close() {
        OPEN.remove(id);
        for (long b : base) {
            SharedRegions.release(b);
        }
    }

    /** Creates the map for a definition. @throws MapException for types the VM does not implement */
    public static BpfMap create(MapDefinition d) {
        return switch (d.type()) {
            case ARRAY, PERCPU_ARRAY -> new ArrayMap(d);
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> new HashTableMap(d);
            case LPM_TRIE -> new LpmTrieMap(d);
            case QUEUE, STACK -> new QueueStackMap(d);
            case BLOOM_FILTER -> new BloomFilterMap(d);
            case RINGBUF -> new RingBufferMap(d);
            case PROG_ARRAY -> new ProgArrayMap(d);
            default -> throw new MapException(Errno.EINVAL, "map " + d.name() + ": type " + d.type().kernelName()
                    + " is not implemented by the VM");
        };
    }
}
