package org.bpf4j.vm;

import org.bpf4j.Bpf4jException;

/**
 * A program did something the sandbox does not allow, and its run was ended: a memory access
 * outside every region it was given, a write to a read-only region, a misaligned atomic, too deep
 * a call chain, an exhausted instruction budget, or a call to a helper that does not exist. The
 * message names the instruction (by slot, the kernel's instruction index) and the address.
 *
 * <p>A trap is the documented outcome of running an unverified program that misbehaves; it never
 * leaves the JVM or other runs in a bad state.
 */
public final class VmTrapException extends Bpf4jException {
    /** What kind of rule the program broke. */
    public enum Kind {
        /** A load, store or atomic outside the regions the program may touch. */
        MEMORY,
        /** A store or atomic to a region the program may only read. */
        READ_ONLY,
        /** An atomic operation at an address that is not a multiple of its size. */
        MISALIGNED,
        /** More than the allowed number of nested bpf-to-bpf calls. */
        CALL_DEPTH,
        /** The instruction budget ran out. */
        BUDGET,
        /** A call to a helper or function that does not exist, or a helper that failed. */
        CALL,
        /** The program counter left the program (only possible for unchecked entry points). */
        CONTROL
    }

    private final Kind kind;
    private final int slot;

    /** A trap at an instruction slot. */
    public VmTrapException(Kind kind, int slot, String message) {
        super("instruction " + slot + ": " + message);
        this.kind = kind;
        this.slot = slot;
    }

    /** What the program did wrong. */
    public Kind kind() {
        return kind;
    }

    /** The slot (kernel instruction index) of the instruction that trapped. */
    public int slot() {
        return slot;
    }
}
