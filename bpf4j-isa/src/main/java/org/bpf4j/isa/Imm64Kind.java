package org.bpf4j.isa;

/**
 * What a 64-bit immediate load ({@code lddw}) produces, selected by its source register field
 * (RFC 9669 section 5.4).
 */
public enum Imm64Kind {
    /** {@code dst = imm64}. */
    IMM64(0, "imm64"),
    /** {@code dst = map_by_fd(imm)}. */
    MAP_BY_FD(1, "map_fd"),
    /** {@code dst = map_val(map_by_fd(imm)) + next_imm}. */
    MAP_VALUE_BY_FD(2, "map_value_fd"),
    /** {@code dst = var_addr(imm)} (a BTF variable). */
    VARIABLE_ADDRESS(3, "var_addr"),
    /** {@code dst = code_addr(imm)}: the address of the instruction {@code imm + 1} slots on. */
    CODE_ADDRESS(4, "code_addr"),
    /** {@code dst = map_by_idx(imm)}. */
    MAP_BY_INDEX(5, "map_idx"),
    /** {@code dst = map_val(map_by_idx(imm)) + next_imm}. */
    MAP_VALUE_BY_INDEX(6, "map_value_idx");

    private final int src;
    private final String mnemonic;

    Imm64Kind(int src, String mnemonic) {
        this.src = src;
        this.mnemonic = mnemonic;
    }

    /** The source register field value. */
    public int src() {
        return src;
    }

    /** Name used by the assembler and disassembler. */
    public String mnemonic() {
        return mnemonic;
    }

    /** True for the forms that refer to a map. */
    public boolean refersToMap() {
        return this == MAP_BY_FD || this == MAP_VALUE_BY_FD || this == MAP_BY_INDEX
                || this == MAP_VALUE_BY_INDEX;
    }

    /** The kind for a source register field value, or null if there is none. */
    public static Imm64Kind ofSrc(int src) {
        for (Imm64Kind k : values()) {
            if (k.src == src) {
                return k;
            }
        }
        return null;
    }
}
