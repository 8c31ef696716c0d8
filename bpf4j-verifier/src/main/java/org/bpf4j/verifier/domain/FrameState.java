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

    /** A frame with uninitialised registers and an empty stack. */
    public FrameState(int callsite, int frameNo, int subprogStart) {
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
    }

    /** An independent copy. */
    public FrameState copy() {
        return new FrameState(this);
    }

    /** The kernel's level-2 rendering: {@code R1=ctx() R10=fp0 fp-8=mmmmmmmm}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < regs.length; r++) {
            if (regs[r] instanceof RegState.NotInit) {
                continue;
            }
            if (r == 10) {
                sb.append(" R10=fp0");
                continue;
            }
            sb.append(" R").append(r).append('=').append(regs[r]);
        }
        String st = stack.toString();
        if (!st.isEmpty()) {
            sb.append(' ').append(st);
        }
        return sb.length() == 0 ? "" : sb.substring(1);
    }
}
