package org.bpf4j.isa;

import static org.bpf4j.isa.Opcodes.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.MalformedInputException;

/**
 * The binary encoding of RFC 9669 section 3: each slot is a little-endian 64-bit word with the
 * opcode in bits 0-7, dst in bits 8-11, src in bits 12-15, the signed offset in bits 16-31 and the
 * signed immediate in bits 32-63.
 *
 * <p>Decoding is strict: an unknown opcode, a register above r10, a reserved field that is not
 * zero, a truncated or malformed {@code lddw}, or a control transfer that leaves the program or
 * lands inside an {@code lddw} is refused with the slot index. Every instruction that decodes
 * encodes back to the same words.
 */
public final class Encoding {
    private Encoding() {}

    /** Packs raw fields into one slot. */
    public static long word(int opcode, int dst, int src, int off, int imm) {
        return (opcode & 0xffL) | ((dst & 0xfL) << 8) | ((src & 0xfL) << 12) | ((off & 0xffffL) << 16)
                | ((long) imm << 32);
    }

    /** The opcode field of a slot. */
    public static int opcode(long word) {
        return (int) (word & 0xff);
    }

    /** The dst field of a slot. */
    public static int dst(long word) {
        return (int) ((word >>> 8) & 0xf);
    }

    /** The src field of a slot. */
    public static int src(long word) {
        return (int) ((word >>> 12) & 0xf);
    }

    /** The offset field of a slot, sign-extended. */
    public static short off(long word) {
        return (short) (word >>> 16);
    }

    /** The imm field of a slot. */
    public static int imm(long word) {
        return (int) (word >>> 32);
    }

