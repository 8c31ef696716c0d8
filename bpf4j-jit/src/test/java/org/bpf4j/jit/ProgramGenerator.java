package org.bpf4j.jit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.EndianOp;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;

/**
 * Random well-formed programs for differential testing, in the world of {@link FuzzWorld}: a main
 * function and up to four more, with every instruction form, loops (which end by the budget),
 * bpf-to-bpf calls and recursion, {@code callx}, code addresses, helper calls with sensible and
 * nonsensical arguments (maps, {@code bpf_loop} and {@code for_each_map_elem} callbacks, tail
 * calls, printk), accesses to the stack, the memory region, map values and wild addresses, and
 * now and then a write to R10.
 */
final class ProgramGenerator {
    private final SplittableRandom rnd;

    ProgramGenerator(SplittableRandom rnd) {
        this.rnd = rnd;
    }

    /** An instruction whose target (if any) is symbolic until the layout is known. */
    private record Item(Instruction insn, Target target) {}

    /** A jump to instruction {@code index} of function {@code fn}, or ({@code index} -1) the function's entry. */
    private record Target(int fn, int index) {}

    private int functions;
    private List<List<Item>> bodies;
    private int currentFn;

    /** A random program. */
    Code generate() {
        functions = 1 + rnd.nextInt(5);
        bodies = new ArrayList<>();
        for (int f = 0; f < functions; f++) {
            bodies.add(new ArrayList<>());
        }
        for (int f = 0; f < functions; f++) {
            currentFn = f;
            List<Item> body = bodies.get(f);
            if (f == 0) {
                add(new Instruction.Alu(true, AluOp.MOV, 6, Operand.reg(1)));
                add(new Instruction.Alu(true, AluOp.MOV, 7, Operand.reg(2)));
            }
            int n = f == 0 ? 5 + rnd.nextInt(60) : 2 + rnd.nextInt(25);
            while (body.size() < n) {
                instruction();
            }
            add(new Instruction.Alu(rnd.nextBoolean(), AluOp.MOV, 0, operand()));
            add(new Instruction.Exit());
        }
        return layout();
    }

    private void add(Instruction i) {
        bodies.get(currentFn).add(new Item(i, null));
    }

    private void add(Instruction i, Target t) {
        bodies.get(currentFn).add(new Item(i, t));
    }

