package org.bpf4j.isa;

/** Byte-order conversion (RFC 9669 section 4.2). */
public enum EndianOp {
    /** To little-endian: on a little-endian host, truncation to the width. */
    LE("le"),
    /** To big-endian: on a little-endian host, a byte swap at the width. */
    BE("be"),
    /** Unconditional byte swap ({@code ALU64 | END}). */
    SWAP("bswap");

    private final String mnemonic;

    EndianOp(String mnemonic) {
        this.mnemonic = mnemonic;
    }

    /** Assembler mnemonic without width suffix. */
    public String mnemonic() {
        return mnemonic;
    }
}
