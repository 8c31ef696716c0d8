package org.bpf4j.verifier.domain;

import java.util.Objects;

/**
 * The abstract value of one register or spilled stack slot: not initialised, a scalar, or a
 * pointer. Immutable; switch over it without {@code default}.
 */
public sealed interface RegState permits RegState.NotInit, RegState.Scalar, RegState.Pointer, RegState.StackObject {

    /** A register never written on this path: reading it is an error ({@code !read_ok}). */
    record NotInit() implements RegState {
        @Override
        public String toString() {
            return "?";
        }
    }

    /**
     * A number.
     *
     * @param range what is known of its value
     * @param id non-zero when other registers were copied from the same value (linked scalars:
     *     what a branch learns about one it learns about all)
     */
    record Scalar(ScalarRange range, int id) implements RegState {
        /** Checks the range is present. */
        public Scalar {
            Objects.requireNonNull(range);
        }

        @Override
        public String toString() {
            if (range.isConst() && id == 0) {
                return Long.toString(range.value());
            }
            String b = range.toString();
            return "scalar(" + (id != 0 ? "id=" + id + (b.isEmpty() ? "" : ",") : "") + b + ")";
        }
    }

    /**
     * A pointer.
     *
     * @param type what it points to
     * @param off the fixed offset from the object's start
     * @param var the variable part of the offset (a constant 0 when there is none)
     * @param id shared by copies: null checks and packet range checks apply to every register
     *     with the same id
     * @param refId non-zero for a reference that must be released ({@code ref_obj_id})
     * @param range for packet pointers, the bytes after {@code off} proven inside the packet
     * @param map the map index for map pointers, values and keys; {@link #INPUT_MEMORY} for the
     *     memory given in R1 at entry ({@code VerifierInput.withEntryMemory}); -1 otherwise
     * @param memSize the size of {@link PtrType#MEM} and {@link PtrType#RINGBUF_MEM} memory
     * @param maybeNull whether the pointer may be NULL (it must be tested before use)
     * @param frame for stack pointers, the frame number (0 for the main program)
     * @param readOnly whether stores through the pointer are refused
     * @param btf for {@link PtrType#BTF_ID}, the kernel type pointed to and how far the pointer is
     *     trusted; {@link KernelObject#NONE} otherwise (and for an untyped kernel pointer)
     */
    record Pointer(PtrType type, int off, ScalarRange var, int id, int refId, int range, int map, int memSize,
            boolean maybeNull, int frame, boolean readOnly, KernelObject btf) implements RegState {
        /** The {@code map} of a {@link PtrType#MEM} pointer into the memory given in R1 at entry. */
        public static final int INPUT_MEMORY = -2;
        /**
         * The {@code map} of a {@link PtrType#MEM} pointer into packet data through a dynptr slice
         * ({@code bpf_dynptr_slice} of an skb or xdp dynptr): helpers that move the packet
         * invalidate it, as packet pointers.
         */
        public static final int PACKET_SLICE = -3;

        /** Checks the type and offset range are present. */
        public Pointer {
            Objects.requireNonNull(type);
            Objects.requireNonNull(var);
            Objects.requireNonNull(btf);
        }

        /** A pointer that is not to a typed kernel object. */
        public Pointer(PtrType type, int off, ScalarRange var, int id, int refId, int range, int map, int memSize,
                boolean maybeNull, int frame, boolean readOnly) {
            this(type, off, var, id, refId, range, map, memSize, maybeNull, frame, readOnly, KernelObject.NONE);
        }

        /** A plain pointer of {@code type} at offset 0. */
        public static Pointer of(PtrType type) {
            return new Pointer(type, 0, ScalarRange.constant(0), 0, 0, 0, -1, 0, false, 0, false);
        }

        /** This pointer into frame {@code f}. */
        public Pointer withFrame(int f) {
            return new Pointer(type, off, var, id, refId, range, map, memSize, maybeNull, f, readOnly, btf);
        }

        /** This pointer at a new fixed offset. */
        public Pointer withOff(int newOff) {
            return new Pointer(type, newOff, var, id, refId, range, map, memSize, maybeNull, frame, readOnly, btf);
        }

        /** This pointer with a new variable offset. */
        public Pointer withVar(ScalarRange newVar) {
            return new Pointer(type, off, newVar, id, refId, range, map, memSize, maybeNull, frame, readOnly, btf);
        }

        /** This pointer with a new id. */
        public Pointer withId(int newId) {
            return new Pointer(type, off, var, newId, refId, range, map, memSize, maybeNull, frame, readOnly, btf);
        }

        /** This pointer with a new packet range. */
        public Pointer withRange(int newRange) {
            return new Pointer(type, off, var, id, refId, newRange, map, memSize, maybeNull, frame, readOnly, btf);
        }

        /** This pointer known not to be NULL. */
        public Pointer notNull() {
            return new Pointer(type, off, var, id, refId, range, map, memSize, false, frame, readOnly, btf);
        }

        /** This pointer with another kernel object type or trust. */
        public Pointer withBtf(KernelObject newBtf) {
            return new Pointer(type, off, var, id, refId, range, map, memSize, maybeNull, frame, readOnly, newBtf);
        }

        /** Whether the offset has no variable part. */
        public boolean fixedOffset() {
            return var.isConst() && var.value() == 0;
        }

        /** The kernel's name of the type with its modifiers, such as {@code map_value_or_null}. */
        public String typeName() {
            if (type == PtrType.BTF_ID) {
                return btf.prefix() + "ptr_" + (maybeNull ? "or_null_" : "");
            }
            return (readOnly && type == PtrType.MEM ? "rdonly_" : "") + type.kernelName() + (maybeNull ? "_or_null" : "");
        }

        /** The kernel's notation: {@code fp-8} for the stack, else {@code ctx()}, {@code pkt(off=14,r=20)}, ... */
        @Override
        public String toString() {
            if (type == PtrType.STACK && fixedOffset() && !maybeNull) {
                return "fp" + off;
            }
            StringBuilder sb = new StringBuilder();
            if (id != 0) {
                sb.append(",id=").append(id);
            }
            if (refId != 0) {
                sb.append(",ref_obj_id=").append(refId);
            }
            if (off != 0) {
                sb.append(",off=").append(off);
            }
            if (type.isPacket()) {
                sb.append(",r=").append(range);
            }
            if (type == PtrType.MEM || type == PtrType.RINGBUF_MEM) {
                sb.append(",sz=").append(memSize);
            }
            if (!fixedOffset()) {
                sb.append(',').append(var);
            }
            return typeName() + (type == PtrType.BTF_ID ? btf.name() : "") + "(" + (sb.isEmpty() ? "" : sb.substring(1))
                    + ")";
        }
    }

