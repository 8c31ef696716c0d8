package org.bpf4j.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.instruction.SwitchCase;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Instruction;
import org.bpf4j.vm.Memory;

/**
 * Emits the bytecode of one JVM method: a whole function, or one chunk of a split function.
 * eBPF registers R0-R10 and the budget left are JVM {@code long} locals; memory accesses go
 * through the VM's checked accessors except those the compiler proves inside the current stack
 * frame; control flow maps onto JVM branches, with the budget charged on taken backward jumps
 * exactly as the interpreter charges it. Instruction bodies are in {@link InstructionEmitter}.
 *
 * <p>In a chunk, the registers come from and go back to a {@code long[]} shared with the
 * function's root method; a jump to a block in another chunk stores them and returns the block's
 * target number to the root, which dispatches to the chunk that holds it.
 */
final class MethodEmitter {
    /** Returned by a chunk when its function exited (R0 in the register array). */
    static final int EXITED = -1;
    /** Index of the budget in a split function's register array, after R0-R10. */
    static final int BUDGET_INDEX = 11;
    static final int REGISTER_ARRAY_LENGTH = 12;

    final CodeBuilder cb;
    final ProgramImage img;
    final FunctionPlan plan;
    final FunctionPlan.Chunk chunk;
    final UnitContext unit;

    // Local variable slots.
    final int st = 0;
    final int regsArray;
    final int depth;
    final int[] reg = new int[11];
    final int budget;
    final int mem;
    final int frame;
    final int tmpL;
    final int tmpI;
    final int tmpA;
    /** The region tables of loads and stores (fetched at entry and after anything that may change them). */
    final int loadTable;
    final int storeTable;
    /** The region of the current checked access. */
    final int tmpB;
    /**
     * Whether checked accesses test the region tables inline (a program compiled with the
     * verifier's facts) or call the checked accessor of {@code Memory} (an unverified program:
     * a fifth of the bytecode and no stack map frames, for compile time; see docs/jit.md). Without
     * inline tests the table locals are never read, so they are neither fetched nor typed.
     */
    final boolean inlineChecks;

    /** The start slots of this method's blocks, ascending, and their labels (no boxing: compile time). */
    private int[] blockStarts;
    private Label[] blockLabels;
    private final Map<Integer, Label> depthTraps = new HashMap<>();
    private final Map<Integer, Label> exitStubs = new HashMap<>();
    private Label packetEnd;
    private final Deque<Runnable> deferred = new ArrayDeque<>();
    private final InstructionEmitter insns;
    private final Frames frames;

    private MethodEmitter(CodeBuilder cb, ProgramImage img, FunctionPlan plan, FunctionPlan.Chunk chunk,
            UnitContext unit) {
        this.cb = cb;
        this.img = img;
        this.plan = plan;
        this.chunk = chunk;
        this.unit = unit;
        int base;
        if (chunk == null) {
            regsArray = -1;
            for (int i = 0; i <= 10; i++) {
                reg[i] = 1 + 2 * i;
            }
            budget = 23;
            depth = 25;
            base = 26;
        } else {
            regsArray = 1;
            depth = 3;
            for (int i = 0; i <= 10; i++) {
                reg[i] = 4 + 2 * i;
            }
            budget = 26;
            base = 28;
        }
        mem = base;
        frame = base + 1;
        tmpL = base + 2;
        tmpI = base + 4;
        tmpA = base + 5;
        loadTable = base + 6;
        storeTable = base + 7;
        tmpB = base + 8;
        inlineChecks = img.access != AccessPlan.NONE;
        this.insns = new InstructionEmitter(this);
        List<java.lang.classfile.attribute.StackMapFrameInfo.VerificationTypeInfo> locals = new ArrayList<>();
        locals.add(Frames.object(Descs.JIT_STATE));
        if (chunk != null) {
            locals.add(Frames.object(Descs.LONG_ARRAY));
            locals.add(Frames.INT);
            locals.add(Frames.INT);
        }
        for (int i = 0; i <= 11; i++) {
            locals.add(Frames.LONG); // R0-R10, budget
        }
        if (chunk == null) {
            locals.add(Frames.INT);
        }
        locals.add(Frames.object(Descs.MEMORY));
        locals.add(plan.r10Known ? Frames.object(Descs.BYTE_ARRAY) : Frames.TOP);
        locals.add(Frames.LONG);
        locals.add(Frames.INT);
        locals.add(Frames.object(Descs.METHOD_HANDLE));
        locals.add(inlineChecks ? Frames.object(Descs.BYTE_ARRAYS) : Frames.TOP);
        locals.add(inlineChecks ? Frames.object(Descs.BYTE_ARRAYS) : Frames.TOP);
        locals.add(Frames.object(Descs.BYTE_ARRAY));
        this.frames = new Frames(locals);
    }

