package org.bpf4j.trace.codegen;

import java.util.HashMap;
import java.util.Map;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.sema.Type;

/**
 * Calls of the script's functions ({@code fn f($a: int64): int64 { ... }}), inlined: the arguments
 * are evaluated into fresh frame slots that become the parameters, the function's other variables
 * get slots of their own, and the body is compiled in place with {@code return} writing the value
 * into the call's result slot and jumping to the end of the body. The type checker refuses
 * recursion, so inlining ends; there are no BPF-to-BPF calls, and the frame limits and the split
 * frame of {@link ProbeCompiler} apply to the function's slots as to the probe's.
 *
 * <p>A {@code return} in the callback of a {@code for} loop (a body a helper runs) cannot jump to
 * the end of the function: it sets the loop's flag to {@link #RETURN_FLAG}, and the code after the
 * helper (or the enclosing callbacks, one by one) carries it to the function's level.
 */
final class FunctionCalls {
    /** The value of a loop's flag ({@link Loops}) that a function's {@code return} in its callback sets. */
    static final int RETURN_FLAG = 2;

    /**
     * A function being inlined.
     *
     * @param function the function
     * @param scope its variables' owner in the typed program
     * @param end where its body ends (a return jumps there)
     * @param result the frame slot of its value (unused for {@code void})
     * @param resultType its value's type ({@link Type#NONE} for {@code void})
     * @param depth the callback depth ({@link ProbeCompiler#callbackDepth}) its body starts at
     */
    record Frame(Subprog function, Probe scope, Asm.Label end, int result, Type resultType, int depth) {}

    private final ProbeCompiler pc;
    private final Asm asm;

    FunctionCalls(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** Whether {@code e} calls a function of the script. */
    static boolean isCall(ProbeCompiler pc, Expr e) {
        return e instanceof Expr.Call c && pc.typed.program().subprog(c.name()).isPresent();
    }

    /** A call whose value, if any, is not used. */
    void statement(Expr.Call c) {
        Type t = pc.type(c);
        int m = pc.frame.mark();
        int result = t instanceof Type.None ? 0 : pc.frame.alloc(ProbeCompiler.storedSize(t));
        inline(c, result, t);
        pc.frame.release(m);
    }

    /** r0 = the value of a call of a function with an integer result. */
    void intValue(Expr.Call c) {
        Type t = pc.type(c);
        int m = pc.frame.mark();
        int result = pc.frame.alloc(8);
        inline(c, result, t);
        asm.load(Size.DW, 0, asm.frameBase, result);
        pc.frame.release(m);
    }

    /** Writes the value of a call (of the function's result type) into the frame at {@code off}. */
    void into(Expr.Call c, int off) {
        inline(c, off, pc.type(c));
    }

    private void inline(Expr.Call c, int result, Type resultType) {
        Subprog f = pc.typed.program().subprog(c.name()).orElseThrow();
        Probe scope = pc.typed.scope(f);
        Map<String, Type> vars = pc.typed.variables(scope);
        int m = pc.frame.mark();
        // the arguments, in the caller's variables, into the parameters' slots
        Map<String, Integer> slots = new HashMap<>();
        for (int i = 0; i < f.params().size(); i++) {
            String name = f.params().get(i).var().name();
            Type pt = vars.get(name);
            int slot = pc.frame.alloc(ProbeCompiler.storedSize(pt));
            pc.valueInto(c.args().get(i), pt, slot);
            slots.put(name, slot);
        }
        // the body's own variables, zeroed: a second call finds none of the first's values
        for (Map.Entry<String, Type> v : vars.entrySet()) {
            if (!slots.containsKey(v.getKey())) {
                int slot = pc.frame.alloc(ProbeCompiler.storedSize(v.getValue()));
                pc.zero(slot, ProbeCompiler.storedSize(v.getValue()));
                slots.put(v.getKey(), slot);
            }
        }
        Map<String, Integer> callerSlots = pc.varSlots;
        Frame callerFunction = pc.function;
        Asm.Label end = asm.label();
        pc.varSlots = slots;
        pc.function = new Frame(f, scope, end, result, resultType, pc.callbackDepth);
        pc.block(f.body());
        asm.bind(end);
        pc.varSlots = callerSlots;
        pc.function = callerFunction;
        pc.frame.release(m);
    }

    /** {@code return [value];} in the function being inlined. */
    void ret(Stmt.Jump j) {
        Frame fn = pc.function;
        if (j.value().isPresent()) {
            pc.valueInto(j.value().get(), fn.resultType(), fn.result());
        }
        leave(fn);
    }

    /**
     * Leaves the function: a jump to its end, or from a loop's callback deeper than the function's
     * body, the loop's flag set to {@link #RETURN_FLAG} and the callback left (see {@link Loops}).
     */
    void leave(Frame fn) {
        if (pc.callbackDepth == fn.depth()) {
            asm.jump(fn.end());
        } else {
            pc.forLoops.leaveFunction();
        }
    }
}
