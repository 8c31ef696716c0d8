package org.bpf4j.verifier.engine;

import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarCompare;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Conditional jumps ({@code check_cond_jmp_op}): which branches are possible and what each
 * learns.
 *
 * <p>Soundness: a branch is dropped only when {@link ScalarCompare#decide} (or a non-NULL pointer
 * compared with 0) proves it impossible; the state of each kept branch is refined only by facts
 * the comparison's outcome implies: scalar bounds ({@link ScalarCompare#refine}), applied also to
 * scalars sharing the id (they hold the same value); NULL or not-NULL for every copy of a
 * maybe-NULL pointer; and the packet range that {@code pkt + off <= pkt_end} proves for every
 * packet pointer with the same id (they all have the same base and variable offset).
 */
final class BranchTransfer {
    /** The kernel's {@code MAX_PACKET_OFF}. */
    private static final long MAX_PACKET_OFF = 0xffff;

    private BranchTransfer() {
    }

    /**
     * Applies {@code j} to {@code st}; returns the state of the taken branch and the state of the
     * fall-through branch, either null when impossible. {@code st} is reused for one of them.
     */
    static VerifierState[] jump(VerifierState st, Instruction.Jump j) {
        RegState dst = Regs.read(st, j.dst());
        RegState src = switch (j.src()) {
            case Operand.Reg r -> Regs.read(st, r.reg());
            case Operand.Imm i -> RegState.constant(j.wide() ? i.value() : i.value() & 0xffffffffL);
        };
        int srcReg = j.src() instanceof Operand.Reg r ? r.reg() : -1;
        if (dst instanceof RegState.Scalar d && src instanceof RegState.Scalar s) {
            return scalars(st, j, d, s, srcReg);
        }
        VerifierState taken = st.copy();
        VerifierState fall = st;
        if (j.wide() && dst instanceof RegState.Pointer p && src instanceof RegState.Pointer q
                && Regs.isPacketAny(p) && Regs.isPacketAny(q)) {
            packetCompare(taken, fall, j.op(), p, q);
            return new VerifierState[] {taken, fall};
        }
        if (j.wide() && (j.op() == JumpOp.JEQ || j.op() == JumpOp.JNE) && dst instanceof RegState.Pointer p
                && src instanceof RegState.Pointer q && (p.maybeNull() && neverNull(q) || q.maybeNull() && neverNull(p))
                && p.type() != PtrType.BTF_ID && q.type() != PtrType.BTF_ID) {
            // equal to a pointer that is never NULL (a map value, a socket: not the context, the
            // stack or a packet, as Linux 6.18 judges), a maybe-NULL one is valid too; only that
            // register learns it (Linux marks no copies here)
            VerifierState eq = j.op() == JumpOp.JEQ ? taken : fall;
            if (q.maybeNull()) {
                eq.regs()[srcReg] = q.notNull();
            } else {
                eq.regs()[j.dst()] = p.notNull();
            }
            return new VerifierState[] {taken, fall};
        }
        RegState.Pointer ptr = dst instanceof RegState.Pointer p ? p : src instanceof RegState.Pointer q ? q : null;
        RegState other = ptr == dst ? src : dst;
        boolean otherZero = other instanceof RegState.Scalar s && (j.wide() ? s.range().isConst()
                : s.range().isSubregConst()) && s.range().value() == 0;
        if (ptr != null && otherZero && (j.op() == JumpOp.JEQ || j.op() == JumpOp.JNE)) {
            if (other == src && srcReg >= 0) {
                st.preciseRequest |= 1 << srcReg;
                taken.preciseRequest = st.preciseRequest;
            } else if (other == dst) {
                st.preciseRequest |= 1 << j.dst();
                taken.preciseRequest = st.preciseRequest;
            }
            if (neverNull(ptr)) {
                // a valid pointer of these types is never NULL (also in a 32-bit comparison)
                return j.op() == JumpOp.JEQ ? new VerifierState[] {null, fall} : new VerifierState[] {fall, null};
            }
            if (!ptr.maybeNull() || !j.wide() || ptr != dst || srcReg >= 0) {
                // both branches, unchanged: a context, stack or packet pointer compared with 0;
                // and Linux 6.18 learns NULL or not only in a 64-bit comparison of the register
                // on the left (the jump's destination) with the immediate 0, not with a register
                // known to be 0
                return new VerifierState[] {taken, fall};
            }
            VerifierState isNull = j.op() == JumpOp.JEQ ? taken : fall;
            VerifierState notNull = j.op() == JumpOp.JEQ ? fall : taken;
            markNull(isNull, ptr, true);
            markNull(notNull, ptr, false);
        }
        return new VerifierState[] {taken, fall};
    }

