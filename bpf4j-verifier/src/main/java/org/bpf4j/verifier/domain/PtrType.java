package org.bpf4j.verifier.domain;

/**
 * What a pointer register points to (the kernel's {@code enum bpf_reg_type} base types, with the
 * modifiers bpf4j needs folded in). {@link #kernelName()} is the kernel's spelling in messages
 * and logs.
 */
public enum PtrType {
    /** The program's context ({@code ctx}). */
    CTX("ctx"),
    /** A stack frame ({@code fp}). */
    STACK("fp"),
    /** A map itself, only usable as a helper argument ({@code map_ptr}). */
    CONST_MAP_PTR("map_ptr"),
    /** A value inside a map ({@code map_value}). */
    MAP_VALUE("map_value"),
    /** A key of a map, given to callbacks ({@code map_key}). */
    MAP_KEY("map_key"),
    /** Packet data ({@code pkt}); accessible up to its proven range. */
    PACKET("pkt"),
    /** Packet metadata before the data ({@code pkt_meta}). */
    PACKET_META("pkt_meta"),
    /** The end of the packet data ({@code pkt_end}); only for comparisons. */
    PACKET_END("pkt_end"),
    /** Memory of a known size returned by a helper ({@code mem}). */
    MEM("mem"),
    /** A record reserved from a ring buffer ({@code ringbuf_mem}); a reference. */
    RINGBUF_MEM("ringbuf_mem"),
    /** A full socket ({@code sock}). */
    SOCKET("sock"),
    /** A socket that may be a request or timewait socket ({@code sock_common}). */
    SOCK_COMMON("sock_common"),
    /** A TCP socket ({@code tcp_sock}). */
    TCP_SOCK("tcp_sock"),
    /** A kernel object known by BTF ({@code ptr_}). */
    BTF_ID("ptr_"),
    /** A BPF subprogram ({@code func}). */
    FUNC("func"),
    /** A dynptr the kernel owns, given to a callback ({@code dynptr_ptr}, the kernel's CONST_PTR_TO_DYNPTR). */
    CONST_DYNPTR("dynptr_ptr");

    private final String kernelName;

    PtrType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** The kernel's spelling, such as {@code fp} or {@code map_value}. */
    public String kernelName() {
        return kernelName;
    }

    /** Whether this is a packet data or metadata pointer (not the end). */
    public boolean isPacket() {
        return this == PACKET || this == PACKET_META;
    }
}
