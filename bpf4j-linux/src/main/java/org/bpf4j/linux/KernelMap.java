package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.MapType;

/**
 * A map in the kernel, open through a file descriptor. Keys and values are byte arrays in the
 * kernel's layout (little-endian on the supported machines). For per-CPU maps the value of one
 * element is one slot per possible CPU, each rounded up to 8 bytes ({@link #lookupPerCpu},
 * {@link #updatePerCpu}); {@link #lookup} and {@link #update} then read and write all the slots
 * as one array.
 *
 * <p>Owns its descriptor: {@link #close()} releases it (the kernel frees the map when nothing
 * else holds it: a program, a pin, another descriptor). Thread-safe: each call is one syscall.
 */
public final class KernelMap implements AutoCloseable {
    /** {@code BPF_ANY}: create or replace. */
    public static final long ANY = 0;
    /** {@code BPF_NOEXIST}: create only. */
    public static final long NOEXIST = 1;
    /** {@code BPF_EXIST}: replace only. */
    public static final long EXIST = 2;

    private final Bpf bpf;
    private final Fd fd;
    private final String name;
    private final int type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final int flags;
    private final int cpus;

    /**
     * Wraps a map descriptor.
     *
     * @param bpf the syscall layer
     * @param fd the descriptor, now owned by this map
     * @param name the map's name
     * @param type the map type id
     * @param cpus the number of possible CPUs, for per-CPU values
     */
    public KernelMap(Bpf bpf, Fd fd, String name, int type, int keySize, int valueSize, int maxEntries, int flags,
            int cpus) {
        this.bpf = Objects.requireNonNull(bpf, "bpf");
        this.fd = Objects.requireNonNull(fd, "fd");
        this.name = Objects.requireNonNull(name, "name");
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.flags = flags;
        this.cpus = cpus;
    }

    /** The map's name. */
    public String name() {
        return name;
    }

    /** The map type id. */
    public int type() {
        return type;
    }

    /** The map type, if bpf4j knows the id. */
    public Optional<MapType> mapType() {
        return MapType.byId(type);
    }

    /** Key size in bytes. */
    public int keySize() {
        return keySize;
    }

    /** Value size in bytes (of one CPU's slot for per-CPU maps). */
    public int valueSize() {
        return valueSize;
    }

    /** Maximum number of entries. */
    public int maxEntries() {
        return maxEntries;
    }

    /** {@code map_flags}. */
    public int flags() {
        return flags;
    }

    /** Whether each CPU has its own value. */
    public boolean perCpu() {
        return mapType().map(MapType::perCpu).orElse(false);
    }

    /** The size of a value as the syscalls move it: {@code roundup(value_size, 8) * cpus} for per-CPU maps. */
    public int transferValueSize() {
        return perCpu() ? slotSize() * cpus : valueSize;
    }

    private int slotSize() {
        return (valueSize + 7) & ~7;
    }

    /** The descriptor's number, valid until {@link #close()}. */
    public int fd() {
        return fd.value();
    }

    private void checkKey(byte[] key) {
        if (key != null && key.length != keySize) {
            throw new IllegalArgumentException("map '" + name + "': key of " + key.length + " bytes, the map's keys have "
                    + keySize);
        }
    }

    private void checkValue(byte[] value) {
        if (value.length != transferValueSize()) {
            throw new IllegalArgumentException("map '" + name + "': value of " + value.length + " bytes, expected "
                    + transferValueSize() + (perCpu() ? " (" + cpus + " CPUs x " + slotSize() + ")" : ""));
        }
    }

    /** The value of a key (all CPUs' slots for a per-CPU map), if present. */
    public Optional<byte[]> lookup(byte[] key) {
        checkKey(key);
        byte[] value = new byte[transferValueSize()];
        return bpf.mapLookup(fd.value(), key, value, 0) ? Optional.of(value) : Optional.empty();
    }

