package org.bpf4j.spec;

/**
 * What a helper leaves in r0: the verifier's view of the Linux kernel's
 * {@code enum bpf_return_type} with the flags it is combined with. {@link #kernelName()} gives the
 * kernel's spelling. A BTF-id pointer may name its struct in {@link HelperSpec#retBtfType()}.
 */
public enum ReturnType {
    /** A scalar ({@code RET_INTEGER}). */
    INTEGER("RET_INTEGER"),
    /** Nothing; r0 is unknown afterwards ({@code RET_VOID}). */
    VOID("RET_VOID"),
    /** A pointer to a map value, never NULL ({@code RET_PTR_TO_MAP_VALUE}; {@code get_local_storage}). */
    PTR_TO_MAP_VALUE("RET_PTR_TO_MAP_VALUE"),
    /** A pointer to a map value, or NULL ({@code RET_PTR_TO_MAP_VALUE_OR_NULL}). */
    PTR_TO_MAP_VALUE_OR_NULL("RET_PTR_TO_MAP_VALUE_OR_NULL"),
    /** A referenced full socket, or NULL ({@code RET_PTR_TO_SOCKET_OR_NULL}). */
    PTR_TO_SOCKET_OR_NULL("RET_PTR_TO_SOCKET_OR_NULL"),
    /** A {@code struct bpf_tcp_sock}, or NULL ({@code RET_PTR_TO_TCP_SOCK_OR_NULL}). */
    PTR_TO_TCP_SOCK_OR_NULL("RET_PTR_TO_TCP_SOCK_OR_NULL"),
    /** A socket that may be a request or timewait socket, or NULL ({@code RET_PTR_TO_SOCK_COMMON_OR_NULL}). */
    PTR_TO_SOCK_COMMON_OR_NULL("RET_PTR_TO_SOCK_COMMON_OR_NULL"),
    /**
     * A referenced ring-buffer record whose size is the constant size argument, or NULL
     * ({@code RET_PTR_TO_RINGBUF_MEM_OR_NULL}, that is {@code RET_PTR_TO_MEM | MEM_RINGBUF | PTR_MAYBE_NULL}).
     */
    PTR_TO_RINGBUF_MEM_OR_NULL("RET_PTR_TO_RINGBUF_MEM_OR_NULL"),
    /** Memory inside a dynptr, of the constant size argument, or NULL ({@code RET_PTR_TO_DYNPTR_MEM_OR_NULL}). */
    PTR_TO_DYNPTR_MEM_OR_NULL("RET_PTR_TO_DYNPTR_MEM_OR_NULL"),
    /** A pointer to a kernel struct known by BTF ({@code RET_PTR_TO_BTF_ID}). */
    PTR_TO_BTF_ID("RET_PTR_TO_BTF_ID"),
    /** A pointer to a kernel struct known by BTF, or NULL ({@code RET_PTR_TO_BTF_ID_OR_NULL}). */
    PTR_TO_BTF_ID_OR_NULL("RET_PTR_TO_BTF_ID_OR_NULL"),
    /** A trusted pointer to a kernel struct known by BTF ({@code RET_PTR_TO_BTF_ID_TRUSTED}). */
    PTR_TO_BTF_ID_TRUSTED("RET_PTR_TO_BTF_ID_TRUSTED"),
    /** Read-only memory of a per-CPU variable, or its BTF struct ({@code RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY}). */
    PTR_TO_MEM_OR_BTF_ID("RET_PTR_TO_MEM_OR_BTF_ID | MEM_RDONLY"),
    /** Like {@link #PTR_TO_MEM_OR_BTF_ID}, or NULL. */
    PTR_TO_MEM_OR_BTF_ID_OR_NULL("RET_PTR_TO_MEM_OR_BTF_ID | PTR_MAYBE_NULL | MEM_RDONLY");

    private final String kernelName;

    ReturnType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** The kernel's spelling of this type, such as {@code "RET_PTR_TO_MAP_VALUE_OR_NULL"}. */
    public String kernelName() {
        return kernelName;
    }

    /** Whether the program must test r0 against NULL before using it as a pointer. */
    public boolean isNullable() {
        return name().endsWith("_OR_NULL");
    }

    /** Whether r0 holds a pointer (possibly NULL) rather than a scalar or nothing. */
    public boolean isPointer() {
        return this != INTEGER && this != VOID;
    }
}
