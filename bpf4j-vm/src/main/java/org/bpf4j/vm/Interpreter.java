package org.bpf4j.vm;

import org.bpf4j.isa.AtomicOp;

/**
 * The interpreter: one loop over the flat form of {@link Lowering}, dispatching with a single
 * table switch. Registers live in a {@code long[]}; every memory access goes through the checked
 * accessors of {@link Memory} and {@link Atomics}; non-trivial arithmetic goes through
 * {@link Arithmetic}. Those classes hold the semantics, which the JIT shares.
 *
 * <p>The instruction budget is charged where execution can repeat: a taken backward jump pays the
 * span it jumps back over (the length of the loop body), and a return from a bpf-to-bpf call pays
 * the span from the callee's entry to its exit. Between two charges execution is straight-line,
 * so the charge bounds the instructions executed to within the program's length, while forward
 * code pays nothing (charging every taken jump exactly cost a third of the loop speed). A budget
 * that runs out ends the run with a {@link VmTrapException}.
 *
 * <p>The loop method must stay under HotSpot's 8,000-byte limit for compilation; uncommon work
 * (calls, traps, packet loads) lives in separate methods.
 */
public final class Interpreter implements Engine {
    private static final AtomicOp[] ATOMIC_OPS = AtomicOp.values();
    private static final int FRAME_WORDS = 6;

    /** The interpreter engine. */
    public static final Interpreter INSTANCE = new Interpreter();

    private Interpreter() {}

    @Override
    public String name() {
        return "interp";
    }

    @Override
    public Executable prepare(VmProgram program) {
        Lowering.Lowered lowered = program.lowered();
        return new Executable() {
            @Override
            public long execute(Execution ex) {
                // A local register file of 16 lets the JIT compiler drop the bounds checks of r[d] and r[s].
                long[] r = new long[16];
                System.arraycopy(ex.regs, 0, r, 0, ex.regs.length);
                ex.remaining = ex.budget;
                long r0 = run(lowered, ex, r, 0, 0);
                System.arraycopy(r, 0, ex.regs, 0, ex.regs.length);
                ex.executed = ex.budget - ex.remaining;
                return r0;
            }

            @Override
            public long callFunction(Execution ex, int slot, long r1, long r2, long r3, long r4, long r5) {
                return callback(ex, slot, r1, r2, r3, r4, r5);
            }
        };
    }

    /**
     * Runs a function of the current program from a helper (a {@code bpf_loop} or
     * {@code for_each_map_elem} callback) in a new frame above the caller's, and returns its R0.
     */
    static long callback(Execution ex, int slot, long r1, long r2, long r3, long r4, long r5) {
        int depth = ex.depth + 1;
        if (depth >= Memory.MAX_CALL_FRAMES) {
            throw new VmTrapException(VmTrapException.Kind.CALL_DEPTH, ex.slot,
                    "call nesting exceeds " + Memory.MAX_CALL_FRAMES + " frames");
        }
        Lowering.Lowered p = ex.current;
        if (slot < 0 || slot >= p.code().length - 1 || ((int) p.code()[slot] & 0xff) == Op.INVALID) {
            throw new VmTrapException(VmTrapException.Kind.CALL, ex.slot, "callback at instruction " + slot
                    + ", which is not the start of an instruction");
        }
        long[] r = new long[16];
        r[1] = r1;
        r[2] = r2;
        r[3] = r3;
        r[4] = r4;
        r[5] = r5;
        r[10] = Memory.framePointer(depth);
        ex.memory.clearFrame(depth);
        int savedDepth = ex.depth;
        int savedSlot = ex.slot;
        try {
            return run(p, ex, r, slot, depth);
        } finally {
            ex.depth = savedDepth;
            ex.slot = savedSlot;
            ex.current = p;
        }
    }

    /** Index in {@link #runFunction}'s register array of the budget left. */
    public static final int BUDGET_LEFT = 11;
    /** Index in {@link #runFunction}'s register array of the exit slot, or -1 if the run ended the program. */
    public static final int EXIT_SLOT = 12;

