package org.bpf4j.spec;

/**
 * What a helper accepts in one argument register (r1 to r5): the verifier's view of the Linux
 * kernel's {@code enum bpf_arg_type} together with the type flags the kernel ORs into it.
 *
 * <p>The kernel writes most argument types as a base type plus flags ({@code ARG_PTR_TO_MEM |
 * MEM_RDONLY}); bpf4j names each combination that a helper prototype uses, and
 * {@link #kernelName()} gives the kernel's spelling. Two naming choices differ from the kernel:
 * {@link #PTR_TO_MEM} is the read-only form (the common case: the helper only reads the buffer),
 * and the kernel's plain {@code ARG_PTR_TO_MEM}, which requires writable memory, is
 * {@link #PTR_TO_WRITABLE_MEM}. The flag {@code OBJ_RELEASE} is not part of the type; it is the
 * helper's {@link HelperFlag#RELEASES} flag with {@link HelperSpec#releasedArg()}.
 *
 * <p>A memory argument ({@link #isMemory()}) is followed by its size argument
 * ({@link #isSize()}); a fixed-size memory argument has its size in
 * {@link HelperSpec#argSize(int)}. A BTF-id pointer argument may name its struct in
 * {@link HelperSpec#argBtfType(int)}.
 */
public enum ArgType {
    /** Any initialized value, scalar or pointer ({@code ARG_ANYTHING}). */
    ANYTHING("ARG_ANYTHING"),
    /** An initialized scalar, not a pointer ({@code ARG_SCALAR}; the iteration count of {@code loop}). */
    SCALAR("ARG_SCALAR"),
    /** A map, loaded with a map-fd or map-value pseudo instruction ({@code ARG_CONST_MAP_PTR}). */
    CONST_MAP_PTR("ARG_CONST_MAP_PTR"),
    /** Initialized memory of the map's key size ({@code ARG_PTR_TO_MAP_KEY}). */
    PTR_TO_MAP_KEY("ARG_PTR_TO_MAP_KEY"),
    /** Initialized memory of the map's value size ({@code ARG_PTR_TO_MAP_VALUE}). */
    PTR_TO_MAP_VALUE("ARG_PTR_TO_MAP_VALUE"),
    /** Memory of the map's value size that the helper fills; need not be initialized. */
    PTR_TO_UNINIT_MAP_VALUE("ARG_PTR_TO_MAP_VALUE | MEM_UNINIT | MEM_WRITE"),
    /** Like {@link #PTR_TO_MAP_VALUE}, or NULL ({@code ARG_PTR_TO_MAP_VALUE_OR_NULL}). */
    PTR_TO_MAP_VALUE_OR_NULL("ARG_PTR_TO_MAP_VALUE_OR_NULL"),
    /** Initialized memory the helper only reads; its size is the next argument. */
    PTR_TO_MEM("ARG_PTR_TO_MEM | MEM_RDONLY"),
    /** Like {@link #PTR_TO_MEM}, or NULL with a zero size. */
    PTR_TO_MEM_OR_NULL("ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY"),
    /** Initialized, writable memory the helper may read and write; its size is the next argument. */
    PTR_TO_WRITABLE_MEM("ARG_PTR_TO_MEM"),
    /** Like {@link #PTR_TO_WRITABLE_MEM}, or NULL with a zero size. */
    PTR_TO_WRITABLE_MEM_OR_NULL("ARG_PTR_TO_MEM_OR_NULL"),
    /** Writable memory the helper fills (or zeroes on error); need not be initialized. */
    PTR_TO_UNINIT_MEM("ARG_PTR_TO_UNINIT_MEM"),
    /** Initialized memory of a size fixed by the prototype ({@link HelperSpec#argSize(int)}). */
    PTR_TO_FIXED_SIZE_MEM("ARG_PTR_TO_FIXED_SIZE_MEM"),
    /** An 8-byte aligned {@code u64}/{@code s64} the helper writes; need not be initialized. */
    PTR_TO_LONG("ARG_PTR_TO_FIXED_SIZE_MEM | MEM_UNINIT | MEM_WRITE | MEM_ALIGNED"),
    /** A 4-byte aligned, initialized {@code u32} the helper reads and writes. */
    PTR_TO_INT("ARG_PTR_TO_FIXED_SIZE_MEM | MEM_WRITE | MEM_ALIGNED"),
    /** A size in bytes, a known non-zero constant or bounded range ({@code ARG_CONST_SIZE}). */
    CONST_SIZE("ARG_CONST_SIZE"),
    /** Like {@link #CONST_SIZE}, but zero is allowed ({@code ARG_CONST_SIZE_OR_ZERO}). */
    CONST_SIZE_OR_ZERO("ARG_CONST_SIZE_OR_ZERO"),
    /** A constant size of memory the helper allocates, zero allowed ({@code ARG_CONST_ALLOC_SIZE_OR_ZERO}). */
    CONST_ALLOC_SIZE_OR_ZERO("ARG_CONST_ALLOC_SIZE_OR_ZERO"),
    /** The program's context pointer, unmodified ({@code ARG_PTR_TO_CTX}). */
    PTR_TO_CTX("ARG_PTR_TO_CTX"),
    /** The context pointer or NULL ({@code ARG_PTR_TO_CTX_OR_NULL}). */
    PTR_TO_CTX_OR_NULL("ARG_PTR_TO_CTX_OR_NULL"),
    /** A pointer into the stack ({@code ARG_PTR_TO_STACK}); no current prototype uses it. */
    PTR_TO_STACK("ARG_PTR_TO_STACK"),
    /** A pointer into the stack or NULL: the context of a callback ({@code ARG_PTR_TO_STACK_OR_NULL}). */
    PTR_TO_STACK_OR_NULL("ARG_PTR_TO_STACK_OR_NULL"),
    /** A full socket ({@code struct bpf_sock}) or NULL ({@code ARG_PTR_TO_SOCKET_OR_NULL}). */
    PTR_TO_SOCKET_OR_NULL("ARG_PTR_TO_SOCKET_OR_NULL"),
    /** A {@code struct bpf_sock} that may be a request or timewait socket ({@code ARG_PTR_TO_SOCK_COMMON}). */
    PTR_TO_SOCK_COMMON("ARG_PTR_TO_SOCK_COMMON"),
    /** A trusted pointer to a kernel struct known by BTF ({@code ARG_PTR_TO_BTF_ID}). */
    PTR_TO_BTF_ID("ARG_PTR_TO_BTF_ID"),
    /** Like {@link #PTR_TO_BTF_ID}, or NULL ({@code ARG_PTR_TO_BTF_ID_OR_NULL}). */
    PTR_TO_BTF_ID_OR_NULL("ARG_PTR_TO_BTF_ID_OR_NULL"),
    /** A BTF {@code sock_common} or any socket pointer of the program ({@code ARG_PTR_TO_BTF_ID_SOCK_COMMON}). */
    PTR_TO_BTF_ID_SOCK_COMMON("ARG_PTR_TO_BTF_ID_SOCK_COMMON"),
    /** Like {@link #PTR_TO_BTF_ID_SOCK_COMMON}, or NULL. */
    PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL("ARG_PTR_TO_BTF_ID_SOCK_COMMON | PTR_MAYBE_NULL"),
    /** A per-CPU kernel variable known by BTF ({@code ARG_PTR_TO_PERCPU_BTF_ID}). */
    PTR_TO_PERCPU_BTF_ID("ARG_PTR_TO_PERCPU_BTF_ID"),
    /** A {@code struct bpf_spin_lock} inside a map value ({@code ARG_PTR_TO_SPIN_LOCK}). */
    PTR_TO_SPIN_LOCK("ARG_PTR_TO_SPIN_LOCK"),
    /** A {@code struct bpf_timer} inside a map value ({@code ARG_PTR_TO_TIMER}). */
    PTR_TO_TIMER("ARG_PTR_TO_TIMER"),
    /** A BPF subprogram, loaded with a function pseudo instruction ({@code ARG_PTR_TO_FUNC}). */
    PTR_TO_FUNC("ARG_PTR_TO_FUNC"),
    /** A NUL-terminated string in read-only map memory ({@code ARG_PTR_TO_CONST_STR}). */
    PTR_TO_CONST_STR("ARG_PTR_TO_CONST_STR"),
    /** A record reserved from a ring buffer, released by the call ({@code ARG_PTR_TO_RINGBUF_MEM}). */
    PTR_TO_RINGBUF_MEM("ARG_PTR_TO_RINGBUF_MEM"),
    /** A kptr field of a map value, the destination of {@code kptr_xchg} ({@code ARG_KPTR_XCHG_DEST}). */
    PTR_TO_KPTR("ARG_KPTR_XCHG_DEST"),
    /** An initialized {@code struct bpf_dynptr} of any kind, used read-only. */
    PTR_TO_DYNPTR("ARG_PTR_TO_DYNPTR | MEM_RDONLY"),
    /** An uninitialized {@code struct bpf_dynptr} on the stack that the helper makes a local dynptr. */
    PTR_TO_UNINIT_DYNPTR_LOCAL("ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_LOCAL | MEM_UNINIT | MEM_WRITE"),
    /** An uninitialized {@code struct bpf_dynptr} on the stack that the helper makes a ring-buffer dynptr. */
    PTR_TO_UNINIT_DYNPTR_RINGBUF("ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF | MEM_UNINIT | MEM_WRITE"),
    /** An initialized ring-buffer dynptr, released by the call. */
    PTR_TO_DYNPTR_RINGBUF("ARG_PTR_TO_DYNPTR | DYNPTR_TYPE_RINGBUF");

