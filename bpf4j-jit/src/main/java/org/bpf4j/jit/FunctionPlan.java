package org.bpf4j.jit;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Instruction;

/**
 * The shape of one compiled function: the basic blocks reachable from its entry, whether it may
 * treat R10 as its frame pointer, and, when it is too large for one JVM method, its partition into
 * chunks. Sizes are conservative estimates of the bytecode each instruction becomes; the class
 * builder checks the real sizes afterwards.
 */
final class FunctionPlan {
    /** HotSpot does not compile methods above 8,000 bytes of bytecode; estimates stay below this. */
    static final int METHOD_LIMIT = 7_000;
    /** Longest straight run in one block, so that straight-line code can be split anywhere. */
    static final int MAX_BLOCK_SLOTS = 64;
    static final int MAX_BLOCK_COST = 1_500;
    /** Estimated cost of leaving a chunk: spilling the registers and returning the target. */
    static final int EXIT_STUB_COST = 96;
    /** Estimated fixed cost of a chunk: loading the registers, the entry switch header. */
    static final int CHUNK_BASE_COST = 190;

    /** Which compiled form of a function: its entry, how it returns, whether R10 is known. */
    record Variant(int entry, boolean callMode, boolean r10Known) {
        String methodName() {
            return "f" + entry + (callMode ? "" : "e") + (r10Known ? "" : "u");
        }
    }

    /** Straight-line slots [start, end); the last instruction decides the successors. */
    record Block(int start, int end, int cost, int[] successors) {}

    /** Consecutive blocks compiled into one method; {@code entries} are those entered from outside. */
    record Chunk(int index, List<Block> blocks, List<Integer> entries) {}

    final Variant variant;
    final List<Block> blocks;
    final boolean r10Known;
    /** Local call targets, each compiled as a call-mode function. */
    final Set<Integer> callees;
    final int estimatedCost;
    final int instructionCount;
    /** Null when the function fits in one method. */
    final List<Chunk> chunks;

    /** Slots that a jump or goto of the function targets. */
    private final BitSet jumpTargets;

    /** True if a jump or goto of the function targets the slot (false for fall-through only). */
    boolean isJumpTarget(int slot) {
        return jumpTargets.get(slot);
    }

    /** The slot of a block's last instruction. */
    private static int lastSlot(ProgramImage img, Block b) {
        int s = b.start();
        for (;;) {
            Instruction i = img.insn[s];
            if (i == null || s + i.slots() >= b.end()) {
                return s;
            }
            s += i.slots();
        }
    }

    /** The estimated size under which a function is one method, and each chunk of a larger one stays. */
    private final int methodLimit;

    FunctionPlan(ProgramImage img, Variant variant, int methodLimit) {
        this.variant = variant;
        this.methodLimit = methodLimit;
        int maxBlockCost = Math.min(MAX_BLOCK_COST, methodLimit / 4);
        boolean inlineChecks = img.access != AccessPlan.NONE; // as MethodEmitter.inlineChecks
        BitSet reachable = new BitSet(img.slots + 1);
        BitSet leaders = new BitSet(img.slots + 1);
        int[] work = new int[16];
        int top = 0;
        work[top++] = variant.entry();
        leaders.set(variant.entry());
        reachable.set(variant.entry());
        boolean r10Written = false;
        Set<Integer> calls = new LinkedHashSet<>();
        int count = 0;
        while (top > 0) {
            int s = work[--top];
            Instruction i = img.insn[s];
            if (i == null) {
                continue; // the end of the program, or the second half of an lddw: a trap
            }
            count++;
            r10Written |= writesR10(i);
            int next = -1;
            int target = -1;
            switch (i) {
                case Instruction.Jump j -> {
                    next = s + 1;
                    target = s + 1 + j.off();
                    leaders.set(next);
                    leaders.set(target);
                }
                case Instruction.Goto g -> {
                    target = s + 1 + g.offset();
                    leaders.set(target);
                }
                case Instruction.MayGoto g -> {
                    next = s + 1;
                    target = s + 1 + g.offset();
                    leaders.set(next);
                    leaders.set(target);
                }
                case Instruction.Exit e -> { }
                case Instruction.Call c -> {
                    if (c.kind() == CallKind.LOCAL) {
                        calls.add(s + 1 + c.imm());
                    }
                    next = s + 1;
                }
                default -> next = s + i.slots();
            }
            if (top + 2 > work.length) {
                work = java.util.Arrays.copyOf(work, work.length * 2);
            }
            if (next >= 0 && !reachable.get(next)) {
                reachable.set(next);
                work[top++] = next;
            }
            if (target >= 0 && !reachable.get(target)) {
                reachable.set(target);
                work[top++] = target;
            }
        }
        this.instructionCount = count;
        this.r10Known = variant.r10Known() && !r10Written;
        this.callees = calls;
        // Blocks: maximal runs of reachable slots starting at leaders, capped in length and cost.
        List<Block> bs = new ArrayList<>();
        int total = 0;
        int s = reachable.nextSetBit(0);
        while (s >= 0) {
            int start = s;
            int cost = 0;
            int len = 0;
            for (;;) {
                Instruction i = img.insn[s];
                cost += cost(i, this.r10Known, inlineChecks);
                len++;
                if (i == null || ends(i)) {
                    break;
                }
                int next = s + i.slots();
                if (!reachable.get(next) || leaders.get(next) || len >= MAX_BLOCK_SLOTS || cost >= maxBlockCost) {
                    break;
                }
                s = next;
            }
            int[] succ = successors(img, s);
            Block b = new Block(start, s + (img.insn[s] == null ? 1 : img.insn[s].slots()), cost, succ);
            bs.add(b);
            total += cost;
            s = reachable.nextSetBit(s + 1);
        }
        this.blocks = List.copyOf(bs);
        this.jumpTargets = new BitSet(img.slots + 1);
        for (Block b : bs) {
            Instruction last = img.insn[lastSlot(img, b)];
            if (last instanceof Instruction.Jump || last instanceof Instruction.MayGoto) {
                jumpTargets.set(b.successors()[1]); // the taken branch (even to the next slot)
            } else if (last instanceof Instruction.Goto) {
                jumpTargets.set(b.successors()[0]);
            }
        }
        this.estimatedCost = total + 96;
        this.chunks = estimatedCost <= methodLimit ? null : partition();
    }

