package org.bpf4j.trace.codegen;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bpf4j.UnsupportedFeatureException;
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
    /** The register stack slots are addressed from: r10, or in a callback the caller's frame pointer. */
    int frameBase = 10;
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

    /**
     * The end of an {@code ==} / {@code !=}: r0 = 1 when the code before falls through here and
     * {@code eq}, or when it jumped to {@code differ} and not {@code eq}; else 0.
     */
    void equality(boolean eq, Label differ) {
        Label end = label();
        movImm(0, eq ? 1 : 0);
        jump(end);
        bind(differ);
        movImm(0, eq ? 0 : 1);
        bind(end);
    }

    /**
     * The most instructions a program may have: the kernel's limit for a privileged loader
     * (BPF_COMPLEXITY_LIMIT_INSNS). Nested unrolls multiply their bodies, so a script of a few
     * lines could otherwise grow a program without end.
     */
    static final int MAX_INSTRUCTIONS = 1_000_000;

    /** A program past {@link #MAX_INSTRUCTIONS}: thrown by {@link #emit}, reported at the probe. */
    static final class TooLarge extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooLarge() {
            super("more than " + String.format(Locale.ROOT, "%,d", MAX_INSTRUCTIONS) + " instructions",
                    null, false, false);
        }
    }

    void emit(Instruction i) {
        if (insns.size() >= MAX_INSTRUCTIONS) {
            throw new TooLarge();
        }
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

    /**
     * The register a memory access at an offset beyond the instruction's signed 16 bits goes
     * through: {@code base + off} is computed into it first. Other uses of r8 hold a value only
     * between such accesses (the pointer of a loop that zeroes a block, a word kept over a helper call).
     */
    static final int FAR = 8;

    /**
     * The register the scratch part of a split {@link Frame} is addressed from: an access whose
     * offset is a scratch slot's ({@link Frame#inScratch}) goes through it, whatever base it names.
     */
    static final int SCRATCH = 7;

    void load(Size size, int dst, int base, int off) {
        if (Frame.inScratch(off)) {
            base = SCRATCH;
            off = Frame.scratchOffset(off);
        }
        if (off != (short) off) {
            farAddress(base, off);
            emit(new Instruction.Load(size, false, dst, FAR, (short) 0));
        } else {
            emit(new Instruction.Load(size, false, dst, base, (short) off));
        }
    }

    void store(Size size, int base, int off, int src) {
        if (Frame.inScratch(off)) {
            base = SCRATCH;
            off = Frame.scratchOffset(off);
        }
        if (off != (short) off) {
            farAddress(base, off);
            emit(new Instruction.Store(size, FAR, (short) 0, Operand.reg(src)));
        } else {
            emit(new Instruction.Store(size, base, (short) off, Operand.reg(src)));
        }
    }

    void storeImm(Size size, int base, int off, int imm) {
        if (Frame.inScratch(off)) {
            base = SCRATCH;
            off = Frame.scratchOffset(off);
        }
        if (off != (short) off) {
            farAddress(base, off);
            emit(new Instruction.Store(size, FAR, (short) 0, Operand.imm(imm)));
        } else {
            emit(new Instruction.Store(size, base, (short) off, Operand.imm(imm)));
        }
    }

    /** {@code r8 = base + off}, for an access a frame in the scratch buffer makes beyond 32 KiB. */
    private void farAddress(int base, int off) {
        if (base == FAR) {
            throw new IllegalStateException("a far access through r8 itself");
        }
        mov(FAR, base);
        aluImm(AluOp.ADD, FAR, off);
    }

    /** {@code dst = frameBase + off}: the address of a frame slot (on the stack or in the scratch part). */
    void stackAddr(int dst, int off) {
        addr(dst, frameBase, off);
    }

    /** {@code dst = base + off}, or for a scratch slot's offset {@link #SCRATCH} plus its offset there. */
    void addr(int dst, int base, int off) {
        if (Frame.inScratch(off)) {
            base = SCRATCH;
            off = Frame.scratchOffset(off);
        }
        mov(dst, base);
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

    /** {@code dst = } the address of the function at {@code target} (a callback). */
    void loadFunction(int dst, Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(new Instruction.LoadImm64(dst, Imm64Kind.CODE_ADDRESS, 0, 0));
    }

    /** A BPF-to-BPF call of the function at {@code target} (r1-r5 its arguments, r0 its value). */
    void callLocal(Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(Instruction.Call.local(0));
    }

    /** Instruction ranges placed whole ({@link #embed}): [start, end) positions. */
    private final List<int[]> embedded = new ArrayList<>();

    /**
     * Places a block of code as it is (a linked function of imported C: its jumps and calls
     * relative inside it), kept whole by {@link #build()}; it is entered only by a call.
     */
    void embed(Code code) {
        int start = insns.size();
        insns.addAll(code.instructions());
        embedded.add(new int[] {start, insns.size()});
    }

    void jump(Label target) {
        pending.add(new Pending(insns.size(), target));
        insns.add(new Instruction.Goto(false, 0));
    }

    /**
     * Resolves the labels and drops the instructions no path from the start reaches (code after an
     * {@code exit()} or {@code return}), which the kernel verifier refuses.
     */
    Code build() {
        int n = insns.size();
        Label[] targetOf = new Label[n];
        for (Pending p : pending) {
            if (p.target().position < 0) {
                throw new IllegalStateException("jump to an unbound label");
            }
            targetOf[p.position()] = p.target();
        }
        boolean[] reached = new boolean[n + 1];
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.push(0);
        while (!work.isEmpty()) {
            int p = work.pop();
            if (p >= n || reached[p]) {
                continue;
            }
            int[] block = embedded.stream().filter(r -> p >= r[0] && p < r[1]).findFirst().orElse(null);
            if (block != null) {
                Arrays.fill(reached, block[0], block[1], true); // its own flow stays inside
                continue;
            }
            reached[p] = true;
            Instruction i = insns.get(p);
            if (targetOf[p] != null) {
                work.push(targetOf[p].position);
            }
            if (!(i instanceof Instruction.Exit) && !(i instanceof Instruction.Goto)) {
                work.push(p + 1);
            }
        }
        int[] newPos = new int[n + 1];
        List<Integer> kept = new ArrayList<>();
        for (int p = 0; p <= n; p++) {
            newPos[p] = kept.size();
            if (p < n && reached[p]) {
                kept.add(p);
            }
        }
        // A jump farther than a 16-bit offset (a program of more than 32,767 slots: unrolled loops
        // of a game's board) takes the 32-bit-offset goto (gotol, Linux 6.6 and later): a goto
        // becomes one; a conditional jump jumps over a short goto to a gotol, its far target
        // ("J cond +1; goto +1; gotol target"), 2 more slots, so the slots are laid out again until
        // no other jump is pushed out of range.
        boolean[] far = new boolean[kept.size()];
        int[] slot;
        boolean changed;
        do {
            slot = new int[kept.size() + 1];
            for (int k = 0; k < kept.size(); k++) {
                slot[k + 1] = slot[k] + insns.get(kept.get(k)).slots() + (far[k] ? 2 : 0);
            }
            changed = false;
            for (int k = 0; k < kept.size(); k++) {
                int p = kept.get(k);
                if (!far[k] && targetOf[p] != null && insns.get(p) instanceof Instruction.Jump) {
                    int off = slot[newPos[targetOf[p].position]] - (slot[k] + 1);
                    if (off != (short) off) {
                        far[k] = true;
                        changed = true;
                    }
                }
            }
        } while (changed);
        List<Instruction> out = new ArrayList<>(kept.size());
        for (int k = 0; k < kept.size(); k++) {
            int p = kept.get(k);
            Instruction i = insns.get(p);
            if (targetOf[p] != null) {
                int target = slot[newPos[targetOf[p].position]];
                int off = target - (slot[k] + 1);
                if (far[k]) {
                    Instruction.Jump j = (Instruction.Jump) i;
                    out.add(new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) 1));
                    out.add(new Instruction.Goto(false, 1));
                    out.add(new Instruction.Goto(true, target - (slot[k] + 3)));
                    continue;
                }
                if (i instanceof Instruction.Goto && off != (short) off) {
                    out.add(new Instruction.Goto(true, off));
                    continue;
                }
                if (off != (short) off && i instanceof Instruction.Jump) {
                    throw new UnsupportedFeatureException("a jump of " + off
                            + " instructions is too far for the generated program");
                }
                i = switch (i) {
                    case Instruction.LoadImm64 l -> new Instruction.LoadImm64(l.dst(), l.kind(), off, 0);
                    case Instruction.Jump j -> new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) off);
                    case Instruction.Goto g -> new Instruction.Goto(false, off);
                    case Instruction.Call c -> Instruction.Call.local(off);
                    default -> throw new IllegalStateException("not a jump: " + i);
                };
            }
            out.add(i);
        }
        return Code.of(out);
    }
}
