package org.bpf4j.object;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A struct_ops map of an object: a global variable of a {@code .struct_ops} or
 * {@code .struct_ops.link} section, an instance of a kernel ops struct (such as
 * {@code struct tcp_congestion_ops}) whose function pointers name programs of the object. A
 * loader creates a {@code BPF_MAP_TYPE_STRUCT_OPS} map for it, fills the kernel's struct from
 * {@link #data()} and the programs, and registers it. Immutable.
 *
 * @param name the variable's name, the map's name
 * @param sectionName {@code .struct_ops} or {@code .struct_ops.link}
 * @param typeId the id of the struct's type in the object's BTF
 * @param typeName the struct's name ({@code tcp_congestion_ops}), looked up in the kernel's BTF
 * @param data the variable's initial bytes, laid out as the object's struct
 * @param functions function pointer members by name, with the program each points at
 */
public record StructOpsSpec(String name, String sectionName, int typeId, String typeName, Bytes data,
        Map<String, String> functions) {

    /** Copies the map, keeping the members' order. */
    public StructOpsSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sectionName, "sectionName");
        Objects.requireNonNull(typeName, "typeName");
        Objects.requireNonNull(data, "data");
        functions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(functions));
    }

    /** Whether the map is registered through a link ({@code .struct_ops.link}, {@code BPF_F_LINK}) rather than by its update. */
    public boolean link() {
        return sectionName.equals(".struct_ops.link");
    }
}
