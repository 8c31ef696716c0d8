package org.bpf4j.verifier.domain;

/**
 * A tristate number: for each of 64 bits, known 0, known 1, or unknown. {@code value} holds the
 * known one bits, {@code mask} the unknown bits; a bit is never both. The set of concrete values a
 * tnum stands for is every {@code value | m} with {@code m} a subset of {@code mask}.
 *
 * <p>Every operation over-approximates the set of results of the concrete operation on any pair
 * of members (the kernel's {@code tnum.c} semantics), which is what makes it sound. Immutable.
 *
 * @param value the known one bits
 * @param mask the unknown bits
 */
public record Tnum(long value, long mask) {
    /** Every 64-bit value. */
    public static final Tnum UNKNOWN = new Tnum(0, -1L);
    /** The constant 0. */
    public static final Tnum ZERO = new Tnum(0, 0);

    /** Normalises: known bits never overlap unknown ones. */
    public Tnum {
        value &= ~mask;
    }

    /** The smallest constant with a shared instance ({@link #constant}). */
    static final int SMALL_MIN = -256;
    /** The largest constant with a shared instance ({@link #constant}). */
    static final int SMALL_MAX = 1023;
    private static final Tnum[] SMALL = new Tnum[SMALL_MAX - SMALL_MIN + 1];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            SMALL[i] = new Tnum(SMALL_MIN + i, 0);
        }
    }

    /** The constant {@code v} (a shared instance for small values: tnums are immutable). */
    public static Tnum constant(long v) {
        if (v >= SMALL_MIN && v <= SMALL_MAX) {
            return SMALL[(int) (v - SMALL_MIN)];
        }
        return new Tnum(v, 0);
    }

    /** The smallest tnum holding every unsigned value in {@code [min, max]}. */
    public static Tnum range(long min, long max) {
        long chi = min ^ max;
        int bits = 64 - Long.numberOfLeadingZeros(chi);
        if (bits > 63) {
            return UNKNOWN;
        }
        long delta = (1L << bits) - 1;
        return new Tnum(min & ~delta, delta);
    }

    /** Whether exactly one value is represented. */
    public boolean isConst() {
        return mask == 0;
    }

    /** Whether the low 32 bits are known. */
    public boolean isSubregConst() {
        return (mask & 0xffffffffL) == 0;
    }

    /** Whether every value is possible. */
    public boolean isUnknown() {
        return mask == -1L;
    }

    /** Whether every member is a multiple of {@code size} (a power of two). */
    public boolean isAligned(long size) {
        if (size == 0) {
            return true;
        }
        return ((value | mask) & (size - 1)) == 0;
    }

    /** Whether every member of {@code b} is a member of this (b ⊆ this). */
    public boolean contains(Tnum b) {
        if ((b.mask & ~mask) != 0) {
            return false;
        }
        return value == (b.value & ~mask);
    }

    /** Whether {@code v} is a member. */
    public boolean contains(long v) {
        return (v & ~mask) == value;
    }

    /** Shift left by a constant. */
    public Tnum lshift(int shift) {
        return new Tnum(value << shift, mask << shift);
    }

    /** Logical shift right by a constant. */
    public Tnum rshift(int shift) {
        return new Tnum(value >>> shift, mask >>> shift);
    }

    /** Arithmetic shift right by a constant in 64 ({@code bits} 64) or 32 bits (result zero-extended). */
    public Tnum arshift(int shift, int bits) {
        if (bits == 32) {
            return new Tnum(((int) value >> shift) & 0xffffffffL, ((int) mask >> shift) & 0xffffffffL);
        }
        return new Tnum(value >> shift, mask >> shift);
    }

    /** Sum: carries out of unknown bits make the bits above them unknown. */
    public Tnum add(Tnum b) {
        long sm = mask + b.mask;
        long sv = value + b.value;
        long sigma = sm + sv;
        long chi = sigma ^ sv;
        long mu = chi | mask | b.mask;
        return new Tnum(sv & ~mu, mu);
    }

    /** Difference. */
    public Tnum sub(Tnum b) {
        long dv = value - b.value;
        long alpha = dv + mask;
        long beta = dv - b.mask;
        long chi = alpha ^ beta;
        long mu = chi | mask | b.mask;
        return new Tnum(dv & ~mu, mu);
    }

    /** Bitwise and. */
    public Tnum and(Tnum b) {
        long alpha = value | mask;
        long beta = b.value | b.mask;
        long v = value & b.value;
        return new Tnum(v, alpha & beta & ~v);
    }

    /** Bitwise or. */
    public Tnum or(Tnum b) {
        long v = value | b.value;
        long mu = mask | b.mask;
        return new Tnum(v, mu & ~v);
    }

    /** Bitwise exclusive or. */
    public Tnum xor(Tnum b) {
        long v = value ^ b.value;
        long mu = mask | b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Product, by long multiplication over the bits of this operand. */
    public Tnum mul(Tnum b) {
        Tnum a = this;
        long accV = a.value * b.value;
        Tnum accM = ZERO;
        while (a.value != 0 || a.mask != 0) {
            if ((a.value & 1) != 0) {
                accM = accM.add(new Tnum(0, b.mask));
            } else if ((a.mask & 1) != 0) {
                accM = accM.add(new Tnum(0, b.value | b.mask));
            }
            a = a.rshift(1);
            b = b.lshift(1);
        }
        return constant(accV).add(accM);
    }

    /** The values in both (assuming they intersect): known bits of either. */
    public Tnum intersect(Tnum b) {
        long v = value | b.value;
        long mu = mask & b.mask;
        return new Tnum(v & ~mu, mu);
    }

    /** Truncation to the low {@code bytes} bytes, zero-extended. */
    public Tnum cast(int bytes) {
        if (bytes >= 8) {
            return this;
        }
        long m = (1L << (bytes * 8)) - 1;
        return new Tnum(value & m, mask & m);
    }

    /** The low 32 bits, zero-extended. */
    public Tnum subreg() {
        return cast(4);
    }

    /** The high 32 bits kept, the low 32 bits known zero. */
    public Tnum clearSubreg() {
        return rshift(32).lshift(32);
    }

    /** The high 32 bits of this with the low 32 bits of {@code sub}. */
    public Tnum withSubreg(Tnum sub) {
        return clearSubreg().or(sub.subreg());
    }

    /** The kernel's rendering: a constant in decimal, else {@code (0xVALUE; 0xMASK)}. */
    @Override
    public String toString() {
        if (isConst()) {
            return Long.toString(value);
        }
        return "(0x" + Long.toHexString(value) + "; 0x" + Long.toHexString(mask) + ")";
    }
}
