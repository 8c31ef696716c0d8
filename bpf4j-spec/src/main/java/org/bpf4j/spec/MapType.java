package org.bpf4j.spec;

import java.util.Optional;

/**
 * The kernel's map types ({@code enum bpf_map_type}, {@code BPF_MAP_TYPE_*}) with their ids and
 * the lower-case names libbpf and bpftool print. The kernel's
 * {@code BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED} and
 * {@code BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED} are the same ids as
 * {@link #CGROUP_STORAGE} and {@link #PERCPU_CGROUP_STORAGE}. The ids run without gaps from 0.
 */
public enum MapType {
    /** {@code BPF_MAP_TYPE_UNSPEC} = 0. */
    UNSPEC(0, "unspec"),
    /** {@code BPF_MAP_TYPE_HASH} = 1. */
    HASH(1, "hash"),
    /** {@code BPF_MAP_TYPE_ARRAY} = 2. */
    ARRAY(2, "array"),
    /** {@code BPF_MAP_TYPE_PROG_ARRAY} = 3. */
    PROG_ARRAY(3, "prog_array"),
    /** {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} = 4. */
    PERF_EVENT_ARRAY(4, "perf_event_array"),
    /** {@code BPF_MAP_TYPE_PERCPU_HASH} = 5. */
    PERCPU_HASH(5, "percpu_hash"),
    /** {@code BPF_MAP_TYPE_PERCPU_ARRAY} = 6. */
    PERCPU_ARRAY(6, "percpu_array"),
    /** {@code BPF_MAP_TYPE_STACK_TRACE} = 7. */
    STACK_TRACE(7, "stack_trace"),
    /** {@code BPF_MAP_TYPE_CGROUP_ARRAY} = 8. */
    CGROUP_ARRAY(8, "cgroup_array"),
    /** {@code BPF_MAP_TYPE_LRU_HASH} = 9. */
    LRU_HASH(9, "lru_hash"),
    /** {@code BPF_MAP_TYPE_LRU_PERCPU_HASH} = 10. */
    LRU_PERCPU_HASH(10, "lru_percpu_hash"),
    /** {@code BPF_MAP_TYPE_LPM_TRIE} = 11. */
    LPM_TRIE(11, "lpm_trie"),
    /** {@code BPF_MAP_TYPE_ARRAY_OF_MAPS} = 12. */
    ARRAY_OF_MAPS(12, "array_of_maps"),
    /** {@code BPF_MAP_TYPE_HASH_OF_MAPS} = 13. */
    HASH_OF_MAPS(13, "hash_of_maps"),
    /** {@code BPF_MAP_TYPE_DEVMAP} = 14. */
    DEVMAP(14, "devmap"),
    /** {@code BPF_MAP_TYPE_SOCKMAP} = 15. */
    SOCKMAP(15, "sockmap"),
    /** {@code BPF_MAP_TYPE_CPUMAP} = 16. */
    CPUMAP(16, "cpumap"),
    /** {@code BPF_MAP_TYPE_XSKMAP} = 17. */
    XSKMAP(17, "xskmap"),
    /** {@code BPF_MAP_TYPE_SOCKHASH} = 18. */
    SOCKHASH(18, "sockhash"),
    /** {@code BPF_MAP_TYPE_CGROUP_STORAGE} = 19. */
    CGROUP_STORAGE(19, "cgroup_storage"),
    /** {@code BPF_MAP_TYPE_REUSEPORT_SOCKARRAY} = 20. */
    REUSEPORT_SOCKARRAY(20, "reuseport_sockarray"),
    /** {@code BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE} = 21. */
    PERCPU_CGROUP_STORAGE(21, "percpu_cgroup_storage"),
    /** {@code BPF_MAP_TYPE_QUEUE} = 22. */
    QUEUE(22, "queue"),
    /** {@code BPF_MAP_TYPE_STACK} = 23. */
    STACK(23, "stack"),
    /** {@code BPF_MAP_TYPE_SK_STORAGE} = 24. */
    SK_STORAGE(24, "sk_storage"),
    /** {@code BPF_MAP_TYPE_DEVMAP_HASH} = 25. */
    DEVMAP_HASH(25, "devmap_hash"),
    /** {@code BPF_MAP_TYPE_STRUCT_OPS} = 26. */
    STRUCT_OPS(26, "struct_ops"),
    /** {@code BPF_MAP_TYPE_RINGBUF} = 27. */
    RINGBUF(27, "ringbuf"),
    /** {@code BPF_MAP_TYPE_INODE_STORAGE} = 28. */
    INODE_STORAGE(28, "inode_storage"),
    /** {@code BPF_MAP_TYPE_TASK_STORAGE} = 29. */
    TASK_STORAGE(29, "task_storage"),
    /** {@code BPF_MAP_TYPE_BLOOM_FILTER} = 30. */
    BLOOM_FILTER(30, "bloom_filter"),
    /** {@code BPF_MAP_TYPE_USER_RINGBUF} = 31. */
    USER_RINGBUF(31, "user_ringbuf"),
    /** {@code BPF_MAP_TYPE_CGRP_STORAGE} = 32. */
    CGRP_STORAGE(32, "cgrp_storage"),
    /** {@code BPF_MAP_TYPE_ARENA} = 33. */
    ARENA(33, "arena"),
    /** {@code BPF_MAP_TYPE_INSN_ARRAY} = 34. */
    INSN_ARRAY(34, "insn_array"),
    /** {@code BPF_MAP_TYPE_RHASH} = 35. */
    RHASH(35, "rhash");

    private static final MapType[] BY_ID = values();

    private final int id;
    private final String kernelName;

    MapType(int id, String kernelName) {
        this.id = id;
        this.kernelName = kernelName;
    }

    /** The kernel's id, the {@code map_type} of {@code BPF_MAP_CREATE}. */
    public int id() {
        return id;
    }

    /** The lower-case name used by libbpf and bpftool, such as {@code percpu_hash}. */
    public String kernelName() {
        return kernelName;
    }

    /** Whether each CPU has its own copy of every value. */
    public boolean perCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH
                || this == PERCPU_CGROUP_STORAGE;
    }

    /** Whether the values are other maps (map-in-map). */
    public boolean mapOfMaps() {
        return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS;
    }

    /** The map type with this kernel id. */
    public static Optional<MapType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }

    /** The map type with this kernel name ({@code hash}) or constant name ({@code HASH}, {@code BPF_MAP_TYPE_HASH}). */
    public static Optional<MapType> byName(String name) {
        String constant = name.startsWith("BPF_MAP_TYPE_") ? name.substring(13) : name;
        for (MapType t : BY_ID) {
            if (t.kernelName.equals(name) || t.name().equals(constant)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
