package org.bpf4j.verifier.engine;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.EndianOp;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarAlu;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.Tnum;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Arithmetic instructions ({@code check_alu_op}, {@code adjust_reg_min_max_vals},
 * {@code adjust_ptr_min_max_vals}).
 */
final class AluTransfer {
    /** The kernel's bound on variable offsets of pointers ({@code BPF_MAX_VAR_OFF}). */
    static final long MAX_VAR_OFF = 1L << 29;

    private AluTransfer() {
    }

    /**
     * {@code dst op= src}. Soundness: scalar results come from {@link ScalarAlu} (sound by its
     * argument); a pointer plus or minus a scalar keeps the pointer's target and adds the scalar's
     * range to the offset (constant part to {@code off}, the rest to {@code var}), so the
     * concrete address stays within the abstract offset set; every other operation on a pointer
     * either is refused or yields an unknown scalar, which can never be dereferenced.
     */
    static void alu(VerifierState st, Instruction.Alu a) {
        RegState src = switch (a.src()) {
            case Operand.Reg r -> Regs.read(st, r.reg());
            case Operand.Imm i -> RegState.constant(a.wide() ? i.value() : i.value() & 0xffffffffL);
        };
        if (a.op() == AluOp.MOV) {
            Regs.checkWrite(a.dst());
            mov(st, a, src);
            return;
        }
        RegState dst = Regs.read(st, a.dst());
        Regs.checkWrite(a.dst());
        if ((a.op() == AluOp.DIV || a.op() == AluOp.SDIV || a.op() == AluOp.MOD || a.op() == AluOp.SMOD)
                && a.src() instanceof Operand.Imm i && i.value() == 0) {
            throw new Reject("div by zero");
        }
        if ((a.op() == AluOp.LSH || a.op() == AluOp.RSH || a.op() == AluOp.ARSH) && a.src() instanceof Operand.Imm i
                && (i.value() < 0 || i.value() >= (a.wide() ? 64 : 32))) {
            throw new Reject("invalid shift " + i.value());
        }
        if (dst instanceof RegState.Scalar d && src instanceof RegState.Scalar s) {
            ScalarRange sr = s.range();
            st.regs()[a.dst()] = Regs.scalar(ScalarAlu.compute(a.op(), a.wide(), d.range(), sr));
            return;
        }
        String opName = a.op().mnemonic();
        if (dst instanceof RegState.Pointer && src instanceof RegState.Pointer) {
            if (a.op() == AluOp.SUB) {
                // allowed for a privileged loader: the difference is a plain number
                st.regs()[a.dst()] = a.wide() ? RegState.unknown() : Regs.scalar(ScalarRange.UNKNOWN.zext32());
                return;
            }
            throw new Reject("R" + a.dst() + " pointer " + kernelOp(a.op()) + " pointer prohibited");
        }
        RegState.Pointer ptr;
        RegState.Scalar off;
        boolean ptrIsDst;
        if (dst instanceof RegState.Pointer p && src instanceof RegState.Scalar s) {
            ptr = p;
            off = s;
            ptrIsDst = true;
        } else {
            ptr = (RegState.Pointer) src;
            off = (RegState.Scalar) dst;
            ptrIsDst = false;
        }
        if (!a.wide()) {
            if (a.op() == AluOp.SUB) {
                st.regs()[a.dst()] = Regs.scalar(ScalarRange.UNKNOWN.zext32());
                return;
            }
            throw new Reject("R" + a.dst() + " 32-bit pointer arithmetic prohibited");
        }
        if (ptrIsDst && a.src() instanceof Operand.Reg r) {
            st.preciseRequest |= 1 << r.reg();
        } else if (!ptrIsDst) {
            st.preciseRequest |= 1 << a.dst();
        }
        st.regs()[a.dst()] = pointerMath(st, a.dst(), a.op(), ptr, off.range(), ptrIsDst, opName);
    }

    private static String kernelOp(AluOp op) {
        return switch (op) {
            case ADD -> "+=";
            case SUB -> "-=";
            case MUL -> "*=";
            case DIV, SDIV -> "/=";
            case OR -> "|=";
            case AND -> "&=";
            case LSH -> "<<=";
            case RSH -> ">>=";
            case MOD, SMOD -> "%=";
            case XOR -> "^=";
            case MOV -> "=";
            case ARSH -> "s>>=";
        };
    }