    /**
     * The kernel type a {@link PtrType#BTF_ID} pointer points to (a structure of the kernel's BTF)
     * and how far it may be trusted (the kernel's {@code PTR_TRUSTED}, {@code MEM_RCU} and
     * {@code PTR_UNTRUSTED} flags): a trusted pointer is valid for the whole program (the
     * program's context gave it, or a helper, or it holds a reference); an RCU pointer is valid
     * until the RCU read-side critical section ends; an untrusted one may only be read through.
     *
     * @param id the structure's BTF id (0 when unknown)
     * @param name the structure's name ({@code ""} when unknown)
     * @param flags {@link #TRUSTED}, {@link #RCU}, {@link #UNTRUSTED}, {@link #USER}, {@link #PERCPU}
     */
    record KernelObject(int id, String name, int flags) {
        /** The kernel's {@code PTR_TRUSTED}. */
        public static final int TRUSTED = 1;
        /** The kernel's {@code MEM_RCU}. */
        public static final int RCU = 2;
        /** The kernel's {@code PTR_UNTRUSTED}. */
        public static final int UNTRUSTED = 4;
        /** The kernel's {@code MEM_USER}: user memory, not readable directly. */
        public static final int USER = 8;
        /** The kernel's {@code MEM_PERCPU}: a per-CPU pointer, not readable directly. */
        public static final int PERCPU = 16;
        /** No kernel type. */
        public static final KernelObject NONE = new KernelObject(0, "", 0);

