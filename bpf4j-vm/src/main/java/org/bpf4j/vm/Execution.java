package org.bpf4j.vm;

import java.util.Arrays;

/**
 * The mutable state of running one program on one thread: registers, stack frames, the memory
 * sandbox and the instruction budget. Reusable for many runs; not thread-safe.
 */
public final class Execution implements CallContext {
    private static final byte[] NO_PACKET = new byte[0];

    final VmProgram program;
    final Memory memory = new Memory();
    final long[] regs = new long[org.bpf4j.isa.Opcodes.REGISTER_COUNT];
    final long[] frames = new long[Memory.MAX_CALL_FRAMES * 6];
    /** The program each caller frame runs, which a tail call in a callee may have changed. */
    final Lowering.Lowered[] frameCode = new Lowering.Lowered[Memory.MAX_CALL_FRAMES];
    int tailCalls;
    byte[] packet = NO_PACKET;
    private ContextRegion runContext;
    long budget;
    /**
     * How many times {@code may_goto} may fall through into its loop in one run before it jumps:
     * the kernel's {@code BPF_MAX_LOOPS} (8M), which bounds loops the verifier cannot bound.
     * Both engines count it per run.
     */
    public static final long MAY_GOTO_BUDGET = 8L * 1024 * 1024;
    /** The {@code may_goto} iterations left in the current run. */
    long mayGotoLeft;
    long remaining;
    long executed;
    int slot;
    /** The call depth and the program of the frame making a helper call, for callbacks. */
    int depth;
    Lowering.Lowered current;
    private Object engineState;
    private final int cpu = Cpus.current();
    /** The {@code bpf_spin_lock} this execution holds (its storage and offset), or null. */
    byte[] lockArray;
    int lockOffset;

    Execution(VmProgram program) {
        this.program = program;
        this.budget = program.options().instructionBudget();
    }

    /** The program this execution runs. */
    public VmProgram program() {
        return program;
    }

    @Override
    public Memory memory() {
        return memory;
    }

    @Override
    public int slot() {
        return slot;
    }

    @Override
    public int cpu() {
        return cpu;
    }

    @Override
    public Environment environment() {
        return program.options().environment();
    }

    /** Sets the packet that legacy packet loads ({@code ldabs}, {@code ldind}) read. */
    public void setPacket(byte[] packet) {
        this.packet = packet == null ? NO_PACKET : packet;
    }

    /**
     * Runs the program with R1-R5 set to the arguments (missing ones are 0) and R10 at the top of
     * a cleared stack frame; returns R0.
     *
     * @throws VmTrapException if the program breaks a sandbox rule
     */
    public long run(long... args) {
        if (args.length > 5) {
            throw new IllegalArgumentException("a program takes at most 5 arguments, not " + args.length);
        }
        Arrays.fill(regs, 0);
        System.arraycopy(args, 0, regs, 1, args.length);
        regs[org.bpf4j.isa.Opcodes.FP] = Memory.framePointer(0);
        memory.clearFrame(0);
        executed = 0;
        tailCalls = 0;
        mayGotoLeft = MAY_GOTO_BUDGET;
        long r0;
        boolean leaked;
        try {
            r0 = program.executable().execute(this);
        } finally {
            leaked = lockArray != null;
            if (leaked) {
                releaseLock();
            }
        }
        if (leaked) {
            throw new VmTrapException(VmTrapException.Kind.CALL, slot, "the program ended holding a bpf_spin_lock "
                    + "(released now; the kernel's verifier requires bpf_spin_unlock first)");
        }
        return r0;
    }

    /** Releases the spin lock this execution holds. */
    void releaseLock() {
        org.bpf4j.vm.map.SpecialFields.unlock(lockArray, lockOffset);
        lockArray = null;
    }

