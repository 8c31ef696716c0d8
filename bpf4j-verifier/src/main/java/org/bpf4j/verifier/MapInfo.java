package org.bpf4j.verifier;

import java.util.Objects;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * What the verifier needs to know of a map a program refers to: its type and sizes. Built from an
 * ELF {@code MapSpec}, a VM map or a test case; immutable.
 *
 * @param name the map's name, for messages
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries capacity
 * @param readOnlyProg whether the program may not write values ({@code BPF_F_RDONLY_PROG}, such as {@code .rodata})
 * @param inner the map type of the inner maps of a map-in-map, if any
 * @param frozenValue for a frozen read-only array of one element ({@code .rodata}, {@code .kconfig}), its
 *     value's bytes, which programs may read as constants; empty otherwise
 */
public record MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
        Optional<MapInfo> inner, Optional<byte[]> frozenValue) {
    /** Checks the components. */
    public MapInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(inner, "inner");
        Objects.requireNonNull(frozenValue, "frozenValue");
        frozenValue = frozenValue.map(byte[]::clone);
        if (frozenValue.isPresent() && (!readOnlyProg || frozenValue.get().length != valueSize)) {
            throw new IllegalArgumentException("map " + name + ": a frozen value must be read-only and of the value size");
        }
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("map " + name + ": negative size");
        }
    }

    /** A writable map without an inner map. */
    public static MapInfo of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, false, Optional.empty(), Optional.empty());
    }

    /** The frozen value's bytes (a copy), if any. */
    @Override
    public Optional<byte[]> frozenValue() {
        return frozenValue.map(byte[]::clone);
    }

    /** The little-endian number of {@code size} bytes at {@code off} of the frozen value, if known there. */
    public java.util.OptionalLong frozenRead(long off, int size) {
        if (frozenValue.isEmpty() || off < 0 || off + size > valueSize) {
            return java.util.OptionalLong.empty();
        }
        byte[] b = frozenValue.get();
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (b[(int) off + i] & 0xff);
        }
        return java.util.OptionalLong.of(v);
    }
}
