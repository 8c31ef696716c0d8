package org.bpf4j.vm;

/**
 * The semantics of every non-trivial arithmetic operation of RFC 9669, one static method each,
 * called by the interpreter and by code the JIT generates. 32-bit results are returned
 * zero-extended to 64 bits, as the instruction set requires.
 *
 * <p>Division by zero gives 0; modulo by zero leaves the dividend (for 32 bits, its low half);
 * signed division of the smallest value by -1 gives the smallest value and the signed modulo 0;
 * signed modulo takes the sign of the dividend (truncating division).
 */
public final class Arithmetic {
    private Arithmetic() {}

    private static final long LOW32 = 0xffff_ffffL;

    /** Unsigned 64-bit division. */
    public static long div64(long dst, long src) {
        return src == 0 ? 0 : Long.divideUnsigned(dst, src);
    }

    /** Unsigned 32-bit division. */
    public static long div32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? 0 : Integer.divideUnsigned((int) dst, s) & LOW32;
    }

    /** Signed 64-bit division (Java's division already gives MIN for MIN / -1). */
    public static long sdiv64(long dst, long src) {
        return src == 0 ? 0 : dst / src;
    }

    /** Signed 32-bit division. */
    public static long sdiv32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? 0 : ((int) dst / s) & LOW32;
    }

    /** Unsigned 64-bit modulo. */
    public static long mod64(long dst, long src) {
        return src == 0 ? dst : Long.remainderUnsigned(dst, src);
    }

    /** Unsigned 32-bit modulo. */
    public static long mod32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? dst & LOW32 : Integer.remainderUnsigned((int) dst, s) & LOW32;
    }

    /** Signed 64-bit modulo (MIN % -1 is 0 in Java as in the instruction set). */
    public static long smod64(long dst, long src) {
        return src == 0 ? dst : dst % src;
    }

    /** Signed 32-bit modulo. */
    public static long smod32(long dst, long src) {
        int s = (int) src;
        return s == 0 ? dst & LOW32 : ((int) dst % s) & LOW32;
    }

    /** 32-bit arithmetic shift right, amount masked to 5 bits. */
    public static long arsh32(long dst, long src) {
        return ((int) dst >> (src & 31)) & LOW32;
    }

    /** 32-bit logical shift right, amount masked to 5 bits. */
    public static long rsh32(long dst, long src) {
        return ((int) dst >>> (src & 31)) & LOW32;
    }

    /** 32-bit shift left, amount masked to 5 bits. */
    public static long lsh32(long dst, long src) {
        return ((int) dst << (src & 31)) & LOW32;
    }

    /** Sign-extends the low {@code bits} of a value to 64 bits (MOVSX, MEMSX). */
    public static long signExtend64(long value, int bits) {
        int shift = 64 - bits;
        return (value << shift) >> shift;
    }

    /** Sign-extends the low {@code bits} of a value to 32 bits and zero-extends the result (MOVSX32). */
    public static long signExtend32(long value, int bits) {
        int shift = 32 - bits;
        return (((int) value << shift) >> shift) & LOW32;
    }

    /** Swaps the byte order of the low 16 bits; the rest is cleared. */
    public static long bswap16(long value) {
        return Short.reverseBytes((short) value) & 0xffffL;
    }

    /** Swaps the byte order of the low 32 bits; the rest is cleared. */
    public static long bswap32(long value) {
        return Integer.reverseBytes((int) value) & LOW32;
    }

    /** Swaps the byte order of all 64 bits. */
    public static long bswap64(long value) {
        return Long.reverseBytes(value);
    }

    /** Conversion to little-endian of the low {@code bits} on a little-endian host: truncation. */
    public static long toLittleEndian(long value, int bits) {
        return bits == 64 ? value : value & ((1L << bits) - 1);
    }

    /** Byte swap of the low {@code bits} (16, 32 or 64); also the big-endian conversion. */
    public static long bswap(long value, int bits) {
        return switch (bits) {
            case 16 -> bswap16(value);
            case 32 -> bswap32(value);
            default -> bswap64(value);
        };
    }
}
