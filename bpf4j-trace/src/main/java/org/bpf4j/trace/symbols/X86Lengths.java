package org.bpf4j.trace.symbols;

/**
 * The lengths of x86-64 instructions, enough to tell whether an offset into a function is the start
 * of an instruction (a uprobe placed anywhere else would corrupt the traced program, so bpftrace
 * refuses such offsets, and so does bpf4j). Decodes the legacy, REX, VEX and EVEX encodings of
 * 64-bit mode: prefixes, the one-, two- and three-byte opcode maps, ModRM, SIB, displacements and
 * immediates. It does not decide what an instruction does. Stateless.
 */
public final class X86Lengths {
    private X86Lengths() {}

    /** One-byte opcodes followed by ModRM (bit set). */
    private static final boolean[] MODRM1 = new boolean[256];
    /** Two-byte (0F xx) opcodes without ModRM. */
    private static final boolean[] NO_MODRM2 = new boolean[256];

    static {
        for (int op = 0; op < 0x40; op++) {
            if ((op & 7) < 4 && (op & 0xC0) == 0) {
                MODRM1[op] = true; // ALU r/m forms: 00-03, 08-0B, ..., 38-3B
            }
        }
        for (int op : new int[] {0x62, 0x63, 0x69, 0x6B, 0x80, 0x81, 0x83, 0xC0, 0xC1, 0xC6, 0xC7, 0xD0, 0xD1, 0xD2,
                0xD3, 0xF6, 0xF7, 0xFE, 0xFF}) {
            MODRM1[op] = true;
        }
        for (int op = 0x84; op <= 0x8F; op++) {
            MODRM1[op] = true;
        }
        for (int op = 0xD8; op <= 0xDF; op++) {
            MODRM1[op] = true;
        }
        for (int op : new int[] {0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37,
                0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA}) {
            NO_MODRM2[op] = true;
        }
        for (int op = 0x80; op <= 0x8F; op++) {
            NO_MODRM2[op] = true; // jcc rel32
        }
        for (int op = 0xC8; op <= 0xCF; op++) {
            NO_MODRM2[op] = true; // bswap
        }
    }

    /**
     * The length of the instruction at {@code at}, or -1 if the bytes are not a valid 64-bit mode
     * instruction this decoder knows (or run past {@code end}).
     */
    public static int length(byte[] code, int at, int end) {
        int p = at;
        boolean opsize = false;
        boolean addrsize = false;
        // legacy prefixes
        for (;;) {
            if (p >= end) {
                return -1;
            }
            int b = code[p] & 0xff;
            if (b == 0x66) {
                opsize = true;
            } else if (b == 0x67) {
                addrsize = true;
            } else if (b != 0xF0 && b != 0xF2 && b != 0xF3 && b != 0x2E && b != 0x36 && b != 0x3E && b != 0x26
                    && b != 0x64 && b != 0x65) {
                break;
            }
            p++;
            if (p - at > 14) {
                return -1;
            }
        }
        boolean rexW = false;
        int b = code[p] & 0xff;
        if ((b & 0xF0) == 0x40) {
            rexW = (b & 8) != 0;
            if (++p >= end) {
                return -1;
            }
            b = code[p] & 0xff;
        }
        int len;
        if (b == 0xC4 || b == 0xC5 || b == 0x62) {
            len = vex(code, p, end);
        } else {
            len = legacy(code, p, end, opsize, addrsize, rexW);
        }
        if (len < 0 || p + len > end) {
            return -1;
        }
        int total = p + len - at;
        return total > 15 ? -1 : total;
    }

