package org.bpf4j.isa;

/** A conditional jump comparison (RFC 9669 section 4.3). */
public enum JumpOp {
    JEQ(Opcodes.JEQ, "jeq", "=="),
    JGT(Opcodes.JGT, "jgt", ">"),
    JGE(Opcodes.JGE, "jge", ">="),
    JSET(Opcodes.JSET, "jset", "&"),
    JNE(Opcodes.JNE, "jne", "!="),
    JSGT(Opcodes.JSGT, "jsgt", "s>"),
    JSGE(Opcodes.JSGE, "jsge", "s>="),
    JLT(Opcodes.JLT, "jlt", "<"),
    JLE(Opcodes.JLE, "jle", "<="),
    JSLT(Opcodes.JSLT, "jslt", "s<"),
    JSLE(Opcodes.JSLE, "jsle", "s<=");

    private final int code;
    private final String mnemonic;
    private final String operator;

    JumpOp(int code, String mnemonic, String operator) {
        this.operator = operator;
        this.code = code;
        this.mnemonic = mnemonic;
    }

    /** The operation field (bits 4-7 of the opcode). */
    public int code() {
        return code;
    }

    /** The comparison of the C-like syntax LLVM and the kernel print: {@code ==}, {@code s<}, {@code &}. */
    public String operator() {
        return operator;
    }

    /** Assembler mnemonic without width suffix. */
    public String mnemonic() {
        return mnemonic;
    }

    /** True for the comparisons that treat their operands as signed. */
    public boolean signed() {
        return this == JSGT || this == JSGE || this == JSLT || this == JSLE;
    }

    /** The comparison that holds exactly when this one does not. */
    public JumpOp negate() {
        return switch (this) {
            case JEQ -> JNE;
            case JNE -> JEQ;
            case JGT -> JLE;
            case JLE -> JGT;
            case JGE -> JLT;
            case JLT -> JGE;
            case JSGT -> JSLE;
            case JSLE -> JSGT;
            case JSGE -> JSLT;
            case JSLT -> JSGE;
            case JSET -> throw new UnsupportedOperationException("JSET has no negation");
        };
    }

    /** The comparison with operands swapped: {@code a op b} iff {@code b op.swap() a}. */
    public JumpOp swap() {
        return switch (this) {
            case JEQ, JNE, JSET -> this;
            case JGT -> JLT;
            case JLT -> JGT;
            case JGE -> JLE;
            case JLE -> JGE;
            case JSGT -> JSLT;
            case JSLT -> JSGT;
            case JSGE -> JSLE;
            case JSLE -> JSGE;
        };
    }

    /** The comparison for an operation field, or null if it is not a conditional jump. */
    public static JumpOp of(int code) {
        for (JumpOp op : values()) {
            if (op.code == code) {
                return op;
            }
        }
        return null;
    }
}
