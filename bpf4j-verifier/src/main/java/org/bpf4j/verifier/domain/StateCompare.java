package org.bpf4j.verifier.domain;

/**
 * Whether an explored state covers the current one, so that the current path can stop (the
 * kernel's {@code states_equal} with {@code regsafe}, {@code stacksafe} and {@code refsafe}).
 *
 * <p>Soundness: the old state's whole subtree was explored and found safe. If every live register
 * and every stack byte of the current state stands for a subset of the concrete values the old
 * state stood for (same pointer kinds and objects, ranges contained, ids related one-to-one so
 * that what a branch learns through an id holds for the same registers), every concrete run from
 * the current state is also a run from the old state, hence safe. Dead registers (overwritten
 * before any read on every path) are ignored. One instance per comparison (it holds the id map).
 */
public final class StateCompare {
    /** The id map: {@code pairs[2k]} (old) maps to {@code pairs[2k + 1]} (cur), for k below {@code pairCount}. */
    private int[] pairs;
    private int pairCount;
    private long[] preciseRegs;
    private long[] preciseStack;
    private long[] readStack;
    private int tmp;

    private StateCompare() {
    }

    /**
     * Whether {@code old} covers {@code cur}; {@code live[i]} is the mask of live registers of
     * frame {@code i}.
     */
    public static boolean covers(VerifierState old, VerifierState cur, int[] live) {
        return new StateCompare().statesCover(old, cur, live, false);
    }

    /**
     * Whether {@code old} covers {@code cur} when only the scalars marked precise in the old state
     * ({@code preciseRegs[frame]} bit per register, {@code preciseStack[frame]} bit per 8-byte
     * slot) need their values contained; any scalar covers an imprecise one.
     */
    public static boolean covers(VerifierState old, VerifierState cur, int[] live, long[] preciseRegs,
            long[] preciseStack) {
        return covers(old, cur, live, preciseRegs, preciseStack, null);
    }

    /**
     * As {@link #covers(VerifierState, VerifierState, int[], long[], long[])}, comparing only the
     * stack slots marked in {@code readStack[frame]} (bit per 8-byte slot): the slots some path
     * from the old state looked at before overwriting them entirely. The others are dead: the
     * exploration below the old state never depended on their contents.
     */
    public static boolean covers(VerifierState old, VerifierState cur, int[] live, long[] preciseRegs,
            long[] preciseStack, long[] readStack) {
        StateCompare c = new StateCompare();
        c.preciseRegs = preciseRegs;
        c.preciseStack = preciseStack;
        c.readStack = readStack;
        return c.statesCover(old, cur, live, false);
    }

    private boolean imprecise(long[] marks, int frame, int bit) {
        return marks != null && (marks[frame] & (1L << bit)) == 0;
    }

    /** Whether the two states are identical (for infinite-loop detection). */
    public static boolean same(VerifierState old, VerifierState cur, int[] live) {
        return new StateCompare().statesCover(old, cur, live, true);
    }

