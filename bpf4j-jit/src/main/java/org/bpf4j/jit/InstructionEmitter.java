package org.bpf4j.jit;

import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.vm.Memory;

/**
 * The bytecode of each instruction, with the interpreter's semantics: simple arithmetic inline,
 * everything non-trivial (division, modulo, 32-bit shifts, byte swaps, memory, atomics, legacy
 * packet loads) through the VM's shared static methods, which HotSpot inlines.
 */
final class InstructionEmitter {
    private final MethodEmitter m;
    private final CodeBuilder cb;

    InstructionEmitter(MethodEmitter m) {
        this.m = m;
        this.cb = m.cb;
    }

    void emit(Instruction insn, int slot) {
        switch (insn) {
            case Instruction.Alu a -> alu(a);
            case Instruction.Neg n -> {
                cb.lload(m.reg[n.dst()]);
                if (n.wide()) {
                    cb.lneg();
                } else {
                    cb.l2i();
                    cb.ineg();
                    m.zeroExtend();
                }
                cb.lstore(m.reg[n.dst()]);
            }
            case Instruction.MovSx x -> {
                cb.lload(m.reg[x.src()]);
                cb.l2i();
                if (x.bits() == 8) {
                    cb.i2b();
                } else if (x.bits() == 16) {
                    cb.i2s();
                }
                if (x.wide()) {
                    cb.i2l();
                } else {
                    m.zeroExtend();
                }
                cb.lstore(m.reg[x.dst()]);
            }
            case Instruction.Endian e -> endian(e);
            case Instruction.LoadImm64 l -> {
                m.pushLong(m.img.wide[slot]);
                cb.lstore(m.reg[l.dst()]);
            }
            case Instruction.Load l -> load(l, slot);
            case Instruction.Store s -> store(s, slot);
            case Instruction.Atomic a -> atomic(a, slot);
            case Instruction.LoadPacket p -> loadPacket(p, slot);
            case Instruction.Jump j -> jump(j, slot);
            case Instruction.Goto g -> {
                int target = slot + 1 + g.offset();
                if (target <= slot) {
                    m.charge(slot, slot + 1 - target);
                }
                m.jumpTo(target);
            }
            case Instruction.MayGoto g -> {
                // the loop budget of may_goto lives in the run's state (JitRuntime.mayGoto)
                cb.aload(m.st);
                cb.invokestatic(Descs.JIT_RUNTIME, "mayGoto", Descs.MAY_GOTO);
                cb.ifne(m.branchLabel(slot, slot + 1 + g.offset()));
            }
            case Instruction.Call c -> call(c, slot);
            case Instruction.CallReg c -> callx(c.reg(), slot);
            case Instruction.Exit e -> m.exit(slot);
        }
    }

    // ---- arithmetic ----

    private void alu(Instruction.Alu a) {
        int d = m.reg[a.dst()];
        AluOp op = a.op();
        if (op == AluOp.MOV) {
            switch (a.src()) {
                case Operand.Imm i -> m.pushLong(a.wide() ? i.value() : i.value() & 0xffff_ffffL);
                case Operand.Reg r -> {
                    cb.lload(m.reg[r.reg()]);
                    if (!a.wide()) {
                        cb.loadConstant(0xffff_ffffL);
                        cb.land();
                    }
                }
            }
            cb.lstore(d);
            return;
        }
        switch (op) {
            case DIV, SDIV, MOD, SMOD -> {
                cb.lload(d);
                pushSourceLong(a.src());
                String name = switch (op) {
                    case DIV -> "div";
                    case SDIV -> "sdiv";
                    case MOD -> "mod";
                    default -> "smod";
                };
                cb.invokestatic(Descs.ARITHMETIC, name + (a.wide() ? "64" : "32"), Descs.BINARY);
            }
            case LSH, RSH, ARSH -> {
                if (a.wide()) {
                    cb.lload(d);
                    pushSourceInt(a.src());
                    switch (op) {
                        case LSH -> cb.lshl();
                        case RSH -> cb.lushr();
                        default -> cb.lshr();
                    }
                } else {
                    cb.lload(d);
                    pushSourceLong(a.src());
                    String name = switch (op) {
                        case LSH -> "lsh32";
                        case RSH -> "rsh32";
                        default -> "arsh32";
                    };
                    cb.invokestatic(Descs.ARITHMETIC, name, Descs.BINARY);
                }
            }
            default -> {
                cb.lload(d);
                if (a.wide()) {
                    pushSourceLong(a.src());
                    switch (op) {
                        case ADD -> cb.ladd();
                        case SUB -> cb.lsub();
                        case MUL -> cb.lmul();
                        case OR -> cb.lor();
                        case AND -> cb.land();
                        case XOR -> cb.lxor();
                        default -> throw new IllegalStateException(op.toString());
                    }
                } else {
                    cb.l2i();
                    pushSourceInt(a.src());
                    switch (op) {
                        case ADD -> cb.iadd();
                        case SUB -> cb.isub();
                        case MUL -> cb.imul();
                        case OR -> cb.ior();
                        case AND -> cb.iand();
                        case XOR -> cb.ixor();
                        default -> throw new IllegalStateException(op.toString());
                    }
                    m.zeroExtend();
                }
            }
        }
        cb.lstore(d);
    }

