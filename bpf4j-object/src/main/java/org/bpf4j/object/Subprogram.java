package org.bpf4j.object;

import java.util.Objects;

/**
 * A function of {@code .text} appended to a program by linking, as libbpf does for bpf-to-bpf
 * calls and callbacks.
 *
 * @param name the function's symbol name
 * @param slot where it starts in the linked program
 * @param slots how many slots it occupies
 */
public record Subprogram(String name, int slot, int slots) {
    /** Checks the name. */
    public Subprogram {
        Objects.requireNonNull(name, "name");
    }
}