    /**
     * For a compiling engine that leaves one function to the interpreter (its fallback for a
     * function it cannot compile): runs the function of {@code program} that starts at
     * {@code slot} as a bpf-to-bpf callee at call depth {@code depth}, its frame already cleared,
     * from the registers {@code regs[0..10]} (R10 the frame pointer of {@code depth}) and the
     * budget left, until that function exits. Everything it calls is interpreted too. Returns R0;
     * afterwards {@code regs[0..10]} hold the registers as the function left them,
     * {@code regs[BUDGET_LEFT]} the budget left, and {@code regs[EXIT_SLOT]} the slot of the
     * {@code exit} (for the caller's return charge), or -1 when a legacy packet load past the end
     * of the packet ended the whole program (R0 is then 0).
     *
     * @param regs at least 13 elements
     */
    public static long runFunction(Execution ex, VmProgram program, long[] regs, int slot, int depth, long budget) {
        long[] r = new long[16];
        System.arraycopy(regs, 0, r, 0, 11);
        r[15] = -1;
        ex.remaining = budget;
        long r0 = run(program.lowered(), ex, r, slot, depth);
        System.arraycopy(r, 0, regs, 0, 11);
        regs[BUDGET_LEFT] = ex.remaining;
        regs[EXIT_SLOT] = r[15];
        return r0;
    }