    static RegState.Pointer pointerMath(VerifierState st, int dstReg, AluOp op, RegState.Pointer ptr, ScalarRange s,
            boolean ptrIsDst, String opName) {
        if (ptr.maybeNull()) {
            throw new Reject("R" + dstReg + " pointer arithmetic on " + ptr.typeName()
                    + " prohibited, null-check it first");
        }
        boolean known = s.isConst();
        switch (ptr.type()) {
            case CTX, MAP_VALUE, MAP_KEY, STACK, PACKET_META, PACKET, BTF_ID, MEM, RINGBUF_MEM, FUNC -> {
            }
            case CONST_MAP_PTR -> {
                if (!(known && s.value() == 0 && op == AluOp.ADD)) {
                    throw new Reject("R" + dstReg + " pointer arithmetic on map_ptr prohibited");
                }
            }
            default -> throw new Reject("R" + dstReg + " pointer arithmetic on " + ptr.typeName() + " prohibited");
        }
        checkSaneOffset(s, known, ptr);
        switch (op) {
            case ADD -> {
                if (known && (long) ptr.off() + s.value() == (int) (ptr.off() + s.value())) {
                    RegState.Pointer r = ptr.withOff((int) (ptr.off() + s.value()));
                    checkSaneResult(r);
                    return r;
                }
                ScalarRange v = ScalarAlu.compute(AluOp.ADD, true, ptr.var(), s);
                RegState.Pointer r = ptr.withVar(v);
                if (ptr.type().isPacket()) {
                    r = r.withId(st.newId()).withRange(0);
                }
                checkSaneResult(r);
                return r;
            }
            case SUB -> {
                if (!ptrIsDst) {
                    throw new Reject("R" + dstReg + " tried to subtract pointer from scalar");
                }
                if (ptr.type() == PtrType.STACK) {
                    throw new Reject("R" + dstReg + " subtraction from stack pointer prohibited");
                }
                if (known && (long) ptr.off() - s.value() == (int) (ptr.off() - s.value())) {
                    RegState.Pointer r = ptr.withOff((int) (ptr.off() - s.value()));
                    checkSaneResult(r);
                    return r;
                }
                ScalarRange v = ScalarAlu.compute(AluOp.SUB, true, ptr.var(), s);
                RegState.Pointer r = ptr.withVar(v);
                if (ptr.type().isPacket()) {
                    r = r.withId(st.newId());
                    if (s.smin() < 0) {
                        r = r.withRange(0);
                    }
                }
                checkSaneResult(r);
                return r;
            }
            case AND, OR, XOR -> throw new Reject("R" + dstReg + " bitwise operator " + kernelOp(op)
                    + " on pointer prohibited");
            default -> throw new Reject("R" + dstReg + " pointer arithmetic with " + kernelOp(op)
                    + " operator prohibited");
        }
    }

    private static void checkSaneOffset(ScalarRange s, boolean known, RegState.Pointer ptr) {
        String t = ptr.type().kernelName();
        if (known && (s.value() >= MAX_VAR_OFF || s.value() <= -MAX_VAR_OFF)) {
            throw new Reject("math between " + t + " pointer and " + s.value() + " is not allowed");
        }
        if (s.smin() == Long.MIN_VALUE) {
            throw new Reject("math between " + t + " pointer and register with unbounded min value is not allowed");
        }
        if (s.smin() >= MAX_VAR_OFF || s.smin() <= -MAX_VAR_OFF) {
            throw new Reject("value " + s.smin() + " makes " + t + " pointer be out of bounds");
        }
    }

    private static void checkSaneResult(RegState.Pointer r) {
        String t = r.type().kernelName();
        if (r.off() >= MAX_VAR_OFF || r.off() <= -MAX_VAR_OFF) {
            throw new Reject(t + " pointer offset " + r.off() + " is not allowed");
        }
        if (r.var().smin() == Long.MIN_VALUE) {
            throw new Reject("math between " + t + " pointer and register with unbounded min value is not allowed");
        }
        if (r.var().smin() >= MAX_VAR_OFF || r.var().smin() <= -MAX_VAR_OFF) {
            throw new Reject("value " + r.var().smin() + " makes " + t + " pointer be out of bounds");
        }
    }