    /**
     * How many scalars (registers and spilled copies, every frame) share the id of the compared
     * scalars of {@code j} in {@code st}, the compared ones included (the kernel's
     * {@code collect_linked_regs}: a comparison with more than one records them in its history).
     */
    static int linkedCount(VerifierState st, Instruction.Jump j) {
        int dstId = st.regs()[j.dst()] instanceof RegState.Scalar d ? d.id() : 0;
        int srcId = j.src() instanceof Operand.Reg r && st.regs()[r.reg()] instanceof RegState.Scalar s ? s.id() : 0;
        if (dstId == 0 && srcId == 0) {
            return 0;
        }
        int[] n = {0};
        Regs.forEach(st, v -> {
            if (v instanceof RegState.Scalar s && s.id() != 0 && (s.id() == dstId || s.id() == srcId)) {
                n[0]++;
            }
            return null;
        });
        return n[0];
    }

    /**
     * Whether Linux knows that {@code p} cannot be 0 when deciding a comparison with 0 (its
     * {@code reg_not_null}): sockets, map values and keys, memory, map pointers and trusted or
     * referenced kernel objects; not the context, the stack or packet pointers, whose comparisons
     * with 0 it explores both ways.
     */
    static boolean neverNull(RegState.Pointer p) {
        if (p.maybeNull()) {
            return false;
        }
        return switch (p.type()) {
            case SOCKET, TCP_SOCK, SOCK_COMMON, MAP_VALUE, MAP_KEY, MEM, RINGBUF_MEM, CONST_MAP_PTR -> true;
            case BTF_ID -> p.refId() != 0 || p.btf().has(RegState.KernelObject.TRUSTED);
            default -> false;
        };
    }

    /** Every copy of a maybe-NULL pointer (same id) becomes 0 or a valid pointer. */
    static void markNull(VerifierState st, RegState.Pointer ptr, boolean isNull) {
        int id = ptr.id();
        if (id == 0) {
            return;
        }
        Regs.forEach(st, v -> {
            if (v instanceof RegState.Pointer p && p.maybeNull() && p.id() == id) {
                return isNull ? RegState.constant(0) : p.notNull();
            }
            return null;
        });
        if (isNull && ptr.refId() != 0 && ptr.refId() == id) {
            // a NULL acquired pointer holds nothing; a NULL pointer derived from a reference (a
            // slice, a cast socket) leaves the reference held
            st.refs.remove(Integer.valueOf(ptr.refId()));
        }
    }

    private static VerifierState[] scalars(VerifierState st, Instruction.Jump j, RegState.Scalar d, RegState.Scalar s,
            int srcReg) {
        Boolean outcome = ScalarCompare.decide(j.op(), !j.wide(), d.range(), s.range());
        if (outcome != null) {
            // the decision relied on the values: both become precise (mark_chain_precision)
            st.preciseRequest |= (1 << j.dst()) | (srcReg >= 0 ? 1 << srcReg : 0);
            return outcome ? new VerifierState[] {st, null} : new VerifierState[] {null, st};
        }
        VerifierState taken = st.copy();
        VerifierState fall = st;
        if (!refine(taken, j, d, s, srcReg, true)) {
            taken = null;
        }
        if (!refine(fall, j, d, s, srcReg, false)) {
            fall = null;
        }
        if (taken == null || fall == null) {
            // a branch was found impossible from the values: they become precise
            st.preciseRequest |= (1 << j.dst()) | (srcReg >= 0 ? 1 << srcReg : 0);
        }
        return new VerifierState[] {taken, fall};
    }