    /**
     * Runs from {@code pc} at call depth {@code base} until the function there returns; returns R0.
     * The budget lives in {@code ex.remaining} across helper calls, so callbacks share it.
     */
    private static long run(Lowering.Lowered entry, Execution ex, long[] r, int start, int entryDepth) {
        Lowering.Lowered p = entry;
        long[] code = p.code();
        final Memory m = ex.memory;
        long budget = ex.remaining;
        int pc = start;
        int depth = entryDepth;
        for (;;) {
            final long w = code[pc];
            final int d = (int) (w >>> 8) & 0xf;
            final int s = (int) (w >>> 12) & 0xf;
            switch ((int) w & 0xff) {
                case Op.ADD64_K -> { r[d] += (w >> 32); pc++; }
                case Op.ADD64_X -> { r[d] += r[s]; pc++; }
                case Op.ADD32_K -> { r[d] = (int) (r[d] + (w >> 32)) & 0xffff_ffffL; pc++; }
                case Op.ADD32_X -> { r[d] = (int) (r[d] + r[s]) & 0xffff_ffffL; pc++; }
                case Op.SUB64_K -> { r[d] -= (w >> 32); pc++; }
                case Op.SUB64_X -> { r[d] -= r[s]; pc++; }
                case Op.SUB32_K -> { r[d] = (int) (r[d] - (w >> 32)) & 0xffff_ffffL; pc++; }
                case Op.SUB32_X -> { r[d] = (int) (r[d] - r[s]) & 0xffff_ffffL; pc++; }
                case Op.MUL64_K -> { r[d] *= (w >> 32); pc++; }
                case Op.MUL64_X -> { r[d] *= r[s]; pc++; }
                case Op.MUL32_K -> { r[d] = ((int) r[d] * (int) (w >> 32)) & 0xffff_ffffL; pc++; }
                case Op.MUL32_X -> { r[d] = ((int) r[d] * (int) r[s]) & 0xffff_ffffL; pc++; }
                case Op.DIV64_K -> { r[d] = Arithmetic.div64(r[d], (w >> 32)); pc++; }
                case Op.DIV64_X -> { r[d] = Arithmetic.div64(r[d], r[s]); pc++; }
                case Op.DIV32_K -> { r[d] = Arithmetic.div32(r[d], (w >> 32)); pc++; }
                case Op.DIV32_X -> { r[d] = Arithmetic.div32(r[d], r[s]); pc++; }
                case Op.SDIV64_K -> { r[d] = Arithmetic.sdiv64(r[d], (w >> 32)); pc++; }
                case Op.SDIV64_X -> { r[d] = Arithmetic.sdiv64(r[d], r[s]); pc++; }
                case Op.SDIV32_K -> { r[d] = Arithmetic.sdiv32(r[d], (w >> 32)); pc++; }
                case Op.SDIV32_X -> { r[d] = Arithmetic.sdiv32(r[d], r[s]); pc++; }
                case Op.OR64_K -> { r[d] |= (w >> 32); pc++; }
                case Op.OR64_X -> { r[d] |= r[s]; pc++; }
                case Op.OR32_K -> { r[d] = (r[d] | (w >>> 32)) & 0xffff_ffffL; pc++; }
                case Op.OR32_X -> { r[d] = (r[d] | r[s]) & 0xffff_ffffL; pc++; }
                case Op.AND64_K -> { r[d] &= (w >> 32); pc++; }
                case Op.AND64_X -> { r[d] &= r[s]; pc++; }
                case Op.AND32_K -> { r[d] = r[d] & (w >>> 32); pc++; }
                case Op.AND32_X -> { r[d] = r[d] & r[s] & 0xffff_ffffL; pc++; }
                case Op.LSH64_K -> { r[d] <<= (w >> 32); pc++; }
                case Op.LSH64_X -> { r[d] <<= r[s]; pc++; }
                case Op.LSH32_K -> { r[d] = Arithmetic.lsh32(r[d], (w >> 32)); pc++; }
                case Op.LSH32_X -> { r[d] = Arithmetic.lsh32(r[d], r[s]); pc++; }
                case Op.RSH64_K -> { r[d] >>>= (w >> 32); pc++; }
                case Op.RSH64_X -> { r[d] >>>= r[s]; pc++; }
                case Op.RSH32_K -> { r[d] = Arithmetic.rsh32(r[d], (w >> 32)); pc++; }
                case Op.RSH32_X -> { r[d] = Arithmetic.rsh32(r[d], r[s]); pc++; }
                case Op.MOD64_K -> { r[d] = Arithmetic.mod64(r[d], (w >> 32)); pc++; }
                case Op.MOD64_X -> { r[d] = Arithmetic.mod64(r[d], r[s]); pc++; }
                case Op.MOD32_K -> { r[d] = Arithmetic.mod32(r[d], (w >> 32)); pc++; }
                case Op.MOD32_X -> { r[d] = Arithmetic.mod32(r[d], r[s]); pc++; }
                case Op.SMOD64_K -> { r[d] = Arithmetic.smod64(r[d], (w >> 32)); pc++; }
                case Op.SMOD64_X -> { r[d] = Arithmetic.smod64(r[d], r[s]); pc++; }
                case Op.SMOD32_K -> { r[d] = Arithmetic.smod32(r[d], (w >> 32)); pc++; }
                case Op.SMOD32_X -> { r[d] = Arithmetic.smod32(r[d], r[s]); pc++; }
                case Op.XOR64_K -> { r[d] ^= (w >> 32); pc++; }
                case Op.XOR64_X -> { r[d] ^= r[s]; pc++; }
                case Op.XOR32_K -> { r[d] = (r[d] ^ (w >>> 32)) & 0xffff_ffffL; pc++; }
                case Op.XOR32_X -> { r[d] = (r[d] ^ r[s]) & 0xffff_ffffL; pc++; }
                case Op.MOV64_K -> { r[d] = w >> 32; pc++; }
                case Op.MOV32_K -> { r[d] = w >>> 32; pc++; }
                case Op.LDDW -> { r[d] = p.wide()[pc]; pc += 2; }
                case Op.MOV64_X -> { r[d] = r[s]; pc++; }
                case Op.MOV32_X -> { r[d] = r[s] & 0xffff_ffffL; pc++; }
                case Op.ARSH64_K -> { r[d] >>= (w >> 32); pc++; }
                case Op.ARSH64_X -> { r[d] >>= r[s]; pc++; }
                case Op.ARSH32_K -> { r[d] = Arithmetic.arsh32(r[d], (w >> 32)); pc++; }
                case Op.ARSH32_X -> { r[d] = Arithmetic.arsh32(r[d], r[s]); pc++; }
                case Op.NEG64 -> { r[d] = -r[d]; pc++; }
                case Op.NEG32 -> { r[d] = -(int) r[d] & 0xffff_ffffL; pc++; }
                case Op.MOVSX64_8 -> { r[d] = (byte) r[s]; pc++; }
                case Op.MOVSX64_16 -> { r[d] = (short) r[s]; pc++; }
                case Op.MOVSX64_32 -> { r[d] = (int) r[s]; pc++; }
                case Op.MOVSX32_8 -> { r[d] = (byte) r[s] & 0xffff_ffffL; pc++; }
                case Op.MOVSX32_16 -> { r[d] = (short) r[s] & 0xffff_ffffL; pc++; }
                case Op.LE16 -> { r[d] &= 0xffffL; pc++; }
                case Op.LE32 -> { r[d] &= 0xffff_ffffL; pc++; }
                case Op.BSWAP16 -> { r[d] = Arithmetic.bswap16(r[d]); pc++; }
                case Op.BSWAP32 -> { r[d] = Arithmetic.bswap32(r[d]); pc++; }
                case Op.BSWAP64 -> { r[d] = Arithmetic.bswap64(r[d]); pc++; }
                case Op.NOP -> pc++;
                case Op.LDXB -> { r[d] = Memory.load8(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXH -> { r[d] = Memory.load16(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXW -> { r[d] = Memory.load32(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXDW -> { r[d] = Memory.load64(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXSB -> { r[d] = (byte) Memory.load8(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXSH -> { r[d] = (short) Memory.load16(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.LDXSW -> { r[d] = (int) Memory.load32(m, r[s] + (short) (w >>> 16), pc); pc++; }
                case Op.STB -> { Memory.store8(m, r[d] + (short) (w >>> 16), (w >> 32), pc); pc++; }
                case Op.STH -> { Memory.store16(m, r[d] + (short) (w >>> 16), (w >> 32), pc); pc++; }
                case Op.STW -> { Memory.store32(m, r[d] + (short) (w >>> 16), (w >> 32), pc); pc++; }
                case Op.STDW -> { Memory.store64(m, r[d] + (short) (w >>> 16), (w >> 32), pc); pc++; }
                case Op.STXB -> { Memory.store8(m, r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.STXH -> { Memory.store16(m, r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.STXW -> { Memory.store32(m, r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.STXDW -> { Memory.store64(m, r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.ATOMIC32 -> { Atomics.fetch32(m, ATOMIC_OPS[(int) (w >> 32)], r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.ATOMIC64 -> { Atomics.fetch64(m, ATOMIC_OPS[(int) (w >> 32)], r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.ATOMIC_FETCH32 -> { r[s] = Atomics.fetch32(m, ATOMIC_OPS[(int) (w >> 32)], r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.ATOMIC_FETCH64 -> { r[s] = Atomics.fetch64(m, ATOMIC_OPS[(int) (w >> 32)], r[d] + (short) (w >>> 16), r[s], pc); pc++; }
                case Op.CMPXCHG32 -> { r[0] = Atomics.cmpxchg32(m, r[d] + (short) (w >>> 16), r[0], r[s], pc); pc++; }
                case Op.CMPXCHG64 -> { r[0] = Atomics.cmpxchg64(m, r[d] + (short) (w >>> 16), r[0], r[s], pc); pc++; }
                case Op.LOAD_ACQ -> { r[d] = Atomics.loadAcquire(m, r[s] + (short) (w >>> 16), (int) (w >> 32), pc); pc++; }
                case Op.STORE_REL -> { Atomics.storeRelease(m, r[d] + (short) (w >>> 16), (int) (w >> 32), r[s], pc); pc++; }
                case Op.LDABS, Op.LDIND -> {
                    long v = Packets.legacyLoad(ex.packet, (((int) w & 0xff) == Op.LDIND ? r[s] : 0) + (int) (w >> 32), (int) (w >>> 16) & 0xff);
                    if (v < 0) {
                        ex.remaining = budget;
                        return 0;
                    }
                    r[0] = v;
                    pc++;
                }
                case Op.JEQ64_K -> {
                    if (r[d] == (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JEQ64_X -> {
                    if (r[d] == r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JEQ32_K -> {
                    if ((int) r[d] == (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JEQ32_X -> {
                    if ((int) r[d] == (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JNE64_K -> {
                    if (r[d] != (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JNE64_X -> {
                    if (r[d] != r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JNE32_K -> {
                    if ((int) r[d] != (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JNE32_X -> {
                    if ((int) r[d] != (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGT64_K -> {
                    if (Long.compareUnsigned(r[d], (w >> 32)) > 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGT64_X -> {
                    if (Long.compareUnsigned(r[d], r[s]) > 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGT32_K -> {
                    if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) > 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGT32_X -> {
                    if (Integer.compareUnsigned((int) r[d], (int) r[s]) > 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGE64_K -> {
                    if (Long.compareUnsigned(r[d], (w >> 32)) >= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGE64_X -> {
                    if (Long.compareUnsigned(r[d], r[s]) >= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGE32_K -> {
                    if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) >= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JGE32_X -> {
                    if (Integer.compareUnsigned((int) r[d], (int) r[s]) >= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLT64_K -> {
                    if (Long.compareUnsigned(r[d], (w >> 32)) < 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLT64_X -> {
                    if (Long.compareUnsigned(r[d], r[s]) < 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLT32_K -> {
                    if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) < 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLT32_X -> {
                    if (Integer.compareUnsigned((int) r[d], (int) r[s]) < 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLE64_K -> {
                    if (Long.compareUnsigned(r[d], (w >> 32)) <= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLE64_X -> {
                    if (Long.compareUnsigned(r[d], r[s]) <= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLE32_K -> {
                    if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) <= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JLE32_X -> {
                    if (Integer.compareUnsigned((int) r[d], (int) r[s]) <= 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGT64_K -> {
                    if (r[d] > (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGT64_X -> {
                    if (r[d] > r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGT32_K -> {
                    if ((int) r[d] > (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGT32_X -> {
                    if ((int) r[d] > (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGE64_K -> {
                    if (r[d] >= (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGE64_X -> {
                    if (r[d] >= r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGE32_K -> {
                    if ((int) r[d] >= (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSGE32_X -> {
                    if ((int) r[d] >= (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLT64_K -> {
                    if (r[d] < (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLT64_X -> {
                    if (r[d] < r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLT32_K -> {
                    if ((int) r[d] < (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLT32_X -> {
                    if ((int) r[d] < (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLE64_K -> {
                    if (r[d] <= (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLE64_X -> {
                    if (r[d] <= r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLE32_K -> {
                    if ((int) r[d] <= (int) (w >> 32)) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSLE32_X -> {
                    if ((int) r[d] <= (int) r[s]) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSET64_K -> {
                    if ((r[d] & (w >> 32)) != 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSET64_X -> {
                    if ((r[d] & r[s]) != 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSET32_K -> {
                    if (((int) r[d] & (int) (w >> 32)) != 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JSET32_X -> {
                    if (((int) r[d] & (int) r[s]) != 0) { int o = (short) (w >>> 16); if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc); pc += o + 1; }
                    else pc++;
                }
                case Op.JA -> {
                    int o = (int) (w >> 32);
                    if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc);
                    pc += o + 1;
                }
                case Op.MAY_GOTO -> {
                    if (ex.mayGotoLeft <= 0) {
                        int o = (int) (w >> 32);
                        if (o < 0 && (budget += o) < 0) throw budgetExhausted(pc);
                        pc += o + 1;
                    } else {
                        ex.mayGotoLeft--;
                        pc++;
                    }
                }
                case Op.CALL_HELPER -> {
                    ex.slot = pc;
                    ex.depth = depth;
                    ex.current = p;
                    ex.remaining = budget;
                    r[0] = p.helpers()[(int) (w >> 32)].call(ex, r[1], r[2], r[3], r[4], r[5]);
                    budget = ex.remaining;
                    pc++;
                }
                case Op.TAIL_CALL -> {
                    Lowering.Lowered next = tailCallTarget(ex, r[2], r[3], pc);
                    if (next == null) {
                        pc++;
                    } else {
                        p = next;
                        code = next.code();
                        pc = 0;
                    }
                }
                case Op.CALL_LOCAL, Op.CALLX -> {
                    int target;
                    if (((int) w & 0xff) == Op.CALL_LOCAL) {
                        target = (int) (w >> 32);
                    } else {
                        ex.depth = depth;
                        ex.current = p;
                        ex.remaining = budget;
                        target = callTarget(p, ex, r, r[d], pc);
                        budget = ex.remaining;
                        if (target < 0) {
                            pc++;
                            continue;
                        }
                    }
                    if (depth + 1 >= Memory.MAX_CALL_FRAMES) {
                        throw new VmTrapException(VmTrapException.Kind.CALL_DEPTH, pc,
                                "call nesting exceeds " + Memory.MAX_CALL_FRAMES + " frames");
                    }
                    long[] f = ex.frames;
                    int base = depth * FRAME_WORDS;
                    f[base] = r[6];
                    f[base + 1] = r[7];
                    f[base + 2] = r[8];
                    f[base + 3] = r[9];
                    f[base + 4] = r[10];
                    f[base + 5] = (long) target << 32 | (pc + 1);
                    ex.frameCode[depth] = p;
                    depth++;
                    m.clearFrame(depth);
                    r[10] = Memory.framePointer(depth);
                    pc = target;
                }
                case Op.EXIT -> {
                    if (depth == entryDepth) {
                        ex.remaining = budget;
                        r[15] = pc; // the exit slot, for runFunction (r[11..15] are no registers)
                        return r[0];
                    }
                    depth--;
                    long[] f = ex.frames;
                    int base = depth * FRAME_WORDS;
                    // A return pays for the callee's span from its entry to this exit.
                    if ((budget -= pc - (int) (f[base + 5] >>> 32) + 1) < 0) throw budgetExhausted(pc);
                    r[6] = f[base];
                    r[7] = f[base + 1];
                    r[8] = f[base + 2];
                    r[9] = f[base + 3];
                    r[10] = f[base + 4];
                    pc = (int) f[base + 5];
                    p = ex.frameCode[depth];
                    code = p.code();
                }
                default -> throw new VmTrapException(VmTrapException.Kind.CONTROL, pc,
                        ((int) w & 0xff) == Op.INVALID ? "control reached the second half of an lddw instruction"
                                : "control fell off the end of the program without exit");
            }
        }
    }

    /**
     * The program a {@code bpf_tail_call(ctx, prog_array, index)} jumps to, or null if the call
     * fails and execution goes on (no such map or entry, or the 33 tail calls of a run are used up),
     * as in Linux.
     */
    private static Lowering.Lowered tailCallTarget(Execution ex, long mapHandle, long index, int pc) {
        if (!(org.bpf4j.vm.map.BpfMap.ofHandle(mapHandle).orElse(null) instanceof org.bpf4j.vm.map.ProgArrayMap progs)) {
            throw new VmTrapException(VmTrapException.Kind.CALL, pc, "bpf_tail_call: R2 = " + Memory.hex(mapHandle)
                    + " is not a program array");
        }
        if (ex.tailCalls >= MAX_TAIL_CALLS) {
            return null;
        }
        VmProgram target = progs.get(index);
        if (target == null) {
            return null;
        }
        ex.tailCalls++;
        return target.lowered();
    }

    /** The most tail calls one run may make, {@code MAX_TAIL_CALL_CNT} in Linux. */
    public static final int MAX_TAIL_CALLS = 33;

    private static VmTrapException budgetExhausted(int pc) {
        return new VmTrapException(VmTrapException.Kind.BUDGET, pc, "instruction budget exhausted");
    }

    /**
     * Resolves a {@code callx}: a code address is a local call (returns its slot); any other value
     * is a helper id, which is called at once (returns -1).
     */
    private static int callTarget(Lowering.Lowered p, Execution ex, long[] r, long value, int pc) {
        if (Memory.regionOf(value) == Memory.CODE_REGION) {
            int target = (int) value;
            if (target < 0 || target >= p.code().length || ((int) p.code()[target] & 0xff) == Op.INVALID) {
                throw new VmTrapException(VmTrapException.Kind.CALL, pc, "callx to " + Memory.hex(value)
                        + ", which is not the start of an instruction");
            }
            return target;
        }
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new VmTrapException(VmTrapException.Kind.CALL, pc, "callx to " + Memory.hex(value)
                    + ", which is neither a function address nor a helper id");
        }
        Helper h = ex.program.helpers().byId((int) value).orElseThrow(() -> new VmTrapException(
                VmTrapException.Kind.CALL, pc, "callx to helper " + value + ", which the VM does not implement"));
        ex.slot = pc;
        r[0] = h.call(ex, r[1], r[2], r[3], r[4], r[5]);
        return -1;
    }
}