    /** Binds a label (every label of a generated method has the same frame). */
    void bind(java.lang.classfile.Label label) {
        frames.bind(cb, label);
    }

    /** Emits a function that fits in one method, with the {@link Descs#FUNCTION} signature. */
    static void emitFunction(CodeBuilder cb, ProgramImage img, FunctionPlan plan, UnitContext unit) {
        MethodEmitter e = new MethodEmitter(cb, img, plan, null, unit);
        e.prologue();
        e.labelBlocks(plan.blocks);
        if (plan.blocks.getFirst().start() != plan.variant.entry()) {
            cb.goto_(e.blockLabel(plan.variant.entry())); // code before the entry, reached by a jump back
        }
        e.body(plan.blocks);
        e.flushDeferred();
    }

    /** Emits one chunk of a split function, with the {@link Descs#CHUNK} signature. */
    static void emitChunk(CodeBuilder cb, ProgramImage img, FunctionPlan plan, FunctionPlan.Chunk chunk,
            UnitContext unit) {
        MethodEmitter e = new MethodEmitter(cb, img, plan, chunk, unit);
        for (int i = 0; i <= 10; i++) {
            cb.aload(e.regsArray);
            cb.loadConstant(i);
            cb.laload();
            cb.lstore(e.reg[i]);
        }
        cb.aload(e.regsArray);
        cb.loadConstant(BUDGET_INDEX);
        cb.laload();
        cb.lstore(e.budget);
        e.prologue();
        e.labelBlocks(chunk.blocks());
        List<SwitchCase> cases = new ArrayList<>();
        List<Integer> entries = chunk.entries();
        for (int i = 0; i < entries.size(); i++) {
            cases.add(SwitchCase.of(i, e.blockLabel(entries.get(i))));
        }
        cb.iload(2);
        cb.tableswitch(0, entries.size() - 1, e.blockLabel(entries.getFirst()), cases);
        e.body(chunk.blocks());
        e.flushDeferred();
    }

    /** The target number of a block in a split function: its chunk and its index among the chunk's entries. */
    static int targetId(FunctionPlan plan, int slot) {
        return plan.chunkOf(slot) << 16 | plan.entryIndexOf(slot);
    }

    private void prologue() {
        cb.aload(st);
        cb.getfield(Descs.JIT_STATE, "mem", Descs.MEMORY);
        cb.astore(mem);
        if (plan.r10Known) {
            cb.aload(st);
            cb.getfield(Descs.JIT_STATE, "frames", Descs.BYTE_ARRAYS);
            cb.iload(depth);
            cb.aaload();
            cb.astore(frame);
        }
        // Temporaries get their types here, so that every label has one frame.
        cb.lconst_0();
        cb.lstore(tmpL);
        cb.iconst_0();
        cb.istore(tmpI);
        cb.aconst_null();
        cb.astore(tmpA);
        cb.aconst_null();
        cb.astore(tmpB);
        reloadTables();
    }

    /**
     * Fetches the region tables again: at entry, and after anything that may add, adopt or retire
     * a region (helper and function calls, atomics, the slow path of an access).
     */
    void reloadTables() {
        if (!inlineChecks) {
            return;
        }
        cb.aload(mem);
        cb.invokevirtual(Descs.MEMORY, "loadTable", Descs.TABLE);
        cb.astore(loadTable);
        cb.aload(mem);
        cb.invokevirtual(Descs.MEMORY, "storeTable", Descs.TABLE);
        cb.astore(storeTable);
    }