    /** A legacy-encoded instruction from its opcode byte at {@code p}: its length from there. */
    private static int legacy(byte[] code, int p, int end, boolean opsize, boolean addrsize, boolean rexW) {
        int op = code[p] & 0xff;
        int imm16or32 = opsize ? 2 : 4;
        if (op == 0x0F) {
            if (p + 1 >= end) {
                return -1;
            }
            int op2 = code[p + 1] & 0xff;
            if (op2 == 0x38 || op2 == 0x3A) {
                int m = modrm(code, p + 3, end);
                return m < 0 ? -1 : 3 + m + (op2 == 0x3A ? 1 : 0);
            }
            if (op2 >= 0x80 && op2 <= 0x8F) {
                return 2 + 4; // jcc rel32
            }
            if (NO_MODRM2[op2]) {
                return 2;
            }
            int m = modrm(code, p + 2, end);
            if (m < 0) {
                return -1;
            }
            int imm = switch (op2) {
                case 0x0F, 0x70, 0x71, 0x72, 0x73, 0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6 -> 1;
                default -> 0;
            };
            return 2 + m + imm;
        }
        // opcodes that are not instructions in 64-bit mode
        switch (op) {
            case 0x06, 0x07, 0x0E, 0x16, 0x17, 0x1E, 0x1F, 0x27, 0x2F, 0x37, 0x3F, 0x60, 0x61, 0x82, 0x9A, 0xCE,
                    0xD4, 0xD5, 0xD6, 0xEA -> {
                return -1;
            }
            default -> { }
        }
        int imm = switch (op) {
            case 0x04, 0x0C, 0x14, 0x1C, 0x24, 0x2C, 0x34, 0x3C, 0x6A, 0x6B, 0x80, 0x83, 0xA8, 0xC0, 0xC1, 0xC6,
                    0xCD, 0xE0, 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xEB -> 1;
            case 0x05, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D, 0x68, 0x69, 0x81, 0xA9, 0xC7 -> imm16or32;
            case 0xC2, 0xCA -> 2;
            case 0xC8 -> 3;
            case 0xE8, 0xE9 -> 4;
            case 0xA0, 0xA1, 0xA2, 0xA3 -> addrsize ? 4 : 8;
            default -> {
                if (op >= 0x70 && op <= 0x7F || op >= 0xB0 && op <= 0xB7) {
                    yield 1;
                }
                if (op >= 0xB8 && op <= 0xBF) {
                    yield rexW ? 8 : imm16or32;
                }
                yield 0;
            }
        };
        if (!MODRM1[op]) {
            return 1 + imm;
        }
        int m = modrm(code, p + 1, end);
        if (m < 0) {
            return -1;
        }
        if (op == 0xF6 || op == 0xF7) {
            int reg = (code[p + 1] >> 3) & 7;
            if (reg == 0 || reg == 1) {
                imm = op == 0xF6 ? 1 : imm16or32; // TEST r/m, imm
            }
        }
        return 1 + m + imm;
    }

    /** A VEX (C4, C5) or EVEX (62) instruction from its first byte at {@code p}: its length from there. */
    private static int vex(byte[] code, int p, int end) {
        int first = code[p] & 0xff;
        int prefix;
        int map;
        if (first == 0xC5) {
            prefix = 2;
            map = 1;
        } else if (first == 0xC4) {
            if (p + 1 >= end) {
                return -1;
            }
            prefix = 3;
            map = code[p + 1] & 0x1F;
        } else {
            if (p + 1 >= end) {
                return -1;
            }
            prefix = 4;
            map = code[p + 1] & 0x07;
        }
        if (p + prefix >= end) {
            return -1;
        }
        int op = code[p + prefix] & 0xff;
        int m = modrm(code, p + prefix + 1, end);
        if (m < 0) {
            return -1;
        }
        int imm = switch (map) {
            case 1 -> switch (op) {
                case 0x70, 0x71, 0x72, 0x73, 0xC2, 0xC4, 0xC5, 0xC6 -> 1;
                default -> 0;
            };
            case 2, 5, 6 -> 0;
            case 3 -> 1;
            default -> -1;
        };
        return imm < 0 ? -1 : prefix + 1 + m + imm;
    }

    /** The length of a ModRM byte at {@code p} with its SIB and displacement, or -1. */
    private static int modrm(byte[] code, int p, int end) {
        if (p >= end) {
            return -1;
        }
        int modrm = code[p] & 0xff;
        int mod = modrm >> 6;
        int rm = modrm & 7;
        if (mod == 3) {
            return 1;
        }
        int n = 1;
        if (rm == 4) {
            if (p + 1 >= end) {
                return -1;
            }
            int sib = code[p + 1] & 0xff;
            n++;
            if (mod == 0 && (sib & 7) == 5) {
                return n + 4;
            }
        } else if (mod == 0 && rm == 5) {
            return n + 4; // RIP-relative
        }
        return n + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
    }

    /**
     * Whether {@code offset} bytes into a function whose code is {@code code[start, start + size)}
     * is the start of an instruction, decoding from the function's first byte; false if an
     * instruction before it cannot be decoded.
     */
    public static boolean isBoundary(byte[] code, int start, int size, long offset) {
        int end = Math.min(code.length, start + size);
        long at = start;
        while (at < start + offset) {
            int n = length(code, (int) at, end);
            if (n < 0) {
                return false;
            }
            at += n;
        }
        return at == start + offset;
    }
}