    /** The source as a 64-bit value: a register, or the immediate sign-extended. */
    private void pushSourceLong(Operand src) {
        switch (src) {
            case Operand.Imm i -> m.pushLong(i.value());
            case Operand.Reg r -> cb.lload(m.reg[r.reg()]);
        }
    }

    /** The low 32 bits of the source. */
    private void pushSourceInt(Operand src) {
        switch (src) {
            case Operand.Imm i -> cb.loadConstant(i.value());
            case Operand.Reg r -> {
                cb.lload(m.reg[r.reg()]);
                cb.l2i();
            }
        }
    }

    private void endian(Instruction.Endian e) {
        int d = m.reg[e.dst()];
        switch (e.op()) {
            case LE -> {
                if (e.bits() == 64) {
                    return;
                }
                cb.lload(d);
                m.pushLong(e.bits() == 16 ? 0xffffL : 0xffff_ffffL);
                cb.land();
            }
            case BE, SWAP -> {
                cb.lload(d);
                cb.invokestatic(Descs.ARITHMETIC, "bswap" + e.bits(), Descs.UNARY);
            }
        }
        cb.lstore(d);
    }

    // ---- memory ----

    /** Pushes {@code reg + off}. */
    private void pushAddress(int base, int off) {
        cb.lload(m.reg[base]);
        if (off != 0) {
            m.pushLong(off);
            cb.ladd();
        }
    }

