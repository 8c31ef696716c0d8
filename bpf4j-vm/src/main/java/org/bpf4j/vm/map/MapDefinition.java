package org.bpf4j.vm.map;

import java.util.Objects;
import org.bpf4j.spec.MapType;

/**
 * What a map is: its type, sizes, capacity and flags, as {@code BPF_MAP_CREATE} takes them.
 * Immutable.
 *
 * @param name the map's name, for messages and listings
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries capacity
 * @param flags {@code map_flags}
 * @param mapExtra {@code map_extra} (the number of hash functions of a bloom filter)
 */
public record MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
        long mapExtra) {
    public MapDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("map " + name + ": sizes and capacity must not be negative");
        }
    }

    /** A definition with no flags. */
    public static MapDefinition of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapDefinition(name, type, keySize, valueSize, maxEntries, 0, 0);
    }
}
