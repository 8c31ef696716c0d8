package org.bpf4j.isa;

/**
 * Field values of the eBPF opcode byte (RFC 9669 section 3), the one table of raw encodings.
 *
 * <p>The low three bits of an opcode are the {@linkplain #classOf(int) class}. For arithmetic
 * and jump classes bit 3 is the source ({@link #K} or {@link #X}) and bits 4-7 the operation;
 * for load and store classes bits 3-4 are the size and bits 5-7 the mode.
 */
public final class Opcodes {
    private Opcodes() {}

    // Classes.
    public static final int LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03,
            ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;

    // Source.
    public static final int K = 0x00, X = 0x08;

    // Sizes (bits 3-4).
    public static final int SIZE_W = 0x00, SIZE_H = 0x08, SIZE_B = 0x10, SIZE_DW = 0x18;

    // Modes (bits 5-7).
    public static final int MODE_IMM = 0x00, MODE_ABS = 0x20, MODE_IND = 0x40, MODE_MEM = 0x60,
            MODE_MEMSX = 0x80, MODE_ATOMIC = 0xc0;

    // ALU operations (bits 4-7).
    public static final int ADD = 0x00, SUB = 0x10, MUL = 0x20, DIV = 0x30, OR = 0x40, AND = 0x50,
            LSH = 0x60, RSH = 0x70, NEG = 0x80, MOD = 0x90, XOR = 0xa0, MOV = 0xb0, ARSH = 0xc0,
            END = 0xd0;

    // Jump operations (bits 4-7).
    public static final int JA = 0x00, JEQ = 0x10, JGT = 0x20, JGE = 0x30, JSET = 0x40, JNE = 0x50,
            JSGT = 0x60, JSGE = 0x70, CALL = 0x80, EXIT = 0x90, JLT = 0xa0, JLE = 0xb0,
            JSLT = 0xc0, JSLE = 0xd0, JCOND = 0xe0;

    // Byte-swap direction (the source bit of END).
    public static final int TO_LE = 0x00, TO_BE = 0x08;

    // Atomic operations (the imm field of an ATOMIC store).
    public static final int ATOMIC_FETCH = 0x01, ATOMIC_XCHG = 0xe0 | ATOMIC_FETCH,
            ATOMIC_CMPXCHG = 0xf0 | ATOMIC_FETCH, ATOMIC_LOAD_ACQ = 0x100, ATOMIC_STORE_REL = 0x110;

    // Source register values with a special meaning.
    public static final int PSEUDO_CALL = 1, PSEUDO_KFUNC_CALL = 2;

    /** Number of registers: R0-R9 general purpose, R10 the read-only frame pointer. */
    public static final int REGISTER_COUNT = 11;
    /** The frame pointer register. */
    public static final int FP = 10;
    /** Size of one instruction slot in bytes. */
    public static final int SLOT_BYTES = 8;

    /** The class of an opcode (low three bits). */
    public static int classOf(int opcode) {
        return opcode & 0x07;
    }

    /** The operation of an arithmetic or jump opcode (bits 4-7). */
    public static int opOf(int opcode) {
        return opcode & 0xf0;
    }

    /** The source bit of an arithmetic or jump opcode. */
    public static int sourceOf(int opcode) {
        return opcode & 0x08;
    }

    /** The size field of a load or store opcode. */
    public static int sizeOf(int opcode) {
        return opcode & 0x18;
    }

    /** The mode field of a load or store opcode. */
    public static int modeOf(int opcode) {
        return opcode & 0xe0;
    }

    /** True for the two arithmetic classes. */
    public static boolean isAlu(int opcode) {
        int c = classOf(opcode);
        return c == ALU || c == ALU64;
    }

    /** True for the two jump classes. */
    public static boolean isJump(int opcode) {
        int c = classOf(opcode);
        return c == JMP || c == JMP32;
    }
}
