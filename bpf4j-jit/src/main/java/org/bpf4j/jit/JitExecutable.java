package org.bpf4j.jit;

import java.lang.invoke.MethodHandle;
import org.bpf4j.vm.Executable;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.VmTrapException;

/**
 * A compiled program as the VM runs it: sets up a run (budget, tail call count, packet), enters
 * the compiled entry function and reports the result; runs helper callbacks in a new frame.
 * Thread-safe: all run state is in the {@link Execution} and its {@link JitState}.
 */
final class JitExecutable implements Executable {
    private final CompiledProgram program;
    /**
     * The entry function as a method handle that HotSpot cannot inline into the caller (it is not
     * a constant): compiled on its own, a program's loops came out up to three times faster than
     * inlined into {@code Execution.run} and the caller's loop (measured on the checksum benchmark).
     */
    private final MethodHandle entryHandle;

    JitExecutable(CompiledProgram program) {
        this.program = program;
        this.entryHandle = program.function(0, false, true);
    }

    CompiledProgram program() {
        return program;
    }

    @Override
    public long execute(Execution ex) {
        JitState st = JitState.of(ex);
        st.tailCalls = 0;
        st.mayGotoLeft = org.bpf4j.vm.Execution.MAY_GOTO_BUDGET;
        st.current = program;
        st.depth = 0;
        long budget = ex.budget();
        long r10 = ex.entryRegister(10);
        if (program.hasUncheckedAccesses()) {
            st.input(ex.entryRegister(1), program.usesInputSegment());
        }
        long r0;
        try {
            if (r10 == Memory.framePointer(0)) {
                r0 = invoke(entryHandle, st, ex.entryRegister(0), ex.entryRegister(1), ex.entryRegister(2),
                        ex.entryRegister(3), ex.entryRegister(4), ex.entryRegister(5), ex.entryRegister(6),
                        ex.entryRegister(7), ex.entryRegister(8), ex.entryRegister(9), r10,
                        budget + JitState.BUDGET_BIAS, 0);
            } else {
                r0 = invoke(program.function(0, false, false), st, ex.entryRegister(0), ex.entryRegister(1),
                        ex.entryRegister(2), ex.entryRegister(3), ex.entryRegister(4), ex.entryRegister(5),
                        ex.entryRegister(6), ex.entryRegister(7), ex.entryRegister(8), ex.entryRegister(9), r10,
                        budget + JitState.BUDGET_BIAS, 0);
            }
        } catch (JitRuntime.PacketEnd e) {
            r0 = 0;
        } catch (IndexOutOfBoundsException e) {
            if (!program.hasUncheckedAccesses()) {
                throw e;
            }
            throw JitRuntime.factsViolated(e);
        }
        ex.completed(budget - (st.remaining - JitState.BUDGET_BIAS), r0);
        return r0;
    }

    @Override
    public long callFunction(Execution ex, int slot, long r1, long r2, long r3, long r4, long r5) {
        JitState st = JitState.of(ex);
        if (st.interpreting > 0) {
            // A helper called by a function left to the interpreter: the call state is the interpreter's.
            return org.bpf4j.vm.Interpreter.INSTANCE.prepare(program.program()).callFunction(ex, slot, r1, r2, r3, r4,
                    r5);
        }
        int depth = st.depth + 1;
        if (depth >= Memory.MAX_CALL_FRAMES) {
            throw new VmTrapException(VmTrapException.Kind.CALL_DEPTH, ex.slot(),
                    "call nesting exceeds " + Memory.MAX_CALL_FRAMES + " frames");
        }
        CompiledProgram p = st.current;
        if (slot < 0 || slot >= p.slotCount() || !p.isInstructionStart(slot)) {
            throw new VmTrapException(VmTrapException.Kind.CALL, ex.slot(), "callback at instruction " + slot
                    + ", which is not the start of an instruction");
        }
        MethodHandle f = p.function(slot, true, true);
        ex.memory().clearFrame(depth);
        int savedDepth = st.depth;
        int savedSlot = ex.slot();
        try {
            return invoke(f, st, 0, r1, r2, r3, r4, r5, 0, 0, 0, 0, Memory.framePointer(depth), st.remaining, depth);
        } catch (JitRuntime.PacketEnd e) {
            return 0;
        } catch (IndexOutOfBoundsException e) {
            if (!p.hasUncheckedAccesses()) {
                throw e;
            }
            throw JitRuntime.factsViolated(e);
        } finally {
            st.depth = savedDepth;
            st.current = p;
            ex.enterHelper(savedSlot, savedDepth);
        }
    }

    private static long invoke(MethodHandle f, JitState st, long r0, long r1, long r2, long r3, long r4, long r5,
            long r6, long r7, long r8, long r9, long r10, long budget, int depth) {
        try {
            return (long) f.invokeExact(st, r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, budget, depth);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
