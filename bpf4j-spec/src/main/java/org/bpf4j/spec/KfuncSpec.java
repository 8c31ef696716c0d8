package org.bpf4j.spec;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the kernel says of one kfunc beyond its BTF prototype: its flags and the program types
 * that may call it. Immutable.
 *
 * @param name the kernel function's name
 * @param flags its {@code KF_*} flags
 * @param programTypes the program types it is registered for
 */
public record KfuncSpec(String name, Set<KfuncFlag> flags, Set<ProgramType> programTypes) {
    /** Checks and copies. */
    public KfuncSpec {
        Objects.requireNonNull(name);
        flags = flags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(flags));
        programTypes = Set.copyOf(programTypes);
    }

    /** Whether the kfunc has {@code flag}. */
    public boolean has(KfuncFlag flag) {
        return flags.contains(flag);
    }

    /** Whether a program of {@code type} may call it. */
    public boolean allowedIn(ProgramType type) {
        return programTypes.contains(type);
    }
}