    /** Defers code to the end of the method (out-of-line stubs). */
    void defer(Runnable r) {
        deferred.add(r);
    }

    private void body(List<FunctionPlan.Block> blocks) {
        List<Integer> entries = chunk == null ? List.of() : chunk.entries(); // ascending, as the blocks
        int nextEntry = 0;
        boolean fellIn = false; // control falls into the next block from the one before it
        for (int bi = 0; bi < blocks.size(); bi++) {
            FunctionPlan.Block b = blocks.get(bi);
            Label label = blockLabels[bi];
            while (nextEntry < entries.size() && entries.get(nextEntry) < b.start()) {
                nextEntry++;
            }
            boolean entry = nextEntry < entries.size() && entries.get(nextEntry) == b.start();
            if (!fellIn || plan.isJumpTarget(b.start()) || entry || b.start() == plan.variant.entry()) {
                bind(label);
            } else {
                // Reached only by falling in (a block split for its size or after a jump's
                // fall-through): no branch targets it, so it needs no stack map frame, and the
                // verifier then has one frame fewer to read and check.
                cb.labelBinding(label);
            }
            int s = b.start();
            Instruction last = null;
            while (s < b.end()) {
                Instruction i = img.insn[s];
                last = i;
                if (i == null) {
                    trap(s == img.slots ? "fellOff" : "secondHalf", s);
                    break;
                }
                insns.emit(i, s);
                s += i.slots();
            }
            boolean fallsThrough = last != null && !(last instanceof Instruction.Exit)
                    && !(last instanceof Instruction.Goto);
            fellIn = false;
            if (fallsThrough) {
                int next = b.end();
                boolean adjacent = bi + 1 < blocks.size() && blocks.get(bi + 1).start() == next;
                if (!adjacent) {
                    jumpTo(next);
                } else {
                    fellIn = true;
                }
            }
        }
    }

    /** Makes a label for each block of this method (blocks are in ascending slot order). */
    private void labelBlocks(List<FunctionPlan.Block> blocks) {
        blockStarts = new int[blocks.size()];
        blockLabels = new Label[blocks.size()];
        for (int i = 0; i < blockStarts.length; i++) {
            blockStarts[i] = blocks.get(i).start();
            blockLabels[i] = cb.newLabel();
        }
    }

    /** The label of the block of this method that starts at a slot, or null if none does. */
    private Label blockLabel(int slot) {
        int i = java.util.Arrays.binarySearch(blockStarts, slot);
        return i >= 0 ? blockLabels[i] : null;
    }

    private void flushDeferred() {
        while (!deferred.isEmpty()) {
            deferred.removeFirst().run();
        }
        frames.write(cb);
    }

    // ---- control flow ----

    /** An unconditional transfer to a block of this function, in this method or (in a chunk) another. */
    void jumpTo(int target) {
        Label l = blockLabel(target);
        cb.goto_(l != null ? l : exitStub(target));
    }

    /**
     * The label a taken branch from {@code from} to {@code target} goes to: the block itself, or an
     * out-of-line stub that charges a backward jump and then goes on.
     */
    Label branchLabel(int from, int target) {
        Label direct = blockLabel(target);
        boolean backward = target <= from;
        if (!backward || img.unbudgeted && direct != null) {
            // Without a budget a backward branch goes straight to its target too: HotSpot's C2
            // recognises a counted loop only when the loop's exit test branches back to its head
            // (through a block of its own, the loop kept its safepoint poll and range checks).
            return direct != null ? direct : exitStub(target);
        }
        Label stub = cb.newLabel();
        deferred.add(() -> {
            bind(stub);
            charge(from, from + 1 - target);
            jumpTo(target);
        });
        return stub;
    }

    /** Charges {@code amount} to the budget; traps at {@code slot} if it runs out. */
    void charge(int slot, long amount) {
        if (img.unbudgeted) {
            return;
        }
        // See JitRuntime.charge: a subtraction and a jump on overflow once compiled.
        cb.lload(budget);
        pushLong(amount);
        cb.loadConstant(slot);
        cb.invokestatic(Descs.JIT_RUNTIME, "charge", Descs.CHARGE);
        cb.lstore(budget);
    }