        /** Checks the name. */
        public KernelObject {
            Objects.requireNonNull(name);
        }

        /** The same type with other flags. */
        public KernelObject withFlags(int newFlags) {
            return new KernelObject(id, name, newFlags);
        }

        /** Whether {@code flag} is set. */
        public boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** The kernel's prefix of the register type's name: {@code trusted_}, {@code rcu_}, {@code untrusted_} or none. */
        public String prefix() {
            return (has(USER) ? "user_" : "") + (has(PERCPU) ? "percpu_" : "")
                    + (has(UNTRUSTED) ? "untrusted_" : has(TRUSTED) ? "trusted_" : has(RCU) ? "rcu_" : "");
        }
    }

    /**
     * An object the kernel keeps in stack slots, never in a register (the kernel's
     * {@code STACK_ITER} and {@code STACK_DYNPTR} slots): an open-coded iterator or a dynptr.
     * Each of its 8-byte slots holds one, with {@code first} set in the slot at the lowest index
     * (the highest address, where the pointer to it points).
     *
     * @param kind what the object is
     * @param id the object's identity (a dynptr's id; slices of it carry it as parent)
     * @param refId non-zero for a reference that must be released (an iterator, a ring buffer dynptr)
     * @param drained for an iterator, whether its {@code next} returned NULL on this path
     * @param depth for an iterator, how many {@code next} calls returned an element on this path
     *     (compared only when looking for infinite loops, as Linux)
     * @param first whether this slot is the object's first
     */
    record StackObject(ObjectKind kind, int id, int refId, boolean drained, int depth, boolean first)
            implements RegState {
        /** Checks the kind. */
        public StackObject {
            Objects.requireNonNull(kind);
        }

        @Override
        public String toString() {
            return kind.kernelName() + "(ref_id=" + refId + (kind.isIterator() ? ",state=" + (drained ? "drained" : "active")
                    + ",depth=" + depth : "") + ")";
        }
    }

    /** The kinds of {@link StackObject}, with the number of 8-byte slots each fills. */
    enum ObjectKind {
        /** {@code struct bpf_iter_num}. */
        ITER_NUM("iter_num", 1),
        /** {@code struct bpf_iter_bits} (the set bits of a bitmap). */
        ITER_BITS("iter_bits", 2),
        /** A dynptr over program memory ({@code bpf_dynptr_from_mem}). */
        DYNPTR_LOCAL("dynptr_local", 2),
        /** A dynptr over a ring buffer record ({@code bpf_ringbuf_reserve_dynptr}). */
        DYNPTR_RINGBUF("dynptr_ringbuf", 2),
        /** A dynptr over a socket buffer's packet ({@code bpf_dynptr_from_skb}). */
        DYNPTR_SKB("dynptr_skb", 2),
        /** A dynptr over an XDP packet ({@code bpf_dynptr_from_xdp}). */
        DYNPTR_XDP("dynptr_xdp", 2);

        private final String kernelName;
        private final int slots;

        ObjectKind(String kernelName, int slots) {
            this.kernelName = kernelName;
            this.slots = slots;
        }

        /** The kernel's spelling in logs. */
        public String kernelName() {
            return kernelName;
        }

        /** How many 8-byte stack slots the object fills. */
        public int slots() {
            return slots;
        }

        /** Whether this is an open-coded iterator. */
        public boolean isIterator() {
            return this == ITER_NUM || this == ITER_BITS;
        }
    }

    /** The shared not-initialised value. */
    RegState NOT_INIT = new NotInit();

    /** An unknown scalar. */
    static Scalar unknown() {
        return new Scalar(ScalarRange.UNKNOWN, 0);
    }

    /** A known scalar. */
    static Scalar constant(long v) {
        return new Scalar(ScalarRange.constant(v), 0);
    }
}
