package org.bpf4j.isa;

/**
 * A binary arithmetic operation. {@link #SDIV} and {@link #SMOD} share their opcode with
 * {@link #DIV} and {@link #MOD} and are told apart by an offset of 1 (RFC 9669 section 4.1).
 * Negation, sign-extending moves and byte swaps have their own instruction records.
 */
public enum AluOp {
    ADD(Opcodes.ADD, 0, "add", "+="),
    SUB(Opcodes.SUB, 0, "sub", "-="),
    MUL(Opcodes.MUL, 0, "mul", "*="),
    DIV(Opcodes.DIV, 0, "div", "/="),
    SDIV(Opcodes.DIV, 1, "sdiv", "s/="),
    OR(Opcodes.OR, 0, "or", "|="),
    AND(Opcodes.AND, 0, "and", "&="),
    LSH(Opcodes.LSH, 0, "lsh", "<<="),
    RSH(Opcodes.RSH, 0, "rsh", ">>="),
    MOD(Opcodes.MOD, 0, "mod", "%="),
    SMOD(Opcodes.MOD, 1, "smod", "s%="),
    XOR(Opcodes.XOR, 0, "xor", "^="),
    MOV(Opcodes.MOV, 0, "mov", "="),
    ARSH(Opcodes.ARSH, 0, "arsh", "s>>=");

    private final int code;
    private final int offset;
    private final String mnemonic;
    private final String operator;

    AluOp(int code, int offset, String mnemonic, String operator) {
        this.code = code;
        this.offset = offset;
        this.mnemonic = mnemonic;
        this.operator = operator;
    }

    /** The operation field (bits 4-7 of the opcode). */
    public int code() {
        return code;
    }

    /** The value of the offset field that selects this operation (1 for the signed forms). */
    public int offset() {
        return offset;
    }

    /** Assembler mnemonic without width suffix. */
    public String mnemonic() {
        return mnemonic;
    }

    /**
     * The compound assignment of the C-like syntax LLVM and the kernel print: {@code +=},
     * {@code s>>=}, and {@code =} for MOV.
     */
    public String operator() {
        return operator;
    }

    /** The operation for an operation field and offset, or null if there is none. */
    public static AluOp of(int code, int offset) {
        for (AluOp op : values()) {
            if (op.code == code && op.offset == offset) {
                return op;
            }
        }
        return null;
    }
}