    Label depthTrap(int slot) {
        return depthTraps.computeIfAbsent(slot, s -> {
            Label l = cb.newLabel();
            deferred.add(() -> {
                bind(l);
                trap("callDepth", s);
            });
            return l;
        });
    }

    Label packetEndStub() {
        if (packetEnd == null) {
            Label l = cb.newLabel();
            packetEnd = l;
            deferred.add(() -> {
                bind(l);
                cb.aload(st);
                cb.lload(budget);
                cb.invokestatic(Descs.JIT_RUNTIME, "packetEnd", Descs.PACKET_END);
                cb.athrow();
            });
        }
        return packetEnd;
    }

    /** In a chunk: stores the registers and returns the target number of a block in another chunk. */
    private Label exitStub(int target) {
        if (chunk == null) {
            throw new IllegalStateException("block " + target + " is not in function " + plan.variant.entry());
        }
        return exitStubs.computeIfAbsent(target, t -> {
            Label l = cb.newLabel();
            deferred.add(() -> {
                bind(l);
                spillRegisters();
                cb.loadConstant(targetId(plan, t));
                cb.ireturn();
            });
            return l;
        });
    }

    /** Stores the registers the chunk may have changed (the others still hold what the array holds). */
    private void spillRegisters() {
        if (written == null) {
            written = writtenInChunk();
        }
        for (int i = 0; i <= 10; i++) {
            if (written[i]) {
                cb.aload(regsArray);
                cb.loadConstant(i);
                cb.lload(reg[i]);
                cb.lastore();
            }
        }
        if (written[BUDGET_INDEX]) {
            cb.aload(regsArray);
            cb.loadConstant(BUDGET_INDEX);
            cb.lload(budget);
            cb.lastore();
        }
    }

    private boolean[] written;

    /** R0-R10 and the budget (index 11) that some instruction of the chunk may write. */
    private boolean[] writtenInChunk() {
        boolean[] w = new boolean[REGISTER_ARRAY_LENGTH];
        for (FunctionPlan.Block b : chunk.blocks()) {
            for (int s = b.start(); s < b.end(); ) {
                Instruction i = img.insn[s];
                if (i == null) {
                    break;
                }
                switch (i) {
                    case Instruction.Alu a -> w[a.dst()] = true;
                    case Instruction.Neg n -> w[n.dst()] = true;
                    case Instruction.MovSx x -> w[x.dst()] = true;
                    case Instruction.Endian e -> w[e.dst()] = true;
                    case Instruction.LoadImm64 l -> w[l.dst()] = true;
                    case Instruction.Load l -> w[l.dst()] = true;
                    case Instruction.LoadPacket p -> w[0] = true;
                    case Instruction.Store st -> { }
                    case Instruction.Atomic a -> {
                        switch (a.op()) {
                            case FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR, XCHG -> w[a.src()] = true;
                            case CMPXCHG -> w[0] = true;
                            case LOAD_ACQ -> w[a.dst()] = true;
                            case ADD, OR, AND, XOR, STORE_REL -> { }
                        }
                    }
                    case Instruction.Jump j -> w[BUDGET_INDEX] = true;
                    case Instruction.Goto g -> w[BUDGET_INDEX] = true;
                    case Instruction.MayGoto g -> { }
                    case Instruction.Call c -> {
                        for (int r = 0; r <= 5; r++) {
                            w[r] = true;
                        }
                        w[BUDGET_INDEX] = true;
                    }
                    case Instruction.CallReg c -> {
                        for (int r = 0; r <= 5; r++) {
                            w[r] = true;
                        }
                        w[BUDGET_INDEX] = true;
                    }
                    case Instruction.Exit e -> { }
                }
                s += i.slots();
            }
        }
        return w;
    }

    void trap(String factory, int slot) {
        cb.loadConstant(slot);
        cb.invokestatic(Descs.JIT_RUNTIME, factory, Descs.TRAP_AT);
        cb.athrow();
    }

    // ---- function exit and calls ----

