package org.bpf4j.jit;

import java.lang.invoke.CallSite;
import java.lang.invoke.ConstantCallSite;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.constant.ConstantDescs;
import java.nio.ByteOrder;
import org.bpf4j.vm.Helper;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.ProgArrayMap;

/**
 * The static methods that compiled code calls besides the VM's shared semantics: direct accesses
 * to the current stack frame (proven in bounds at compile time), traps with the interpreter's
 * messages, returns, tail calls, {@code callx}, and the bootstrap that links calls between the
 * hidden classes of one compilation. All small, so that HotSpot inlines them.
 */
final class JitRuntime {
    private JitRuntime() {}

    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * The trap for an access compiled without checks (from the verifier's facts) whose index the
     * JVM refused: the facts were wrong. Its slot is not known (-1): the generated methods' frames
     * are hidden from stack traces, and naming the slot would cost a store at every such access.
     */
    static VmTrapException factsViolated(IndexOutOfBoundsException e) {
        VmTrapException t = new VmTrapException(VmTrapException.Kind.MEMORY, -1, "memory access outside its region "
                + "(compiled without checks from verifier facts that do not hold; the JVM's bounds check stopped it)");
        t.initCause(e);
        return t;
    }

    // ---- the run's input memory, at addresses proven inside it ----

    private static final java.lang.foreign.ValueLayout.OfShort IN16 =
            java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfInt IN32 =
            java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final java.lang.foreign.ValueLayout.OfLong IN64 =
            java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static long inputLoad8(JitState st, long addr) {
        return st.inputSegment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, addr - st.inputBase) & 0xffL;
    }

    static long inputLoad16(JitState st, long addr) {
        return st.inputSegment.get(IN16, addr - st.inputBase) & 0xffffL;
    }

    static long inputLoad32(JitState st, long addr) {
        return st.inputSegment.get(IN32, addr - st.inputBase) & 0xffff_ffffL;
    }

    static long inputLoad64(JitState st, long addr) {
        return st.inputSegment.get(IN64, addr - st.inputBase);
    }

    // ---- the current stack frame, at offsets proven inside it ----

    static long frameLoad8(byte[] f, int i) {
        return f[i] & 0xffL;
    }

    static long frameLoad16(byte[] f, int i) {
        return (short) I16.get(f, i) & 0xffffL;
    }

    static long frameLoad32(byte[] f, int i) {
        return (int) I32.get(f, i) & 0xffff_ffffL;
    }

    static long frameLoad64(byte[] f, int i) {
        return (long) I64.get(f, i);
    }

    static void frameStore8(byte[] f, int i, long v) {
        f[i] = (byte) v;
    }

    static void frameStore16(byte[] f, int i, long v) {
        I16.set(f, i, (short) v);
    }

    static void frameStore32(byte[] f, int i, long v) {
        I32.set(f, i, (int) v);
    }

    static void frameStore64(byte[] f, int i, long v) {
        I64.set(f, i, v);
    }

    // ---- traps, with the interpreter's kinds and messages ----

    static VmTrapException budgetExhausted(int slot) {
        return new VmTrapException(VmTrapException.Kind.BUDGET, slot, "instruction budget exhausted");
    }

    static VmTrapException callDepth(int slot) {
        return new VmTrapException(VmTrapException.Kind.CALL_DEPTH, slot,
                "call nesting exceeds " + Memory.MAX_CALL_FRAMES + " frames");
    }

    static VmTrapException fellOff(int slot) {
        return new VmTrapException(VmTrapException.Kind.CONTROL, slot,
                "control fell off the end of the program without exit");
    }

