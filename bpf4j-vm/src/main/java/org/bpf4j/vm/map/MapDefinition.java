package org.bpf4j.vm.map;

import java.util.Objects;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * What a map is: its type, sizes, capacity and flags, as {@code BPF_MAP_CREATE} takes them, plus
 * what the kernel learns from the value's BTF (where a {@code struct bpf_spin_lock} and a
 * {@code struct bpf_timer} sit) and, for maps of maps, the inner map template. Immutable.
 *
 * @param name the map's name, for messages and listings
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries capacity
 * @param flags {@code map_flags}
 * @param mapExtra {@code map_extra} (the number of hash functions of a bloom filter)
 * @param innerMap for {@code array_of_maps} and {@code hash_of_maps}: the template every inner
 *     map must match ({@code inner_map_fd} in Linux); empty for other types
 * @param spinLockOffset offset of the {@code struct bpf_spin_lock} (4 bytes) in a value, or -1
 * @param timerOffset offset of the {@code struct bpf_timer} (16 bytes) in a value, or -1
 */
public record MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
        long mapExtra, Optional<MapDefinition> innerMap, int spinLockOffset, int timerOffset) {
    /** {@code BPF_F_INNER_MAP}: inner maps of this template may differ in max_entries. */
    public static final int F_INNER_MAP = 1 << 12;
    /** {@code BPF_F_NO_COMMON_LRU}: an LRU map keeps one LRU list per CPU. */
    public static final int F_NO_COMMON_LRU = 1 << 1;
    /** {@code BPF_F_STACK_BUILD_ID}. */
    public static final int F_STACK_BUILD_ID = 1 << 5;

    public MapDefinition {
        Objects.requireNonNull(name);
        Objects.requireNonNull(type);
        Objects.requireNonNull(innerMap);
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("map " + name + ": sizes and capacity must not be negative");
        }
        if (spinLockOffset < -1 || timerOffset < -1) {
            throw new IllegalArgumentException("map " + name + ": a field offset is -1 (none) or at least 0");
        }
    }

    /** A definition with no inner map, spin lock or timer. */
    public MapDefinition(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags,
            long mapExtra) {
        this(name, type, keySize, valueSize, maxEntries, flags, mapExtra, Optional.empty(), -1, -1);
    }

    /** A definition with no flags. */
    public static MapDefinition of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapDefinition(name, type, keySize, valueSize, maxEntries, 0, 0);
    }

    /** This definition with an inner map template (for maps of maps). */
    public MapDefinition withInnerMap(MapDefinition inner) {
        return new MapDefinition(name, type, keySize, valueSize, maxEntries, flags, mapExtra, Optional.of(inner),
                spinLockOffset, timerOffset);
    }

    /** This definition with a {@code struct bpf_spin_lock} at an offset of each value. */
    public MapDefinition withSpinLock(int offset) {
        return new MapDefinition(name, type, keySize, valueSize, maxEntries, flags, mapExtra, innerMap, offset,
                timerOffset);
    }

    /** This definition with a {@code struct bpf_timer} at an offset of each value. */
    public MapDefinition withTimer(int offset) {
        return new MapDefinition(name, type, keySize, valueSize, maxEntries, flags, mapExtra, innerMap,
                spinLockOffset, offset);
    }
}
