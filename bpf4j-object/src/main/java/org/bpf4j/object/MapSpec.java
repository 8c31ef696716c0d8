package org.bpf4j.object;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * A map as an object file defines it: what a loader creates before loading the programs that
 * refer to it. Immutable and thread-safe; equal when every component is equal.
 *
 * @param name the map's name: the variable's name for BTF and legacy maps, the section's name
 *     ({@code .data}, {@code .rodata.str1.1}, {@code .bss}, {@code .kconfig}) for global data
 * @param type the kernel's map type id ({@code BPF_MAP_TYPE_*}); see {@link #mapType()}
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries maximum number of entries
 * @param flags {@code map_flags}
 * @param mapExtra {@code map_extra} (bloom filter hash count, arena address)
 * @param pinning the pinning mode: for BTF maps libbpf's ({@code 0} none, {@code 1} by name; other
 *     values are kept for the loaders that define them, such as Cilium's {@code 16}, replace), for
 *     legacy iproute2 maps iproute2's ({@code 0} none, {@code 1} object namespace, {@code 2} global)
 * @param numaNode the NUMA node to allocate on, meaningful with {@code BPF_F_NUMA_NODE}
 * @param innerMap for a map of maps, the template of the inner maps
 * @param contents initial contents of element 0 for global data; shorter than the value (for
 *     {@code .bss}: empty) means the rest is zero
 * @param initialSlots initial elements of a program array or map of maps, by key
 * @param btfKeyTypeId the key's type id in the object's BTF, 0 if none
 * @param btfValueTypeId the value's type id in the object's BTF, 0 if none
 * @param frozen whether the map is read-only for programs after loading ({@code .rodata}, {@code .kconfig})
 * @param origin where the definition comes from
 * @param sectionName the ELF section that holds the definition or the data
 * @param legacyId for legacy iproute2 maps, the {@code id} and {@code inner_id} fields as
 *     {@code id | inner_id << 32}; 0 otherwise
 */
public record MapSpec(String name, int type, int keySize, int valueSize, int maxEntries, int flags, long mapExtra,
        int pinning, int numaNode, Optional<MapSpec> innerMap, Bytes contents, List<MapSlot> initialSlots,
        int btfKeyTypeId, int btfValueTypeId, boolean frozen, Origin origin, String sectionName, long legacyId) {

    /** Where a map definition comes from. */
    public enum Origin {
        /** A variable in the {@code .maps} section described by BTF. */
        BTF,
        /** An entry of the legacy {@code maps} section ({@code struct bpf_map_def}, {@code struct bpf_elf_map}). */
        LEGACY,
        /** The inner map template of a map of maps. */
        INNER,
        /** Global data: {@code .data} or {@code .data.*}. */
        DATA,
        /** Read-only global data: {@code .rodata} or {@code .rodata.*}. */
        RODATA,
        /** Zero-initialized global data: {@code .bss} or {@code .bss.*}. */
        BSS,
        /** The values of the {@code .kconfig} externs, filled in by the loader. */
        KCONFIG
    }

    /** Checks and copies the components. */
    public MapSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(innerMap, "innerMap");
        Objects.requireNonNull(contents, "contents");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(sectionName, "sectionName");
        initialSlots = List.copyOf(initialSlots);
    }

    /** The map type, when the id is one bpf4j knows. */
    public Optional<MapType> mapType() {
        return MapType.byId(type);
    }

    /** The type's name ({@code hash}, {@code array}, ...) or {@code type N} for an unknown id. */
    public String typeName() {
        return mapType().map(MapType::kernelName).orElse("type " + type);
    }

    /** Whether the map holds the object's global data ({@code .data}, {@code .rodata}, {@code .bss}, {@code .kconfig}). */
    public boolean isGlobalData() {
        return origin == Origin.DATA || origin == Origin.RODATA || origin == Origin.BSS || origin == Origin.KCONFIG;
    }

    /** The same map with other initial contents, as a loader fills in {@code .kconfig}. */
    public MapSpec withContents(Bytes newContents) {
        return new MapSpec(name, type, keySize, valueSize, maxEntries, flags, mapExtra, pinning, numaNode, innerMap,
                newContents, initialSlots, btfKeyTypeId, btfValueTypeId, frozen, origin, sectionName, legacyId);
    }
}