    private final String kernelName;

    ArgType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** The kernel's spelling of this type, such as {@code "ARG_PTR_TO_MEM | MEM_RDONLY"}. */
    public String kernelName() {
        return kernelName;
    }

    /** Whether NULL (the scalar 0) is accepted in place of the pointer. */
    public boolean isNullable() {
        return name().endsWith("_OR_NULL");
    }

    /** Whether this is a size argument that bounds the memory argument before it. */
    public boolean isSize() {
        return this == CONST_SIZE || this == CONST_SIZE_OR_ZERO || this == CONST_ALLOC_SIZE_OR_ZERO;
    }

    /** Whether this is a memory argument whose size is the next argument. */
    public boolean isMemory() {
        return switch (this) {
            case PTR_TO_MEM, PTR_TO_MEM_OR_NULL, PTR_TO_WRITABLE_MEM, PTR_TO_WRITABLE_MEM_OR_NULL,
                 PTR_TO_UNINIT_MEM -> true;
            default -> false;
        };
    }

    /** Whether the memory need not be initialized before the call (the helper writes it). */
    public boolean mayBeUninitialized() {
        return switch (this) {
            case PTR_TO_UNINIT_MEM, PTR_TO_UNINIT_MAP_VALUE, PTR_TO_LONG, PTR_TO_UNINIT_DYNPTR_LOCAL,
                 PTR_TO_UNINIT_DYNPTR_RINGBUF -> true;
            default -> false;
        };
    }

    /** Whether the helper may write the memory this argument points to. */
    public boolean helperWrites() {
        return mayBeUninitialized() || this == PTR_TO_WRITABLE_MEM || this == PTR_TO_WRITABLE_MEM_OR_NULL
                || this == PTR_TO_INT;
    }

    /** The size in bytes that this type fixes by itself (8 for {@link #PTR_TO_LONG}, 4 for {@link #PTR_TO_INT}), else 0. */
    public int fixedSize() {
        return switch (this) {
            case PTR_TO_LONG -> 8;
            case PTR_TO_INT -> 4;
            default -> 0;
        };
    }
}
