package org.bpf4j.verifier.domain;

/**
 * The registers and stack of one function activation (the kernel's {@code bpf_func_state}).
 * Mutable, owned by one {@link VerifierState}.
 */
public final class FrameState {
    /** Registers r0-r10. */
    public final RegState[] regs;
    /** The frame's stack. */
    public final StackState stack;
    /** The slot of the call instruction that created this frame, or -1 for the main program. */
    public final int callsite;
    /** The frame number, 0 for the main program. */
    public final int frameNo;
    /** The slot where this frame's function starts. */
    public final int subprogStart;
    /**
     * For a callback's frame, the id of the helper that calls it (its exit returns to the helper
     * call, which runs again); -1 for a frame made by a bpf-to-bpf call or the main program.
     */
    public final int callbackOf;
    /**
     * How many calls of a {@code bpf_loop} callback this frame has made so far on this path (the
     * kernel's {@code callback_depth}): once it reaches the loop's largest count, the helper call
     * enters its callback no more. Reset to 0 on the path that goes on after the helper.
     */
    public int callbackDepth;

    /** A frame with uninitialised registers and an empty stack. */
    public FrameState(int callsite, int frameNo, int subprogStart) {
        this(callsite, frameNo, subprogStart, -1);
    }

    /** A callback's frame (see {@link #callbackOf}), or any frame when {@code callbackOf} is -1. */
    public FrameState(int callsite, int frameNo, int subprogStart, int callbackOf) {
        this.callbackOf = callbackOf;
        this.regs = new RegState[11];
        java.util.Arrays.fill(regs, RegState.NOT_INIT);
        this.stack = new StackState();
        this.callsite = callsite;
        this.frameNo = frameNo;
        this.subprogStart = subprogStart;
        regs[10] = RegState.Pointer.of(PtrType.STACK).withFrame(frameNo);
    }

    private FrameState(FrameState o) {
        regs = o.regs.clone();
        stack = o.stack.copy();
        callsite = o.callsite;
        frameNo = o.frameNo;
        subprogStart = o.subprogStart;
        callbackOf = o.callbackOf;
        callbackDepth = o.callbackDepth;
    }

    /** An independent copy. */
    public FrameState copy() {
        return new FrameState(this);
    }

    /** The kernel's level-2 rendering: {@code R1=ctx() R10=fp0 fp-8=mmmmmmmm}. */
    @Override
    public String toString() {
        return render(0x7ff, -1L);
    }

    /**
     * The registers of {@code regMask} (bit {@code r} for R{@code r}) that are initialised and the
     * stack slots of {@code slotMask} (bit {@code i} for fp-{@code 8(i+1)}) that were written, in
     * the kernel's notation.
     */
    public String render(int regMask, long slotMask) {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < regs.length; r++) {
            if (regs[r] instanceof RegState.NotInit || (regMask & (1 << r)) == 0) {
                continue;
            }
            if (r == 10) {
                sb.append(" R10=fp0");
                continue;
            }
            sb.append(" R").append(r).append('=').append(regs[r]);
        }
        if (slotMask == -1L) {
            String st = stack.toString();
            if (!st.isEmpty()) {
                sb.append(' ').append(st);
            }
        } else {
            for (int slot = 0; slot < 64; slot++) {
                if ((slotMask & (1L << slot)) != 0) {
                    String one = stack.slotString(slot);
                    if (!one.isEmpty()) {
                        sb.append(' ').append(one);
                    }
                }
            }
        }
        return sb.length() == 0 ? "" : sb.substring(1);
    }
}
