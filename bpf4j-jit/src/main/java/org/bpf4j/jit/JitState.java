package org.bpf4j.jit;

import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Memory;

/**
 * What compiled code keeps per {@link Execution} besides its JVM locals: the sandbox, the budget
 * left when control leaves a method, the registers a bpf-to-bpf callee hands back (R1-R5 stay as
 * the callee left them, as in the interpreter), and the call state that helper callbacks need.
 * Created once per execution and kept with it ({@link Execution#engineState()}); confined to the
 * execution's thread.
 */
final class JitState {
    final Execution ex;
    final Memory mem;
    /** The eight stack frames, so that compiled code reaches its frame with one array load. */
    final byte[][] frames = new byte[Memory.MAX_CALL_FRAMES][];

    /**
     * The input memory of the current run (the region R1 points to at entry, as the load and the
     * store table hold it: empty where the program may not read or write it), for accesses the
     * verifier proved inside it; set at the start of each run.
     */
    byte[] inputLoad;
    byte[] inputStore;
    /**
     * {@link #inputLoad} as a memory segment, for loads proved inside the input
     * ({@link JitRuntime#inputLoad8} and its kin), made again only when the array changes; and the
     * address of the input's first byte, so that an access's offset in the segment is its address
     * minus this base: an address in another region falls outside the segment, whose bounds test
     * (a long comparison on an offset that moves with the loop counter, which HotSpot hoists out of
     * counted loops) then stops it.
     */
    java.lang.foreign.MemorySegment inputSegment = java.lang.foreign.MemorySegment.ofArray(NONE);
    long inputBase;
    private byte[] segmentArray = NONE;

    /**
     * Compiled code holds the budget left plus this bias (wrapping): a value in
     * {@code [Long.MIN_VALUE, -1]} while some is left, so that a charge runs out exactly when
     * {@link Math#subtractExact} overflows, which C2 compiles to one subtraction and a jump on
     * overflow. Only {@link JitExecutable} and {@link JitRuntime} convert (add it again: the bias
     * is its own inverse).
     */
    static final long BUDGET_BIAS = Long.MIN_VALUE;

    /**
     * The budget left ({@linkplain #BUDGET_BIAS biased}), written whenever control leaves
     * compiled code (exit, helper call, packet end).
     */
    long remaining;
    /** The slot of the exit instruction that ended the last function, for the caller's return charge. */
    int exitSlot;
    /** R1-R5 as the last function left them. */
    long r1, r2, r3, r4, r5;
    /** Tail calls made in this run. */
    int tailCalls;
    /** The {@code may_goto} iterations left in this run ({@link org.bpf4j.vm.Execution#MAY_GOTO_BUDGET} at its start). */
    long mayGotoLeft;
    /** The call depth and the program of the frame making the current helper call, for callbacks. */
    int depth;
    CompiledProgram current;
    /**
     * How many functions left to the interpreter are running (callbacks their helpers make run on
     * the interpreter, which keeps their call state in the execution).
     */
    int interpreting;

    JitState(Execution ex) {
        this.ex = ex;
        this.mem = ex.memory();
        for (int d = 0; d < frames.length; d++) {
            frames[d] = mem.frame(d);
        }
    }

    /** The state of an execution, created on its first run. */
    static JitState of(Execution ex) {
        if (ex.engineState() instanceof JitState st) {
            return st;
        }
        JitState st = new JitState(ex);
        ex.setEngineState(st);
        return st;
    }

    /**
     * Points {@link #inputLoad} and {@link #inputStore} at the region an address (R1 at entry) is
     * in, and with {@code segment} also {@link #inputSegment} and {@link #inputBase}.
     */
    void input(long r1, boolean segment) {
        int region = Memory.regionOf(r1);
        byte[][] loads = mem.loadTable();
        byte[][] stores = mem.storeTable();
        inputLoad = region >= 0 && region < loads.length ? loads[region] : NONE;
        inputStore = region >= 0 && region < stores.length ? stores[region] : NONE;
        if (!segment) {
            return;
        }
        if (segmentArray != inputLoad) {
            segmentArray = inputLoad;
            inputSegment = java.lang.foreign.MemorySegment.ofArray(inputLoad);
        }
        inputBase = r1 & 0xffff_ffff_0000_0000L;
    }

    private static final byte[] NONE = new byte[0];

    /** Called by compiled code before a helper call: publishes what callbacks and helpers read. */
    void enterHelper(long budget, int slot, int callDepth, CompiledProgram program) {
        remaining = budget;
        depth = callDepth;
        current = program;
        ex.enterHelper(slot, callDepth);
    }
}
