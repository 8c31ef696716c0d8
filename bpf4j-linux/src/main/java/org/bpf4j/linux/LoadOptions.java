package org.bpf4j.linux;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.spec.ProgramType;

/**
 * How {@link Kernel#load} loads an object. Immutable; start from {@link #defaults()}.
 *
 * @param programs the names of the programs to load; empty means all
 * @param types program types by program name, for sections whose name implies none (or to override it)
 * @param fallbackType the type of programs whose section implies none and that {@code types} does not name
 * @param layout the ELF file's section sizes and symbol offsets, for BTF DATASEC fixes
 *     ({@link DataLayout#read}); {@link DataLayout#NONE} when the spec did not come from a file
 * @param defaultLicense the license given to the kernel for programs of an object without a
 *     {@code license} section (empty: none, so GPL-only helpers are refused)
 */
public record LoadOptions(Set<String> programs, Map<String, ProgramType> types, Optional<ProgramType> fallbackType,
        DataLayout layout, String defaultLicense) {

    /** Copies the collections. */
    public LoadOptions {
        programs = Set.copyOf(programs);
        types = Map.copyOf(types);
        Objects.requireNonNull(fallbackType, "fallbackType");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(defaultLicense, "defaultLicense");
    }

    /** All programs, types from section names, no fallback, no ELF layout. */
    public static LoadOptions defaults() {
        return new LoadOptions(Set.of(), Map.of(), Optional.empty(), DataLayout.NONE, "");
    }

    /** Only these programs. */
    public LoadOptions withPrograms(Set<String> names) {
        return new LoadOptions(names, types, fallbackType, layout, defaultLicense);
    }

    /** These program types by program name. */
    public LoadOptions withTypes(Map<String, ProgramType> byName) {
        return new LoadOptions(programs, byName, fallbackType, layout, defaultLicense);
    }

    /** This type for programs whose section implies none. */
    public LoadOptions withFallbackType(ProgramType type) {
        return new LoadOptions(programs, types, Optional.of(type), layout, defaultLicense);
    }

    /** This ELF layout. */
    public LoadOptions withLayout(DataLayout newLayout) {
        return new LoadOptions(programs, types, fallbackType, newLayout, defaultLicense);
    }

    /** This license for objects without a {@code license} section. */
    public LoadOptions withDefaultLicense(String license) {
        return new LoadOptions(programs, types, fallbackType, layout, license);
    }
}
