package org.bpf4j.verifier.engine;

import java.util.List;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.VerifierState;

/** A stored state at a prune point; complete once every path through it has ended. */
final class Checkpoint {
    final VerifierState state;
    final Checkpoint parent;
    int slot = -1;
    final long[] hist;
    final int histLen;
    final long[] preciseRegs = new long[Explorer.MAX_CALL_FRAMES];
    final long[] preciseStack = new long[Explorer.MAX_CALL_FRAMES];
    /** Stack slots per frame looked at below this state before being overwritten (read marks). */
    final long[] readStack = new long[Explorer.MAX_CALL_FRAMES];
    /** Stack slots per frame overwritten entirely between the parent checkpoint and this one. */
    long[] segWritten;
    int pending = 1;
    /** A hash of the live registers (for the infinite-loop check), valid when {@link #hashed} is 1. */
    int hash;
    int hashed;
    int hits;
    int misses;
    /**
     * Paths pruned here while this state was still being explored (a callback's loop back to
     * its helper call): once it is done, its final precision marks go back along them.
     */
    List<Backedge> backedges;

    Checkpoint(VerifierState state, Checkpoint parent, long[] hist, int histLen) {
        this.state = state;
        this.parent = parent;
        this.hist = hist;
        this.histLen = histLen;
    }

    /** A pruned path's history and parent chain, kept to mark it precise later. */
    record Backedge(long[] hist, int histLen, Checkpoint parent, int[] live) {
    }

    /** Whether this checkpoint is {@code from} or one of its ancestors. */
    boolean isAncestorOf(Checkpoint from) {
        for (Checkpoint x = from; x != null; x = x.parent) {
            if (x == this) {
                return true;
            }
        }
        return false;
    }

    /** Whether two states are in the same calls (frame by frame, the same call sites). */
    static boolean sameCallsites(VerifierState a, VerifierState b) {
        if (a.frames.size() != b.frames.size()) {
            return false;
        }
        for (int i = 0; i < a.frames.size(); i++) {
            if (a.frames.get(i).callsite != b.frames.get(i).callsite) {
                return false;
            }
        }
        return true;
    }

    /** A hash of the live registers of every frame, equal for identical states. */
    static int shapeHash(VerifierState st, int[] live) {
        int h = st.frames.size();
        for (int f = 0; f < live.length; f++) {
            RegState[] regs = st.frames.get(f).regs;
            for (int r = 0; r < 10; r++) {
                if ((live[f] & (1 << r)) != 0) {
                    h = h * 31 + regs[r].hashCode();
                }
            }
        }
        return h;
    }

    /** Sets to unknown every scalar of {@code cur} that differs from this state's and is not precise there. */
    void widen(VerifierState cur) {
        for (int f = 0; f < cur.frames.size(); f++) {
            RegState[] o = state.frames.get(f).regs;
            RegState[] r = cur.frames.get(f).regs;
            for (int i = 0; i < 10; i++) {
                if (o[i] instanceof RegState.Scalar && r[i] instanceof RegState.Scalar && !o[i].equals(r[i])
                        && (preciseRegs[f] & (1L << i)) == 0) {
                    r[i] = RegState.unknown();
                }
            }
            org.bpf4j.verifier.domain.StackState os = state.frames.get(f).stack;
            org.bpf4j.verifier.domain.StackState cs = cur.frames.get(f).stack;
            long precise = preciseStack[f];
            cs.widenSpills(os, precise);
        }
    }
}