    static VmTrapException secondHalf(int slot) {
        return new VmTrapException(VmTrapException.Kind.CONTROL, slot,
                "control reached the second half of an lddw instruction");
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /**
     * A legacy packet load read outside the packet: the run (or the helper callback) ends with
     * R0 = 0. Thrown without a stack trace and caught where the run began.
     */
    static final class PacketEnd extends RuntimeException {
        static final PacketEnd INSTANCE = new PacketEnd();

        private PacketEnd() {
            super(null, null, false, false);
        }
    }

    /**
     * The body of a function left to the interpreter (see {@link Jit.Fallback}): runs it there as
     * a callee with the registers, budget and depth compiled code hands it, and hands back what a
     * compiled function hands back (R0, and R1-R5, the budget left and the exit slot in the state).
     */
    static long interpret(JitState st, CompiledProgram p, long r0, long r1, long r2, long r3, long r4, long r5,
            long r6, long r7, long r8, long r9, long r10, long budget, int depth, int slot) {
        VmProgram program = p.program();
        long[] regs = {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, 0, 0};
        long result;
        st.interpreting++;
        try {
            result = Interpreter.runFunction(st.ex, program, regs, slot, depth, budget - JitState.BUDGET_BIAS);
        } finally {
            st.interpreting--;
        }
        st.r1 = regs[1];
        st.r2 = regs[2];
        st.r3 = regs[3];
        st.r4 = regs[4];
        st.r5 = regs[5];
        st.remaining = regs[Interpreter.BUDGET_LEFT] + JitState.BUDGET_BIAS;
        if (regs[Interpreter.EXIT_SLOT] < 0) {
            throw packetEnd(st, st.remaining);
        }
        st.exitSlot = (int) regs[Interpreter.EXIT_SLOT];
        return result;
    }

    static RuntimeException packetEnd(JitState st, long budget) {
        st.remaining = budget;
        return PacketEnd.INSTANCE;
    }

    // ---- the budget ----

    /**
     * The {@linkplain JitState#BUDGET_BIAS biased} budget less {@code amount} (positive), or the
     * budget trap at {@code slot} when less than {@code amount} is left, which is exactly when
     * the subtraction overflows. C2 compiles {@link Math#subtractExact} to one subtraction and a
     * jump on overflow to an uncommon trap, with no register held for the test: compared with 0
     * instead, compiled loops kept a register holding 0 (to rebuild {@code lcmp}'s result if the
     * trap is taken), and the checksum loop, short of registers, ran three times slower than
     * without a budget. (An exception handler per charge in the generated method instead of
     * this one made the class verifier's work grow with handlers times instructions.)
     */
    static long charge(long biased, long amount, int slot) {
        try {
            return Math.subtractExact(biased, amount);
        } catch (ArithmeticException e) {
            throw budgetExhausted(slot);
        }
    }

    // ---- calls ----

    /**
     * The budget after a bpf-to-bpf call returned: what the callee left, less the span from the
     * callee's entry to the exit it took (the interpreter's return charge).
     */
    static long chargeReturn(JitState st, int entry) {
        int exit = st.exitSlot;
        long span = exit - entry + 1;
        if (st.remaining - JitState.BUDGET_BIAS < span) {
            throw budgetExhausted(exit);
        }
        return st.remaining - span;
    }

    /**
     * {@code may_goto}: whether the jump is taken, the run's loop budget being spent; otherwise one
     * iteration of it is used (the interpreter's rule, {@link org.bpf4j.vm.Execution#MAY_GOTO_BUDGET}).
     */
    static boolean mayGoto(JitState st) {
        if (st.mayGotoLeft <= 0) {
            return true;
        }
        st.mayGotoLeft--;
        return false;
    }

    /**
     * {@code bpf_tail_call(ctx, R2 = prog_array, R3 = index)}: the entry of the program to continue
     * in, or null if the call fails and execution goes on (no such entry, or 33 tail calls made).
     */
    static MethodHandle tailCall(JitState st, CompiledProgram caller, long mapHandle, long index, int slot,
            long r10, int depth) {
        if (!(BpfMap.ofHandle(mapHandle).orElse(null) instanceof ProgArrayMap progs)) {
            throw new VmTrapException(VmTrapException.Kind.CALL, slot, "bpf_tail_call: R2 = " + hex(mapHandle)
                    + " is not a program array");
        }
        if (st.tailCalls >= Interpreter.MAX_TAIL_CALLS) {
            return null;
        }
        VmProgram target = progs.get(index);
        if (target == null) {
            return null;
        }
        st.tailCalls++;
        CompiledProgram p = caller.jit().compiledFor(target);
        return p.function(0, true, r10 == Memory.framePointer(depth));
    }

    /** The function a {@code callx} through a code address enters, or a trap if it is no instruction. */
    static MethodHandle callxTarget(CompiledProgram p, long value, int slot) {
        int target = (int) value;
        if (target < 0 || target > p.slotCount() || !p.isInstructionStart(target)) {
            throw new VmTrapException(VmTrapException.Kind.CALL, slot, "callx to " + hex(value)
                    + ", which is not the start of an instruction");
        }
        return p.function(target, true, true);
    }

    /** A {@code callx} through a value that is not a code address: a call of the helper with that id. */
    static long callxHelper(JitState st, CompiledProgram p, long value, int slot, int depth, long budget,
            long r1, long r2, long r3, long r4, long r5) {
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new VmTrapException(VmTrapException.Kind.CALL, slot, "callx to " + hex(value)
                    + ", which is neither a function address nor a helper id");
        }
        Helper h = st.ex.program().helpers().byId((int) value).orElseThrow(() -> new VmTrapException(
                VmTrapException.Kind.CALL, slot, "callx to helper " + value + ", which the VM does not implement"));
        st.enterHelper(budget, slot, depth, p);
        return h.call(st.ex, r1, r2, r3, r4, r5);
    }

    /** Bootstrap of calls between the hidden classes of one compilation unit. */
    static CallSite link(MethodHandles.Lookup caller, String name, MethodType type) throws ReflectiveOperationException {
        Linkage linkage = MethodHandles.classDataAt(caller, ConstantDescs.DEFAULT_NAME, Linkage.class, 0);
        return new ConstantCallSite(linkage.find(name, type));
    }
}
