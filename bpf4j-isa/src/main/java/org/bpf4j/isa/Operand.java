package org.bpf4j.isa;

/** The source operand of an arithmetic, jump or store instruction: a register or an immediate. */
public sealed interface Operand {
    /** A register, R0-R10. */
    record Reg(int reg) implements Operand {
        public Reg {
            Registers.check(reg);
        }

        @Override
        public String toString() {
            return "%r" + reg;
        }
    }

    /** A 32-bit immediate, sign-extended to 64 bits where the operation is 64-bit. */
    record Imm(int value) implements Operand {
        @Override
        public String toString() {
            return Integer.toString(value);
        }
    }

    /** A register operand. */
    static Operand reg(int reg) {
        return new Reg(reg);
    }

    /** An immediate operand. */
    static Operand imm(int value) {
        return new Imm(value);
    }
}
