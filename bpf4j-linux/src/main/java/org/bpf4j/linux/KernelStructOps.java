package org.bpf4j.linux;

import java.util.Objects;

/**
 * A struct_ops map loaded into the kernel: an instance of a kernel ops struct (such as
 * {@code struct tcp_congestion_ops}) whose function pointers are programs of the same object. It
 * is created and filled at load; {@link org.bpf4j.linux.link.Attacher#structOps} registers it with
 * the kernel subsystem (through a {@code BPF_LINK_CREATE} link when the object declared it in
 * {@code .struct_ops.link}, else by updating the map), and closing that link unregisters it.
 * Closing this object closes the map. Thread-safe.
 */
public final class KernelStructOps implements AutoCloseable {
    private final String name;
    private final String typeName;
    private final KernelMap map;
    private final byte[] value;
    private final boolean link;

    KernelStructOps(String name, String typeName, KernelMap map, byte[] value, boolean link) {
        this.name = Objects.requireNonNull(name, "name");
        this.typeName = Objects.requireNonNull(typeName, "typeName");
        this.map = Objects.requireNonNull(map, "map");
        this.value = value.clone();
        this.link = link;
    }

    /** The variable's name in the object. */
    public String name() {
        return name;
    }

    /** The kernel struct it implements ({@code tcp_congestion_ops}). */
    public String typeName() {
        return typeName;
    }

    /** The struct_ops map. */
    public KernelMap map() {
        return map;
    }

    /** Whether it registers through a link ({@code .struct_ops.link}, the map created with {@code BPF_F_LINK}). */
    public boolean usesLink() {
        return link;
    }

    /** The map's value as the kernel takes it: {@code struct bpf_struct_ops_TYPE} with the program fds in it. */
    public byte[] value() {
        return value.clone();
    }

    /** Closes the map (a registration made from it holds the kernel's own reference until it is closed). */
    @Override
    public void close() {
        map.close();
    }

    @Override
    public String toString() {
        return "struct_ops '" + name + "' (" + typeName + ")";
    }
}
