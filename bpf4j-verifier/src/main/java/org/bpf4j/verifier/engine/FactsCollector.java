package org.bpf4j.verifier.engine;

import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.verifier.cfg.ControlFlow;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Collects {@link AccessFacts} while the engine explores: {@link MemoryAccess} reports each
 * access it has checked, at the slot the engine is executing, and the collector joins it with
 * what earlier paths recorded there. Only accesses that passed every check are reported (a path
 * that fails one rejects the program, and a rejected program has no facts), so each recorded
 * access is proved in bounds except where its region is not memory the program owns
 * ({@code struct bpf_map}, sockets), which {@link #record} marks unproved. Pruned paths record
 * nothing below the state that covered them; see {@link AccessFacts} for why that is sound.
 */
final class FactsCollector {
    private final AccessFacts.Access[] bySlot;
    /** Per jump slot: 0 not reached, 1 every path so far had operands of one sign, 2 not. */
    private final byte[] compare;
    /** Whether a positive comparison fact was recorded (then an inexact pruning matters). */
    private boolean anySigned;
    /** False after a pruning that did not contain the pruned path's every value. */
    private boolean comparesHold = true;
    /** Per slot, whether an unsigned comparison may follow (computed at the first pruning that needs it). */
    private boolean[] ahead;
    /** The slot of the instruction being executed. */
    int slot;

    FactsCollector(int slots) {
        bySlot = new AccessFacts.Access[slots];
        compare = new byte[slots];
    }

    /**
     * Records the operands of the conditional jump {@code j} at the current slot (before the jump
     * refines them): for an unsigned comparison, whether both are scalars whose sign bit (bit 63,
     * or bit 31 in 32 bits) is known and the same, so that the signed comparison has the same
     * outcome. See {@link AccessFacts#signedCompare} for when these facts are kept.
     */
    void recordCompare(VerifierState st, Instruction.Jump j) {
        if (!unsigned(j.op())) {
            return;
        }
        RegState dst = st.regs()[j.dst()]; // an uninitialised one is refused by the jump itself
        RegState src = switch (j.src()) {
            case Operand.Reg r -> st.regs()[r.reg()];
            case Operand.Imm i -> RegState.constant(i.value()); // sign-extended: its low half is the 32-bit operand
        };
        boolean same = dst instanceof RegState.Scalar d && src instanceof RegState.Scalar s
                && (j.wide() ? d.range().smin() >= 0 && s.range().smin() >= 0 || d.range().smax() < 0 && s.range().smax() < 0
                        : d.range().s32min() >= 0 && s.range().s32min() >= 0
                                || d.range().s32max() < 0 && s.range().s32max() < 0);
        if (same && compare[slot] == 0) {
            compare[slot] = 1;
            anySigned = true;
        } else if (!same) {
            compare[slot] = 2;
        }
    }

    /**
     * Whether a pruning at {@code at} that did not contain every value of the pruned path would
     * drop facts: only if some are kept and a comparison may run after {@code at}.
     */
    boolean comparesAtStake(ControlFlow cfg, int at) {
        if (!anySigned || !comparesHold) {
            return false;
        }
        if (ahead == null) {
            ahead = comparesAhead(cfg);
        }
        return ahead[at];
    }

    /**
     * For each slot, whether an unsigned conditional jump may execute after it: reachable in its
     * function, or anywhere at all after a call (the callee, callbacks) or a function's exit (the
     * caller; the main program's exit ends the run). A backward fixed point over the successors.
     */
    private static boolean[] comparesAhead(ControlFlow cfg) {
        Code code = cfg.code();
        int n = code.slotCount();
        boolean[] ahead = new boolean[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int slot = n - 1; slot >= 0; slot--) {
                Instruction insn = code.atSlot(slot);
                if (insn == null || ahead[slot]) {
                    continue;
                }
                int next = slot + insn.slots();
                boolean v = switch (insn) {
                    case Instruction.Jump j -> unsigned(j.op()) || at(ahead, next) || at(ahead, code.targetOf(slot));
                    case Instruction.Goto g -> at(ahead, code.targetOf(slot));
                    case Instruction.Call c -> true;
                    case Instruction.CallReg c -> true;
                    case Instruction.Exit e -> cfg.subprogOf(slot) != 0;
                    default -> at(ahead, next);
                };
                if (v) {
                    ahead[slot] = true;
                    changed = true;
                }
            }
        }
        return ahead;
    }

    private static boolean at(boolean[] a, int slot) {
        return slot >= 0 && slot < a.length && a[slot];
    }

    private static boolean unsigned(JumpOp op) {
        return op == JumpOp.JGT || op == JumpOp.JGE || op == JumpOp.JLT || op == JumpOp.JLE;
    }

    /**
     * A path was pruned by a state that covers it only in its precise scalars: the comparison
     * facts may not hold for that path's continuations, so none is kept.
     */
    void inexactPrune() {
        comparesHold = false;
    }

    /**
     * Records an access of {@code insnOff} from pointer {@code p}, which points into the frame of
     * the running function when {@code currentFrame}.
     */
    void record(RegState.Pointer p, int insnOff, boolean currentFrame) {
        AccessFacts.Region region = switch (p.type()) {
            case STACK -> currentFrame ? AccessFacts.Region.STACK : AccessFacts.Region.CALLER_STACK;
            case CTX -> AccessFacts.Region.CTX;
            case MAP_VALUE -> AccessFacts.Region.MAP_VALUE;
            case MAP_KEY -> AccessFacts.Region.MAP_KEY;
            case CONST_MAP_PTR -> AccessFacts.Region.MAP_STRUCT;
            case PACKET -> AccessFacts.Region.PACKET;
            case PACKET_META -> AccessFacts.Region.PACKET_META;
            case MEM -> p.map() == RegState.Pointer.INPUT_MEMORY ? AccessFacts.Region.INPUT : AccessFacts.Region.MEMORY;
            case RINGBUF_MEM -> AccessFacts.Region.RINGBUF;
            case SOCKET, SOCK_COMMON, TCP_SOCK -> AccessFacts.Region.SOCKET;
            case BTF_ID -> AccessFacts.Region.KERNEL_OBJECT;
            case PACKET_END, FUNC, CONST_DYNPTR -> throw new IllegalStateException("no access through " + p.typeName());
        };
        // the struct bpf_map and sockets are the kernel's objects, which the verifier models
        // only partly: an access there is allowed, not proved inside memory the program owns
        boolean proved = region != AccessFacts.Region.MAP_STRUCT && region != AccessFacts.Region.SOCKET
                && region != AccessFacts.Region.KERNEL_OBJECT;
        long base = (long) p.off() + insnOff;
        long min = base + p.var().smin();
        long max = base + p.var().smax();
        AccessFacts.Access old = bySlot[slot];
        if (old != null && old.regions().contains(region) && (proved || !old.inBounds()) && min >= old.minOffset()
                && max <= old.maxOffset()) {
            return; // joined with what was recorded, the access would not change it (the usual case)
        }
        AccessFacts.Access a = AccessFacts.Access.of(region, proved, min, max);
        bySlot[slot] = old == null ? a : old.join(a);
    }

    /** The facts collected. */
    AccessFacts facts() {
        boolean[] signed = new boolean[compare.length];
        for (int i = 0; i < signed.length && comparesHold; i++) {
            signed[i] = compare[i] == 1;
        }
        return AccessFacts.of(bySlot, signed);
    }
}