    private Code layout() {
        List<int[]> slotOf = new ArrayList<>();
        int slot = 0;
        for (List<Item> body : bodies) {
            int[] s = new int[body.size()];
            for (int i = 0; i < body.size(); i++) {
                s[i] = slot;
                slot += body.get(i).insn().slots();
            }
            slotOf.add(s);
        }
        List<Instruction> out = new ArrayList<>();
        for (int f = 0; f < bodies.size(); f++) {
            List<Item> body = bodies.get(f);
            for (int i = 0; i < body.size(); i++) {
                Item it = body.get(i);
                if (it.target() == null) {
                    out.add(it.insn());
                    continue;
                }
                int[] targetSlots = slotOf.get(it.target().fn());
                int index = it.target().index() < 0 ? 0 : Math.min(it.target().index(), targetSlots.length - 1);
                int rel = targetSlots[index] - slotOf.get(f)[i] - 1;
                out.add(switch (it.insn()) {
                    case Instruction.Jump j -> new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(),
                            (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, rel)));
                    case Instruction.Goto g -> new Instruction.Goto(g.wide(), rel);
                    case Instruction.Call c -> Instruction.Call.local(rel);
                    case Instruction.LoadImm64 l -> new Instruction.LoadImm64(l.dst(), Imm64Kind.CODE_ADDRESS, rel, 0);
                    default -> it.insn();
                });
            }
        }
        return Code.of(out);
    }

    // ---- choices ----

    /** A destination register, mostly sparing R6 (the memory pointer) and R7. */
    private int dst() {
        int r = rnd.nextInt(20);
        if (r < 6) {
            return r;
        }
        return r < 16 ? 8 + (r & 1) : rnd.nextInt(10);
    }

    private int anyReg() {
        return rnd.nextInt(11);
    }

    private int imm() {
        return switch (rnd.nextInt(8)) {
            case 0 -> rnd.nextInt();
            case 1 -> rnd.nextInt(-2, 3);
            case 2 -> rnd.nextInt(65);
            case 3 -> rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE;
            case 4 -> rnd.nextBoolean() ? 31 : 32;
            case 5 -> -rnd.nextInt(1, 600);
            default -> rnd.nextInt(-1000, 1000);
        };
    }

    private Operand operand() {
        return rnd.nextInt(3) == 0 ? Operand.imm(imm()) : Operand.reg(anyReg());
    }

    private Target jumpTarget() {
        if (rnd.nextInt(20) == 0) {
            int fn = rnd.nextInt(functions);
            return new Target(fn, rnd.nextInt(30));
        }
        int here = bodies.get(currentFn).size();
        int index = rnd.nextInt(4) == 0 ? rnd.nextInt(Math.max(1, here)) : here + 1 + rnd.nextInt(8);
        return new Target(currentFn, index);
    }

    /** A base register and offset for a memory access of {@code size} bytes. */
    private int[] address(int size, boolean aligned) {
        int k = rnd.nextInt(20);
        if (k < 10) {
            int off = rnd.nextInt(8) == 0 ? rnd.nextInt(-600, 600) : -size * rnd.nextInt(1, 512 / size + 1);
            return new int[] {10, aligned && rnd.nextInt(8) != 0 ? off & -size : off};
        }
        if (k < 17) {
            int off = rnd.nextInt(10) == 0 ? rnd.nextInt(-16, 80) : rnd.nextInt(0, 64 - size + 1);
            return new int[] {6, aligned && rnd.nextInt(8) != 0 ? off & -size : off};
        }
        return new int[] {anyReg(), rnd.nextInt(-64, 64)};
    }

    private void instruction() {
        int k = rnd.nextInt(100);
        Size[] sizes = Size.values();
        if (k < 26) {
            boolean wide = rnd.nextBoolean();
            AluOp op = AluOp.values()[rnd.nextInt(AluOp.values().length)];
            add(new Instruction.Alu(wide, op, rnd.nextInt(60) == 0 ? 10 : dst(), operand()));
        } else if (k < 29) {
            switch (rnd.nextInt(3)) {
                case 0 -> add(new Instruction.Neg(rnd.nextBoolean(), dst()));
                case 1 -> {
                    boolean wide = rnd.nextBoolean();
                    int[] bits = wide ? new int[] {8, 16, 32} : new int[] {8, 16};
                    add(new Instruction.MovSx(wide, dst(), anyReg(), bits[rnd.nextInt(bits.length)]));
                }
                default -> add(new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], dst(), 16 << rnd.nextInt(3)));
            }
        } else if (k < 33) {
            int d = dst();
            switch (rnd.nextInt(4)) {
                case 0 -> add(Instruction.LoadImm64.of(d, rnd.nextLong()));
                case 1 -> add(new Instruction.LoadImm64(d, Imm64Kind.CODE_ADDRESS, 0, 0),
                        new Target(rnd.nextInt(functions), rnd.nextInt(6) == 0 ? 1 : -1));
                case 2 -> add(new Instruction.LoadImm64(d, Imm64Kind.MAP_BY_INDEX, rnd.nextInt(3), 0));
                default -> add(new Instruction.LoadImm64(d, Imm64Kind.MAP_VALUE_BY_INDEX, 1, rnd.nextInt(64)));
            }
        } else if (k < 43) {
            Size size = sizes[rnd.nextInt(4)];
            int[] a = address(size.bytes(), false);
            add(new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, dst(), a[0], (short) a[1]));
        } else if (k < 53) {
            Size size = sizes[rnd.nextInt(4)];
            int[] a = address(size.bytes(), false);
            add(new Instruction.Store(size, a[0], (short) a[1], rnd.nextBoolean() ? Operand.imm(imm())
                    : Operand.reg(anyReg())));
        } else if (k < 56) {
            AtomicOp op = AtomicOp.values()[rnd.nextInt(AtomicOp.values().length)];
            Size size = op.readModifyWrite() ? (rnd.nextBoolean() ? Size.W : Size.DW) : sizes[rnd.nextInt(4)];
            int[] a = address(size.bytes(), true);
            int src = op == AtomicOp.LOAD_ACQ ? a[0] : rnd.nextInt(10);
            int d = op == AtomicOp.LOAD_ACQ ? dst() : a[0];
            add(new Instruction.Atomic(size, op, d, src, (short) a[1]));
        } else if (k < 58) {
            boolean indirect = rnd.nextBoolean();
            add(new Instruction.LoadPacket(sizes[rnd.nextInt(3)], indirect, indirect ? dst() : 0, rnd.nextInt(-4, 70)));
        } else if (k < 69) {
            JumpOp op = JumpOp.values()[rnd.nextInt(JumpOp.values().length)];
            Operand src = rnd.nextBoolean() ? Operand.imm(rnd.nextInt(4) == 0 ? imm() : rnd.nextInt(-3, 20))
                    : Operand.reg(anyReg());
            add(new Instruction.Jump(rnd.nextBoolean(), op, anyReg(), src, (short) 0), jumpTarget());
        } else if (k < 72) {
            add(new Instruction.Goto(rnd.nextInt(10) == 0, 0), jumpTarget());
        } else if (k < 75) {
            add(Instruction.Call.local(0), new Target(rnd.nextInt(functions), rnd.nextInt(10) == 0 ? 1 : -1));
        } else if (k < 77) {
            callx();
        } else if (k < 90) {
            helperCall();
        } else if (k < 92) {
            add(new Instruction.Exit());
        } else if (k < 93) {
            add(new Instruction.Alu(true, rnd.nextBoolean() ? AluOp.ADD : AluOp.MOV, 10,
                    rnd.nextBoolean() ? Operand.imm(-8 * rnd.nextInt(4)) : Operand.reg(rnd.nextInt(10))));
        } else {
            // Give a register something interesting: a stack or memory pointer, a small number.
            int d = dst();
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    add(new Instruction.Alu(true, AluOp.MOV, d, Operand.reg(10)));
                    add(new Instruction.Alu(true, AluOp.ADD, d, Operand.imm(-8 * rnd.nextInt(1, 64))));
                }
                case 1 -> {
                    add(new Instruction.Alu(true, AluOp.MOV, d, Operand.reg(6)));
                    add(new Instruction.Alu(true, AluOp.ADD, d, Operand.imm(rnd.nextInt(64))));
                }
                default -> add(new Instruction.Alu(rnd.nextBoolean(), AluOp.MOV, d, Operand.imm(rnd.nextInt(-4, 9))));
            }
        }
    }

    private void callx() {
        int r = rnd.nextInt(1, 10);
        switch (rnd.nextInt(3)) {
            case 0 -> add(new Instruction.LoadImm64(r, Imm64Kind.CODE_ADDRESS, 0, 0),
                    new Target(rnd.nextInt(functions), rnd.nextInt(5) == 0 ? 2 : -1));
            case 1 -> add(new Instruction.Alu(true, AluOp.MOV, r, Operand.imm(
                    new int[] {FuzzWorld.PROBE_HELPER, 5, 7, 8, 9999, 0, -1, 12}[rnd.nextInt(8)])));
            default -> { }
        }
        add(new Instruction.CallReg(r));
    }

    private void stackWord(int off, int value) {
        add(new Instruction.Store(Size.W, 10, (short) off, Operand.imm(value)));
    }

    private void pointer(int reg, int base, int off) {
        add(new Instruction.Alu(true, AluOp.MOV, reg, Operand.reg(base)));
        add(new Instruction.Alu(true, AluOp.ADD, reg, Operand.imm(off)));
    }

    private void helperCall() {
        int c = rnd.nextInt(40);
        if (c == 39) {
            add(new Instruction.Call(CallKind.HELPER, rnd.nextInt(1, 212), (short) 0));
            return;
        }
        switch (c % 9) {
            case 0, 1 -> {
                for (int r = 1; r <= 5; r++) {
                    if (rnd.nextBoolean()) {
                        add(new Instruction.Alu(true, AluOp.MOV, r, operand()));
                    }
                }
                add(Instruction.Call.helper(FuzzWorld.PROBE_HELPER));
            }
            case 2 -> add(Instruction.Call.helper(new int[] {5, 7, 8, 14, 15, 118}[rnd.nextInt(6)]));
            case 3 -> { // map update of the hash map (or the array) with a small key
                stackWord(-4, rnd.nextInt(6));
                add(new Instruction.Store(Size.DW, 10, (short) -16, Operand.imm(imm())));
                add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, rnd.nextInt(4) == 0 ? 1 : 0, 0));
                pointer(2, 10, -4);
                pointer(3, 10, -16);
                add(new Instruction.Alu(true, AluOp.MOV, 4, Operand.imm(rnd.nextInt(3))));
                add(Instruction.Call.helper(2));
            }
            case 4 -> { // lookup, then use the value pointer
                stackWord(-4, rnd.nextInt(6));
                add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, rnd.nextInt(2), 0));
                pointer(2, 10, -4);
                add(Instruction.Call.helper(1));
                add(new Instruction.Jump(true, JumpOp.JEQ, 0, Operand.imm(0), (short) 3));
                add(new Instruction.Load(Size.DW, false, 3, 0, (short) 0));
                add(new Instruction.Alu(true, AluOp.ADD, 3, Operand.imm(1)));
                add(new Instruction.Store(Size.DW, 0, (short) 0, Operand.reg(3)));
            }
            case 5 -> { // bpf_loop over a function
                add(new Instruction.Alu(true, AluOp.MOV, 1, Operand.imm(rnd.nextInt(6))));
                add(new Instruction.LoadImm64(2, Imm64Kind.CODE_ADDRESS, 0, 0),
                        new Target(rnd.nextInt(functions), rnd.nextInt(6) == 0 ? 1 : -1));
                pointer(3, 10, -8);
                add(new Instruction.Alu(true, AluOp.MOV, 4, Operand.imm(rnd.nextInt(8) == 0 ? 1 : 0)));
                add(Instruction.Call.helper(181));
            }
            case 6 -> { // tail call
                add(new Instruction.LoadImm64(2, Imm64Kind.MAP_BY_INDEX, rnd.nextInt(8) == 0 ? 0 : 2, 0));
                add(new Instruction.Alu(true, AluOp.MOV, 3, Operand.imm(rnd.nextInt(5))));
                add(Instruction.Call.helper(12));
            }
            case 7 -> { // for each element of the hash map
                add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, 0, 0));
                add(new Instruction.LoadImm64(2, Imm64Kind.CODE_ADDRESS, 0, 0), new Target(rnd.nextInt(functions), -1));
                add(new Instruction.Alu(true, AluOp.MOV, 3, Operand.imm(0)));
                add(new Instruction.Alu(true, AluOp.MOV, 4, Operand.imm(0)));
                add(Instruction.Call.helper(164));
            }
            case 8 -> { // trace_printk("%d\n", r3)
                stackWord(-24, 0x000a6425);
                pointer(1, 10, -24);
                add(new Instruction.Alu(true, AluOp.MOV, 2, Operand.imm(4)));
                add(Instruction.Call.helper(6));
            }
            default -> throw new IllegalStateException();
        }
    }
}