    /**
     * {@code dst = src}. Soundness: a 64-bit copy is exact; a scalar copy gets a shared id so
     * that a later comparison refines both (they hold the same value until one is written, which
     * clears its id). A 32-bit copy keeps the low half of a scalar; of a pointer it yields an
     * unknown scalar.
     */
    private static void mov(VerifierState st, Instruction.Alu a, RegState src) {
        RegState[] regs = st.regs();
        if (a.wide()) {
            if (src instanceof RegState.Scalar s && a.src() instanceof Operand.Reg r) {
                if (s.id() == 0 && !s.range().isConst()) {
                    s = new RegState.Scalar(s.range(), st.newId());
                    regs[r.reg()] = s;
                }
                regs[a.dst()] = s;
            } else {
                regs[a.dst()] = src;
            }
            return;
        }
        if (src instanceof RegState.Scalar s) {
            boolean noTrunc = Long.compareUnsigned(s.range().umax(), 0xffffffffL) <= 0;
            if (noTrunc && a.src() instanceof Operand.Reg r && !s.range().isConst()) {
                if (s.id() == 0) {
                    s = new RegState.Scalar(s.range(), st.newId());
                    regs[r.reg()] = s;
                }
                regs[a.dst()] = s;
            } else {
                regs[a.dst()] = Regs.scalar(s.range().zext32());
            }
        } else {
            regs[a.dst()] = Regs.scalar(ScalarRange.UNKNOWN.zext32());
        }
    }

    /**
     * {@code dst = -dst}, computed as {@code 0 - dst} by the subtraction's transfer function
     * (sound as that one is). A privileged program may negate a pointer: the result is an
     * unknown scalar, as in Linux.
     */
    static void neg(VerifierState st, Instruction.Neg n) {
        RegState d = Regs.read(st, n.dst());
        Regs.checkWrite(n.dst());
        if (d instanceof RegState.Scalar s) {
            // Linux tracks it as 0 - dst (bpf4j-oracle found constants kept constant)
            st.regs()[n.dst()] = Regs.scalar(ScalarAlu.compute(AluOp.SUB, n.wide(), ScalarRange.constant(0), s.range()));
            return;
        }
        st.regs()[n.dst()] = n.wide() ? RegState.unknown() : Regs.scalar(ScalarRange.UNKNOWN.zext32());
    }

    /**
     * Byte-order conversion, as Linux 6.18 tracks it: a swap ({@code be} on a little-endian
     * machine, {@code bswap}) swaps the known and unknown bits of the tnum and re-derives the
     * bounds from it; a 16- or 32-bit conversion then truncates to its width ({@code le} on a
     * little-endian machine only truncates); {@code le64} changes nothing (the register keeps its
     * id). Sound: a byte swap is a permutation of bits, so a tnum whose bits are permuted the same
     * way describes every swapped value. A privileged program may convert a pointer: the result is
     * an unknown scalar, as in Linux.
     */
    static void endian(VerifierState st, Instruction.Endian e) {
        RegState d = Regs.read(st, e.dst());
        Regs.checkWrite(e.dst());
        if (d instanceof RegState.Pointer) {
            st.regs()[e.dst()] = RegState.unknown();
            return;
        }
        boolean swap = e.op() != EndianOp.LE;
        if (!swap && e.bits() == 64) {
            return;
        }
        ScalarRange out = ((RegState.Scalar) d).range();
        if (swap) {
            Tnum t = out.var();
            Tnum sw = switch (e.bits()) {
                case 16 -> new Tnum(Short.reverseBytes((short) t.value()) & 0xffffL,
                        Short.reverseBytes((short) t.mask()) & 0xffffL);
                case 32 -> new Tnum(Integer.reverseBytes((int) t.value()) & 0xffffffffL,
                        Integer.reverseBytes((int) t.mask()) & 0xffffffffL);
                default -> new Tnum(Long.reverseBytes(t.value()), Long.reverseBytes(t.mask()));
            };
            out = ScalarRange.ofTnum(sw);
        }
        if (e.bits() < 64) {
            out = ScalarAlu.truncate(out, e.bits() / 8);
        }
        st.regs()[e.dst()] = Regs.scalar(out);
    }

    /**
     * Sign-extending move. Sound by {@link ScalarAlu#signExtend}; from a pointer (privileged
     * programs only, as in Linux) the result is an unknown scalar.
     */
    static void movsx(VerifierState st, Instruction.MovSx m) {
        RegState s = Regs.read(st, m.src());
        Regs.checkWrite(m.dst());
        if (s instanceof RegState.Pointer) {
            st.regs()[m.dst()] = m.wide() ? RegState.unknown() : Regs.scalar(ScalarRange.UNKNOWN.zext32());
            return;
        }
        ScalarRange r = ((RegState.Scalar) s).range();
        if (!m.wide()) {
            r = r.zext32();
        }
        st.regs()[m.dst()] = Regs.scalar(ScalarAlu.signExtend(r, m.bits(), m.wide()));
    }
}
