package org.bpf4j.linux;

import java.nio.file.Path;
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
 * @param pinRoot the directory (on a bpf file system) where maps declared with
 *     {@code pinning = LIBBPF_PIN_BY_NAME} are pinned as {@code pinRoot/NAME}, and reused from when a
 *     compatible map is already pinned there; empty: such maps are created afresh and not pinned
 */
public record LoadOptions(Set<String> programs, Map<String, ProgramType> types, Optional<ProgramType> fallbackType,
        DataLayout layout, String defaultLicense, Optional<Path> pinRoot) {

    /** Copies the collections. */
    public LoadOptions {
        programs = Set.copyOf(programs);
        types = Map.copyOf(types);
        Objects.requireNonNull(fallbackType, "fallbackType");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(defaultLicense, "defaultLicense");
        Objects.requireNonNull(pinRoot, "pinRoot");
    }

    /**
     * All programs, types from section names, no fallback, no ELF layout, and maps pinned by name
     * under {@link Bpffs#DEFAULT} as libbpf does.
     */
    public static LoadOptions defaults() {
        return new LoadOptions(Set.of(), Map.of(), Optional.empty(), DataLayout.NONE, "", Optional.of(Bpffs.DEFAULT));
    }

    /** Only these programs. */
    public LoadOptions withPrograms(Set<String> names) {
        return new LoadOptions(names, types, fallbackType, layout, defaultLicense, pinRoot);
    }

    /** These program types by program name. */
    public LoadOptions withTypes(Map<String, ProgramType> byName) {
        return new LoadOptions(programs, byName, fallbackType, layout, defaultLicense, pinRoot);
    }

    /** This type for programs whose section implies none. */
    public LoadOptions withFallbackType(ProgramType type) {
        return new LoadOptions(programs, types, Optional.of(type), layout, defaultLicense, pinRoot);
    }

    /** This ELF layout. */
    public LoadOptions withLayout(DataLayout newLayout) {
        return new LoadOptions(programs, types, fallbackType, newLayout, defaultLicense, pinRoot);
    }

    /** This license for objects without a {@code license} section. */
    public LoadOptions withDefaultLicense(String license) {
        return new LoadOptions(programs, types, fallbackType, layout, license, pinRoot);
    }

    /** Maps pinned by name go under this directory (libbpf's {@code pin_root_path}). */
    public LoadOptions withPinRoot(Path root) {
        return new LoadOptions(programs, types, fallbackType, layout, defaultLicense, Optional.of(root));
    }

    /** Maps declared as pinned by name are created afresh and not pinned (self-contained loads, tests). */
    public LoadOptions withoutPinning() {
        return new LoadOptions(programs, types, fallbackType, layout, defaultLicense, Optional.empty());
    }
}
