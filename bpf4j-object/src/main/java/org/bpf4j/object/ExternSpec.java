package org.bpf4j.object;

import java.util.Objects;

/**
 * A symbol the object declares {@code extern} and a loader provides.
 *
 * @param name the symbol's name
 * @param kind what kind of extern it is
 * @param btfTypeId the id of its {@code VAR} or {@code FUNC} in the object's BTF, 0 if none
 * @param weak whether it may be missing ({@code __weak}): a loader then uses 0
 * @param offset for {@link Kind#KCONFIG}, the byte offset of its value in the {@code .kconfig} map; -1 otherwise
 * @param size for {@link Kind#KCONFIG}, the size of its value in bytes; 0 otherwise
 */
public record ExternSpec(String name, Kind kind, int btfTypeId, boolean weak, int offset, int size) {

    /** Checks the components. */
    public ExternSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }

    /** What kind of extern. */
    public enum Kind {
        /** A kernel configuration value in {@code .kconfig}: {@code LINUX_KERNEL_VERSION}, {@code CONFIG_*}. */
        KCONFIG,
        /** A kernel variable ({@code __ksym}). */
        KSYM,
        /** A kernel function ({@code __ksym} function, kfunc). */
        KFUNC
    }
}
