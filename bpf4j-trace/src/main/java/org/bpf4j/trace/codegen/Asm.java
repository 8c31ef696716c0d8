package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;

/**
 * Builds a {@link Code} with symbolic labels: jumps name a {@link Label}, resolved to slot offsets
 * by {@link #build()}. Small helpers for the instruction forms the code generator uses. Not thread-safe.
 */
final class Asm {
    /** A jump target, bound to a position once. */
    static final class Label {
        int position = -1;
    }

    private record Pending(int position, Label target) {}

    private final List<Instruction> insns = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();

    Label label() {
        return new Label();
    }

    void bind(Label l) {
        if (l.position >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        l.position = insns.size();
    }

    void emit(Instruction i) {
        insns.add(i);
    }

    int size() {
        return insns.size();
    }

    // ---- forms ----

    void mov(int dst, int src) {
        emit(new Instruction.Alu(true, AluOp.MOV, dst, Operand.reg(src)));
    }

    void movImm(int dst, long value) {
        if (value == (int) value) {
            emit(new Instruction.Alu(true, AluOp.MOV, dst, Operand.imm((int) value)));
        } else {
            emit(Instruction.LoadImm64.of(dst, value));
        }
    }

    void alu(AluOp op, int dst, int src) {
        emit(new Instruction.Alu(true, op, dst, Operand.reg(src)));
    }

    void aluImm(AluOp op, int dst, int imm) {
        emit(new Instruction.Alu(true, op, dst, Operand.imm(imm)));
    }

    void load(Size size, int dst, int base, int off) {
        emit(new Instruction.Load(size, false, dst, base, (short) off));
    }

    void store(Size size, int base, int off, int src) {
        emit(new Instruction.Store(size, base, (short) off, Operand.reg(src)));
    }

    void storeImm(Size size, int base, int off, int imm) {
        emit(new Instruction.Store(size, base, (short) off, Operand.imm(imm)));
    }

    /** {@code dst = r10 + off}. */
    void stackAddr(int dst, int off) {
        mov(dst, 10);
        aluImm(AluOp.ADD, dst, off);
    }

    void loadMap(int dst, int mapIndex) {
        emit(new Instruction.LoadImm64(dst, Imm64Kind.MAP_BY_FD, mapIndex, 0));
    }

    void loadMapValue(int dst, int mapIndex, int offset) {
        emit(new Instruction.LoadImm64(dst, Imm64Kind.MAP_VALUE_BY_FD, mapIndex, offset));
    }

    void call(String helper) {
        HelperSpec spec = HelperCatalog.linux().byName(helper)
                .orElseThrow(() -> new IllegalStateException("no helper " + helper));
        emit(Instruction.Call.helper(spec.id()));
    }

    void exit() {
        emit(new Instruction.Exit());
    }

    void jump(JumpOp op, int dst, int src, Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(new Instruction.Jump(true, op, dst, Operand.reg(src), (short) 0));
    }

    void jumpImm(JumpOp op, int dst, int imm, Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(new Instruction.Jump(true, op, dst, Operand.imm(imm), (short) 0));
    }

    void jump(Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(new Instruction.Goto(false, 0));
    }

    /** Resolves the labels. */
    Code build() {
        int[] slot = new int[insns.size() + 1];
        for (int i = 0; i < insns.size(); i++) {
            slot[i + 1] = slot[i] + insns.get(i).slots();
        }
        List<Instruction> out = new ArrayList<>(insns);
        for (Pending p : pending) {
            if (p.target().position < 0) {
                throw new IllegalStateException("jump to an unbound label");
            }
            int off = slot[p.target().position] - (slot[p.position()] + 1);
            if (off != (short) off) {
                throw new org.bpf4j.UnsupportedFeatureException("a jump of " + off
                        + " instructions is too far for the generated program");
            }
            Instruction i = out.get(p.position());
            out.set(p.position(), switch (i) {
                case Instruction.Jump j -> new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) off);
                case Instruction.Goto g -> new Instruction.Goto(false, off);
                default -> throw new IllegalStateException("not a jump: " + i);
            });
        }
        return Code.of(out);
    }
}
