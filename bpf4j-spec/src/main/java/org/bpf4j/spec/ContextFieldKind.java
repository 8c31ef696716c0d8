package org.bpf4j.spec;

import java.util.Optional;

/**
 * What a load of a context field gives the program, as the kernel's verifier types it
 * ({@code info->reg_type} in the {@code *_is_valid_access()} functions).
 */
public enum ContextFieldKind {
    /** A number ({@code SCALAR_VALUE}). */
    SCALAR("scalar"),
    /** The start of the packet data ({@code PTR_TO_PACKET}); in 32-bit fields the kernel rewrites the load to a 64-bit pointer. */
    PACKET("pkt"),
    /** The end of the packet data ({@code PTR_TO_PACKET_END}). */
    PACKET_END("pkt_end"),
    /** The start of the packet metadata, before the data ({@code PTR_TO_PACKET_META}). */
    PACKET_META("pkt_meta"),
    /** A socket, never null ({@code PTR_TO_SOCKET}). */
    SOCKET("sock"),
    /** A socket or null ({@code PTR_TO_SOCKET_OR_NULL}). */
    SOCKET_OR_NULL("sock_or_null"),
    /** The common part of a socket, or null ({@code PTR_TO_SOCK_COMMON_OR_NULL}). */
    SOCK_COMMON_OR_NULL("sock_common_or_null"),
    /** The flow dissector's {@code struct bpf_flow_keys} ({@code PTR_TO_FLOW_KEYS}). */
    FLOW_KEYS("flow_keys"),
    /** The writable buffer of a writable raw tracepoint ({@code PTR_TO_TP_BUFFER}). */
    TP_BUFFER("tp_buffer"),
    /** A pointer to a kernel type checked with BTF ({@code PTR_TO_BTF_ID}); the type is {@link ContextField#btfType()}. */
    BTF_ID("btf");

    private final String token;

    ContextFieldKind(String token) {
        this.token = token;
    }

    /** The name used in {@code context-layouts.tsv}, such as {@code pkt_end}. */
    public String token() {
        return token;
    }

    /** Whether a load gives a pointer (anything but {@link #SCALAR}). */
    public boolean isPointer() {
        return this != SCALAR;
    }

    /** Whether a load gives a packet pointer ({@link #PACKET}, {@link #PACKET_END}, {@link #PACKET_META}). */
    public boolean isPacketPointer() {
        return this == PACKET || this == PACKET_END || this == PACKET_META;
    }

    /** Whether the pointer may be null, so the program must test it before use. */
    public boolean mayBeNull() {
        return this == SOCKET_OR_NULL || this == SOCK_COMMON_OR_NULL;
    }

    /** The kind with this token ({@code btf} for {@code btf:<type>}). */
    public static Optional<ContextFieldKind> byToken(String token) {
        for (ContextFieldKind k : values()) {
            if (k.token.equals(token)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
