package org.bpf4j.isa;

import java.util.TreeSet;

/**
 * Turns {@link Code} into text: the {@linkplain Assembler assembler's syntax}, or a listing in
 * the style of {@code llvm-objdump -d}.
 *
 * <h2>Assembly</h2>
 * {@link #toAssembly(Code)} writes one instruction per line with a label {@code L<slot>:} before
 * every instruction that a jump, local call or code address targets, so that
 * {@code Assembler.assemble(Disassembler.toAssembly(code), name).equals(code)} for every code
 * that {@link Encoding} can decode.
 *
 * <h2>Objdump listing</h2>
 * {@link #toObjdump(Code, String)} reproduces what {@code llvm-objdump-19 -d} prints for a
 * section whose only symbol is at offset 0: a header {@code 0000000000000000 <symbol>:}, then
 * per instruction {@code %8d:\t} with the slot, the raw bytes as hex pairs (all 16 bytes of an
 * {@code lddw} on its one line), a tab and LLVM's BPF syntax: {@code r1 += 0x5},
 * {@code w0 = w1}, {@code r0 = *(u32 *)(r1 + 0x8)}, {@code if r1 > r2 goto +0x3 <symbol+0x28>},
 * {@code r0 = 0x1122334455667788 ll}, {@code call 0x5}, {@code exit}. Immediates and offsets are
 * signed hexadecimal. The text follows LLVM 19's default mode (no {@code --mattr=+alu32}), with
 * these differences where that mode is wrong or silent:
 * <ul>
 *   <li>32-bit atomics other than {@code lock ... += } (fetching, {@code xchg}, {@code cmpxchg},
 *       {@code |=}, {@code &=}, {@code ^=}), which it prints as {@code <unknown>} or as a
 *       non-fetching add, use its {@code --mattr=+alu32} text, e.g.
 *       {@code w1 = atomic_fetch_add((u32 *)(r10 - 0x8), w1)};
 *   <li>load-acquire and store-release, unknown to LLVM 19, use LLVM 20's syntax:
 *       {@code r0 = load_acquire((u64 *)(r1 + 0x8))}, {@code w0 = load_acquire((u8 *)(r1 + 0x0))},
 *       {@code store_release((u64 *)(r1 + 0x8), r2)};
 *   <li>an indirect packet load with a non-zero immediate, whose immediate LLVM does not show,
 *       prints it: {@code r0 = *(u8 *)skb[r1 + 0x5]}.
 * </ul>
 *
 * <p>The class is stateless and thread-safe.
 */
public final class Disassembler {
    private Disassembler() {}

    // ---------------------------------------------------------------------------------------
    // Assembly.

