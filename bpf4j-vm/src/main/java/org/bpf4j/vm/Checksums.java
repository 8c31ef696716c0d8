package org.bpf4j.vm;

/**
 * The Internet checksum arithmetic of the kernel's checksum helpers, as Linux computes it on a
 * little-endian machine: 32-bit partial sums ({@code __wsum}) and folded 16-bit checksums
 * ({@code __sum16}) held as the values a little-endian load of their bytes gives. One definition
 * shared by the helpers and their tests.
 */
public final class Checksums {
    private Checksums() {}

    /** {@code csum_add}: 32-bit one's complement addition. */
    public static int add(int a, int b) {
        int res = a + b;
        return res + (Integer.compareUnsigned(res, b) < 0 ? 1 : 0);
    }

    /** {@code csum_sub}. */
    public static int sub(int a, int b) {
        return add(a, ~b);
    }

    /** {@code csum_fold}: folds a partial sum to 16 bits and complements it. */
    public static int fold(int sum) {
        long s = (sum & 0xffffL) + ((sum >>> 16) & 0xffffL);
        s = (s & 0xffff) + (s >>> 16);
        return (int) (~s & 0xffff);
    }

    /** {@code csum16_add}: 16-bit one's complement addition. */
    public static int add16(int csum, int addend) {
        int res = (csum + addend) & 0xffff;
        return (res + ((res < (addend & 0xffff)) ? 1 : 0)) & 0xffff;
    }

    /** {@code csum_replace4}: the new checksum after a 32-bit word changed from {@code from} to {@code to}. */
    public static int replace4(int sum16, int from, int to) {
        int tmp = sub(~sum16, from);
        return fold(add(tmp, to));
    }

    /** {@code csum_replace2}: the new checksum after a 16-bit word changed. */
    public static int replace2(int sum16, int from, int to) {
        return ~add16(add16(~sum16 & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
    }

    /** {@code csum_replace_by_diff}: the new checksum after adding a partial sum {@code diff}. */
    public static int replaceByDiff(int sum16, int diff) {
        return fold(add(diff, ~sum16));
    }

    /**
     * {@code csum_partial} of the 8 bytes {@code w0, w1} (two little-endian u32 words) on x86-64:
     * a 64-bit sum with end-around carry, folded to 32 bits with carry.
     */
    public static int partial8(int w0, int w1, int seed) {
        long x = (w0 & 0xffff_ffffL) | ((long) w1 << 32);
        long t = (seed & 0xffff_ffffL) + x;
        if (Long.compareUnsigned(t, x) < 0) {
            t++;
        }
        long r = (t >>> 32) + (t & 0xffff_ffffL);
        return (int) (r + (r >>> 32));
    }

    /**
     * {@code csum_partial} on x86-64: the bytes as little-endian 64-bit words (the last one padded
     * with zeros) added with end-around carry to {@code seed}, folded to 32 bits.
     */
    public static int partial(byte[] buf, int seed) {
        long t = seed & 0xffff_ffffL;
        for (int i = 0; i < buf.length; i += 8) {
            long w = 0;
            for (int j = 0; j < 8 && i + j < buf.length; j++) {
                w |= (buf[i + j] & 0xffL) << (8 * j);
            }
            t += w;
            if (Long.compareUnsigned(t, w) < 0) {
                t++;
            }
        }
        long r = t + Long.rotateRight(t, 32);
        return (int) (r >>> 32);
    }

    /** {@code csum_from32to16}: a partial sum folded to 16 bits, not complemented. */
    public static int from32to16(int sum) {
        int s = sum + ((sum >>> 16) | (sum << 16));
        return (s >>> 16) & 0xffff;
    }

    /** {@code inet_proto_csum_replace4} for a buffer whose checksum is not offloaded ({@code CHECKSUM_NONE}). */
    public static int protoReplace4(int sum16, int from, int to) {
        return fold(partial8(~from, to, ~sum16));
    }

    /** {@code inet_proto_csum_replace_by_diff} for {@code CHECKSUM_NONE}. */
    public static int protoReplaceByDiff(int sum16, int diff) {
        return fold(add(diff, ~sum16));
    }
}
