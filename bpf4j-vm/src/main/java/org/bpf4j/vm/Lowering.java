package org.bpf4j.vm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.vm.map.BpfMap;

/**
 * Turns a {@link Code} into the interpreter's flat form: per slot, an int word
 * {@code op | dst << 8 | src << 12 | off << 16} and a long operand. Immediates are sign-extended
 * once here; helper calls are bound to their implementations; everything the VM cannot run
 * (an unknown helper, a kfunc, a map reference without maps) is refused here, at load time, with
 * the instruction index.
 */
final class Lowering {
    private Lowering() {}

    /** The Linux id of {@code bpf_tail_call}, which the engines implement themselves. */
    static final int TAIL_CALL_HELPER = 12;

    /**
     * The flat form: per slot a word {@code op | dst << 8 | src << 12 | off << 16 | operand << 32}
     * and, for {@code lddw}, the 64-bit value in {@code wide}. The operand of an immediate
     * instruction is its imm; of a helper call, the index into {@code helpers}; of a local call,
     * the target slot; of a jump, the offset. Arrays are never modified after construction.
     */
    record Lowered(long[] code, long[] wide, Helper[] helpers, String[] helperNames) {}

    static Lowered lower(Code code, HelperRegistry registry, List<BpfMap> maps) {
        int n = code.slotCount();
        long[] words = new long[n + 1];
        long[] wide = new long[n + 1];
        int[] operand = new int[n + 1];
        words[n] = Op.FELL_OFF;
        List<Helper> helpers = new ArrayList<>();
        List<String> helperNames = new ArrayList<>();
        Map<Integer, Integer> helperIndex = new HashMap<>();
        for (int slot = 0; slot < n; slot++) {
            Instruction insn = code.atSlot(slot);
            if (insn == null) {
                words[slot] = Op.INVALID;
                continue;
            }
            final int s = slot;
            switch (insn) {
                case Instruction.Alu a -> {
                    int base = aluBase(a.op()) + (a.wide() ? 0 : 2);
                    switch (a.src()) {
                        case Operand.Imm i -> {
                            words[s] = word(base, a.dst(), 0, 0);
                            operand[s] = i.value();
                        }
                        case Operand.Reg r -> words[s] = word(base + 1, a.dst(), r.reg(), 0);
                    }
                }
                case Instruction.Neg g -> words[s] = word(g.wide() ? Op.NEG64 : Op.NEG32, g.dst(), 0, 0);
                case Instruction.MovSx m -> {
                    int op = m.wide()
                            ? (m.bits() == 8 ? Op.MOVSX64_8 : m.bits() == 16 ? Op.MOVSX64_16 : Op.MOVSX64_32)
                            : (m.bits() == 8 ? Op.MOVSX32_8 : Op.MOVSX32_16);
                    words[s] = word(op, m.dst(), m.src(), 0);
                }
                case Instruction.Endian e -> {
                    int op = switch (e.op()) {
                        case LE -> e.bits() == 16 ? Op.LE16 : e.bits() == 32 ? Op.LE32 : Op.NOP;
                        case BE, SWAP -> e.bits() == 16 ? Op.BSWAP16 : e.bits() == 32 ? Op.BSWAP32 : Op.BSWAP64;
                    };
                    words[s] = word(op, e.dst(), 0, 0);
                }
                case Instruction.LoadImm64 l -> {
                    words[s] = word(Op.LDDW, l.dst(), 0, 0);
                    wide[s] = Imm64.value(l, s, maps);
                }
                case Instruction.Load l -> {
                    int op = switch (l.size()) {
                        case B -> l.signExtend() ? Op.LDXSB : Op.LDXB;
                        case H -> l.signExtend() ? Op.LDXSH : Op.LDXH;
                        case W -> l.signExtend() ? Op.LDXSW : Op.LDXW;
                        case DW -> Op.LDXDW;
                    };
                    words[s] = word(op, l.dst(), l.src(), l.off());
                }
                case Instruction.LoadPacket p -> {
                    words[s] = word(p.indirect() ? Op.LDIND : Op.LDABS, 0, p.src(), 0);
                    operand[s] = p.imm();
                    words[s] |= (long) p.size().bytes() << 16;
                }
                case Instruction.Store st -> {
                    int sizeIndex = st.size().ordinal(); // B, H, W, DW
                    switch (st.src()) {
                        case Operand.Imm i -> {
                            words[s] = word(Op.STB + sizeIndex, st.dst(), 0, st.off());
                            operand[s] = i.value();
                        }
                        case Operand.Reg r -> words[s] = word(Op.STXB + sizeIndex, st.dst(), r.reg(), st.off());
                    }
                }
                case Instruction.Atomic a -> {
                    boolean eight = a.size().bytes() == 8;
                    int op = switch (a.op()) {
                        case ADD, OR, AND, XOR -> eight ? Op.ATOMIC64 : Op.ATOMIC32;
                        case FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR, XCHG -> eight ? Op.ATOMIC_FETCH64 : Op.ATOMIC_FETCH32;
                        case CMPXCHG -> eight ? Op.CMPXCHG64 : Op.CMPXCHG32;
                        case LOAD_ACQ -> Op.LOAD_ACQ;
                        case STORE_REL -> Op.STORE_REL;
                    };
                    words[s] = word(op, a.dst(), a.src(), a.off());
                    operand[s] = a.op() == AtomicOp.LOAD_ACQ || a.op() == AtomicOp.STORE_REL
                            ? a.size().bytes() : a.op().ordinal();
                }
                case Instruction.Jump j -> {
                    int base = jumpBase(j.op()) + (j.wide() ? 0 : 2);
                    switch (j.src()) {
                        case Operand.Imm i -> {
                            words[s] = word(base, j.dst(), 0, j.off());
                            operand[s] = i.value();
                        }
                        case Operand.Reg r -> words[s] = word(base + 1, j.dst(), r.reg(), j.off());
                    }
                }
                case Instruction.Goto g -> {
                    words[s] = word(Op.JA, 0, 0, 0);
                    operand[s] = g.offset();
                }
                case Instruction.MayGoto g -> {
                    words[s] = word(Op.MAY_GOTO, 0, 0, 0);
                    operand[s] = g.offset();
                }
                case Instruction.Call c -> {
                    if (c.kind() == CallKind.LOCAL) {
                        words[s] = word(Op.CALL_LOCAL, 0, 0, 0);
                        operand[s] = s + 1 + c.imm();
                    } else if (c.kind() == CallKind.KFUNC) {
                        throw new UnsupportedFeatureException("instruction " + s + ": call of kernel function (kfunc) "
                                + "with BTF id " + c.imm() + ": the VM does not provide kfuncs");
                    } else if (c.imm() == TAIL_CALL_HELPER) {
                        words[s] = word(Op.TAIL_CALL, 0, 0, 0);
                    } else {
                        Helper h = registry.byId(c.imm()).orElseThrow(() -> new UnsupportedFeatureException(
                                "instruction " + s + ": call of helper " + registry.describe(c.imm())
                                        + ", which the VM does not implement"));
                        Integer index = helperIndex.get(c.imm());
                        if (index == null) {
                            index = helpers.size();
                            helpers.add(h);
                            helperNames.add(registry.describe(c.imm()));
                            helperIndex.put(c.imm(), index);
                        }
                        words[s] = word(Op.CALL_HELPER, 0, 0, 0);
                        operand[s] = index;
                    }
                }
                case Instruction.CallReg c -> words[s] = word(Op.CALLX, c.reg(), 0, 0);
                case Instruction.Exit e -> words[s] = word(Op.EXIT, 0, 0, 0);
            }
        }
        for (int slot = 0; slot < n; slot++) {
            words[slot] |= (long) operand[slot] << 32;
        }
        return new Lowered(words, wide, helpers.toArray(Helper[]::new), helperNames.toArray(String[]::new));
    }

