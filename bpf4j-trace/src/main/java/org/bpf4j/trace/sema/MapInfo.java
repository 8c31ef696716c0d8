package org.bpf4j.trace.sema;

import java.util.List;

/**
 * What the type checker learned about a map: its key element types (none for a scalar map) and
 * its value type. Immutable.
 *
 * @param name the map's name with its {@code @}
 * @param keys the type of each key element
 * @param value the value type (an {@link Type.Agg} for aggregations)
 */
public record MapInfo(String name, List<Type> keys, Type value) {
    public MapInfo {
        keys = List.copyOf(keys);
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
