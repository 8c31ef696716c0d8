package org.bpf4j.trace.codegen;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;

/**
 * {@code for} loops in generated code. A loop over a map is {@code bpf_for_each_map_elem}, a range
 * whose bounds are not constants {@code bpf_loop} (as current bpftrace; the kernel's verifier
 * cannot bound a plain loop whose end comes from a map), a range of constants a plain loop. The
 * body of a helper's loop is a callback, generated after the program, that reaches the probe's
 * variables through the frame pointer the helper passes as its context (kept in r9; the scratch part
 * of a split frame through the pointer the probe keeps on its stack); the callbacks of nested loops get the same
 * pointer, so every level sees the probe's frame.
 * {@code continue} returns 0 from a callback, {@code break} 1; {@code return} and {@code exit()}
 * set the loop's flag in the frame and return 1, and the caller, seeing the flag after the helper
 * returns, leaves the probe (or, itself a callback, passes the flag on).
 */
final class Loops {
    private final ProbeCompiler pc;
    private final Asm asm;
    /** The frame slot of the innermost callback's "leave the probe" flag, -1 outside callbacks. */
    private int leaveFlag = -1;

    Loops(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** Leaves the probe ({@code return}, {@code exit()}): from a callback, through the loops' flags. */
    void leaveProbe() {
        asm.movImm(0, 0);
        leave();
    }

    /**
     * Leaves the probe with the value in r0 as its return value ({@code return VALUE}): from a
     * callback, the value goes to the word after the loop's flag, and the caller leaves with it.
     */
    void leave() {
        if (pc.inCallback) {
            asm.store(Size.DW, asm.frameBase, leaveFlag + 8, 0);
            asm.storeImm(Size.DW, asm.frameBase, leaveFlag, 1);
            asm.movImm(0, 1);
        }
        asm.exit();
    }

    /**
     * Leaves a loop's callback for a {@code return} of the function whose body holds the loop: the
     * flag says so ({@link FunctionCalls#RETURN_FLAG}; the value is in the call's result slot already).
     */
    void leaveFunction() {
        asm.storeImm(Size.DW, asm.frameBase, leaveFlag, FunctionCalls.RETURN_FLAG);
        asm.movImm(0, 1);
        asm.exit();
    }

    /** {@code for ($kv : @m) { body }}. */
    void forMap(Stmt.ForMap f) {
        MapInfo info = pc.mapInfo(f.map().name());
        if (pc.transport.queueValueSize() > 0) {
            pc.unsupported(f.span(), "a for loop over a map on the kernel backend (use --backend vm)");
            return;
        }
        if (info.value() instanceof Type.Agg a && a.kind() != Type.AggKind.COUNT && a.kind() != Type.AggKind.SUM
                && a.kind() != Type.AggKind.MIN && a.kind() != Type.AggKind.MAX) {
            pc.unsupported(f.span(), "a for loop over a " + a.display() + " map");
            return;
        }
        Type.Tuple kv = (Type.Tuple) pc.variables().get(f.var().name());
        int slot = pc.varSlots.get(f.var().name());
        int map = pc.mapIndex(f.map().name());
        callback("for_each_map_elem", fn -> {
            asm.loadMap(1, map);
            asm.loadFunction(2, fn);
            frameContext(3);
            asm.movImm(4, 0);
        }, () -> {
            // (map, key, value, ctx)
            enterFrame(4);
            asm.store(Size.DW, 10, -8, 3); // the value's address, kept over a copy of the key that clobbers r3
            // the key and value from their map layout (an int8 key: one byte) to the variable's
            MapLayout layout = new MapLayout(pc);
            layout.unpack(info.keyType(), 2, 0, slot + kv.offset(0));
            asm.load(Size.DW, 3, 10, -8);
            if (info.value() instanceof Type.Agg) {
                pc.copyTo(9, slot + kv.offset(1), 3, 0, ProbeCompiler.storedSize(kv.elements().get(1)));
            } else {
                layout.unpack(info.value(), 3, 0, slot + kv.offset(1));
            }
        }, f.body());
    }

    /** {@code for ($i : from..to) { body }}: from included, to excluded. */
    void forRange(Stmt.ForRange f) {
        int slot = pc.varSlots.get(f.var().name());
        if (constant(f.from()) && constant(f.to())) {
            plainRange(f, slot);
            return;
        }
        // bounds known at run time: bpf_loop(to - from, callback, frame, 0) when to > from
        int start = pc.frame.alloc(8);
        int count = pc.frame.alloc(8);
        pc.intExpr(f.to());
        asm.store(Size.DW, asm.frameBase, count, 0);
        pc.intExpr(f.from());
        asm.store(Size.DW, asm.frameBase, start, 0);
        asm.load(Size.DW, 1, asm.frameBase, count);
        asm.alu(AluOp.SUB, 1, 0);
        asm.store(Size.DW, asm.frameBase, count, 1);
        Asm.Label skip = asm.label();
        asm.jumpImm(JumpOp.JSLE, 1, 0, skip);
        callback("loop", fn -> {
            asm.load(Size.DW, 1, asm.frameBase, count);
            asm.loadFunction(2, fn);
            frameContext(3);
            asm.movImm(4, 0);
        }, () -> {
            // (index, ctx): the variable is start + index
            enterFrame(2);
            asm.load(Size.DW, 2, 9, start);
            asm.alu(AluOp.ADD, 2, 1);
            asm.store(Size.DW, 9, slot, 2);
        }, f.body());
        asm.bind(skip);
    }

    /** {@code reg = } the context a helper passes to the loop's callback: the frame pointer. */
    private void frameContext(int reg) {
        asm.mov(reg, asm.frameBase);
    }

    /**
     * In a callback: r9 = the probe's frame pointer, the context in {@code ctx} ({@link #frameContext});
     * for a split frame, r7 = its scratch part, from the probe's stack.
     */
    private void enterFrame(int ctx) {
        asm.mov(9, ctx);
        if (pc.scratchFrame > 0) {
            asm.load(Size.DW, Asm.SCRATCH, 9, ProbeCompiler.SCRATCH_POINTER_SLOT);
        }
    }

    private boolean constant(Expr e) {
        return e instanceof Expr.IntLit || pc.typed.constant(e) != null
                || e instanceof Expr.Param
                || e instanceof Expr.Unary u && constant(u.operand())
                || e instanceof Expr.Binary b && constant(b.left()) && constant(b.right());
    }

    private void plainRange(Stmt.ForRange f, int slot) {
        int endSlot = pc.frame.alloc(8);
        pc.intExpr(f.to());
        asm.store(Size.DW, asm.frameBase, endSlot, 0);
        pc.intExpr(f.from());
        asm.store(Size.DW, asm.frameBase, slot, 0);
        Asm.Label top = asm.label();
        Asm.Label next = asm.label();
        Asm.Label end = asm.label();
        asm.bind(top);
        asm.load(Size.DW, 0, asm.frameBase, slot);
        asm.load(Size.DW, 1, asm.frameBase, endSlot);
        asm.jump(JumpOp.JSGE, 0, 1, end);
        pc.loops.push(new Asm.Label[] {end, next});
        pc.block(f.body());
        pc.loops.pop();
        asm.bind(next);
        asm.load(Size.DW, 0, asm.frameBase, slot);
        asm.aluImm(AluOp.ADD, 0, 1);
        asm.store(Size.DW, asm.frameBase, slot, 0);
        asm.jump(top);
        asm.bind(end);
    }

    /**
     * Calls a helper that runs a callback in a loop: {@code args} sets r1-r4 (with the callback's
     * label, and r3 the frame pointer as its context), {@code prologue} starts the callback (r9 =
     * the context), then the body.
     */
    private void callback(String helper, Consumer<Asm.Label> args, Runnable prologue, List<Stmt> body) {
        int flag = pc.frame.alloc(16); // the flag, then the probe's return value
        asm.storeImm(Size.DW, asm.frameBase, flag, 0);
        asm.storeImm(Size.DW, asm.frameBase, flag + 8, 0);
        Asm.Label fn = asm.label();
        args.accept(fn);
        asm.call(helper);
        Asm.Label stay = asm.label();
        asm.load(Size.DW, 1, asm.frameBase, flag);
        asm.jumpImm(JumpOp.JEQ, 1, 0, stay);
        // the loop is in the body of a function being inlined: its return leaves the function
        FunctionCalls.Frame function = pc.function;
        Asm.Label functionReturn = asm.label();
        if (function != null) {
            asm.jumpImm(JumpOp.JEQ, 1, FunctionCalls.RETURN_FLAG, functionReturn);
        }
        asm.load(Size.DW, 0, asm.frameBase, flag + 8);
        leave();
        if (function != null) {
            asm.bind(functionReturn);
            new FunctionCalls(pc).leave(function);
        }
        asm.bind(stay);
        int mark = pc.frame.mark();
        Map<String, Integer> slots = pc.varSlots;
        int depth = pc.callbackDepth;
        pc.deferred.add(() -> {
            int outer = pc.frame.mark();
            pc.frame.release(mark);
            Map<String, Integer> outerSlots = pc.varSlots;
            FunctionCalls.Frame outerFunction = pc.function;
            int outerDepth = pc.callbackDepth;
            int outerFlag = leaveFlag;
            pc.varSlots = slots;
            pc.function = function;
            pc.callbackDepth = depth + 1;
            asm.bind(fn);
            asm.frameBase = 9;
            pc.inCallback = true;
            leaveFlag = flag;
            prologue.run();
            Asm.Label brk = asm.label();
            Asm.Label cont = asm.label();
            pc.loops.push(new Asm.Label[] {brk, cont});
            pc.block(body);
            pc.loops.pop();
            asm.bind(cont);
            asm.movImm(0, 0);
            asm.exit();
            asm.bind(brk);
            asm.movImm(0, 1);
            asm.exit();
            asm.frameBase = pc.topFrameBase();
            pc.inCallback = false;
            leaveFlag = outerFlag;
            pc.varSlots = outerSlots;
            pc.function = outerFunction;
            pc.callbackDepth = outerDepth;
            pc.frame.release(outer);
        });
    }
}
