package org.bpf4j.object;

import java.util.Objects;

/**
 * An {@code lddw} of a program that refers to a map. In the program's code the instruction is
 * left as {@link org.bpf4j.isa.Imm64Kind#MAP_BY_INDEX} (imm = {@code mapIndex}) or
 * {@link org.bpf4j.isa.Imm64Kind#MAP_VALUE_BY_INDEX} (imm = {@code mapIndex}, next imm =
 * {@code offset}), so that a loader can patch it with its own handle for the map.
 *
 * @param slot the instruction's slot in the linked program
 * @param mapIndex the map's index in {@link ObjectSpec#maps()}
 * @param mapName the map's name
 * @param kind whether the map itself or an address in its value is loaded
 * @param offset for {@link Kind#VALUE}, the byte offset in the map's value; 0 for {@link Kind#MAP}
 */
public record MapReference(int slot, int mapIndex, String mapName, Kind kind, int offset) {

    /** Checks the components. */
    public MapReference {
        Objects.requireNonNull(mapName, "mapName");
        Objects.requireNonNull(kind, "kind");
    }

    /** What the instruction loads. */
    public enum Kind {
        /** The map (a handle for helpers). */
        MAP,
        /** The address of a byte in the value of the map's element 0 (global data). */
        VALUE
    }

    /** The same reference moved by {@code delta} slots. */
    public MapReference shift(int delta) {
        return new MapReference(slot + delta, mapIndex, mapName, kind, offset);
    }
}