    private static long word(int op, int dst, int src, int off) {
        return (op | dst << 8 | src << 12 | (off & 0xffff) << 16) & 0xffff_ffffL;
    }

    private static int aluBase(AluOp op) {
        return switch (op) {
            case ADD -> Op.ADD64_K;
            case SUB -> Op.SUB64_K;
            case MUL -> Op.MUL64_K;
            case DIV -> Op.DIV64_K;
            case SDIV -> Op.SDIV64_K;
            case OR -> Op.OR64_K;
            case AND -> Op.AND64_K;
            case LSH -> Op.LSH64_K;
            case RSH -> Op.RSH64_K;
            case MOD -> Op.MOD64_K;
            case SMOD -> Op.SMOD64_K;
            case XOR -> Op.XOR64_K;
            case MOV -> Op.MOV64_K;
            case ARSH -> Op.ARSH64_K;
        };
    }

    private static int jumpBase(org.bpf4j.isa.JumpOp op) {
        return switch (op) {
            case JEQ -> Op.JEQ64_K;
            case JNE -> Op.JNE64_K;
            case JGT -> Op.JGT64_K;
            case JGE -> Op.JGE64_K;
            case JLT -> Op.JLT64_K;
            case JLE -> Op.JLE64_K;
            case JSGT -> Op.JSGT64_K;
            case JSGE -> Op.JSGE64_K;
            case JSLT -> Op.JSLT64_K;
            case JSLE -> Op.JSLE64_K;
            case JSET -> Op.JSET64_K;
        };
    }
}
