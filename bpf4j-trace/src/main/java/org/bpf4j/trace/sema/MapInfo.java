package org.bpf4j.trace.sema;

import java.util.List;
import org.bpf4j.spec.MapType;

/**
 * What the type checker learned about a map: its key element types (none for a scalar map) and
 * its value type. Immutable.
 *
 * @param name the map's name with its {@code @}
 * @param keys the type of each key element
 * @param value the value type (an {@link Type.Agg} for aggregations)
 * @param kind the kind a {@code let @m = KIND(N);} declaration gave ({@code lruhash}...), or "" for the default
 * @param maxEntries the entries a declaration gave, or 0 for the default
 */
public record MapInfo(String name, List<Type> keys, Type value, String kind, long maxEntries) {
    /** The default number of entries of a map (bpftrace's {@code max_map_keys}). */
    public static final int DEFAULT_ENTRIES = 4096;

    public MapInfo {
        keys = List.copyOf(keys);
    }

    /** A map without a declaration. */
    public MapInfo(String name, List<Type> keys, Type value) {
        this(name, keys, value, "", 0);
    }

    /** The BPF map type: the declared kind, else a per-CPU hash for aggregations and a hash otherwise. */
    public MapType mapType() {
        return switch (kind) {
            case "lruhash" -> MapType.LRU_HASH;
            case "percpuhash" -> MapType.PERCPU_HASH;
            case "percpulruhash" -> MapType.LRU_PERCPU_HASH;
            case "hash" -> MapType.HASH;
            default -> perCpu() ? MapType.PERCPU_HASH : MapType.HASH;
        };
    }

    /** The map's max entries: the declared number, else {@link #DEFAULT_ENTRIES}. */
    public int entries() {
        return maxEntries > 0 ? (int) maxEntries : DEFAULT_ENTRIES;
    }

    /**
     * The key as one type, as current bpftrace types it: the one key's type, several keys as a
     * tuple of them, an int64 for a map without keys.
     */
    public Type keyType() {
        return keys.isEmpty() ? Type.INT64 : keys.size() == 1 ? keys.getFirst() : new Type.Tuple(keys);
    }

    /**
     * Bytes of the key in the map: its C layout ({@link Type#cSize}, current bpftrace's), so an int8
     * key takes 1 byte and keys {@code (int8, int32)} 8; 8 for a map without keys.
     */
    public int keySize() {
        return Type.cSize(keyType());
    }

    /** Offset of key element {@code i} in the map's key (C layout). */
    public int keyOffset(int i) {
        return keys.size() <= 1 ? 0 : Type.cOffset((Type.Tuple) keyType(), i);
    }

    /**
     * Bytes of the value in the map: its C layout ({@link Type#cSize}), as current bpftrace
     * declares its maps (an int8 value takes 1 byte, a bool 1, a string[6] 6); aggregations take
     * their 8, 16 or 24 bytes.
     */
    public int valueSize() {
        return Type.cSize(value);
    }

    /** True for the aggregations kept per CPU. */
    public boolean perCpu() {
        return value instanceof Type.Agg;
    }
}
