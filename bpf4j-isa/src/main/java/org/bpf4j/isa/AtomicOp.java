package org.bpf4j.isa;

/**
 * An atomic memory operation, encoded in the imm field of an {@code STX | ATOMIC} instruction
 * (RFC 9669 section 5.3, plus the Linux load-acquire and store-release forms).
 */
public enum AtomicOp {
    ADD(Opcodes.ADD, "add"),
    OR(Opcodes.OR, "or"),
    AND(Opcodes.AND, "and"),
    XOR(Opcodes.XOR, "xor"),
    FETCH_ADD(Opcodes.ADD | Opcodes.ATOMIC_FETCH, "fetch add"),
    FETCH_OR(Opcodes.OR | Opcodes.ATOMIC_FETCH, "fetch or"),
    FETCH_AND(Opcodes.AND | Opcodes.ATOMIC_FETCH, "fetch and"),
    FETCH_XOR(Opcodes.XOR | Opcodes.ATOMIC_FETCH, "fetch xor"),
    /** {@code src = xchg(*(dst + off), src)}. */
    XCHG(Opcodes.ATOMIC_XCHG, "xchg"),
    /** {@code r0 = cmpxchg(*(dst + off), r0, src)}. */
    CMPXCHG(Opcodes.ATOMIC_CMPXCHG, "cmpxchg"),
    /** {@code dst = load_acquire(*(src + off))}. */
    LOAD_ACQ(Opcodes.ATOMIC_LOAD_ACQ, "load_acquire"),
    /** {@code store_release(*(dst + off), src)}. */
    STORE_REL(Opcodes.ATOMIC_STORE_REL, "store_release");

    private final int imm;
    private final String mnemonic;

    AtomicOp(int imm, String mnemonic) {
        this.imm = imm;
        this.mnemonic = mnemonic;
    }

    /** The imm field that selects this operation. */
    public int imm() {
        return imm;
    }

    /** Assembler mnemonic after {@code lock}, without width suffix. */
    public String mnemonic() {
        return mnemonic;
    }

    /** True if the old memory value is returned in a register. */
    public boolean fetches() {
        return (imm & Opcodes.ATOMIC_FETCH) != 0;
    }

    /** True for the read-modify-write operations (which need 4- or 8-byte operands). */
    public boolean readModifyWrite() {
        return this != LOAD_ACQ && this != STORE_REL;
    }

    /** The operation for an imm field, or null if there is none. */
    public static AtomicOp ofImm(int imm) {
        for (AtomicOp op : values()) {
            if (op.imm == imm) {
                return op;
            }
        }
        return null;
    }
}