    /**
     * The program in the assembler's syntax, one instruction per line, each line ending in a
     * newline, with generated labels {@code L<slot>:} on their own lines.
     *
     * @throws IllegalArgumentException if an instruction has no assembly form: a helper or local
     *     call with a non-zero offset field, which {@link Encoding} never decodes
     */
    public static String toAssembly(Code code) {
        TreeSet<Integer> targets = new TreeSet<>();
        for (int p = 0; p < code.size(); p++) {
            int t = code.targetOf(code.slotOf(p));
            if (t >= 0) {
                targets.add(t);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < code.size(); p++) {
            int slot = code.slotOf(p);
            if (targets.contains(slot)) {
                sb.append('L').append(slot).append(":\n");
            }
            sb.append(toAssembly(code.get(p), slot)).append('\n');
        }
        return sb.toString();
    }

    /**
     * One instruction in the assembler's syntax; jump targets are written as the labels
     * {@code L<slot>} that {@link #toAssembly(Code)} generates.
     *
     * @param insn the instruction
     * @param slot the slot the instruction stands at, to compute its target's label
     * @throws IllegalArgumentException if the instruction has no assembly form (see
     *     {@link #toAssembly(Code)})
     */
    public static String toAssembly(Instruction insn, int slot) {
        return switch (insn) {
            case Instruction.Alu a -> a.op().mnemonic() + (a.wide() ? "" : "32") + " %r" + a.dst() + ", "
                    + operand(a.src());
            case Instruction.Neg n -> (n.wide() ? "neg" : "neg32") + " %r" + n.dst();
            case Instruction.MovSx m -> "movsx" + m.bits() + (m.wide() ? "64" : "32") + " %r" + m.dst() + ", %r"
                    + m.src();
            case Instruction.Endian e -> e.op().mnemonic() + e.bits() + " %r" + e.dst();
            case Instruction.LoadImm64 l -> "lddw %r" + l.dst() + ", " + imm64(l, slot);
            case Instruction.Load l -> "ldx" + (l.signExtend() ? "s" : "") + l.size().suffix() + " %r" + l.dst()
                    + ", " + memory(l.src(), l.off());
            case Instruction.LoadPacket p -> p.indirect()
                    ? "ldind" + p.size().suffix() + " %r" + p.src() + ", " + imm(p.imm())
                    : "ldabs" + p.size().suffix() + " " + imm(p.imm());
            case Instruction.Store s -> switch (s.src()) {
                case Operand.Reg r -> "stx" + s.size().suffix() + " " + memory(s.dst(), s.off()) + ", %r" + r.reg();
                case Operand.Imm i -> "st" + s.size().suffix() + " " + memory(s.dst(), s.off()) + ", "
                        + imm(i.value());
            };
            case Instruction.Atomic a -> atomic(a);
            case Instruction.Jump j -> j.op().mnemonic() + (j.wide() ? "" : "32") + " %r" + j.dst() + ", "
                    + operand(j.src()) + ", L" + (slot + 1 + j.off());
            case Instruction.Goto g -> (g.wide() ? "ja32 L" : "ja L") + (slot + 1L + g.offset());
            case Instruction.MayGoto m -> "may_goto L" + (slot + 1L + m.offset());
            case Instruction.Call c -> call(c, slot);
            case Instruction.CallReg c -> "callx %r" + c.reg();
            case Instruction.Exit e -> "exit";
        };
    }

    private static String operand(Operand o) {
        return switch (o) {
            case Operand.Reg r -> "%r" + r.reg();
            case Operand.Imm i -> imm(i.value());
        };
    }

    /** Small values in decimal, others as 32-bit hexadecimal (which the assembler wraps back). */
    private static String imm(int v) {
        return v > -65536 && v < 65536 ? Integer.toString(v) : "0x" + Integer.toHexString(v);
    }

    private static String memory(int reg, short off) {
        return "[%r" + reg + (off > 0 ? "+" + off : off < 0 ? Integer.toString(off) : "") + "]";
    }

    private static String imm64(Instruction.LoadImm64 l, int slot) {
        return switch (l.kind()) {
            case IMM64 -> "0x" + Long.toHexString(l.value());
            case CODE_ADDRESS -> l.kind().mnemonic() + "(L" + (slot + 1L + l.imm())
                    + (l.nextImm() != 0 ? ", " + imm(l.nextImm()) : "") + ")";
            case MAP_VALUE_BY_FD, MAP_VALUE_BY_INDEX -> l.kind().mnemonic() + "(" + imm(l.imm()) + ", "
                    + imm(l.nextImm()) + ")";
            case MAP_BY_FD, MAP_BY_INDEX, VARIABLE_ADDRESS -> l.kind().mnemonic() + "(" + imm(l.imm())
                    + (l.nextImm() != 0 ? ", " + imm(l.nextImm()) : "") + ")";
        };
    }

    private static String atomic(Instruction.Atomic a) {
        String m = "lock " + a.op().mnemonic();
        return switch (a.op()) {
            case LOAD_ACQ -> m + (a.size() == Size.DW ? "" : a.size().bits()) + " %r" + a.dst() + ", "
                    + memory(a.src(), a.off());
            case STORE_REL -> m + (a.size() == Size.DW ? "" : a.size().bits()) + " " + memory(a.dst(), a.off())
                    + ", %r" + a.src();
            default -> m + (a.size() == Size.DW ? "" : "32") + " " + memory(a.dst(), a.off()) + ", %r" + a.src();
        };
    }

    private static String call(Instruction.Call c, int slot) {
        if (c.kind() != CallKind.KFUNC && c.off() != 0) {
            throw new IllegalArgumentException("a " + c.kind().name().toLowerCase(java.util.Locale.ROOT)
                    + " call with offset field " + c.off() + " has no assembly form");
        }
        return switch (c.kind()) {
            case HELPER -> "call " + imm(c.imm());
            case LOCAL -> "call local L" + (slot + 1L + c.imm());
            case KFUNC -> "call kfunc " + imm(c.imm()) + (c.off() != 0 ? ", " + c.off() : "");
        };
    }

    // ---------------------------------------------------------------------------------------
    // Objdump listing.

    /**
     * The listing of {@code llvm-objdump -d} for the code as a section with no symbols:
     * {@code toObjdump(code, ".text")}.
     */
    public static String toObjdump(Code code) {
        return toObjdump(code, ".text");
    }

    /**
     * The listing of {@code llvm-objdump -d} for the code as a function named {@code symbol} at
     * offset 0 of its section: the header line {@code 0000000000000000 <symbol>:}, then one line
     * per instruction (see {@link #format(Instruction, int, String)}), each ending in a newline.
     */
    public static String toObjdump(Code code, String symbol) {
        StringBuilder sb = new StringBuilder();
        sb.append("0000000000000000 <").append(symbol).append(">:\n");
        for (int p = 0; p < code.size(); p++) {
            sb.append(format(code.get(p), code.slotOf(p), symbol)).append('\n');
        }
        return sb.toString();
    }

    /**
     * One line of the listing, without a newline, with jump targets annotated relative to the
     * section: {@code format(insn, slot, ".text")}.
     */
    public static String format(Instruction insn, int slot) {
        return format(insn, slot, ".text");
    }

    /**
     * One line of the listing, without a newline: {@code %8d:\t} with the slot, the raw bytes,
     * a tab and the instruction in LLVM's syntax. A jump is annotated with its target as
     * {@code <symbol+0xOFFSET>} (byte offset; {@code <symbol>} at offset 0).
     *
     * @param insn the instruction
     * @param slot its slot, printed and used to compute jump targets
     * @param symbol the name of the symbol at offset 0
     */
    public static String format(Instruction insn, int slot, String symbol) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%8d:\t", slot));
        boolean first = true;
        for (long w : Encoding.encode(insn)) {
            for (int i = 0; i < Opcodes.SLOT_BYTES; i++) {
                if (!first) {
                    sb.append(' ');
                }
                first = false;
                sb.append(Character.forDigit((int) (w >>> (8 * i + 4)) & 0xf, 16));
                sb.append(Character.forDigit((int) (w >>> (8 * i)) & 0xf, 16));
            }
        }
        sb.append('\t').append(llvm(insn, slot, symbol));
        return sb.toString();
    }

