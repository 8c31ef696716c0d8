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

    /** Bytes of the key as stored: each element padded to 8; 8 for a scalar map. */
    public int keySize() {
        if (keys.isEmpty()) {
            return 8;
        }
        int n = 0;
        for (Type t : keys) {
            n += Type.align8(t.size());
        }
        return n;
    }

    /** Offset of key element {@code i} in the stored key. */
    public int keyOffset(int i) {
        int n = 0;
        for (int k = 0; k < i; k++) {
            n += Type.align8(keys.get(k).size());
        }
        return n;
    }

    /** True for the aggregations kept per CPU. */
    public boolean perCpu() {
        return value instanceof Type.Agg;
    }
}