    /** Greedy partition into chunks of consecutive blocks, each estimated under the method limit. */
    private List<Chunk> partition() {
        int lastSlot = blocks.getLast().end();
        chunkOfSlot = new int[lastSlot + 1];
        entryIndexOfSlot = new int[lastSlot + 1];
        // pendingAt[t] == chunk number + 1 while an edge of that chunk leaves for t.
        int[] pendingAt = new int[lastSlot + 1];
        List<List<Block>> groups = new ArrayList<>();
        List<Block> current = new ArrayList<>();
        int chunkStart = -1;
        int cost = CHUNK_BASE_COST;
        for (Block b : blocks) {
            int mark = groups.size() + 1;
            if (!current.isEmpty() && cost + grow(b, chunkStart, pendingAt, mark) > methodLimit) {
                groups.add(current);
                current = new ArrayList<>();
                cost = CHUNK_BASE_COST;
                mark = groups.size() + 1;
            }
            if (current.isEmpty()) {
                chunkStart = b.start();
            }
            cost += grow(b, chunkStart, pendingAt, mark);
            pendingAt[b.start()] = 0;
            for (int t : b.successors()) {
                if (t < chunkStart || t > b.start()) {
                    pendingAt[t] = mark;
                }
            }
            current.add(b);
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        for (int c = 0; c < groups.size(); c++) {
            for (Block b : groups.get(c)) {
                chunkOfSlot[b.start()] = c;
            }
        }
        List<Set<Integer>> entries = new ArrayList<>();
        for (int c = 0; c < groups.size(); c++) {
            entries.add(new java.util.TreeSet<>());
        }
        entries.get(chunkOfSlot[variant.entry()]).add(variant.entry());
        for (Block b : blocks) {
            int from = chunkOfSlot[b.start()];
            for (int t : b.successors()) {
                int to = chunkOfSlot[t];
                if (to != from) {
                    entries.get(to).add(t);
                }
            }
        }
        List<Chunk> out = new ArrayList<>();
        for (int c = 0; c < groups.size(); c++) {
            List<Integer> list = List.copyOf(entries.get(c));
            for (int i = 0; i < list.size(); i++) {
                entryIndexOfSlot[list.get(i)] = i;
            }
            out.add(new Chunk(c, List.copyOf(groups.get(c)), list));
        }
        return List.copyOf(out);
    }

    /** How much adding a block to the chunk that began at {@code chunkStart} adds to its estimate. */
    private static int grow(Block b, int chunkStart, int[] pendingAt, int mark) {
        int cost = b.cost() + 4 - (pendingAt[b.start()] == mark ? EXIT_STUB_COST : 0);
        int fresh = 0;
        for (int t : b.successors()) {
            if ((t < chunkStart || t > b.start()) && pendingAt[t] != mark) {
                fresh++;
            }
        }
        return cost + fresh * EXIT_STUB_COST;
    }

    /** For split functions: the chunk of each block start, and the block's index among the chunk's entries. */
    private int[] chunkOfSlot;
    private int[] entryIndexOfSlot;

    /** The index of the chunk holding the block that starts at a slot. */
    int chunkOf(int slot) {
        return chunkOfSlot[slot];
    }

    /** The index of a block among the entries of its chunk (valid only for entries). */
    int entryIndexOf(int slot) {
        return entryIndexOfSlot[slot];
    }

    static boolean ends(Instruction i) {
        return i instanceof Instruction.Jump || i instanceof Instruction.Goto || i instanceof Instruction.Exit
                || i instanceof Instruction.MayGoto;
    }

    /** The slots control may reach after the instruction at {@code s} (not into calls). */
    static int[] successors(ProgramImage img, int s) {
        Instruction i = img.insn[s];
        if (i == null) {
            return new int[0];
        }
        return switch (i) {
            case Instruction.Jump j -> new int[] {s + 1, s + 1 + j.off()};
            case Instruction.Goto g -> new int[] {s + 1 + g.offset()};
            case Instruction.MayGoto g -> new int[] {s + 1, s + 1 + g.offset()};
            case Instruction.Exit e -> new int[0];
            default -> new int[] {s + i.slots()};
        };
    }

    /** True if the instruction may write R10 (then the function cannot trust it as its frame pointer). */
    static boolean writesR10(Instruction i) {
        return switch (i) {
            case Instruction.Alu a -> a.dst() == 10;
            case Instruction.Neg n -> n.dst() == 10;
            case Instruction.MovSx m -> m.dst() == 10;
            case Instruction.Endian e -> e.dst() == 10;
            case Instruction.LoadImm64 l -> l.dst() == 10;
            case Instruction.Load l -> l.dst() == 10;
            case Instruction.Atomic a -> switch (a.op()) {
                case FETCH_ADD, FETCH_OR, FETCH_AND, FETCH_XOR, XCHG -> a.src() == 10;
                case LOAD_ACQ -> a.dst() == 10;
                case ADD, OR, AND, XOR, CMPXCHG, STORE_REL -> false;
            };
            default -> false;
        };
    }

    /** True if an access of {@code size} bytes at R10 + off is proven inside the current frame. */
    static boolean inFrame(boolean r10Known, int base, int off, int size) {
        return r10Known && base == 10 && off >= -org.bpf4j.vm.Memory.STACK_FRAME_SIZE && off + size <= 0;
    }

    /**
     * An estimate of the bytecode an instruction becomes, including its out-of-line stubs: the
     * longest form {@link InstructionEmitter} emits for it, with a few bytes to spare. The class
     * builder checks the real sizes; a method over the limit is planned again with a smaller
     * target ({@link UnitCompiler}), so an estimate that falls short costs a second build, not a
     * wrong method. (Estimates twice as large as the code, as before, made twice as many chunks.)
     */
    static int cost(Instruction i, boolean r10Known, boolean inlineChecks) {
        if (i == null) {
            return 10;
        }
        return switch (i) {
            case Instruction.Load l when inFrame(r10Known, l.src(), l.off(), l.size().bytes()) -> 13;
            case Instruction.Store s when inFrame(r10Known, s.dst(), s.off(), s.size().bytes()) -> 12;
            case Instruction.Alu a -> !a.wide() ? 16 : a.src() instanceof org.bpf4j.isa.Operand.Reg ? 9 : 11;
            case Instruction.Neg n -> 9;
            case Instruction.MovSx m -> 10;
            case Instruction.Endian e -> 10;
            case Instruction.LoadImm64 l -> 6;
            // without inline checks (an unverified program): one call of the checked accessor
            case Instruction.Load l -> inlineChecks ? 110 : 24;
            case Instruction.LoadPacket p -> 44;
            case Instruction.Store s -> inlineChecks ? 110 : 24;
            case Instruction.Atomic a -> 44;
            case Instruction.Jump j -> 34;
            case Instruction.Goto g -> 24;
            case Instruction.MayGoto g -> 34;
            case Instruction.Call c -> c.kind() == CallKind.LOCAL ? 140 : c.imm() == ProgramImage.TAIL_CALL_HELPER ? 100
                    : inlineChecks ? 66 : 40; // inline, with the tables fetched again; or through the class's stub
            case Instruction.CallReg c -> 262;
            case Instruction.Exit e -> 64;
        };
    }
}
