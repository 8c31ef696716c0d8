package org.bpf4j.isa;

/** Access size of a load, store or atomic operation. */
public enum Size {
    /** One byte. */
    B(Opcodes.SIZE_B, 1, "b"),
    /** Two bytes (half word). */
    H(Opcodes.SIZE_H, 2, "h"),
    /** Four bytes (word). */
    W(Opcodes.SIZE_W, 4, "w"),
    /** Eight bytes (double word). */
    DW(Opcodes.SIZE_DW, 8, "dw");

    private final int code;
    private final int bytes;
    private final String suffix;

    Size(int code, int bytes, String suffix) {
        this.code = code;
        this.bytes = bytes;
        this.suffix = suffix;
    }

    /** The size field as it stands in the opcode byte. */
    public int code() {
        return code;
    }

    /** Number of bytes accessed. */
    public int bytes() {
        return bytes;
    }

    /** Number of bits accessed. */
    public int bits() {
        return bytes * 8;
    }

    /** Mnemonic suffix: {@code b}, {@code h}, {@code w} or {@code dw}. */
    public String suffix() {
        return suffix;
    }

    /** The size for an opcode's size field. */
    public static Size ofCode(int code) {
        return switch (code & 0x18) {
            case Opcodes.SIZE_B -> B;
            case Opcodes.SIZE_H -> H;
            case Opcodes.SIZE_W -> W;
            default -> DW;
        };
    }

    /** The size of {@code bytes} bytes, or null. */
    public static Size ofBytes(int bytes) {
        return switch (bytes) {
            case 1 -> B;
            case 2 -> H;
            case 4 -> W;
            case 8 -> DW;
            default -> null;
        };
    }
}
