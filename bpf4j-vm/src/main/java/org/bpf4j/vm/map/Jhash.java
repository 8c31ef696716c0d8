package org.bpf4j.vm.map;

/**
 * Bob Jenkins' lookup3 hash as Linux's {@code jhash} computes it over bytes (32-bit little-endian
 * words, then the 1-11 remaining bytes), which the kernel's hash maps use to pick a bucket. Written
 * for bpf4j from the algorithm's description. {@link #jhash2} is the word variant that stack-trace
 * maps use for stack ids.
 */
final class Jhash {
    private Jhash() {}

    /** {@code jhash(key, key.length, initval)}. */
    static int jhash(byte[] k, int initval) {
        int length = k.length;
        int a = 0xdeadbeef + length + initval;
        int b = a;
        int c = a;
        int i = 0;
        while (length > 12) {
            a += le32(k, i);
            b += le32(k, i + 4);
            c += le32(k, i + 8);
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            length -= 12;
            i += 12;
        }
        if (length == 0) {
            return c;
        }
        // The tail: bytes 8-11 go into c, 4-7 into b, 0-3 into a, each little-endian.
        for (int j = length - 1; j >= 0; j--) {
            int v = (k[i + j] & 0xff) << (8 * (j & 3));
            if (j >= 8) {
                c += v;
            } else if (j >= 4) {
                b += v;
            } else {
                a += v;
            }
        }
        return fin(a, b, c);
    }

    /**
     * {@code jhash2(words, length, 0)} over 32-bit words, as Linux hashes a stack's addresses for
     * {@code bpf_get_stackid}: each address is two words, low half first.
     */
    static int jhash2(long[] ips) {
        int[] k = new int[ips.length * 2];
        for (int i = 0; i < ips.length; i++) {
            k[2 * i] = (int) ips[i];
            k[2 * i + 1] = (int) (ips[i] >>> 32);
        }
        int length = k.length;
        int a = 0xdeadbeef + (length << 2);
        int b = a;
        int c = a;
        int i = 0;
        while (length > 3) {
            a += k[i];
            b += k[i + 1];
            c += k[i + 2];
            a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
            a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
            b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
            c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
            length -= 3;
            i += 3;
        }
        switch (length) {
            case 3:
                c += k[i + 2];
            // fall through
            case 2:
                b += k[i + 1];
            // fall through
            case 1:
                a += k[i];
                return fin(a, b, c);
            default:
                return c;
        }
    }

    /** lookup3's final mixing of the three state words; the hash is the last word. */
    private static int fin(int a, int b, int c) {
        c ^= b; c -= Integer.rotateLeft(b, 14);
        a ^= c; a -= Integer.rotateLeft(c, 11);
        b ^= a; b -= Integer.rotateLeft(a, 25);
        c ^= b; c -= Integer.rotateLeft(b, 16);
        a ^= c; a -= Integer.rotateLeft(c, 4);
        b ^= a; b -= Integer.rotateLeft(a, 14);
        c ^= b; c -= Integer.rotateLeft(b, 24);
        return c;
    }

    private static int le32(byte[] k, int i) {
        return (k[i] & 0xff) | (k[i + 1] & 0xff) << 8 | (k[i + 2] & 0xff) << 16 | (k[i + 3] & 0xff) << 24;
    }
}
