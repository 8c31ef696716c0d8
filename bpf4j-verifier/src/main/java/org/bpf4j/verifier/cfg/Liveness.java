package org.bpf4j.verifier.cfg;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;

/**
 * Register liveness by backward data flow within each function: a register is live at a slot
 * when some path from there reads it before writing it. Used only to ignore dead registers when
 * comparing states for pruning; reads are over-approximated (a call reads r1-r5, an exit r0), so
 * a register reported dead is certainly overwritten before any read, and its value cannot
 * influence safety. A helper call reads only the registers of its prototype's arguments (Linux's
 * {@code compute_live_registers}): the verifier checks those and then clears r1-r5, so a value
 * left in another argument register is never looked at.
 */
final class Liveness {
    private static final int ARGS = 0b111110;
    private static final int CALLER_SAVED = 0b111111;

    private Liveness() {
    }

    static short[] compute(Code code, java.util.function.IntUnaryOperator helperArgs) {
        int n = code.slotCount();
        short[] in = new short[n];
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int slot = n - 1; slot >= 0; slot--) {
                Instruction insn = code.atSlot(slot);
                if (insn == null) {
                    continue;
                }
                int out = 0;
                for (int s : ControlFlow.successors(code, slot, false)) {
                    if (s >= 0 && s < n) {
                        out |= in[s];
                    }
                }
                int use = insn instanceof Instruction.Call c && c.kind() == org.bpf4j.isa.CallKind.HELPER
                        ? ((1 << (Math.clamp(helperArgs.applyAsInt(c.imm()), 0, 5) + 1)) - 2) : uses(insn);
                int v = (out & ~defs(insn)) | use;
                if ((short) v != in[slot]) {
                    in[slot] = (short) v;
                    changed = true;
                }
            }
        }
        return in;
    }

    private static int reg(Operand o) {
        return o instanceof Operand.Reg r ? 1 << r.reg() : 0;
    }

    static int uses(Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a -> (a.op() == AluOp.MOV ? 0 : 1 << a.dst()) | reg(a.src());
            case Instruction.Neg g -> 1 << g.dst();
            case Instruction.MovSx m -> 1 << m.src();
            case Instruction.Endian e -> 1 << e.dst();
            case Instruction.LoadImm64 l -> 0;
            case Instruction.Load l -> 1 << l.src();
            case Instruction.LoadPacket p -> (1 << 6) | (p.indirect() ? 1 << p.src() : 0);
            case Instruction.Store s -> (1 << s.dst()) | reg(s.src());
            case Instruction.Atomic a -> (1 << a.dst()) | (1 << a.src()) | (a.op() == AtomicOp.CMPXCHG ? 1 : 0);
            case Instruction.Jump j -> (1 << j.dst()) | reg(j.src());
            case Instruction.Goto g -> 0;
            case Instruction.MayGoto m -> 0;
            case Instruction.Call c -> ARGS;
            case Instruction.CallReg c -> ARGS | (1 << c.reg());
            case Instruction.Exit e -> 1; // r0; callers' registers are compared by their own frames
        };
    }

    static int defs(Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a -> 1 << a.dst();
            case Instruction.Neg g -> 1 << g.dst();
            case Instruction.MovSx m -> 1 << m.dst();
            case Instruction.Endian e -> 1 << e.dst();
            case Instruction.LoadImm64 l -> 1 << l.dst();
            case Instruction.Load l -> 1 << l.dst();
            case Instruction.LoadPacket p -> CALLER_SAVED;
            case Instruction.Store s -> 0;
            case Instruction.Atomic a -> a.op() == AtomicOp.CMPXCHG ? 1
                    : a.op() == AtomicOp.LOAD_ACQ ? 1 << a.dst() : a.op().fetches() || a.op() == AtomicOp.XCHG
                            ? 1 << a.src() : 0;
            case Instruction.Jump j -> 0;
            case Instruction.Goto g -> 0;
            case Instruction.MayGoto m -> 0;
            case Instruction.Call c -> CALLER_SAVED;
            case Instruction.CallReg c -> CALLER_SAVED;
            case Instruction.Exit e -> 0;
        };
    }
}
