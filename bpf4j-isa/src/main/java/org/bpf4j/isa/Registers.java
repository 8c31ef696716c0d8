package org.bpf4j.isa;

/** Register number checks. */
final class Registers {
    private Registers() {}

    static int check(int reg) {
        if (reg < 0 || reg >= Opcodes.REGISTER_COUNT) {
            throw new IllegalArgumentException("register r" + reg + " does not exist (r0-r10)");
        }
        return reg;
    }

    static int checkOffset(int off) {
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + off + " does not fit in 16 bits");
        }
        return off;
    }
}
