package org.bpf4j.oracle;

import java.util.Objects;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;

/**
 * One element of a generated {@link Chunk}: a concrete instruction, or a jump or call whose target
 * is resolved when the program is laid out (so that chunks can be removed while minimizing).
 */
public sealed interface Piece {
    /** The number of instruction slots the piece takes. */
    int slots();

    /** A concrete instruction; its offsets, if any, stay within its chunk. */
    record Insn(Instruction insn) implements Piece {
        /** Checks the instruction. */
        public Insn {
            Objects.requireNonNull(insn, "insn");
        }

        @Override
        public int slots() {
            return insn.slots();
        }
    }

    /**
     * A conditional jump to the start of a later chunk of the main function (or to the exit when
     * the target is past the last chunk). An op of null is an unconditional {@code goto}.
     *
     * @param wide 64-bit comparison ({@code BPF_JMP}) rather than 32-bit ({@code BPF_JMP32})
     * @param op the comparison, null for {@code goto}
     * @param dst the compared register
     * @param src the other operand
     * @param target the index of the target chunk
     */
    record JumpTo(boolean wide, JumpOp op, int dst, Operand src, int target) implements Piece {
        @Override
        public int slots() {
            return 1;
        }
    }

    /** A bpf-to-bpf call of the generated subprogram with this index. */
    record CallSub(int subprogram) implements Piece {
        @Override
        public int slots() {
            return 1;
        }
    }
}
