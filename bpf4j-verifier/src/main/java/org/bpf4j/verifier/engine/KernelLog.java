package org.bpf4j.verifier.engine;

import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.verifier.cfg.ControlFlow;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * The verifier log in the kernel's format (written after reading Linux 6.18's logs; the format,
 * not its code): instructions as the kernel prints them ({@code 3: (15) if r6 == 0x1 goto pc+3}),
 * after each one, aligned at column 38, the registers and stack slots it touched as they are after
 * it ({@code ; R0=scalar(id=1) R6=scalar(id=1)}), the header of level 2 ({@code func#N @SLOT} per
 * function and the registers live before each instruction, from bpf4j's own liveness analysis).
 * Stateless.
 */
final class KernelLog {
    private KernelLog() {
    }

    /** The header of a level 2 log: the functions and the live registers before each instruction. */
    static String header(ControlFlow cfg, HelperCatalog catalog) {
        StringBuilder sb = new StringBuilder();
        int[] starts = cfg.subprogStarts();
        for (int i = 0; i < starts.length; i++) {
            sb.append("func#").append(i).append(" @").append(starts[i]).append('\n');
        }
        sb.append("Live regs before insn:\n");
        var code = cfg.code();
        for (int p = 0; p < code.size(); p++) {
            int slot = code.slotOf(p);
            int live = cfg.liveIn(slot);
            StringBuilder regs = new StringBuilder();
            for (int r = 0; r < 10; r++) {
                regs.append((live & (1 << r)) != 0 ? (char) ('0' + r) : '.');
            }
            sb.append(String.format("%7d: %s %s%n", slot, regs, insn(code.get(p), slot, catalog)));
        }
        return sb.toString();
    }

    /** An instruction as the kernel prints it: {@code (OPCODE) TEXT}. */
    static String insn(Instruction insn, int slot, HelperCatalog catalog) {
        int opcode = (int) (Encoding.encode(insn)[0] & 0xff);
        return String.format("(%02x) ", opcode) + text(insn, catalog);
    }

    private static String text(Instruction insn, HelperCatalog catalog) {
        return switch (insn) {
            case Instruction.Alu a -> {
                String r = a.wide() ? "r" : "w";
                String src = switch (a.src()) {
                    case Operand.Reg s -> r + s.reg();
                    case Operand.Imm i -> Long.toString(a.wide() ? i.value() : (int) i.value());
                };
                yield r + a.dst() + " " + a.op().operator() + " " + src;
            }
            case Instruction.Neg n -> {
                String r = (n.wide() ? "r" : "w") + n.dst();
                yield r + " = -" + r;
            }
            case Instruction.MovSx m -> {
                String r = m.wide() ? "r" : "w";
                yield r + m.dst() + " = (s" + m.bits() + ")" + r + m.src();
            }
            case Instruction.Endian e -> "r" + e.dst() + " = " + e.op().mnemonic() + e.bits() + " r" + e.dst();
            case Instruction.LoadImm64 l -> "r" + l.dst() + " = " + (l.kind() == Imm64Kind.IMM64
                    ? "0x" + Long.toHexString(l.value())
                    : l.kind() == Imm64Kind.CODE_ADDRESS ? "func" : "map[idx:" + l.imm() + "]"
                            + (l.kind() == Imm64Kind.MAP_VALUE_BY_INDEX || l.kind() == Imm64Kind.MAP_VALUE_BY_FD
                                    ? "+" + l.nextImm() : ""));
            case Instruction.Load l -> "r" + l.dst() + " = *(" + (l.signExtend() ? "s" : "u") + l.size().bits()
                    + " *)" + address(l.src(), l.off());
            case Instruction.LoadPacket p -> "r0 = *(u" + p.size().bits() + " *)skb["
                    + (p.indirect() ? "r" + p.src() + " + " + p.imm() : Integer.toString(p.imm())) + "]";
            case Instruction.Store s -> "*(u" + s.size().bits() + " *)" + address(s.dst(), s.off()) + " = "
                    + switch (s.src()) {
                        case Operand.Reg r -> "r" + r.reg();
                        case Operand.Imm i -> Long.toString(i.value());
                    };
            case Instruction.Atomic a -> atomic(a);
            case Instruction.Jump j -> {
                String r = j.wide() ? "r" : "w";
                String src = switch (j.src()) {
                    case Operand.Reg s -> r + s.reg();
                    case Operand.Imm i -> "0x" + Integer.toHexString((int) i.value());
                };
                yield "if " + r + j.dst() + " " + j.op().operator() + " " + src + " goto pc" + signed(j.off());
            }
            case Instruction.Goto g -> (g.wide() ? "gotol pc" : "goto pc") + signed(g.offset());
            case Instruction.MayGoto m -> "may_goto pc" + signed(m.offset());
            case Instruction.Call c -> switch (c.kind()) {
                case HELPER -> "call " + catalog.byId(c.imm()).map(h -> "bpf_" + h.name()).orElse("unknown") + "#"
                        + c.imm();
                case LOCAL -> "call pc" + signed(c.imm());
                case KFUNC -> "call kernel-function";
            };
            case Instruction.CallReg c -> "callx r" + c.reg();
            case Instruction.Exit e -> "exit";
        };
    }

    private static String signed(long v) {
        return (v >= 0 ? "+" : "") + v;
    }

    private static String address(int reg, int off) {
        return "(r" + reg + " " + signed(off) + ")";
    }

    private static String atomic(Instruction.Atomic a) {
        boolean wide = a.size().bytes() == 8;
        String type = "(u" + a.size().bits() + " *)";
        String r = wide ? "r" : "w";
        String fn = wide ? "atomic64_" : "atomic_";
        return switch (a.op()) {
            case ADD -> "lock *" + type + address(a.dst(), a.off()) + " += " + r + a.src();
            case OR -> "lock *" + type + address(a.dst(), a.off()) + " |= " + r + a.src();
            case AND -> "lock *" + type + address(a.dst(), a.off()) + " &= " + r + a.src();
            case XOR -> "lock *" + type + address(a.dst(), a.off()) + " ^= " + r + a.src();
            case FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR -> r + a.src() + " = " + fn + "fetch_"
                    + a.op().name().substring(6).toLowerCase(java.util.Locale.ROOT) + "(" + type
                    + address(a.dst(), a.off()) + ", " + r + a.src() + ")";
            case XCHG -> r + a.src() + " = " + fn + "xchg(" + type + address(a.dst(), a.off()) + ", " + r + a.src()
                    + ")";
            case CMPXCHG -> r + "0 = " + fn + "cmpxchg(" + type + address(a.dst(), a.off()) + ", " + r + "0, " + r
                    + a.src() + ")";
            case LOAD_ACQ -> r + a.dst() + " = load_acquire(" + type + address(a.src(), a.off()) + ")";
            case STORE_REL -> "store_release(" + type + address(a.dst(), a.off()) + ", " + r + a.src() + ")";
        };
    }



    /** The registers an instruction reads or writes, as a mask (the kernel's scratched registers). */
    static int registers(Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a -> 1 << a.dst() | (a.src() instanceof Operand.Reg r ? 1 << r.reg() : 0);
            case Instruction.Neg n -> 1 << n.dst();
            case Instruction.MovSx m -> 1 << m.dst() | 1 << m.src();
            case Instruction.Endian e -> 1 << e.dst();
            case Instruction.LoadImm64 l -> 1 << l.dst();
            case Instruction.Load l -> 1 << l.dst() | 1 << l.src();
            case Instruction.LoadPacket p -> 1 | (p.indirect() ? 1 << p.src() : 0);
            case Instruction.Store s -> 1 << s.dst() | (s.src() instanceof Operand.Reg r ? 1 << r.reg() : 0);
            case Instruction.Atomic a -> 1 << a.dst() | 1 << a.src()
                    | (a.op() == org.bpf4j.isa.AtomicOp.CMPXCHG ? 1 : 0);
            case Instruction.Jump j -> 1 << j.dst() | (j.src() instanceof Operand.Reg r ? 1 << r.reg() : 0);
            case Instruction.Goto g -> 0;
            case Instruction.MayGoto m -> 0;
            case Instruction.Call c -> 0b111111; // R0 and the arguments (shown while initialised)
            case Instruction.CallReg c -> 1 << c.reg();
            case Instruction.Exit e -> 0;
        };
    }

    /**
     * The 8-byte stack slots of the running frame that a load, store or atomic touches, as a mask
     * by slot index (0 for fp-8), from the state before it; 0 for other instructions and for
     * accesses at variable offsets.
     */
    static long stackSlots(Instruction insn, VerifierState before) {
        int base;
        int off;
        int size;
        switch (insn) {
            case Instruction.Load l -> {
                base = l.src();
                off = l.off();
                size = l.size().bytes();
            }
            case Instruction.Store s -> {
                base = s.dst();
                off = s.off();
                size = s.size().bytes();
            }
            case Instruction.Atomic a -> {
                base = a.op() == org.bpf4j.isa.AtomicOp.LOAD_ACQ ? a.src() : a.dst();
                off = a.off();
                size = a.size().bytes();
            }
            default -> {
                return 0;
            }
        }
        if (!(before.regs()[base] instanceof RegState.Pointer p) || p.type() != PtrType.STACK
                || p.frame() != before.frames.size() - 1 || !p.var().isConst()) {
            return 0;
        }
        long first = p.off() + off + p.var().value();
        if (first < -512 || first + size > 0) {
            return 0;
        }
        long mask = 0;
        for (long b = first; b < first + size; b++) {
            mask |= 1L << ((-b - 1) / 8);
        }
        return mask;
    }

    /** {@code frameN: } for a state inside a called function, as Linux prefixes its registers; else empty. */
    static String prefix(VerifierState st) {
        return st.frames.size() > 1 ? "frame" + (st.frames.size() - 1) + ": " : "";
    }

    /** The running function's whole state, with its frame prefix. */
    static String frameState(VerifierState st) {
        return prefix(st) + st.cur();
    }

    /**
     * Appends {@code "; STATE"} to the instruction line at the end of {@code log}, aligned as the
     * kernel aligns it: the semicolon at column 38, or after the text when the line is longer.
     */
    static void appendState(StringBuilder log, int lineStart, String state) {
        if (state.isEmpty() || state.endsWith(": ")) {
            return;
        }
        // the line ends with '\n'; pos counts it, as the kernel's does
        int pos = log.length() - lineStart;
        int width = roundUp(Math.max(pos + 4, 40), 8) - pos - 1;
        log.setLength(log.length() - 1);
        log.append(" ".repeat(Math.max(1, width))).append("; ").append(state).append('\n');
    }

    private static int roundUp(int v, int to) {
        return (v + to - 1) / to * to;
    }
}