    /** The one or two slots of an instruction. */
    public static long[] encode(Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a -> {
                int cls = a.wide() ? ALU64 : ALU;
                yield switch (a.src()) {
                    case Operand.Reg r -> one(word(cls | X | a.op().code(), a.dst(), r.reg(), a.op().offset(), 0));
                    case Operand.Imm i -> one(word(cls | K | a.op().code(), a.dst(), 0, a.op().offset(), i.value()));
                };
            }
            case Instruction.Neg n -> one(word((n.wide() ? ALU64 : ALU) | K | NEG, n.dst(), 0, 0, 0));
            case Instruction.MovSx m -> one(word((m.wide() ? ALU64 : ALU) | X | MOV, m.dst(), m.src(), m.bits(), 0));
            case Instruction.Endian e -> one(switch (e.op()) {
                case LE -> word(ALU | TO_LE | END, e.dst(), 0, 0, e.bits());
                case BE -> word(ALU | TO_BE | END, e.dst(), 0, 0, e.bits());
                case SWAP -> word(ALU64 | TO_LE | END, e.dst(), 0, 0, e.bits());
            });
            case Instruction.LoadImm64 l -> new long[] {
                word(LD | MODE_IMM | SIZE_DW, l.dst(), l.kind().src(), 0, l.imm()),
                word(0, 0, 0, 0, l.nextImm())
            };
            case Instruction.Load l -> one(word(LDX | (l.signExtend() ? MODE_MEMSX : MODE_MEM) | l.size().code(),
                    l.dst(), l.src(), l.off(), 0));
            case Instruction.LoadPacket p -> one(word(LD | (p.indirect() ? MODE_IND : MODE_ABS) | p.size().code(),
                    0, p.src(), 0, p.imm()));
            case Instruction.Store s -> switch (s.src()) {
                case Operand.Reg r -> one(word(STX | MODE_MEM | s.size().code(), s.dst(), r.reg(), s.off(), 0));
                case Operand.Imm i -> one(word(ST | MODE_MEM | s.size().code(), s.dst(), 0, s.off(), i.value()));
            };
            case Instruction.Atomic a -> one(word(STX | MODE_ATOMIC | a.size().code(), a.dst(), a.src(), a.off(),
                    a.op().imm()));
            case Instruction.Jump j -> {
                int cls = j.wide() ? JMP : JMP32;
                yield switch (j.src()) {
                    case Operand.Reg r -> one(word(cls | X | j.op().code(), j.dst(), r.reg(), j.off(), 0));
                    case Operand.Imm i -> one(word(cls | K | j.op().code(), j.dst(), 0, j.off(), i.value()));
                };
            }
            case Instruction.Goto g -> one(g.wide()
                    ? word(JMP32 | JA, 0, 0, 0, g.offset())
                    : word(JMP | JA, 0, 0, g.offset(), 0));
            case Instruction.MayGoto m -> one(word(JMP | K | JCOND, 0, 0, m.offset(), 0));
            case Instruction.Call c -> one(word(JMP | K | CALL, 0, c.kind().src(), c.off(), c.imm()));
            case Instruction.CallReg c -> one(word(JMP | X | CALL, c.reg(), 0, 0, 0));
            case Instruction.Exit e -> one(word(JMP | EXIT, 0, 0, 0, 0));
        };
    }

    private static long[] one(long w) {
        return new long[] {w};
    }

    /** Decodes little-endian instruction bytes; the length must be a multiple of 8. */
    public static Code decode(byte[] bytes) {
        if (bytes.length % SLOT_BYTES != 0) {
            throw new MalformedInputException("program length " + bytes.length
                    + " bytes is not a multiple of 8 (instruction " + bytes.length / SLOT_BYTES + " is truncated)");
        }
        long[] words = new long[bytes.length / SLOT_BYTES];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
        return decode(words);
    }

    /**
     * Decodes one word per slot into a well-formed {@link Code}.
     *
     * @throws MalformedInputException naming the first bad slot and what is wrong with it
     */
    public static Code decode(long[] words) {
        List<Instruction> out = new ArrayList<>(words.length);
        for (int slot = 0; slot < words.length; ) {
            Instruction insn = decodeAt(words, slot);
            out.add(insn);
            slot += insn.slots();
        }
        return Code.of(out);
    }

    /**
     * Decodes the instruction that starts at a slot.
     *
     * @throws MalformedInputException if the encoding is invalid
     */
    public static Instruction decodeAt(long[] words, int slot) {
        long w = words[slot];
        int opcode = opcode(w);
        int dst = dst(w);
        int src = src(w);
        short off = off(w);
        int imm = imm(w);
        Err err = new Err(slot, opcode);
        if (dst >= REGISTER_COUNT) {
            throw err.at("destination register r" + dst + " does not exist");
        }
        if (src >= REGISTER_COUNT && !(classOf(opcode) == LD && modeOf(opcode) == MODE_IMM)) {
            throw err.at("source register r" + src + " does not exist");
        }
        return switch (classOf(opcode)) {
            case ALU, ALU64 -> decodeAlu(err, opcode, dst, src, off, imm);
            case JMP, JMP32 -> decodeJump(err, opcode, dst, src, off, imm);
            case LD -> decodeLd(err, words, slot, opcode, dst, src, off, imm);
            case LDX -> {
                int mode = modeOf(opcode);
                if (mode != MODE_MEM && mode != MODE_MEMSX) {
                    throw err.unknown();
                }
                Size size = Size.ofCode(opcode);
                if (mode == MODE_MEMSX && size == Size.DW) {
                    throw err.unknown();
                }
                requireZero(err, imm, "immediate");
                yield new Instruction.Load(size, mode == MODE_MEMSX, dst, src, off);
            }
            case ST -> {
                if (modeOf(opcode) != MODE_MEM) {
                    throw err.unknown();
                }
                requireZero(err, src, "source register");
                yield new Instruction.Store(Size.ofCode(opcode), dst, off, Operand.imm(imm));
            }
            case STX -> {
                Size size = Size.ofCode(opcode);
                if (modeOf(opcode) == MODE_MEM) {
                    requireZero(err, imm, "immediate");
                    yield new Instruction.Store(size, dst, off, Operand.reg(src));
                }
                if (modeOf(opcode) != MODE_ATOMIC) {
                    throw err.unknown();
                }
                AtomicOp op = AtomicOp.ofImm(imm);
                if (op == null) {
                    throw err.at("unknown atomic operation 0x" + Integer.toHexString(imm));
                }
                if (op.readModifyWrite() && size != Size.W && size != Size.DW) {
                    throw err.at("atomic " + op.mnemonic() + " of " + size.bytes() + " bytes is not an instruction");
                }
                yield new Instruction.Atomic(size, op, dst, src, off);
            }
            default -> throw new AssertionError("class has three bits");
        };
    }

    private static Instruction decodeAlu(Err err, int opcode, int dst, int src, short off, int imm) {
        boolean wide = classOf(opcode) == ALU64;
        boolean reg = sourceOf(opcode) == X;
        int op = opOf(opcode);
        if (op == NEG) {
            if (reg) {
                throw err.unknown();
            }
            requireZero(err, src, "source register");
            requireZero(err, off, "offset");
            requireZero(err, imm, "immediate");
            return new Instruction.Neg(wide, dst);
        }
        if (op == END) {
            requireZero(err, src, "source register");
            requireZero(err, off, "offset");
            if (imm != 16 && imm != 32 && imm != 64) {
                throw err.at("byte swap width " + imm + " is not 16, 32 or 64");
            }
            EndianOp e = wide ? (reg ? null : EndianOp.SWAP) : (reg ? EndianOp.BE : EndianOp.LE);
            if (e == null) {
                throw err.unknown();
            }
            return new Instruction.Endian(e, dst, imm);
        }
        if (op == MOV && reg && off != 0) {
            if (!(off == 8 || off == 16 || (off == 32 && wide))) {
                throw err.at("sign-extending move from " + off + " bits is not an instruction");
            }
            requireZero(err, imm, "immediate");
            return new Instruction.MovSx(wide, dst, src, off);
        }
        AluOp aluOp = AluOp.of(op, off);
        if (aluOp == null) {
            if (AluOp.of(op, 0) == null) {
                throw err.unknown();
            }
            throw err.at("offset " + off + " is reserved for this operation");
        }
        if (reg) {
            requireZero(err, imm, "immediate");
            return new Instruction.Alu(wide, aluOp, dst, Operand.reg(src));
        }
        requireZero(err, src, "source register");
        return new Instruction.Alu(wide, aluOp, dst, Operand.imm(imm));
    }

    private static Instruction decodeJump(Err err, int opcode, int dst, int src, short off, int imm) {
        boolean wide = classOf(opcode) == JMP;
        boolean reg = sourceOf(opcode) == X;
        int op = opOf(opcode);
        switch (op) {
            case JA -> {
                if (reg) {
                    throw err.unknown();
                }
                requireZero(err, dst, "destination register");
                requireZero(err, src, "source register");
                if (wide) {
                    requireZero(err, imm, "immediate");
                    return new Instruction.Goto(false, off);
                }
                requireZero(err, off, "offset");
                return new Instruction.Goto(true, imm);
            }
            case CALL -> {
                if (!wide) {
                    throw err.unknown();
                }
                if (reg) {
                    requireZero(err, src, "source register");
                    requireZero(err, off, "offset");
                    requireZero(err, imm, "immediate");
                    return new Instruction.CallReg(dst);
                }
                requireZero(err, dst, "destination register");
                CallKind kind = switch (src) {
                    case 0 -> CallKind.HELPER;
                    case PSEUDO_CALL -> CallKind.LOCAL;
                    case PSEUDO_KFUNC_CALL -> CallKind.KFUNC;
                    default -> throw err.at("call with source register " + src + " is not an instruction");
                };
                if (kind != CallKind.KFUNC) {
                    requireZero(err, off, "offset");
                }
                return new Instruction.Call(kind, imm, off);
            }
            case JCOND -> {
                // may_goto: the only conditional pseudo-jump (source BPF_MAY_GOTO = 0)
                if (!wide || reg) {
                    throw err.unknown();
                }
                requireZero(err, dst, "destination register");
                requireZero(err, src, "source register");
                requireZero(err, imm, "immediate");
                return new Instruction.MayGoto(off);
            }
            case EXIT -> {
                if (!wide || reg) {
                    throw err.unknown();
                }
                requireZero(err, dst, "destination register");
                requireZero(err, src, "source register");
                requireZero(err, off, "offset");
                requireZero(err, imm, "immediate");
                return new Instruction.Exit();
            }
            default -> {
                JumpOp jop = JumpOp.of(op);
                if (jop == null) {
                    throw err.unknown();
                }
                if (reg) {
                    requireZero(err, imm, "immediate");
                    return new Instruction.Jump(wide, jop, dst, Operand.reg(src), off);
                }
                requireZero(err, src, "source register");
                return new Instruction.Jump(wide, jop, dst, Operand.imm(imm), off);
            }
        }
    }

    private static Instruction decodeLd(Err err, long[] words, int slot, int opcode, int dst, int src, short off,
            int imm) {
        int mode = modeOf(opcode);
        Size size = Size.ofCode(opcode);
        if (mode == MODE_IMM) {
            if (size != Size.DW) {
                throw err.unknown();
            }
            Imm64Kind kind = Imm64Kind.ofSrc(src);
            if (kind == null) {
                throw err.at("lddw with source register " + src + " is not an instruction");
            }
            requireZero(err, off, "offset");
            if (slot + 1 >= words.length) {
                throw err.at("lddw is truncated: its second slot is missing");
            }
            long next = words[slot + 1];
            if (opcode(next) != 0 || dst(next) != 0 || src(next) != 0 || off(next) != 0) {
                throw err.at("lddw's second slot must have zero opcode, registers and offset");
            }
            return new Instruction.LoadImm64(dst, kind, imm, imm(next));
        }
        if ((mode == MODE_ABS || mode == MODE_IND) && size != Size.DW) {
            requireZero(err, dst, "destination register");
            requireZero(err, off, "offset");
            if (mode == MODE_ABS) {
                requireZero(err, src, "source register");
            }
            return new Instruction.LoadPacket(size, mode == MODE_IND, src, imm);
        }
        throw err.unknown();
    }

    private static void requireZero(Err err, int value, String field) {
        if (value != 0) {
            throw err.at("reserved field " + field + " is " + value + ", must be 0");
        }
    }

    private record Err(int slot, int opcode) {
        MalformedInputException at(String message) {
            return new MalformedInputException("instruction " + slot + " (opcode 0x"
                    + String.format("%02x", opcode) + "): " + message);
        }

        MalformedInputException unknown() {
            return at("unknown opcode");
        }
    }
}