    private void load(Instruction.Load l, int slot) {
        int bits = l.size().bits();
        if (m.inFrame(l.src(), l.off(), l.size().bytes())) {
            cb.aload(m.frame);
            cb.loadConstant(Memory.STACK_FRAME_SIZE + l.off());
            cb.invokestatic(Descs.JIT_RUNTIME, "frameLoad" + bits, Descs.FRAME_LOAD);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            return;
        }
        if (provedArray(l.src(), l.off(), slot, m.loadTable)) {
            cb.invokestatic(Descs.JIT_RUNTIME, "frameLoad" + bits, Descs.FRAME_LOAD);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            return;
        }
        if (m.img.access.kind(slot) == AccessPlan.INPUT_SEGMENT) {
            // proved inside the run's input, in a loop: the input's segment at the address's
            // offset, whose own bounds test (hoisted out of counted loops by C2) stops an address
            // outside it (a MEMORY trap: wrong facts)
            cb.aload(m.st);
            pushAddress(l.src(), l.off());
            cb.invokestatic(Descs.JIT_RUNTIME, "inputLoad" + bits, Descs.INPUT_LOAD);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            return;
        }
        if (m.img.access.kind(slot) == AccessPlan.CONTEXT) {
            // a context field: straight to the context region (no region table test, which a
            // context never passes); any other address goes to the checked accessor
            cb.aload(m.mem);
            pushAddress(l.src(), l.off());
            cb.loadConstant(l.size().bytes());
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "loadContext", Descs.LOAD_CONTEXT);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            return;
        }
        if (!m.inlineChecks) {
            // an unverified program: the checked accessor itself (HotSpot inlines it)
            cb.aload(m.mem);
            pushAddress(l.src(), l.off());
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "load" + bits, Descs.LOAD);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            return;
        }
        // The accessor's fast path inline (the region from the table, then the array), the
        // checked accessor out of line: it serves contexts and shared regions, and traps.
        Label slow = cb.newLabel();
        Label done = cb.newLabel();
        pushAddress(l.src(), l.off());
        cb.lstore(m.tmpL);
        region(m.loadTable, l.size().bytes(), slow, m.img.access.kind(slot) == AccessPlan.PROVED_TABLE);
        cb.aload(m.tmpB);
        cb.iload(m.tmpI);
        cb.invokestatic(Descs.JIT_RUNTIME, "frameLoad" + bits, Descs.FRAME_LOAD);
        signExtend(l);
        cb.lstore(m.reg[l.dst()]);
        m.bind(done);
        m.defer(() -> {
            m.bind(slow);
            cb.aload(m.mem);
            cb.lload(m.tmpL);
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "load" + bits, Descs.LOAD);
            signExtend(l);
            cb.lstore(m.reg[l.dst()]);
            m.reloadTables();
            cb.goto_(done);
        });
    }

    /**
     * For an access the verifier proved in bounds ({@link AccessPlan}): pushes the array and the
     * index of the access with no test of its own (the JVM still checks the index, so wrong facts
     * cannot reach outside the sandbox's arrays) and returns true; returns false, emitting
     * nothing, for an access that must be checked.
     */
    private boolean provedArray(int base, int off, int slot, int table) {
        byte kind = m.img.access.kind(slot);
        if (kind == AccessPlan.CHECKED || kind == AccessPlan.PROVED_TABLE
                || (kind == AccessPlan.FRAME_CONSTANT || kind == AccessPlan.FRAME_VARIABLE) && !m.plan.r10Known) {
            return false;
        }
        switch (kind) {
            case AccessPlan.FRAME_CONSTANT -> {
                cb.aload(m.frame);
                cb.loadConstant(m.img.access.frameIndex(slot));
            }
            case AccessPlan.FRAME_VARIABLE -> {
                cb.aload(m.frame);
                pushAddress(base, off);
                cb.l2i(); // the offset in the frame's region
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Leaves in {@code tmpB} the region of the table that holds the whole access at {@code tmpL},
     * and the offset in {@code tmpI}; or goes to {@code slow}. The test of the accessors' fast
     * path, inline (through a helper method returning null, HotSpot compiled loops twice as slow).
     */
    private void region(int table, int size, Label slow, boolean input) {
        if (input) {
            // proved inside the run's input: its array from the execution's state (the same for
            // the whole run, so C2 can keep it in a register), then only the bounds test
            cb.aload(m.st);
            cb.getfield(Descs.JIT_STATE, table == m.loadTable ? "inputLoad" : "inputStore", Descs.BYTE_ARRAY);
            cb.astore(m.tmpB);
            cb.lload(m.tmpL);
            cb.l2i();
            cb.istore(m.tmpI);
            boundsTest(size, slow);
            return;
        }
        cb.lload(m.tmpL);
        cb.bipush(32);
        cb.lushr();
        cb.l2i();
        cb.istore(m.tmpI);
        cb.iload(m.tmpI);
        cb.aload(table);
        cb.arraylength();
        cb.invokestatic(Descs.of(Integer.class), "compareUnsigned", Descs.UNSIGNED_INT_COMPARE);
        cb.ifge(slow);
        cb.aload(table);
        cb.iload(m.tmpI);
        cb.aaload();
        cb.astore(m.tmpB);
        cb.lload(m.tmpL);
        cb.l2i();
        cb.istore(m.tmpI);
        boundsTest(size, slow);
    }

    /** Goes to {@code slow} unless {@code size} bytes at {@code tmpI} lie inside {@code tmpB}. */
    private void boundsTest(int size, Label slow) {
        if (size == 1) {
            cb.iload(m.tmpI);
            cb.aload(m.tmpB);
            cb.arraylength();
            cb.invokestatic(Descs.of(Integer.class), "compareUnsigned", Descs.UNSIGNED_INT_COMPARE);
            cb.ifge(slow);
        } else {
            cb.iload(m.tmpI);
            cb.iflt(slow);
            cb.iload(m.tmpI);
            cb.aload(m.tmpB);
            cb.arraylength();
            cb.loadConstant(size);
            cb.isub();
            cb.if_icmpgt(slow);
        }
    }

    private void signExtend(Instruction.Load l) {
        if (l.signExtend()) {
            cb.l2i();
            if (l.size() == Size.B) {
                cb.i2b();
            } else if (l.size() == Size.H) {
                cb.i2s();
            }
            cb.i2l();
        }
    }

    private void store(Instruction.Store s, int slot) {
        int bits = s.size().bits();
        if (m.inFrame(s.dst(), s.off(), s.size().bytes())) {
            cb.aload(m.frame);
            cb.loadConstant(Memory.STACK_FRAME_SIZE + s.off());
            pushSourceLong(s.src());
            cb.invokestatic(Descs.JIT_RUNTIME, "frameStore" + bits, Descs.FRAME_STORE);
            return;
        }
        if (provedArray(s.dst(), s.off(), slot, m.storeTable)) {
            pushSourceLong(s.src());
            cb.invokestatic(Descs.JIT_RUNTIME, "frameStore" + bits, Descs.FRAME_STORE);
            return;
        }
        if (m.img.access.kind(slot) == AccessPlan.CONTEXT) {
            cb.aload(m.mem);
            pushAddress(s.dst(), s.off());
            cb.loadConstant(s.size().bytes());
            pushSourceLong(s.src());
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "storeContext", Descs.STORE_CONTEXT);
            return;
        }
        if (!m.inlineChecks) {
            cb.aload(m.mem);
            pushAddress(s.dst(), s.off());
            pushSourceLong(s.src());
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "store" + bits, Descs.STORE);
            return;
        }
        Label slow = cb.newLabel();
        Label done = cb.newLabel();
        pushAddress(s.dst(), s.off());
        cb.lstore(m.tmpL);
        region(m.storeTable, s.size().bytes(), slow, m.img.access.kind(slot) == AccessPlan.PROVED_TABLE);
        cb.aload(m.tmpB);
        cb.iload(m.tmpI);
        pushSourceLong(s.src());
        cb.invokestatic(Descs.JIT_RUNTIME, "frameStore" + bits, Descs.FRAME_STORE);
        m.bind(done);
        m.defer(() -> {
            m.bind(slow);
            cb.aload(m.mem);
            cb.lload(m.tmpL);
            pushSourceLong(s.src());
            cb.loadConstant(slot);
            cb.invokestatic(Descs.MEMORY, "store" + bits, Descs.STORE);
            m.reloadTables();
            cb.goto_(done);
        });
    }

    private void atomic(Instruction.Atomic a, int slot) {
        boolean eight = a.size() == Size.DW;
        switch (a.op()) {
            case ADD, OR, AND, XOR, FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR, XCHG -> {
                cb.aload(m.mem);
                cb.getstatic(Descs.ATOMIC_OP, a.op().name(), Descs.ATOMIC_OP);
                pushAddress(a.dst(), a.off());
                cb.lload(m.reg[a.src()]);
                cb.loadConstant(slot);
                cb.invokestatic(Descs.ATOMICS, eight ? "fetch64" : "fetch32", Descs.FETCH);
                if (a.op().fetches() || a.op() == org.bpf4j.isa.AtomicOp.XCHG) {
                    cb.lstore(m.reg[a.src()]);
                } else {
                    cb.pop2();
                }
            }
            case CMPXCHG -> {
                cb.aload(m.mem);
                pushAddress(a.dst(), a.off());
                cb.lload(m.reg[0]);
                cb.lload(m.reg[a.src()]);
                cb.loadConstant(slot);
                cb.invokestatic(Descs.ATOMICS, eight ? "cmpxchg64" : "cmpxchg32", Descs.CMPXCHG);
                cb.lstore(m.reg[0]);
            }
            case LOAD_ACQ -> {
                cb.aload(m.mem);
                pushAddress(a.src(), a.off());
                cb.loadConstant(a.size().bytes());
                cb.loadConstant(slot);
                cb.invokestatic(Descs.ATOMICS, "loadAcquire", Descs.LOAD_ACQUIRE);
                cb.lstore(m.reg[a.dst()]);
            }
            case STORE_REL -> {
                cb.aload(m.mem);
                pushAddress(a.dst(), a.off());
                cb.loadConstant(a.size().bytes());
                cb.lload(m.reg[a.src()]);
                cb.loadConstant(slot);
                cb.invokestatic(Descs.ATOMICS, "storeRelease", Descs.STORE_RELEASE);
            }
        }
        m.reloadTables(); // an atomic may adopt a shared region
    }

    private void loadPacket(Instruction.LoadPacket p, int slot) {
        // The execution's current packet, not one cached at entry: a helper that changes packet
        // data (bpf_skb_vlan_push, bpf_skb_adjust_room, ...) replaces it during the run.
        cb.aload(m.st);
        cb.getfield(Descs.JIT_STATE, "ex", Descs.EXECUTION);
        cb.invokevirtual(Descs.EXECUTION, "packet", java.lang.constant.MethodTypeDesc.of(Descs.BYTE_ARRAY));
        if (p.indirect()) {
            cb.lload(m.reg[p.src()]);
            m.pushLong(p.imm());
            cb.ladd();
        } else {
            m.pushLong(p.imm());
        }
        cb.loadConstant(p.size().bytes());
        cb.invokestatic(Descs.PACKETS, "legacyLoad", Descs.LEGACY_LOAD);
        cb.dup2();
        cb.lstore(m.tmpL);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(m.packetEndStub());
        cb.lload(m.tmpL);
        cb.lstore(m.reg[0]);
    }

    // ---- jumps ----

    private void jump(Instruction.Jump j, int slot) {
        Label taken = m.branchLabel(slot, slot + 1 + j.off());
        JumpOp op = j.op();
        if (j.wide()) {
            cb.lload(m.reg[j.dst()]);
            pushSourceLong(j.src());
            switch (op) {
                case JEQ -> { cb.lcmp(); cb.ifeq(taken); }
                case JNE -> { cb.lcmp(); cb.ifne(taken); }
                case JSGT -> { cb.lcmp(); cb.ifgt(taken); }
                case JSGE -> { cb.lcmp(); cb.ifge(taken); }
                case JSLT -> { cb.lcmp(); cb.iflt(taken); }
                case JSLE -> { cb.lcmp(); cb.ifle(taken); }
                case JSET -> { cb.land(); cb.lconst_0(); cb.lcmp(); cb.ifne(taken); }
                case JGT, JGE, JLT, JLE -> {
                    if (m.img.access.signedCompare(slot)) {
                        cb.lcmp(); // operands of one sign: the signed outcome (AccessPlan)
                    } else {
                        cb.invokestatic(Descs.of(Long.class), "compareUnsigned", Descs.UNSIGNED_LONG_COMPARE);
                    }
                    unsignedBranch(op, taken);
                }
            }
        } else {
            cb.lload(m.reg[j.dst()]);
            cb.l2i();
            pushSourceInt(j.src());
            switch (op) {
                case JEQ -> cb.if_icmpeq(taken);
                case JNE -> cb.if_icmpne(taken);
                case JSGT -> cb.if_icmpgt(taken);
                case JSGE -> cb.if_icmpge(taken);
                case JSLT -> cb.if_icmplt(taken);
                case JSLE -> cb.if_icmple(taken);
                case JSET -> { cb.iand(); cb.ifne(taken); }
                case JGT, JGE, JLT, JLE -> {
                    if (m.img.access.signedCompare(slot)) {
                        signedIntBranch(op, taken);
                    } else {
                        cb.invokestatic(Descs.of(Integer.class), "compareUnsigned", Descs.UNSIGNED_INT_COMPARE);
                        unsignedBranch(op, taken);
                    }
                }
            }
        }
    }

    private void signedIntBranch(JumpOp op, Label taken) {
        switch (op) {
            case JGT -> cb.if_icmpgt(taken);
            case JGE -> cb.if_icmpge(taken);
            case JLT -> cb.if_icmplt(taken);
            default -> cb.if_icmple(taken);
        }
    }

    private void unsignedBranch(JumpOp op, Label taken) {
        switch (op) {
            case JGT -> cb.ifgt(taken);
            case JGE -> cb.ifge(taken);
            case JLT -> cb.iflt(taken);
            default -> cb.ifle(taken);
        }
    }

    // ---- calls ----

    private void call(Instruction.Call c, int slot) {
        if (c.kind() == CallKind.LOCAL) {
            int target = slot + 1 + c.imm();
            FunctionPlan.Variant callee = new FunctionPlan.Variant(target, true, true);
            m.localCall(slot, () -> {
                m.pushCallArguments();
                m.invokeUnit(callee.methodName(), Descs.FUNCTION);
            }, () -> cb.loadConstant(target));
        } else if (c.imm() == ProgramImage.TAIL_CALL_HELPER) {
            tailCall(slot);
        } else {
            helperCall(m.img.helperIndex[slot], slot);
        }
    }

    private void helperCall(int index, int slot) {
        if (!m.inlineChecks) {
            // an unverified program: the call through the class's stub of this helper (five
            // instructions fewer at each call, for compile time; C2 inlines the stub)
            cb.aload(m.st);
            cb.lload(m.budget);
            cb.loadConstant(slot);
            cb.iload(m.depth);
            for (int i = 1; i <= 5; i++) {
                cb.lload(m.reg[i]);
            }
            m.unit.invokeHelperStub(cb, index);
            cb.lstore(m.reg[0]);
            cb.aload(m.st);
            cb.getfield(Descs.JIT_STATE, "remaining", CD_long);
            cb.lstore(m.budget);
            return;
        }
        cb.aload(m.st);
        cb.lload(m.budget);
        cb.loadConstant(slot);
        cb.iload(m.depth);
        cb.ldc(m.unit.program());
        cb.invokevirtual(Descs.JIT_STATE, "enterHelper", Descs.ENTER_HELPER);
        cb.ldc(m.unit.helper(index));
        cb.aload(m.st);
        cb.getfield(Descs.JIT_STATE, "ex", Descs.EXECUTION);
        for (int i = 1; i <= 5; i++) {
            cb.lload(m.reg[i]);
        }
        cb.invokeinterface(Descs.HELPER, "call", Descs.HELPER_CALL);
        cb.lstore(m.reg[0]);
        cb.aload(m.st);
        cb.getfield(Descs.JIT_STATE, "remaining", CD_long);
        cb.lstore(m.budget);
        m.reloadTables();
    }

    /**
     * The body of a class's stub for one helper ({@link UnitContext#invokeHelperStub}), with the
     * {@link Descs#HELPER_STUB} signature: publishes the call state, then calls the helper.
     */
    static void emitHelperStub(CodeBuilder cb, UnitContext unit, int index) {
        cb.aload(0);
        cb.lload(1);
        cb.iload(3);
        cb.iload(4);
        cb.ldc(unit.program());
        cb.invokevirtual(Descs.JIT_STATE, "enterHelper", Descs.ENTER_HELPER);
        cb.ldc(unit.helper(index));
        cb.aload(0);
        cb.getfield(Descs.JIT_STATE, "ex", Descs.EXECUTION);
        for (int i = 0; i < 5; i++) {
            cb.lload(5 + 2 * i);
        }
        cb.invokeinterface(Descs.HELPER, "call", Descs.HELPER_CALL);
        cb.lreturn();
    }

    private void tailCall(int slot) {
        cb.aload(m.st);
        cb.ldc(m.unit.program());
        cb.lload(m.reg[2]);
        cb.lload(m.reg[3]);
        cb.loadConstant(slot);
        cb.lload(m.reg[10]);
        cb.iload(m.depth);
        cb.invokestatic(Descs.JIT_RUNTIME, "tailCall", Descs.TAIL_CALL);
        cb.astore(m.tmpA);
        cb.aload(m.tmpA);
        Label failed = cb.newLabel();
        cb.ifnull(failed);
        cb.aload(m.tmpA);
        m.pushTailCallArguments();
        cb.invokevirtual(Descs.METHOD_HANDLE, "invokeExact", Descs.FUNCTION);
        m.returnTailCallResult();
        m.bind(failed);
        m.reloadTables();
    }

    private void callx(int r, int slot) {
        Label helper = cb.newLabel();
        Label done = cb.newLabel();
        cb.lload(m.reg[r]);
        cb.invokestatic(Descs.MEMORY, "regionOf", Descs.REGION_OF);
        cb.loadConstant(Memory.CODE_REGION);
        cb.if_icmpne(helper);
        cb.ldc(m.unit.program());
        cb.lload(m.reg[r]);
        cb.loadConstant(slot);
        cb.invokestatic(Descs.JIT_RUNTIME, "callxTarget", Descs.CALLX_TARGET);
        cb.astore(m.tmpA);
        cb.lload(m.reg[r]);
        cb.l2i();
        cb.istore(m.tmpI);
        m.localCall(slot, () -> {
            cb.aload(m.tmpA);
            m.pushCallArguments();
            cb.invokevirtual(Descs.METHOD_HANDLE, "invokeExact", Descs.FUNCTION);
        }, () -> cb.iload(m.tmpI));
        cb.goto_(done);
        m.bind(helper);
        cb.aload(m.st);
        cb.ldc(m.unit.program());
        cb.lload(m.reg[r]);
        cb.loadConstant(slot);
        cb.iload(m.depth);
        cb.lload(m.budget);
        for (int i = 1; i <= 5; i++) {
            cb.lload(m.reg[i]);
        }
        cb.invokestatic(Descs.JIT_RUNTIME, "callxHelper", Descs.CALLX_HELPER);
        cb.lstore(m.reg[0]);
        cb.aload(m.st);
        cb.getfield(Descs.JIT_STATE, "remaining", CD_long);
        cb.lstore(m.budget);
        m.reloadTables();
        m.bind(done);
    }
}