    private boolean statesCover(VerifierState old, VerifierState cur, int[] live, boolean exact) {
        if (old.frames.size() != cur.frames.size() || !lockCovers(old.activeLock, cur.activeLock, exact)
                || old.activeRcu != cur.activeRcu || old.preemptDisabled != cur.preemptDisabled
                || old.refs.size() != cur.refs.size()) {
            return false;
        }
        for (int i = 0; i < old.frames.size(); i++) {
            FrameState o = old.frames.get(i);
            FrameState c = cur.frames.get(i);
            if (o.callsite != c.callsite) {
                return false;
            }
            for (int r = 0; r < 10; r++) {
                if ((live[i] & (1 << r)) == 0) {
                    continue;
                }
                if (!exact && o.regs[r] instanceof RegState.Scalar && c.regs[r] instanceof RegState.Scalar
                        && imprecise(preciseRegs, i, r)) {
                    continue;
                }
                if (!regCovers(o.regs[r], c.regs[r], exact)) {
                    return false;
                }
            }
            if (!stackCovers(o.stack, c.stack, exact, i)) {
                return false;
            }
        }
        for (int i = 0; i < old.refs.size(); i++) {
            if (!ids(old.refs.get(i), cur.refs.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the spin lock held in the old state ({@code map << 32 | id}, or -1) is the one held
     * in the current state: the same map, and the lock's pointer id related to the current one as
     * the registers' ids are (Linux's {@code refsafe} maps the lock's id with {@code check_ids}), so
     * that a register the old path unlocked with still names the held lock on the current path.
     */
    private boolean lockCovers(long oldLock, long curLock, boolean exact) {
        if (exact || oldLock == -1 || curLock == -1) {
            return oldLock == curLock;
        }
        return (oldLock >>> 32) == (curLock >>> 32) && ids((int) oldLock, (int) curLock);
    }

    private boolean ids(int oldId, int curId) {
        if ((oldId == 0) != (curId == 0)) {
            return false;
        }
        if (oldId == 0) {
            return true;
        }
        // a linear scan: a comparison relates few ids, and this is the hottest path of pruning
        if (pairs == null) {
            pairs = new int[16];
        }
        for (int k = 0; k < pairCount; k++) {
            int o = pairs[2 * k];
            int c = pairs[2 * k + 1];
            if (o == oldId) {
                return c == curId;
            }
            if (c == curId) {
                return false;
            }
        }
        if (2 * pairCount + 2 > pairs.length) {
            pairs = java.util.Arrays.copyOf(pairs, pairs.length * 2);
        }
        pairs[2 * pairCount] = oldId;
        pairs[2 * pairCount + 1] = curId;
        pairCount++;
        return true;
    }

    private boolean scalarIds(int oldId, int curId) {
        if (oldId == 0 && curId == 0) {
            return true; // two fresh temporary ids would be mapped to each other and never seen again
        }
        return ids(oldId != 0 ? oldId : --tmp, curId != 0 ? curId : --tmp);
    }

    boolean regCovers(RegState old, RegState cur, boolean exact) {
        if (exact) {
            return old.equals(cur);
        }
        return switch (old) {
            case RegState.NotInit n -> true;
            case RegState.Scalar o -> cur instanceof RegState.Scalar c && o.range().contains(c.range())
                    && scalarIds(o.id(), c.id());
            case RegState.Pointer o -> cur instanceof RegState.Pointer c && o.type() == c.type() && o.off() == c.off()
                    && o.maybeNull() == c.maybeNull() && o.map() == c.map() && o.memSize() == c.memSize()
                    && o.frame() == c.frame() && o.readOnly() == c.readOnly() && o.range() <= c.range()
                    && o.btf().equals(c.btf())
                    && o.var().contains(c.var()) && ids(o.id(), c.id()) && ids(o.refId(), c.refId());
            case RegState.StackObject o -> cur instanceof RegState.StackObject c && o.kind() == c.kind()
                    && o.drained() == c.drained() && o.first() == c.first() && ids(o.id(), c.id())
                    && ids(o.refId(), c.refId());
        };
    }

    /** Whether the 8 bytes from {@code base} are unknown or never written (equal for a privileged program). */
    private static boolean unknownBytes(byte[] types, int base) {
        for (int i = 0; i < 8; i++) {
            byte t = base + i < types.length ? types[base + i] : StackState.INVALID;
            if (t != StackState.MISC && t != StackState.INVALID) {
                return false;
            }
        }
        return true;
    }

    private boolean stackCovers(StackState old, StackState cur, boolean exact, int frame) {
        byte[] ot = old.types();
        byte[] ct = cur.types();
        RegState[] os = old.spills();
        RegState[] cs = cur.spills();
        if (exact) {
            if (ot.length != ct.length || !java.util.Arrays.equals(ot, ct)) {
                return false;
            }
            for (int s = 0; s < os.length; s++) {
                if ((ot[s * 8 + 7] == StackState.SPILL || ot[s * 8 + 7] == StackState.OBJECT)
                        && !java.util.Objects.equals(os[s], cs[s])) {
                    return false;
                }
            }
            return true;
        }
        for (int slot = 0; slot < os.length; slot++) {
            int base = slot * 8;
            if (readStack != null && (readStack[frame] & (1L << slot)) == 0) {
                continue; // dead: never looked at below the old state before being overwritten
            }
            if (ot[base + 7] == StackState.OBJECT) {
                // an iterator or dynptr covers the same kind of object in the same state (Linux's
                // stacksafe on STACK_ITER and STACK_DYNPTR: iteration depths are not compared)
                if (base + 7 >= ct.length || ct[base + 7] != StackState.OBJECT || !regCovers(os[slot], cs[slot], false)) {
                    return false;
                }
                continue;
            }
            int oldSpill = StackState.spillSize(ot, base);
            if (oldSpill > 0 && oldSpill < 8) {
                // a narrow spill covers a spill at least as wide in the current state (Linux
                // compares the slot byte by byte: the old spill's bytes must be spilled bytes in
                // the current one, then the two spilled registers are compared; a fill of the
                // old width from a wider scalar spill reads its low bytes, contained when the
                // whole value is); the other bytes as below
                if (StackState.spillSize(ct, base) < oldSpill) {
                    return false;
                }
                if (!(os[slot] instanceof RegState.Scalar && cs[slot] instanceof RegState.Scalar
                        && imprecise(preciseStack, frame, slot)) && !regCovers(os[slot], cs[slot], false)) {
                    return false;
                }
            } else if (oldSpill == 8) {
                if (os[slot] instanceof RegState.Scalar sc && unknownBytes(ct, base)
                        && (imprecise(preciseStack, frame, slot) || sc.range().equals(ScalarRange.UNKNOWN) && sc.id() == 0)) {
                    // Linux's scalar_reg_for_stack: unknown bytes read as an unknown scalar, which
                    // the stored spill covers when nothing below relied on its value
                    continue;
                }
                if (base >= ct.length) {
                    return false;
                }
                if (StackState.spillSize(ct, base) == 8) {
                    if (os[slot] instanceof RegState.Scalar && cs[slot] instanceof RegState.Scalar
                            && imprecise(preciseStack, frame, slot)) {
                        continue;
                    }
                    if (!regCovers(os[slot], cs[slot], false)) {
                        return false;
                    }
                    continue;
                }
                boolean allZero = true;
                for (int i = 0; i < 8; i++) {
                    allZero &= ct[base + i] == StackState.ZERO;
                }
                if (allZero && os[slot] instanceof RegState.Scalar sc && sc.range().mayBe(0) && sc.id() == 0) {
                    continue;
                }
                return false;
            }
            for (int i = 0; i < 8 - oldSpill; i++) {
                byte o = ot[base + i];
                if (o == StackState.INVALID || o == StackState.MISC) {
                    // a privileged program may read uninitialised stack: both read as unknown
                    // scalars, unless the current path has a pointer there (stricter than Linux)
                    if (base + i < ct.length && ct[base + i] == StackState.SPILL
                            && cs[slot] instanceof RegState.Pointer) {
                        return false;
                    }
                    continue;
                }
                // o == ZERO
                if (base + i >= ct.length || ct[base + i] != StackState.ZERO) {
                    return false;
                }
            }
        }
        return true;
    }
}