    /** The LLVM syntax of one instruction. */
    static String llvm(Instruction insn, int slot, String symbol) {
        return switch (insn) {
            case Instruction.Alu a -> {
                String r = a.wide() ? "r" : "w";
                String src = switch (a.src()) {
                    case Operand.Reg s -> r + s.reg();
                    case Operand.Imm i -> hex(i.value());
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
            case Instruction.LoadImm64 l -> l.kind() == Imm64Kind.IMM64
                    ? "r" + l.dst() + " = " + hex(l.value()) + " ll"
                    : "ld_pseudo\tr" + l.dst() + ", " + hex(l.kind().src()) + ", 0x"
                            + Integer.toHexString(l.imm());
            case Instruction.Load l -> "r" + l.dst() + " = *(" + (l.signExtend() ? "s" : "u") + l.size().bits()
                    + " *)" + address(l.src(), l.off());
            case Instruction.LoadPacket p -> "r0 = *(u" + p.size().bits() + " *)skb["
                    + (p.indirect() ? "r" + p.src() + (p.imm() == 0 ? "" : (p.imm() < 0 ? " - " : " + ")
                            + hex(Math.abs((long) p.imm()))) : hex(p.imm())) + "]";
            case Instruction.Store s -> "*(u" + s.size().bits() + " *)" + address(s.dst(), s.off()) + " = "
                    + switch (s.src()) {
                        case Operand.Reg r -> "r" + r.reg();
                        case Operand.Imm i -> hex(i.value());
                    };
            case Instruction.Atomic a -> atomicLlvm(a);
            case Instruction.Jump j -> {
                String r = j.wide() ? "r" : "w";
                String src = switch (j.src()) {
                    case Operand.Reg s -> r + s.reg();
                    case Operand.Imm i -> hex(i.value());
                };
                yield "if " + r + j.dst() + " " + j.op().operator() + " " + src + " goto "
                        + relative(j.off(), slot, symbol);
            }
            case Instruction.Goto g -> (g.wide() ? "gotol " : "goto ") + relative(g.offset(), slot, symbol);
            case Instruction.MayGoto m -> "may_goto " + relative(m.offset(), slot, symbol);
            case Instruction.Call c -> "call " + hex(c.imm());
            case Instruction.CallReg c -> "callx r" + c.reg();
            case Instruction.Exit e -> "exit";
        };
    }

    private static String atomicLlvm(Instruction.Atomic a) {
        String type = "(u" + a.size().bits() + " *)";
        String addr = address(a.dst(), a.off());
        boolean wide = a.size() == Size.DW;
        String r = wide ? "r" : "w";
        return switch (a.op()) {
            case ADD -> "lock *" + type + addr + " += r" + a.src();
            case OR -> "lock *" + type + addr + " |= " + r + a.src();
            case AND -> "lock *" + type + addr + " &= " + r + a.src();
            case XOR -> "lock *" + type + addr + " ^= " + r + a.src();
            case FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR -> r + a.src() + " = atomic_" + a.op().mnemonic()
                    .replace(' ', '_') + "(" + type + addr + ", " + r + a.src() + ")";
            case XCHG -> r + a.src() + " = " + (wide ? "xchg_64(" : "xchg32_32(") + registerOffset(a.dst(), a.off())
                    + ", " + r + a.src() + ")";
            case CMPXCHG -> r + "0 = " + (wide ? "cmpxchg_64(" : "cmpxchg32_32(") + registerOffset(a.dst(), a.off())
                    + ", " + r + "0, " + r + a.src() + ")";
            case LOAD_ACQ -> r + a.dst() + " = load_acquire(" + type + address(a.src(), a.off()) + ")";
            case STORE_REL -> "store_release(" + type + addr + ", " + r + a.src() + ")";
        };
    }



    /** {@code (r1 + 0x8)}, {@code (r10 - 0x8)}. */
    private static String address(int reg, short off) {
        return "(" + registerOffset(reg, off) + ")";
    }

    private static String registerOffset(int reg, short off) {
        return "r" + reg + (off < 0 ? " - " : " + ") + hex(Math.abs((long) off));
    }

    /** {@code +0x3 <symbol+0x28>}: a relative jump and its target's byte offset. */
    private static String relative(long offset, int slot, String symbol) {
        long target = (slot + 1L + offset) * Opcodes.SLOT_BYTES;
        return (offset < 0 ? "-" : "+") + "0x" + Long.toHexString(Math.abs(offset)) + " <" + symbol
                + (target == 0 ? "" : "+0x" + Long.toHexString(target)) + ">";
    }

    /** Signed hexadecimal as LLVM prints it: {@code 0x5}, {@code -0x5}. */
    static String hex(long v) {
        if (v == Long.MIN_VALUE) {
            return "-0x8000000000000000";
        }
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }
}
