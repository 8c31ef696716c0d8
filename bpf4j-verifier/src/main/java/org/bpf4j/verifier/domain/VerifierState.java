package org.bpf4j.verifier.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * The abstract state of one path at one instruction: the call frames, the references held and
 * the ids handed out (the kernel's {@code bpf_verifier_state}). Mutable, owned by the path being
 * explored; {@link #copy()} when a path forks.
 */
public final class VerifierState {
    /** The call frames, innermost last. */
    public final List<FrameState> frames;
    /** Ids of references acquired and not yet released on this path. */
    public final List<Integer> refs;
    /** The spin lock held ({@code map index << 32 | offset}), or -1. */
    public long activeLock = -1;
    /** Whether the path is inside an RCU read-side critical section ({@code bpf_rcu_read_lock}). */
    public boolean activeRcu;
    /** How many {@code bpf_preempt_disable} calls the path has not yet matched with {@code bpf_preempt_enable}. */
    public int preemptDisabled;
    /** The next fresh id for pointers and linked scalars. */
    public int nextId;
    /**
     * How many callback calls returned on this path (the kernel's {@code callback_unroll_depth}):
     * a state seen again in a later callback iteration is no infinite loop, since the helper
     * bounds the iterations. Not compared when pruning.
     */
    public int callbackReturns;
    /**
     * How many {@code may_goto} instructions went on into their loop's body on this path (the
     * kernel's {@code may_goto_depth}): a state seen again one iteration deeper is no infinite loop,
     * since the kernel's budget ends it. Not compared when pruning.
     */
    public int mayGotoDepth;

    /**
     * Scratch set by the transfer function of the instruction being executed (not part of the
     * state, never compared or copied): the registers of the current frame whose values the
     * instruction relied on for safety (to be marked precise).
     */
    public int preciseRequest;
    /** Scratch: the registers of the current frame refined together by a comparison (linked scalars). */
    public int linkedMask;
    /**
     * Scratch: when a comparison refined linked scalars outside the current frame's registers
     * (other frames, spilled copies), all of them: {@code [2f]} registers and {@code [2f + 1]}
     * stack slots of frame {@code f}; null otherwise.
     */
    public long[] linkedAll;
    /** Scratch: the fixed-offset stack slot the instruction accessed, encoded by the engine, or 0. */
    public long stackAccess;
    /**
     * Scratch: the instruction spilled a register to the stack or filled one from it, which Linux
     * records in its jump history ({@code INSN_F_STACK_ACCESS}; the history's length forces a
     * stored state, see the engine).
     */
    public boolean stackHistory;
    /** Scratch: stack slots (bit per 8-byte slot) of frame {@link #preciseStackFrame} the instruction relied on. */
    public long preciseStackSlots;
    /** Scratch: the frame of {@link #preciseStackSlots}. */
    public int preciseStackFrame;

    /** The state at the program's entry: r1 = ctx, r10 = frame pointer. */
    public VerifierState(FrameState entry) {
        frames = new ArrayList<>(List.of(entry));
        refs = new ArrayList<>();
    }

    private VerifierState(VerifierState o) {
        frames = new ArrayList<>(o.frames.size());
        for (FrameState f : o.frames) {
            frames.add(f.copy());
        }
        refs = new ArrayList<>(o.refs);
        activeLock = o.activeLock;
        activeRcu = o.activeRcu;
        preemptDisabled = o.preemptDisabled;
        nextId = o.nextId;
        callbackReturns = o.callbackReturns;
        mayGotoDepth = o.mayGotoDepth;
    }

    /** An independent copy. */
    public VerifierState copy() {
        return new VerifierState(this);
    }

    /** The innermost frame. */
    public FrameState cur() {
        return frames.get(frames.size() - 1);
    }

    /** The registers of the innermost frame. */
    public RegState[] regs() {
        return cur().regs;
    }

    /** A fresh id for a pointer or scalar link. */
    public int newId() {
        return ++nextId;
    }

    /** The frames' registers and stack, the innermost last, as a rejection's log describes them. */
    public String describeFrames() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < frames.size(); i++) {
            if (i > 0) {
                sb.append(" | frame").append(i).append(": ");
            }
            sb.append(frames.get(i));
        }
        return sb.toString();
    }
}