    /** The value of a key on each possible CPU, each {@link #valueSize()} bytes, if present. */
    public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
        return lookup(key).map(this::splitPerCpu);
    }

    /** Splits a per-CPU transfer value into one value per CPU. */
    public List<byte[]> splitPerCpu(byte[] all) {
        if (!perCpu()) {
            return List.of(all);
        }
        List<byte[]> out = new ArrayList<>(cpus);
        for (int c = 0; c < cpus; c++) {
            out.add(Arrays.copyOfRange(all, c * slotSize(), c * slotSize() + valueSize));
        }
        return out;
    }

    /**
     * Writes a value.
     *
     * @param flags {@link #ANY}, {@link #NOEXIST} or {@link #EXIST} (with {@code BPF_F_LOCK})
     */
    public void update(byte[] key, byte[] value, long flags) {
        checkKey(key);
        checkValue(value);
        bpf.mapUpdate(fd.value(), key, value, flags);
    }

    /** Writes one value per possible CPU, each {@link #valueSize()} bytes. */
    public void updatePerCpu(byte[] key, List<byte[]> values, long flags) {
        if (values.size() != cpus) {
            throw new IllegalArgumentException("map '" + name + "': " + values.size() + " values for " + cpus + " CPUs");
        }
        byte[] all = new byte[slotSize() * cpus];
        for (int c = 0; c < cpus; c++) {
            byte[] v = values.get(c);
            if (v.length != valueSize) {
                throw new IllegalArgumentException("map '" + name + "': value of " + v.length + " bytes, expected "
                        + valueSize);
            }
            System.arraycopy(v, 0, all, c * slotSize(), valueSize);
        }
        update(key, all, flags);
    }

    /** Deletes a key; false if it was absent. */
    public boolean delete(byte[] key) {
        checkKey(key);
        return bpf.mapDelete(fd.value(), key);
    }

    /** The key after {@code key} in the kernel's order ({@code null}: the first key), or empty at the end. */
    public Optional<byte[]> nextKey(byte[] key) {
        checkKey(key);
        byte[] next = new byte[keySize];
        return bpf.mapGetNextKey(fd.value(), key, next) ? Optional.of(next) : Optional.empty();
    }

    /** All keys, by repeated {@code BPF_MAP_GET_NEXT_KEY}. */
    public List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>();
        byte[] k = null;
        while (true) {
            Optional<byte[]> n = nextKey(k);
            if (n.isEmpty() || keys.size() > maxEntries) {
                return keys;
            }
            k = n.get();
            keys.add(k);
        }
    }

    /** Removes and returns the head of a queue or stack, if any. */
    public Optional<byte[]> pop() {
        byte[] value = new byte[transferValueSize()];
        return bpf.mapLookupAndDelete(fd.value(), null, value) ? Optional.of(value) : Optional.empty();
    }

    /**
     * A batch of elements read with {@code BPF_MAP_LOOKUP_BATCH}.
     *
     * @param keys the keys read
     * @param values the values read (transfer size each)
     * @param next the position to continue from, empty when the map is exhausted
     */
    public record Batch(List<byte[]> keys, List<byte[]> values, Optional<byte[]> next) {
        /** Copies the lists. */
        public Batch {
            keys = List.copyOf(keys);
            values = List.copyOf(values);
        }
    }

    /**
     * Reads up to {@code count} elements from {@code position} (empty: the start).
     *
     * @param delete whether to delete the elements read ({@code BPF_MAP_LOOKUP_AND_DELETE_BATCH})
     */
    public Batch lookupBatch(Optional<byte[]> position, int count, boolean delete) {
        int batchKey = Math.max(keySize, 4);
        byte[] out = new byte[batchKey];
        byte[] keys = new byte[keySize * count];
        byte[] values = new byte[transferValueSize() * count];
        Bpf.BatchResult r = bpf.mapLookupBatch(fd.value(), delete, position.orElse(null), out, keys, values, count, 0);
        List<byte[]> ks = new ArrayList<>();
        List<byte[]> vs = new ArrayList<>();
        for (int i = 0; i < r.count(); i++) {
            ks.add(Arrays.copyOfRange(keys, i * keySize, (i + 1) * keySize));
            vs.add(Arrays.copyOfRange(values, i * transferValueSize(), (i + 1) * transferValueSize()));
        }
        return new Batch(ks, vs, r.done() ? Optional.empty() : Optional.of(out));
    }

    /** Writes elements with {@code BPF_MAP_UPDATE_BATCH}; returns how many were written. */
    public int updateBatch(List<byte[]> keys, List<byte[]> values, long elemFlags) {
        if (keys.size() != values.size()) {
            throw new IllegalArgumentException(keys.size() + " keys but " + values.size() + " values");
        }
        byte[] k = new byte[keySize * keys.size()];
        byte[] v = new byte[transferValueSize() * values.size()];
        for (int i = 0; i < keys.size(); i++) {
            checkKey(keys.get(i));
            checkValue(values.get(i));
            System.arraycopy(keys.get(i), 0, k, i * keySize, keySize);
            System.arraycopy(values.get(i), 0, v, i * transferValueSize(), transferValueSize());
        }
        return bpf.mapUpdateBatch(fd.value(), k, v, keys.size(), elemFlags);
    }

    /** Deletes keys with {@code BPF_MAP_DELETE_BATCH}; returns how many were deleted. */
    public int deleteBatch(List<byte[]> keys) {
        byte[] k = new byte[keySize * keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            checkKey(keys.get(i));
            System.arraycopy(keys.get(i), 0, k, i * keySize, keySize);
        }
        return bpf.mapDeleteBatch(fd.value(), k, keys.size(), 0);
    }

    /** Makes the map read-only for user space ({@code BPF_MAP_FREEZE}). */
    public void freeze() {
        bpf.mapFreeze(fd.value());
    }

    /** Pins the map at a path in a bpf file system. */
    public void pin(String path) {
        bpf.objPin(fd.value(), path);
    }

    /** The map's kernel id. */
    public int id() {
        return KernelInfo.mapInfo(bpf, fd.value()).id();
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "map '" + name + "' (" + mapType().map(MapType::kernelName).orElse("type " + type) + ")";
    }
}
