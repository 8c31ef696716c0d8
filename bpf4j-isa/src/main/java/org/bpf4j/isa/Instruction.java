package org.bpf4j.isa;

/**
 * One eBPF instruction, as a closed set of immutable records. Switch over it exhaustively
 * without a {@code default}, so that the compiler names every place a new form must be handled.
 *
 * <p>Registers are numbers 0-10. Jump and call offsets are relative, in 64-bit slots, counted
 * from the slot after the instruction, as in the encoding. {@code wide} means the 64-bit form of
 * an arithmetic instruction ({@code ALU64}) or the 64-bit comparison of a jump ({@code JMP}, as
 * opposed to {@code JMP32}).
 */
public sealed interface Instruction {

    /** Number of 64-bit slots the instruction occupies: 2 for {@link LoadImm64}, else 1. */
    default int slots() {
        return 1;
    }

    /** {@code dst = dst op src}, in 64 bits ({@code wide}) or 32 bits with the result zero-extended. */
    record Alu(boolean wide, AluOp op, int dst, Operand src) implements Instruction {
        public Alu {
            Registers.check(dst);
            java.util.Objects.requireNonNull(op);
            java.util.Objects.requireNonNull(src);
        }
    }

    /** {@code dst = -dst}. */
    record Neg(boolean wide, int dst) implements Instruction {
        public Neg {
            Registers.check(dst);
        }
    }

    /** {@code dst = (sign-extended low 'bits' of src)}; bits is 8, 16, or 32 (only when wide). */
    record MovSx(boolean wide, int dst, int src, int bits) implements Instruction {
        public MovSx {
            Registers.check(dst);
            Registers.check(src);
            if (!(bits == 8 || bits == 16 || (bits == 32 && wide))) {
                throw new IllegalArgumentException("movsx from " + bits + " bits is not an instruction");
            }
        }
    }

    /** Byte order conversion of the low {@code bits} (16, 32 or 64) of dst. */
    record Endian(EndianOp op, int dst, int bits) implements Instruction {
        public Endian {
            Registers.check(dst);
            java.util.Objects.requireNonNull(op);
            if (bits != 16 && bits != 32 && bits != 64) {
                throw new IllegalArgumentException("byte swap width must be 16, 32 or 64, not " + bits);
            }
        }
    }

    /**
     * The two-slot 64-bit immediate load. For {@link Imm64Kind#IMM64} the value is
     * {@code (nextImm << 32) | (imm & 0xffffffff)}; other kinds give {@code imm} and
     * {@code nextImm} the meaning their kind documents.
     */
    record LoadImm64(int dst, Imm64Kind kind, int imm, int nextImm) implements Instruction {
        public LoadImm64 {
            Registers.check(dst);
            java.util.Objects.requireNonNull(kind);
        }

        /** A plain 64-bit constant load. */
        public static LoadImm64 of(int dst, long value) {
            return new LoadImm64(dst, Imm64Kind.IMM64, (int) value, (int) (value >>> 32));
        }

        /** The 64-bit value of the two immediates. */
        public long value() {
            return ((long) nextImm << 32) | (imm & 0xffffffffL);
        }

        @Override
        public int slots() {
            return 2;
        }
    }

    /** {@code dst = *(size *)(src + off)}, zero- or ({@code signExtend}) sign-extended. */
    record Load(Size size, boolean signExtend, int dst, int src, short off) implements Instruction {
        public Load {
            Registers.check(dst);
            Registers.check(src);
            java.util.Objects.requireNonNull(size);
            if (signExtend && size == Size.DW) {
                throw new IllegalArgumentException("a sign-extending load of 8 bytes is not an instruction");
            }
        }
    }

    /**
     * The legacy packet loads: {@code r0 = ntoh(*(size *)(packet + imm))} ({@code indirect}
     * false) or {@code r0 = ntoh(*(size *)(packet + src + imm))}; a read past the packet ends the
     * program with r0 = 0.
     */
    record LoadPacket(Size size, boolean indirect, int src, int imm) implements Instruction {
        public LoadPacket {
            Registers.check(src);
            java.util.Objects.requireNonNull(size);
            if (size == Size.DW) {
                throw new IllegalArgumentException("a packet load of 8 bytes is not an instruction");
            }
            if (!indirect && src != 0) {
                throw new IllegalArgumentException("an absolute packet load has no source register");
            }
        }
    }

    /** {@code *(size *)(dst + off) = src}, from an immediate ({@code ST}) or a register ({@code STX}). */
    record Store(Size size, int dst, short off, Operand src) implements Instruction {
        public Store {
            Registers.check(dst);
            java.util.Objects.requireNonNull(size);
            java.util.Objects.requireNonNull(src);
        }
    }

    /** An atomic operation on {@code *(size *)(dst + off)} with src (see {@link AtomicOp}). */
    record Atomic(Size size, AtomicOp op, int dst, int src, short off) implements Instruction {
        public Atomic {
            Registers.check(dst);
            Registers.check(src);
            java.util.Objects.requireNonNull(size);
            java.util.Objects.requireNonNull(op);
            if (op.readModifyWrite() && size != Size.W && size != Size.DW) {
                throw new IllegalArgumentException("atomic " + op.mnemonic() + " needs a 4- or 8-byte operand");
            }
        }
    }

    /** {@code if (dst op src) goto +off}, comparing 64 bits ({@code wide}) or the low 32 bits. */
    record Jump(boolean wide, JumpOp op, int dst, Operand src, short off) implements Instruction {
        public Jump {
            Registers.check(dst);
            java.util.Objects.requireNonNull(op);
            java.util.Objects.requireNonNull(src);
        }
    }

    /**
     * Unconditional jump by {@code offset} slots. {@code wide} is the 32-bit-offset form
     * ({@code JMP32 | JA}, "gotol") whose offset is in the imm field.
     */
    record Goto(boolean wide, int offset) implements Instruction {
        public Goto {
            if (!wide) {
                Registers.checkOffset(offset);
            }
        }
    }

    /**
     * {@code may_goto}: jump by {@code offset} slots when the program's loop budget is spent, go on
     * otherwise ({@code JMP | JCOND}, source {@code BPF_MAY_GOTO}; Linux 6.9 and later, written
     * by the {@code cond_break} and {@code can_loop} macros). The budget is the kernel's: loops
     * that pass one end after a bounded number of iterations whatever their condition.
     */
    record MayGoto(short offset) implements Instruction {
    }

    /**
     * A call: of a helper by id, of a local function at {@code imm + 1} slots on, or of a kernel
     * function by BTF id ({@code off} then names the BTF object, 0 for vmlinux).
     */
    record Call(CallKind kind, int imm, short off) implements Instruction {
        public Call {
            java.util.Objects.requireNonNull(kind);
        }

        /** A helper call. */
        public static Call helper(int id) {
            return new Call(CallKind.HELPER, id, (short) 0);
        }

        /** A local (bpf-to-bpf) call with a relative slot offset. */
        public static Call local(int offset) {
            return new Call(CallKind.LOCAL, offset, (short) 0);
        }
    }

    /** {@code callx}: a call through the value of register {@code reg}. */
    record CallReg(int reg) implements Instruction {
        public CallReg {
            Registers.check(reg);
        }
    }

    /** Return from the current function with r0. */
    record Exit() implements Instruction {}
}