    /**
     * Runs the program over a context: the sandbox drops the regions of earlier runs, the context
     * (and its packet, for a {@link PacketContext}) becomes visible, R1 points to it; returns R0.
     * For a packet context, the legacy packet loads read the packet's data.
     *
     * @throws VmTrapException if the program breaks a sandbox rule
     */
    public long runWith(ContextRegion context) {
        memory.reset();
        long addr;
        if (context instanceof PacketContext pc) {
            pc.clearRedirect();
            addr = pc.attach(memory);
            legacyPacket(pc.packet());
        } else {
            setPacket(null);
            addr = memory.addContext("context", context);
        }
        runContext = context;
        try {
            return run(addr);
        } finally {
            if (context instanceof PacketContext pc) {
                pc.packet().detach();
            }
            runContext = null;
        }
    }

    /** Points the legacy packet loads at the packet's data: the live window when no metadata precedes it. */
    void legacyPacket(PacketBuffer p) {
        setPacket(p.meta() == p.data() ? p.window()
                : Arrays.copyOfRange(p.window(), p.data() - p.meta(), p.end() - p.meta()));
    }

    @Override
    public ContextRegion runContext() {
        return runContext;
    }

    /**
     * Runs as the conformance suite does: R1 points to a writable copy of {@code data} (also the
     * packet), R2 is its length; with null data both are 0. Regions from earlier runs are dropped.
     */
    public long runWithMemory(byte[] data) {
        return runOnMemory(data == null ? null : data.clone());
    }

    /**
     * Runs as {@link #runWithMemory} does, but over {@code data} itself rather than a copy: the
     * program's stores change the caller's array, and a later run over the same array sees them,
     * as the repeated runs of one {@code BPF_PROG_TEST_RUN} share one copy of its data. With null
     * data R1 and R2 are 0.
     */
    public long runOnMemory(byte[] data) {
        memory.reset();
        if (data == null) {
            setPacket(null);
            return run(0, 0);
        }
        setPacket(data);
        long addr = memory.add("memory", data, true);
        return run(addr, data.length);
    }

    /**
     * The instruction budget the last completed run used, as the engines charge it (see
     * {@link Interpreter}): loop spans at backward jumps and callee spans at returns. It bounds the
     * instructions executed from above, to within the program's length per charge; straight-line
     * code is free. Undefined after a run that trapped.
     */
    public long budgetUsed() {
        return executed;
    }

    /** The registers after the last run (R0-R10), for tests and debuggers. */
    public long[] registers() {
        return regs.clone();
    }

    // ---- for engines: the contract between an Executable and the execution it runs in ----

    /** For engines: the value of a register at entry (R1-R5 arguments, R10 the frame pointer). */
    public long entryRegister(int reg) {
        return regs[reg];
    }

    /** For engines: the instruction budget of one run. */
    public long budget() {
        return budget;
    }

    /** For engines: the packet of legacy packet loads (never null). */
    public byte[] packet() {
        return packet;
    }

    /**
     * For engines: records how a run ended, so {@link #budgetUsed()} and {@link #registers()}
     * report it.
     */
    public void completed(long budgetUsed, long r0) {
        executed = budgetUsed;
        regs[0] = r0;
    }

    /** For engines: the slot of the helper call being made, for the helper's error messages. */
    public void enterHelper(int callSlot) {
        slot = callSlot;
    }

    /**
     * For engines: the slot and the call depth of the helper call being made (helpers that hand
     * the program memory of their own, such as {@code bpf_for_each_map_elem}, use one region per depth).
     */
    public void enterHelper(int callSlot, int callDepth) {
        slot = callSlot;
        depth = callDepth;
    }

    /**
     * For engines: the state an engine keeps with this execution between runs, or null before it
     * sets one. The engine that sets it owns it; like the execution, it is confined to one thread.
     */
    public Object engineState() {
        return engineState;
    }

    /** For engines: sets the state returned by {@link #engineState()}. */
    public void setEngineState(Object state) {
        engineState = state;
    }

    @Override
    public long callFunction(long codeAddress, long r1, long r2, long r3, long r4, long r5) {
        if (Memory.regionOf(codeAddress) != Memory.CODE_REGION) {
            throw new VmTrapException(VmTrapException.Kind.CALL, slot, "callback " + Memory.hex(codeAddress)
                    + " is not a function address (" + memory.describe(codeAddress) + ")");
        }
        return program.executable().callFunction(this, (int) codeAddress, r1, r2, r3, r4, r5);
    }
}