    /** {@code exit}: hands R0 (and, to a caller, R1-R5 and the exit slot) back. */
    void exit(int slot) {
        if (plan.variant.callMode()) {
            for (int i = 1; i <= 5; i++) {
                cb.aload(st);
                cb.lload(reg[i]);
                cb.putfield(Descs.JIT_STATE, "r" + i, CD_long);
            }
            cb.aload(st);
            cb.loadConstant(slot);
            cb.putfield(Descs.JIT_STATE, "exitSlot", CD_int);
        }
        cb.aload(st);
        cb.lload(budget);
        cb.putfield(Descs.JIT_STATE, "remaining", CD_long);
        returnR0();
    }

    /** Returns with R0 on the stack... or, in a chunk, stores it and returns {@link #EXITED}. */
    private void returnR0() {
        if (chunk == null) {
            cb.lload(reg[0]);
            cb.lreturn();
        } else {
            cb.aload(regsArray);
            cb.iconst_0();
            cb.lload(reg[0]);
            cb.lastore();
            cb.loadConstant(EXITED);
            cb.ireturn();
        }
    }

    /** Returns the R0 a tail-called program left on the stack (its exit already wrote the rest). */
    void returnTailCallResult() {
        cb.lstore(reg[0]);
        returnR0();
    }

    /** Pushes {@code depth + 1}. */
    void pushCalleeDepth() {
        cb.iload(depth);
        cb.iconst_1();
        cb.iadd();
    }

    /**
     * The part of a bpf-to-bpf call around the invocation: the depth check and the cleared frame
     * before it, R1-R5 and the return charge after it. {@code invoke} pushes nothing and leaves R0
     * on the stack; {@code entry} pushes the callee's entry slot for the charge.
     */
    void localCall(int slot, Runnable invoke, Runnable entry) {
        cb.iload(depth);
        cb.loadConstant(Memory.MAX_CALL_FRAMES - 1);
        cb.if_icmpge(depthTrap(slot));
        cb.aload(mem);
        pushCalleeDepth();
        cb.invokevirtual(Descs.MEMORY, "clearFrame", Descs.CLEAR_FRAME);
        invoke.run();
        cb.lstore(reg[0]);
        for (int i = 1; i <= 5; i++) {
            cb.aload(st);
            cb.getfield(Descs.JIT_STATE, "r" + i, CD_long);
            cb.lstore(reg[i]);
        }
        cb.aload(st);
        if (img.unbudgeted) {
            cb.getfield(Descs.JIT_STATE, "remaining", CD_long);
        } else {
            entry.run();
            cb.invokestatic(Descs.JIT_RUNTIME, "chargeReturn", Descs.CHARGE_RETURN);
        }
        cb.lstore(budget);
        reloadTables();
    }

    /** Pushes the arguments of a function call after the state: R0-R9, the callee's R10, budget, depth. */
    void pushCallArguments() {
        cb.aload(st);
        for (int i = 0; i <= 9; i++) {
            cb.lload(reg[i]);
        }
        pushCalleeDepth();
        cb.invokestatic(Descs.MEMORY, "framePointer", Descs.FRAME_POINTER);
        cb.lload(budget);
        pushCalleeDepth();
    }

    /** Pushes all of R0-R10, the budget and the depth after the state, for a tail call. */
    void pushTailCallArguments() {
        cb.aload(st);
        for (int i = 0; i <= 10; i++) {
            cb.lload(reg[i]);
        }
        cb.lload(budget);
        cb.iload(depth);
    }

    // ---- constants ----

    void pushLong(long v) {
        if (v == 0) {
            cb.lconst_0();
        } else if (v == 1) {
            cb.lconst_1();
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            cb.loadConstant((int) v);
            cb.i2l();
        } else {
            cb.loadConstant(v);
        }
    }

    /** Zero-extends the int on the stack to a long. */
    void zeroExtend() {
        cb.i2l();
        cb.loadConstant(0xffff_ffffL);
        cb.land();
    }

    /** True if an access of {@code size} bytes at R10 + off is proven inside the current frame. */
    boolean inFrame(int base, int off, int size) {
        return FunctionPlan.inFrame(plan.r10Known, base, off, size);
    }

    /** The call of a method of the same unit (an invokestatic, or an invokedynamic to another class). */
    void invokeUnit(String method, java.lang.constant.MethodTypeDesc type) {
        unit.invoke(cb, method, type);
    }
}