    private static boolean refine(VerifierState st, Instruction.Jump j, RegState.Scalar d, RegState.Scalar s, int srcReg,
            boolean holds) {
        ScalarRange[] r = ScalarCompare.refine(j.op(), holds, !j.wide(), d.range(), s.range());
        if (r[0].isEmpty() || r[1].isEmpty()) {
            return false;
        }
        st.regs()[j.dst()] = new RegState.Scalar(r[0], d.id());
        linked(st, d.id(), r[0]);
        if (srcReg >= 0) {
            st.regs()[srcReg] = new RegState.Scalar(r[1], s.id());
            linked(st, s.id(), r[1]);
        }
        return true;
    }

    /**
     * Gives the refined range to every scalar linked to the compared one (the same id): the
     * registers of every frame and the scalars spilled in their stacks (the kernel's
     * {@code sync_linked_regs}). Sound: a linked scalar holds the same value as the compared
     * register, so what the branch learned of one holds of all. The set is recorded for
     * precision tracking: if one of them is precise below, all of them are above.
     */
    private static void linked(VerifierState st, int id, ScalarRange r) {
        if (id == 0) {
            return;
        }
        int cur = st.frames.size() - 1;
        for (int f = 0; f <= cur; f++) {
            org.bpf4j.verifier.domain.FrameState fs = st.frames.get(f);
            RegState[] regs = fs.regs;
            for (int i = 0; i < 10; i++) {
                if (regs[i] instanceof RegState.Scalar s && s.id() == id) {
                    regs[i] = new RegState.Scalar(r, id);
                    if (f == cur) {
                        st.linkedMask |= 1 << i;
                    } else {
                        linkedAll(st)[2 * f] |= 1L << i;
                    }
                }
            }
            int frame = f;
            long[] slots = {0};
            fs.stack.replaceSpills((slot, v) -> {
                if (v instanceof RegState.Scalar s && s.id() == id) {
                    slots[0] |= 1L << slot;
                    return new RegState.Scalar(r, id);
                }
                return null;
            });
            if (slots[0] != 0) {
                linkedAll(st)[2 * frame + 1] |= slots[0];
            }
        }
    }

    private static long[] linkedAll(VerifierState st) {
        if (st.linkedAll == null) {
            st.linkedAll = new long[2 * Explorer.MAX_CALL_FRAMES];
        }
        return st.linkedAll;
    }

    /**
     * Comparisons of a packet pointer with the packet end (or of a metadata pointer with the data
     * pointer) that prove a range ({@code try_match_pkt_pointers}).
     */
    private static void packetCompare(VerifierState taken, VerifierState fall, JumpOp op, RegState.Pointer dst,
            RegState.Pointer src) {
        // Normalise to "a <op> b" where a is the data-side pointer and b the end-side one.
        RegState.Pointer a;
        JumpOp o;
        if ((dst.type() == PtrType.PACKET && src.type() == PtrType.PACKET_END)
                || (dst.type() == PtrType.PACKET_META && src.type() == PtrType.PACKET && initPkt(src))) {
            a = dst;
            o = op;
        } else if ((dst.type() == PtrType.PACKET_END && src.type() == PtrType.PACKET)
                || (dst.type() == PtrType.PACKET && initPkt(dst) && src.type() == PtrType.PACKET_META)) {
            a = src;
            o = op.swap();
        } else {
            return;
        }
        // a > b: fall-through knows a <= b; a < b: taken knows a < b; a >= b: fall knows a < b; a <= b: taken knows a <= b
        switch (o) {
            case JGT -> goodPointers(fall, a, false);
            case JLT -> goodPointers(taken, a, true);
            case JGE -> goodPointers(fall, a, true);
            case JLE -> goodPointers(taken, a, false);
            default -> {
            }
        }
    }

    private static boolean initPkt(RegState.Pointer p) {
        return p.off() == 0 && p.fixedOffset() && p.type() == PtrType.PACKET;
    }

    private static void goodPointers(VerifierState st, RegState.Pointer a, boolean rightOpen) {
        if (a.off() < 0 || (a.off() == 0 && rightOpen)) {
            return;
        }
        if (Long.compareUnsigned(a.var().umax(), MAX_PACKET_OFF) > 0 || a.var().umax() + a.off() > MAX_PACKET_OFF) {
            return;
        }
        int range = a.off() + (rightOpen ? 1 : 0);
        PtrType type = a.type();
        int id = a.id();
        Regs.forEach(st, v -> v instanceof RegState.Pointer p && p.type() == type && p.id() == id && p.range() < range
                ? p.withRange(range) : null);
    }
}
