package org.bpf4j.isa;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bpf4j.MalformedInputException;

/**
 * An immutable, well-formed sequence of instructions: every jump, local call and code address
 * lands on the first slot of an instruction inside the sequence. Instructions are addressed by
 * <em>slot</em> (the kernel's instruction index, in which {@code lddw} counts twice) or by
 * <em>position</em> in {@link #instructions()}.
 *
 * <p>Two codes are equal when their instructions are equal.
 */
public final class Code {
    private final List<Instruction> instructions;
    private final int[] slotOfPosition;
    private final int[] positionOfSlot;

    private Code(List<Instruction> instructions) {
        this.instructions = List.copyOf(instructions);
        int n = this.instructions.size();
        slotOfPosition = new int[n];
        int slots = 0;
        for (int i = 0; i < n; i++) {
            slotOfPosition[i] = slots;
            slots += this.instructions.get(i).slots();
        }
        positionOfSlot = new int[slots];
        Arrays.fill(positionOfSlot, -1);
        for (int i = 0; i < n; i++) {
            positionOfSlot[slotOfPosition[i]] = i;
        }
    }

    /**
     * A code from instructions, checking that every control transfer lands on an instruction.
     *
     * @throws MalformedInputException naming the instruction (by slot) whose target is bad
     */
    public static Code of(List<? extends Instruction> instructions) {
        Code code = new Code(List.copyOf(instructions));
        code.checkTargets();
        return code;
    }

    /** A code from instructions; see {@link #of(List)}. */
    public static Code of(Instruction... instructions) {
        return of(List.of(instructions));
    }

    /** The instructions in order. */
    public List<Instruction> instructions() {
        return instructions;
    }

    /** Number of instructions (an {@code lddw} counts once). */
    public int size() {
        return instructions.size();
    }

    /** The instruction at a position. */
    public Instruction get(int position) {
        return instructions.get(position);
    }

    /** Number of 64-bit slots (an {@code lddw} counts twice), the kernel's program length. */
    public int slotCount() {
        return positionOfSlot.length;
    }

    /** The slot of the instruction at a position. */
    public int slotOf(int position) {
        return slotOfPosition[position];
    }

    /** The position of the instruction starting at a slot, or -1 for the second slot of an {@code lddw}. */
    public int positionAt(int slot) {
        return positionOfSlot[slot];
    }

    /** The instruction starting at a slot, or null for the second slot of an {@code lddw}. */
    public Instruction atSlot(int slot) {
        int p = positionOfSlot[slot];
        return p < 0 ? null : instructions.get(p);
    }

    /**
     * The slot that a control transfer at {@code slot} reaches, or -1 if the instruction there does
     * not transfer control to a fixed target (conditional jumps report their taken target).
     */
    public int targetOf(int slot) {
        Instruction insn = atSlot(slot);
        if (insn == null) {
            return -1;
        }
        return switch (insn) {
            case Instruction.Jump j -> slot + 1 + j.off();
            case Instruction.Goto g -> slot + 1 + g.offset();
            case Instruction.MayGoto m -> slot + 1 + m.offset();
            case Instruction.Call c -> c.kind() == CallKind.LOCAL ? slot + 1 + c.imm() : -1;
            case Instruction.LoadImm64 l -> l.kind() == Imm64Kind.CODE_ADDRESS ? slot + 1 + l.imm() : -1;
            default -> -1;
        };
    }

    private void checkTargets() {
        for (int p = 0; p < instructions.size(); p++) {
            int slot = slotOfPosition[p];
            int target = targetOf(slot);
            if (target == -1 && !transfers(instructions.get(p))) {
                continue;
            }
            if (target < 0 || target >= positionOfSlot.length) {
                throw new MalformedInputException("instruction " + slot + ": " + describe(instructions.get(p))
                        + " target " + target + " is outside the program (" + positionOfSlot.length + " slots)");
            }
            if (positionOfSlot[target] < 0) {
                throw new MalformedInputException("instruction " + slot + ": " + describe(instructions.get(p))
                        + " target " + target + " is the second half of a wide (lddw) instruction");
            }
        }
    }

    private static boolean transfers(Instruction insn) {
        return switch (insn) {
            case Instruction.Jump j -> true;
            case Instruction.Goto g -> true;
            case Instruction.MayGoto m -> true;
            case Instruction.Call c -> c.kind() == CallKind.LOCAL;
            case Instruction.LoadImm64 l -> l.kind() == Imm64Kind.CODE_ADDRESS;
            default -> false;
        };
    }

    private static String describe(Instruction insn) {
        return switch (insn) {
            case Instruction.Call c -> "call";
            case Instruction.LoadImm64 l -> "code address";
            default -> "jump";
        };
    }

    /** The raw encoding, one little-endian 64-bit word per slot. */
    public long[] toWords() {
        long[] words = new long[slotCount()];
        int i = 0;
        for (Instruction insn : instructions) {
            for (long w : Encoding.encode(insn)) {
                words[i++] = w;
            }
        }
        return words;
    }

    /** The raw encoding as bytes, as it stands in an ELF section. */
    public byte[] toBytes() {
        long[] words = toWords();
        ByteBuffer buf = ByteBuffer.allocate(words.length * Opcodes.SLOT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            buf.putLong(w);
        }
        return buf.array();
    }

    /** Decodes raw instruction bytes; see {@link Encoding#decode(long[])}. */
    public static Code decode(byte[] bytes) {
        return Encoding.decode(bytes);
    }

    /** A new code with one more instruction list; a convenience for builders and tests. */
    public Code append(List<? extends Instruction> more) {
        List<Instruction> all = new ArrayList<>(instructions);
        all.addAll(more);
        return of(all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Code c && c.instructions.equals(instructions);
    }

    @Override
    public int hashCode() {
        return instructions.hashCode();
    }

    @Override
    public String toString() {
        return "Code[" + instructions.size() + " instructions, " + slotCount() + " slots]";
    }
}
