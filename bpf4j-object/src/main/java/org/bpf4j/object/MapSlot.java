package org.bpf4j.object;

import java.util.Objects;

/**
 * An initial element of a program array or map-in-map, from a BTF map definition's
 * {@code .values = { [2] = &prog }} initializer.
 *
 * @param index the element's key
 * @param target the name of the program (for a program array) or map (for a map of maps) stored there
 */
public record MapSlot(int index, String target) {
    /** Checks the target. */
    public MapSlot {
        Objects.requireNonNull(target, "target");
    }
}
