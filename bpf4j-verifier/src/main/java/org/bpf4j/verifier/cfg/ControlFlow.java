package org.bpf4j.verifier.cfg;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.TreeSet;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;

/**
 * The control-flow facts of a program, checked before exploration (the kernel's
 * {@code check_subprogs} and {@code check_cfg}): subprogram boundaries, jumps that stay inside
 * their subprogram, a last instruction in each subprogram that is an exit or a jump, no
 * unreachable instruction, and per-slot register liveness for state pruning. Immutable.
 */
public final class ControlFlow {
    private final Code code;
    private final int[] subprogStarts;
    private final int[] subprogOfSlot;
    private final short[] liveIn;

    private ControlFlow(Code code, int[] subprogStarts, int[] subprogOfSlot, short[] liveIn) {
        this.code = code;
        this.subprogStarts = subprogStarts;
        this.subprogOfSlot = subprogOfSlot;
        this.liveIn = liveIn;
    }

    /**
     * Checks the structure of {@code code}.
     *
     * @throws CfgException naming the slot and the kernel's message for the first defect
     */
    public static ControlFlow of(Code code) {
        return of(code, id -> 5);
    }

    /**
     * Checks the structure of {@code code}; {@code helperArgs} gives the number of arguments
     * (registers r1 up to r5) a helper reads, by its id, for register liveness (5 when unknown).
     *
     * @throws CfgException naming the slot and the kernel's message for the first defect
     */
    public static ControlFlow of(Code code, java.util.function.IntUnaryOperator helperArgs) {
        int n = code.slotCount();
        if (n == 0) {
            throw new CfgException(0, "empty program");
        }
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        for (int slot = 0; slot < n; slot++) {
            Instruction insn = code.atSlot(slot);
            if (insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL
                    || insn instanceof Instruction.LoadImm64 l && l.kind() == Imm64Kind.CODE_ADDRESS) {
                starts.add(code.targetOf(slot));
            }
        }
        int[] sub = starts.stream().mapToInt(Integer::intValue).toArray();
        int[] subOf = new int[n];
        for (int s = 0; s < sub.length; s++) {
            int end = s + 1 < sub.length ? sub[s + 1] : n;
            for (int slot = sub[s]; slot < end; slot++) {
                subOf[slot] = s;
                Instruction insn = code.atSlot(slot);
                if (insn == null) {
                    continue;
                }
                if (insn instanceof Instruction.Jump || insn instanceof Instruction.Goto
                        || insn instanceof Instruction.MayGoto) {
                    int t = code.targetOf(slot);
                    if (t < sub[s] || t >= end) {
                        throw new CfgException(slot, "jump out of range from insn " + slot + " to " + t);
                    }
                }
                int last = end - 1;
                if (slot == last || (slot == last - 1 && insn instanceof Instruction.LoadImm64)) {
                    if (!(insn instanceof Instruction.Exit || insn instanceof Instruction.Goto)) {
                        throw new CfgException(slot, "last insn is not an exit or jmp");
                    }
                }
            }
        }
        noCallx(code, n);
        reachability(code, n);
        return new ControlFlow(code, sub, subOf, Liveness.compute(code, helperArgs));
    }

    /**
     * Linux refuses {@code callx} ({@code BPF_JMP | BPF_CALL | BPF_X}, opcode 0x8d) in a program
     * it is given, reachable or not: the opcode is not in its table of instructions
     * ({@code resolve_pseudo_ldimm64} checks every instruction after the subprogram checks and
     * before the control-flow walk). Only the kernel's own rewrites may produce indirect calls.
     */
    private static void noCallx(Code code, int n) {
        for (int slot = 0; slot < n; slot++) {
            if (code.atSlot(slot) instanceof Instruction.CallReg) {
                throw new CfgException(slot, "unknown opcode 8d");
            }
        }
    }

    private static void reachability(Code code, int n) {
        boolean[] seen = new boolean[n];
        Deque<Integer> work = new ArrayDeque<>();
        work.push(0);
        seen[0] = true;
        while (!work.isEmpty()) {
            int slot = work.pop();
            for (int s : successors(code, slot, true)) {
                if (s >= 0 && s < n && !seen[s]) {
                    seen[s] = true;
                    work.push(s);
                }
            }
        }
        for (int slot = 0; slot < n; slot++) {
            if (code.atSlot(slot) == null) {
                continue;
            }
            if (!seen[slot]) {
                throw new CfgException(slot, "unreachable insn " + slot);
            }
        }
    }

    /**
     * The slots control may reach from {@code slot} within its function; with {@code calls}, also
     * the entries of functions called or whose address is taken there.
     */
    static int[] successors(Code code, int slot, boolean calls) {
        Instruction insn = code.atSlot(slot);
        int next = slot + insn.slots();
        return switch (insn) {
            case Instruction.Exit e -> new int[0];
            case Instruction.Goto g -> new int[] {code.targetOf(slot)};
            case Instruction.Jump j -> new int[] {next, code.targetOf(slot)};
            case Instruction.MayGoto m -> new int[] {next, code.targetOf(slot)};
            case Instruction.Call c when calls && c.kind() == CallKind.LOCAL -> new int[] {next, code.targetOf(slot)};
            case Instruction.LoadImm64 l when calls && l.kind() == Imm64Kind.CODE_ADDRESS ->
                new int[] {next, code.targetOf(slot)};
            default -> new int[] {next};
        };
    }

    /** The program. */
    public Code code() {
        return code;
    }

    /** The first slot of each subprogram, in order; element 0 is the main program's 0. */
    public int[] subprogStarts() {
        return subprogStarts.clone();
    }

    /** Number of subprograms including the main program. */
    public int subprogCount() {
        return subprogStarts.length;
    }

    /** The index of the subprogram holding {@code slot}. */
    public int subprogOf(int slot) {
        return subprogOfSlot[slot];
    }

    /** The subprogram index starting at {@code slot}, or -1. */
    public int subprogAt(int slot) {
        int i = Arrays.binarySearch(subprogStarts, slot);
        return i >= 0 ? i : -1;
    }

    /** The registers (bit r) that may be read before being written on some path from {@code slot}. */
    public int liveIn(int slot) {
        return liveIn[slot];
    }
}
