package org.bpf4j.verifier;

import java.util.List;
import java.util.Objects;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.ProgramType;

/**
 * A program to verify: its code, the program type that fixes its context and helpers, the maps
 * that {@code lddw map_idx(i)} refers to (index {@code i} in {@link #maps()}; {@code map_fd(i)}
 * is read the same way), and whether its licence is GPL-compatible. Immutable.
 *
 * @param name the program's name, for messages
 * @param code the instructions, addressed by slot
 * @param type the program type
 * @param maps the maps by index
 * @param gpl whether the licence is GPL-compatible (GPL-only helpers need it)
 * @param globals the global functions (from BTF), verified on their own; empty when the program
 *     has no BTF (its functions are then all explored from their calls, as static ones)
 */
public record VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
        List<GlobalFunction> globals) {
    /** Checks the components and copies the lists. */
    public VerifierInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(type, "type");
        maps = List.copyOf(maps);
        globals = List.copyOf(globals);
    }

    /** A program without global functions. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl) {
        this(name, code, type, maps, gpl, List.of());
    }

    /** The same program with another licence flag. */
    public VerifierInput withGpl(boolean newGpl) {
        return new VerifierInput(name, code, type, maps, newGpl, globals);
    }
}
