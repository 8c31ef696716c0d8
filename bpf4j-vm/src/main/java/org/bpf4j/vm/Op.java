package org.bpf4j.vm;

/**
 * Dense internal operation numbers of the interpreter, one per distinct semantics, so that its
 * loop dispatches with a single table switch. Assigned by {@link Lowering}; never stored.
 */
final class Op {
    private Op() {}

    // Arithmetic: 64/32-bit x immediate/register.
    static final int ADD64_K = 0, ADD64_X = 1, ADD32_K = 2, ADD32_X = 3;
    static final int SUB64_K = 4, SUB64_X = 5, SUB32_K = 6, SUB32_X = 7;
    static final int MUL64_K = 8, MUL64_X = 9, MUL32_K = 10, MUL32_X = 11;
    static final int DIV64_K = 12, DIV64_X = 13, DIV32_K = 14, DIV32_X = 15;
    static final int SDIV64_K = 16, SDIV64_X = 17, SDIV32_K = 18, SDIV32_X = 19;
    static final int OR64_K = 20, OR64_X = 21, OR32_K = 22, OR32_X = 23;
    static final int AND64_K = 24, AND64_X = 25, AND32_K = 26, AND32_X = 27;
    static final int LSH64_K = 28, LSH64_X = 29, LSH32_K = 30, LSH32_X = 31;
    static final int RSH64_K = 32, RSH64_X = 33, RSH32_K = 34, RSH32_X = 35;
    static final int MOD64_K = 36, MOD64_X = 37, MOD32_K = 38, MOD32_X = 39;
    static final int SMOD64_K = 40, SMOD64_X = 41, SMOD32_K = 42, SMOD32_X = 43;
    static final int XOR64_K = 44, XOR64_X = 45, XOR32_K = 46, XOR32_X = 47;
    static final int MOV64_K = 48, MOV64_X = 49, MOV32_K = 50, MOV32_X = 51;
    static final int ARSH64_K = 52, ARSH64_X = 53, ARSH32_K = 54, ARSH32_X = 55;
    static final int NEG64 = 56, NEG32 = 57;
    static final int MOVSX64_8 = 58, MOVSX64_16 = 59, MOVSX64_32 = 60, MOVSX32_8 = 61, MOVSX32_16 = 62;
    static final int LE16 = 63, LE32 = 64, BSWAP16 = 65, BSWAP32 = 66, BSWAP64 = 67, NOP = 68;
    static final int LDDW = 69;
    // Loads and stores.
    static final int LDXB = 70, LDXH = 71, LDXW = 72, LDXDW = 73, LDXSB = 74, LDXSH = 75, LDXSW = 76;
    static final int STB = 77, STH = 78, STW = 79, STDW = 80;
    static final int STXB = 81, STXH = 82, STXW = 83, STXDW = 84;
    static final int ATOMIC32 = 85, ATOMIC64 = 86, ATOMIC_FETCH32 = 87, ATOMIC_FETCH64 = 88;
    static final int CMPXCHG32 = 89, CMPXCHG64 = 90, LOAD_ACQ = 91, STORE_REL = 92;
    static final int LDABS = 93, LDIND = 94;
    // Jumps: 64/32-bit x immediate/register.
    static final int JEQ64_K = 100, JEQ64_X = 101, JEQ32_K = 102, JEQ32_X = 103;
    static final int JNE64_K = 104, JNE64_X = 105, JNE32_K = 106, JNE32_X = 107;
    static final int JGT64_K = 108, JGT64_X = 109, JGT32_K = 110, JGT32_X = 111;
    static final int JGE64_K = 112, JGE64_X = 113, JGE32_K = 114, JGE32_X = 115;
    static final int JLT64_K = 116, JLT64_X = 117, JLT32_K = 118, JLT32_X = 119;
    static final int JLE64_K = 120, JLE64_X = 121, JLE32_K = 122, JLE32_X = 123;
    static final int JSGT64_K = 124, JSGT64_X = 125, JSGT32_K = 126, JSGT32_X = 127;
    static final int JSGE64_K = 128, JSGE64_X = 129, JSGE32_K = 130, JSGE32_X = 131;
    static final int JSLT64_K = 132, JSLT64_X = 133, JSLT32_K = 134, JSLT32_X = 135;
    static final int JSLE64_K = 136, JSLE64_X = 137, JSLE32_K = 138, JSLE32_X = 139;
    static final int JSET64_K = 140, JSET64_X = 141, JSET32_K = 142, JSET32_X = 143;
    static final int JA = 144, CALL_HELPER = 145, CALL_LOCAL = 146, CALLX = 147, EXIT = 148;
    /** The second slot of an lddw: never executed, reaching it is a control error. */
    static final int INVALID = 149;
    /** The sentinel after the last slot: reaching it means the program has no exit on that path. */
    static final int FELL_OFF = 150;
    /** {@code bpf_tail_call}: handled by the engine, not as a helper, since it replaces the program. */
    static final int TAIL_CALL = 151;
    /** {@code may_goto}: jump by the operand when the run's loop budget is spent. */
    static final int MAY_GOTO = 152;
}
