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
public abstract sealed class BpfMap implements AutoCloseable permits ArrayMap, HashTableMap, LpmTrieMap, KeylessMap, RingBufferMap, ProgArrayMap,
        PerfEventArrayMap, StackTraceMap, MapOfMaps, DevMap, DevHashMap, CpuMap {
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
    /** The open maps by the region ids of their value storage. */
    private static final ConcurrentHashMap<Integer, BpfMap> BY_REGION = new ConcurrentHashMap<>();

    /** Creates storage for {@code slots} values in each of {@code copies} copies. */
    protected BpfMap(MapDefinition definition, int slots, int copies) {
        this.definition = SpecialFields.check(definition);
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
                    + " values" + (readOnlyForPrograms() ? " (BPF_F_RDONLY_PROG)" : ""), storage[c],
                    !readOnlyForPrograms());
        }
        id = NEXT_ID.getAndIncrement();
        OPEN.put(id, this);
        for (long b : base) {
            BY_REGION.put(Memory.regionOf(b), this);
        }
    }

    /**
     * The open map whose value storage holds the VM address {@code address}, or null: how a
     * helper that gets only a pointer ({@code bpf_spin_lock}) finds the map, to check the pointer
     * as the kernel's verifier would have.
     */
    public static BpfMap ofValueAddress(long address) {
        BpfMap m = BY_REGION.get(Memory.regionOf(address));
        return m != null && m.valueStart(address) >= 0 ? m : null;
    }

    /** {@code BPF_F_RDONLY_PROG}: programs may read the map but not change it. */
    public static final int F_RDONLY_PROG = 1 << 7;

    private volatile boolean frozen;

    /**
     * Whether programs may only read this map ({@code BPF_F_RDONLY_PROG}, as libbpf creates
     * {@code .rodata} and {@code .kconfig}): its values are a read-only region, so a program's store
     * into one traps, and the map helpers that change a map refuse it.
     */
    public final boolean readOnlyForPrograms() {
        return (definition.flags() & F_RDONLY_PROG) != 0;
    }

    /**
     * {@code BPF_MAP_FREEZE}: from now on the host cannot change the map either; its writes fail
     * with {@code EPERM}. Programs are not affected (a {@code .rodata} map is also
     * {@link #readOnlyForPrograms()}).
     */
    public void freeze() {
        frozen = true;
    }

    /** Whether {@link #freeze()} was called. */
    public final boolean frozen() {
        return frozen;
    }

    /** Refuses a host write to a frozen map. */
    protected final void checkNotFrozen(String op) {
        if (frozen) {
            throw new MapException(Errno.EPERM, "map " + definition.name() + ": " + op + " refused: the map is frozen"
                    + " (read-only for the host, as the kernel's frozen .rodata)");
        }
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

    /**
     * The address {@link #lookupAddress} gives, without the side effects of a program's lookup (an
     * LRU map's reference bit): for the host's lookups and for walks over the map.
     */
    public long peekAddress(byte[] key, int cpu) {
        return lookupAddress(key, cpu);
    }

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
        return lookup(key, ANY);
    }

    /**
     * {@code BPF_MAP_LOOKUP_ELEM} with flags: {@link #F_LOCK} copies the value while holding its
     * {@code bpf_spin_lock}. As in Linux, the spin lock and timer fields of the copy read as zero.
     *
     * @throws MapException {@code EINVAL} for other flags, or {@code F_LOCK} on a map without a spin lock
     */
    public Optional<byte[]> lookup(byte[] key, long flags) {
        checkKey(key);
        if ((flags & ~F_LOCK) != 0 || ((flags & F_LOCK) != 0 && definition.spinLockOffset() < 0)) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": lookup flags " + flags
                    + " (only BPF_F_LOCK, on a map whose values hold a bpf_spin_lock)");
        }
        long addr = peekAddress(key, 0);
        if (addr == 0) {
            return Optional.empty();
        }
        int copies = storage.length;
        int valueSize = definition.valueSize();
        int offset = (int) addr;
        byte[] all = new byte[copies == 1 ? valueSize : stride * copies];
        for (int c = 0; c < copies; c++) {
            if ((flags & F_LOCK) != 0) {
                SpecialFields.lock(storage[c], offset + definition.spinLockOffset());
            }
            try {
                System.arraycopy(storage[c], offset, all, c * stride, valueSize);
            } finally {
                if ((flags & F_LOCK) != 0) {
                    SpecialFields.unlock(storage[c], offset + definition.spinLockOffset());
                }
            }
            SpecialFields.clear(definition, all, c * stride);
        }
        return Optional.of(all);
    }

    /**
     * Copies a value into storage as {@code copy_map_value} does: every byte but the spin lock and
     * timer fields; with {@link #F_LOCK}, while holding the value's spin lock. For subclasses.
     */
    protected final void copyValue(byte[] value, byte[] target, int offset, long flags) {
        boolean locked = (flags & F_LOCK) != 0;
        if (locked) {
            SpecialFields.lock(target, offset + definition.spinLockOffset());
        }
        try {
            SpecialFields.copy(definition, value, target, offset);
        } finally {
            if (locked) {
                SpecialFields.unlock(target, offset + definition.spinLockOffset());
            }
        }
    }

    /**
     * Releases what a value's special fields hold when the value is replaced or its element
     * deleted ({@code bpf_obj_free_fields}): its timer is cancelled and freed. For subclasses.
     */
    protected final void freeFields(int copy, int offset) {
        if (definition.timerOffset() >= 0) {
            MapTimers.free(base[copy] + offset + definition.timerOffset());
        }
    }

    /** Refuses {@code F_LOCK} on a map without a spin lock; 0 or -EINVAL. */
    protected final int checkLockFlag(long flags) {
        return (flags & F_LOCK) != 0 && definition.spinLockOffset() < 0 ? -Errno.EINVAL : 0;
    }

    /**
     * Sets the value for a key ({@code BPF_MAP_UPDATE_ELEM}); for per-CPU maps the value holds
     * every CPU's value, each padded to 8 bytes.
     *
     * @throws MapException with the kernel's error number
     */
    public void put(byte[] key, byte[] value, long flags) {
        checkNotFrozen("update");
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
        long addr = peekAddress(key, 0);
        for (int c = 1; c < copies; c++) {
            SpecialFields.copy(definition, java.util.Arrays.copyOfRange(value, c * stride, c * stride
                    + definition.valueSize()), storage[c], (int) addr);
        }
    }

    /** Deletes a key ({@code BPF_MAP_DELETE_ELEM}). @throws MapException with the kernel's error number */
    public void remove(byte[] key) {
        checkNotFrozen("delete");
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

    void check(int result, String what) {
        if (result < 0) {
            throw new MapException(-result, "map " + definition.name() + ": " + what + " refused");
        }
    }

    /** The id of this map, as {@code BPF_MAP_LOOKUP_ELEM} on a map of maps reports an inner map. */
    public int id() {
        return id;
    }

    /** The open map with an id, or empty. */
    public static Optional<BpfMap> ofId(int id) {
        return Optional.ofNullable(OPEN.get(id));
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return OPEN.get(id) == this;
    }

    // ---- batch operations ----

    /** A batch operation kind, for {@link #supportsBatch}. */
    public enum BatchOp { LOOKUP, LOOKUP_AND_DELETE, UPDATE, DELETE }

    /**
     * Whether this map type has a batch operation in Linux 6.12: arrays look up and update, LPM
     * tries also delete, hash maps have all four; other types refuse them with {@code ENOTSUPP}.
     */
    public boolean supportsBatch(BatchOp op) {
        return switch (op) {
            case LOOKUP, UPDATE -> this instanceof ArrayMap || this instanceof HashTableMap || this instanceof LpmTrieMap;
            case DELETE -> this instanceof HashTableMap || this instanceof LpmTrieMap;
            case LOOKUP_AND_DELETE -> this instanceof HashTableMap;
        };
    }

    private void checkBatch(BatchOp op, long flags) {
        if (!supportsBatch(op)) {
            throw new MapException(Errno.ENOTSUPP, "map " + definition.name() + ": " + definition.type().kernelName()
                    + " has no " + op.name().toLowerCase(java.util.Locale.ROOT) + " batch operation");
        }
        if ((flags & ~F_LOCK) != 0 || checkLockFlag(flags) < 0) {
            throw new MapException(Errno.EINVAL, "map " + definition.name() + ": batch element flags " + flags);
        }
    }

    /**
     * One batch of {@code BPF_MAP_LOOKUP_BATCH} or {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}.
     *
     * @param keys the keys found, in iteration order
     * @param values their values (per-CPU maps: every CPU's, as {@link #lookup} gives them)
     * @param next the token to pass as {@code from} for the next batch, or empty when the map is
     *     exhausted (where Linux returns {@code -ENOENT} with the last elements)
     */
    public record Batch(List<byte[]> keys, List<byte[]> values, Optional<byte[]> next) {
        public Batch {
            keys = List.copyOf(keys);
            values = List.copyOf(values);
        }
    }

    /**
     * {@code BPF_MAP_LOOKUP_BATCH}: up to {@code count} elements after {@code from} (null: from the
     * start; else the {@code next} of the previous batch).
     *
     * @param flags 0 or {@link #F_LOCK}
     * @throws MapException {@code ENOTSUPP} for map types without the operation, {@code EINVAL} for bad flags
     */
    public Batch lookupBatch(byte[] from, int count, long flags) {
        checkBatch(BatchOp.LOOKUP, flags);
        return collect(from, count, flags, false);
    }

    /**
     * {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}: as {@link #lookupBatch}, deleting what it returns.
     */
    public Batch lookupAndDeleteBatch(byte[] from, int count, long flags) {
        checkNotFrozen("lookup and delete");
        checkBatch(BatchOp.LOOKUP_AND_DELETE, flags);
        return collect(from, count, flags, true);
    }

    private Batch collect(byte[] from, int count, long flags, boolean delete) {
        if (from != null) {
            checkKey(from);
        }
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        byte[] prev = from;
        boolean more = true;
        while (keys.size() < count) {
            Optional<byte[]> k = nextKey(prev);
            if (k.isEmpty()) {
                more = false;
                break;
            }
            Optional<byte[]> v = lookup(k.get(), flags);
            if (v.isPresent()) {
                keys.add(k.get());
                values.add(v.get());
            }
            prev = k.get();
        }
        if (delete) {
            for (byte[] k : keys) {
                delete(k);
            }
            // The last key is gone: a hash map's iteration from a missing key starts from the first
            // remaining element, which is where the next batch must start.
            more = more && nextKey(null).isPresent();
            return new Batch(keys, values, more && prev != null ? Optional.of(prev.clone()) : Optional.empty());
        }
        if (more && nextKey(prev).isEmpty()) {
            more = false;
        }
        return new Batch(keys, values, more && prev != null ? Optional.of(prev.clone()) : Optional.empty());
    }

    /**
     * {@code BPF_MAP_UPDATE_BATCH}: updates element by element, stopping at the first failure as
     * Linux does; returns how many were updated.
     *
     * @throws MapException at the first failure, with the number of elements updated before it
     */
    public int updateBatch(List<byte[]> keys, List<byte[]> values, long flags) {
        checkNotFrozen("update");
        checkBatch(BatchOp.UPDATE, flags);
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values");
        }
        for (int i = 0; i < keys.size(); i++) {
            try {
                put(keys.get(i), values.get(i), flags);
            } catch (MapException e) {
                throw new MapException(e.errno(), "map " + definition.name() + ": update batch stopped at element "
                        + i, i);
            }
        }
        return keys.size();
    }

    /**
     * {@code BPF_MAP_DELETE_BATCH}: deletes key by key, stopping at the first failure; returns how
     * many were deleted.
     *
     * @throws MapException at the first failure, with the number of elements deleted before it
     */
    public int deleteBatch(List<byte[]> keys) {
        checkNotFrozen("delete");
        checkBatch(BatchOp.DELETE, 0);
        for (int i = 0; i < keys.size(); i++) {
            checkKey(keys.get(i));
            int r = delete(keys.get(i));
            if (r < 0) {
                throw new MapException(-r, "map " + definition.name() + ": delete batch stopped at element " + i, i);
            }
        }
        return keys.size();
    }

    /**
     * The address of the start of the value an address points into, if it points into this map's
     * value storage; else -1. For helpers that take a pointer into a map value (timers).
     */
    public long valueStart(long address) {
        for (long b : base) {
            if (Memory.regionOf(b) == Memory.regionOf(address)) {
                int off = (int) address;
                int length = storage[0].length;
                return off < 0 || off >= length ? -1 : address - off % stride;
            }
        }
        return -1;
    }

    /** The key whose value starts at {@code valueAddress} (in any CPU's copy), or empty. */
    public Optional<byte[]> keyOfValue(long valueAddress) {
        int off = (int) valueAddress;
        for (byte[] k : keys()) {
            long a = peekAddress(k, 0);
            if (a != 0 && (int) a == off) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        OPEN.remove(id);
        for (long b : base) {
            BY_REGION.remove(Memory.regionOf(b), this);
            MapTimers.freeRegion(Memory.regionOf(b));
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
            case PERF_EVENT_ARRAY -> new PerfEventArrayMap(d);
            case STACK_TRACE -> new StackTraceMap(d);
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> new MapOfMaps(d);
            case DEVMAP -> new DevMap(d);
            case DEVMAP_HASH -> new DevHashMap(d);
            case CPUMAP -> new CpuMap(d);
            default -> throw new MapException(Errno.EINVAL, "map " + d.name() + ": type " + d.type().kernelName()
                    + " is not implemented by the VM");
        };
    }
}
