package org.bpf4j.verifier.domain;

import org.bpf4j.isa.AluOp;

/**
 * Arithmetic on scalars: the result range of {@code dst op src} in 64 or 32 bits (the kernel's
 * {@code adjust_scalar_min_max_vals}).
 *
 * <p>Soundness: each operation computes, for the tnum and for each pair of bounds separately, a
 * set that contains every concrete result of the operation on members of the operand sets (wrap
 * on overflow makes the bound pair the full range); then {@link ScalarRange#sync()} intersects
 * them. A 32-bit operation computes the low half the same way and zero-extends, which is what the
 * machine does. Operations whose results are not tracked (division, modulo, shifts by a
 * non-constant or out-of-range amount) give the full range.
 */
public final class ScalarAlu {
    private ScalarAlu() {
    }

    /** Whether the kernel tracks the range of {@code op} with this source (else the result is unknown). */
    static boolean tracked(AluOp op, boolean wide, ScalarRange src) {
        return switch (op) {
            case ADD, SUB, AND, XOR, OR, MUL -> true;
            case LSH, RSH, ARSH -> wide ? src.isConst() && Long.compareUnsigned(src.umax(), 64) < 0
                    : src.isSubregConst() && src.s32min() == src.s32max() && src.u32min() == src.u32max()
                            && Long.compareUnsigned(src.umax(), 32) < 0;
            case DIV, SDIV, MOD, SMOD, MOV -> false;
        };
    }

    /** The range of {@code dst op src}; {@code wide} selects 64-bit ALU, else 32-bit zero-extended. */
    public static ScalarRange compute(AluOp op, boolean wide, ScalarRange dst, ScalarRange src) {
        if (op == AluOp.MOV) {
            return wide ? src : src.zext32();
        }
        if (!tracked(op, wide, src)) {
            // Linux gives up on the whole register, before the zero extension of 32-bit
            // operations (found by bpf4j-oracle: div32/mod32 and arsh32 by a register)
            return ScalarRange.UNKNOWN;
        }
        ScalarRange.M d = new ScalarRange.M(dst);
        switch (op) {
            case ADD -> {
                add32(d, src);
                add64(d, src);
                d.var = d.var.add(src.var());
            }
            case SUB -> {
                sub32(d, src);
                sub64(d, src);
                d.var = d.var.sub(src.var());
            }
            case MUL -> {
                d.var = d.var.mul(src.var());
                mul32(d, src);
                mul64(d, src);
            }
            case AND -> {
                d.var = d.var.and(src.var());
                and32(d, src);
                and64(d, src);
            }
            case OR -> {
                d.var = d.var.or(src.var());
                or32(d, src);
                or64(d, src);
            }
            case XOR -> {
                d.var = d.var.xor(src.var());
                xor32(d, src);
                xor64(d, src);
            }
            case LSH -> {
                if (wide) {
                    lsh64(d, src.umin(), src.umax());
                } else {
                    Tnum sub = d.var.subreg();
                    lsh32(d, src.u32min() & 0xffffffffL, src.u32max() & 0xffffffffL);
                    d.var = sub.lshift(src.u32min()).subreg();
                    unbounded64(d);
                    d.updateBounds();
                }
            }
            case RSH -> {
                if (wide) {
                    d.smin = Long.MIN_VALUE;
                    d.smax = Long.MAX_VALUE;
                    d.var = d.var.rshift((int) src.umin());
                    d.umin = d.umin >>> src.umax();
                    d.umax = d.umax >>> src.umin();
                    unbounded32(d);
                } else {
                    Tnum sub = d.var.subreg();
                    d.s32min = Integer.MIN_VALUE;
                    d.s32max = Integer.MAX_VALUE;
                    d.var = sub.rshift(src.u32min());
                    d.u32min = d.u32min >>> src.u32max();
                    d.u32max = d.u32max >>> src.u32min();
                    unbounded64(d);
                }
                d.updateBounds();
            }
            case ARSH -> {
                if (wide) {
                    int s = (int) src.umin();
                    d.smin >>= s;
                    d.smax >>= s;
                    d.var = d.var.arshift(s, 64);
                    d.umin = 0;
                    d.umax = -1L;
                    unbounded32(d);
                } else {
                    int s = src.u32min();
                    d.s32min >>= s;
                    d.s32max >>= s;
                    d.var = d.var.subreg().arshift(s, 32);
                    d.u32min = 0;
                    d.u32max = -1;
                    unbounded64(d);
                }
                d.updateBounds();
            }
            case DIV, SDIV, MOD, SMOD, MOV -> throw new IllegalStateException("untracked " + op);
        }
        ScalarRange r = d.freeze();
        if (!wide) {
            r = r.zext32();
        }
        return r.sync();
    }

    private static void unbounded64(ScalarRange.M d) {
        d.smin = Long.MIN_VALUE;
        d.smax = Long.MAX_VALUE;
        d.umin = 0;
        d.umax = -1L;
    }

    private static void unbounded32(ScalarRange.M d) {
        d.s32min = Integer.MIN_VALUE;
        d.s32max = Integer.MAX_VALUE;
        d.u32min = 0;
        d.u32max = -1;
    }

    private static void add32(ScalarRange.M d, ScalarRange s) {
        long lo = (long) d.s32min + s.s32min();
        long hi = (long) d.s32max + s.s32max();
        if (lo != (int) lo || hi != (int) hi) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = (int) lo;
            d.s32max = (int) hi;
        }
        long ulo = (d.u32min & 0xffffffffL) + (s.u32min() & 0xffffffffL);
        long uhi = (d.u32max & 0xffffffffL) + (s.u32max() & 0xffffffffL);
        if (ulo > 0xffffffffL || uhi > 0xffffffffL) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min = (int) ulo;
            d.u32max = (int) uhi;
        }
    }

    private static void add64(ScalarRange.M d, ScalarRange s) {
        long lo = d.smin + s.smin();
        long hi = d.smax + s.smax();
        boolean ovf = ((d.smin ^ lo) & (s.smin() ^ lo)) < 0 || ((d.smax ^ hi) & (s.smax() ^ hi)) < 0;
        if (ovf) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin = lo;
            d.smax = hi;
        }
        long ulo = d.umin + s.umin();
        long uhi = d.umax + s.umax();
        if (Long.compareUnsigned(ulo, d.umin) < 0 || Long.compareUnsigned(uhi, d.umax) < 0) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin = ulo;
            d.umax = uhi;
        }
    }

    private static void sub32(ScalarRange.M d, ScalarRange s) {
        long lo = (long) d.s32min - s.s32max();
        long hi = (long) d.s32max - s.s32min();
        if (lo != (int) lo || hi != (int) hi) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = (int) lo;
            d.s32max = (int) hi;
        }
        if (Integer.compareUnsigned(d.u32min, s.u32max()) < 0) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min -= s.u32max();
            d.u32max -= s.u32min();
        }
    }

    private static void sub64(ScalarRange.M d, ScalarRange s) {
        long lo = d.smin - s.smax();
        long hi = d.smax - s.smin();
        boolean ovf = ((d.smin ^ s.smax()) & (d.smin ^ lo)) < 0 || ((d.smax ^ s.smin()) & (d.smax ^ hi)) < 0;
        if (ovf) {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        } else {
            d.smin = lo;
            d.smax = hi;
        }
        if (Long.compareUnsigned(d.umin, s.umax()) < 0) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin -= s.umax();
            d.umax -= s.umin();
        }
    }

    /**
     * 32-bit multiplication bounds as Linux computes them ({@code scalar32_min_max_mul}): the
     * unsigned bounds multiply unless a product may exceed 32 bits; the signed bounds are the
     * extremes of the four corner products unless one of them may overflow. Sound: with no
     * overflow, a product of intervals lies between its corner products.
     */
    private static void mul32(ScalarRange.M d, ScalarRange s) {
        long umax = (d.u32max & 0xffffffffL) * (s.u32max() & 0xffffffffL);
        long umin = (d.u32min & 0xffffffffL) * (s.u32min() & 0xffffffffL);
        // The products of two 32-bit values may reach 64 bits, past Long.MAX_VALUE: compare unsigned.
        if (Long.compareUnsigned(umax, 0xffffffffL) > 0 || Long.compareUnsigned(umin, 0xffffffffL) > 0) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min = (int) umin;
            d.u32max = (int) umax;
        }
        long p0 = (long) d.s32min * s.s32min();
        long p1 = (long) d.s32min * s.s32max();
        long p2 = (long) d.s32max * s.s32min();
        long p3 = (long) d.s32max * s.s32max();
        long lo = Math.min(Math.min(p0, p1), Math.min(p2, p3));
        long hi = Math.max(Math.max(p0, p1), Math.max(p2, p3));
        if (lo < Integer.MIN_VALUE || hi > Integer.MAX_VALUE) {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        } else {
            d.s32min = (int) lo;
            d.s32max = (int) hi;
        }
    }

    /** 64-bit multiplication bounds as Linux computes them ({@code scalar_min_max_mul}); see {@link #mul32}. */
    private static void mul64(ScalarRange.M d, ScalarRange s) {
        if (Math.unsignedMultiplyHigh(d.umax, s.umax()) != 0 || Math.unsignedMultiplyHigh(d.umin, s.umin()) != 0) {
            d.umin = 0;
            d.umax = -1;
        } else {
            d.umin *= s.umin();
            d.umax *= s.umax();
        }
        long[] corners = {d.smin, d.smax};
        long[] others = {s.smin(), s.smax()};
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (long a : corners) {
            for (long b : others) {
                long p = a * b;
                if (Math.multiplyHigh(a, b) != (p >> 63)) {
                    d.smin = Long.MIN_VALUE;
                    d.smax = Long.MAX_VALUE;
                    return;
                }
                lo = Math.min(lo, p);
                hi = Math.max(hi, p);
            }
        }
        d.smin = lo;
        d.smax = hi;
    }

    // and/or/xor: the result's unsigned bounds come from the tnum already computed into d.var
    // (value = bits known one = a lower bound; value|mask = an upper bound), tightened by the
    // operand bounds (x & y <= min(x, y); x | y >= max(x, y)).

    private static void and32(ScalarRange.M d, ScalarRange s) {
        Tnum v = d.var.subreg();
        d.u32min = (int) v.value();
        d.u32max = Integer.compareUnsigned(d.u32max, s.u32max()) <= 0 ? d.u32max : s.u32max();
        signed32FromUnsigned(d);
    }

    private static void and64(ScalarRange.M d, ScalarRange s) {
        d.umin = d.var.value();
        d.umax = ScalarRange.uminU(d.umax, s.umax());
        signed64FromUnsigned(d);
        d.updateBounds();
    }

    private static void or32(ScalarRange.M d, ScalarRange s) {
        Tnum v = d.var.subreg();
        d.u32min = Integer.compareUnsigned(d.u32min, s.u32min()) >= 0 ? d.u32min : s.u32min();
        d.u32max = (int) (v.value() | v.mask());
        signed32FromUnsigned(d);
    }

    private static void or64(ScalarRange.M d, ScalarRange s) {
        d.umin = ScalarRange.umaxU(d.umin, s.umin());
        d.umax = d.var.value() | d.var.mask();
        signed64FromUnsigned(d);
        d.updateBounds();
    }

    private static void xor32(ScalarRange.M d, ScalarRange s) {
        Tnum v = d.var.subreg();
        d.u32min = (int) v.value();
        d.u32max = (int) (v.value() | v.mask());
        signed32FromUnsigned(d);
    }

    private static void xor64(ScalarRange.M d, ScalarRange s) {
        d.umin = d.var.value();
        d.umax = d.var.value() | d.var.mask();
        signed64FromUnsigned(d);
        d.updateBounds();
    }

    private static void signed32FromUnsigned(ScalarRange.M d) {
        if (d.u32min <= d.u32max) {
            d.s32min = d.u32min;
            d.s32max = d.u32max;
        } else {
            d.s32min = Integer.MIN_VALUE;
            d.s32max = Integer.MAX_VALUE;
        }
    }

    private static void signed64FromUnsigned(ScalarRange.M d) {
        if (d.umin <= d.umax) {
            d.smin = d.umin;
            d.smax = d.umax;
        } else {
            d.smin = Long.MIN_VALUE;
            d.smax = Long.MAX_VALUE;
        }
    }

    private static void lsh32(ScalarRange.M d, long umin, long umax) {
        d.s32min = Integer.MIN_VALUE;
        d.s32max = Integer.MAX_VALUE;
        if (Long.compareUnsigned(d.u32max & 0xffffffffL, 1L << (31 - umax)) > 0) {
            d.u32min = 0;
            d.u32max = -1;
        } else {
            d.u32min <<= umin;
            d.u32max <<= umax;
        }
    }

    private static void lsh64(ScalarRange.M d, long umin, long umax) {
        if (umin == 32 && umax == 32) {
            d.smax = (long) d.s32max << 32;
            d.smin = (long) d.s32min << 32;
        } else {
            d.smax = Long.MAX_VALUE;
            d.smin = Long.MIN_VALUE;
        }
        if (Long.compareUnsigned(d.umax, 1L << (63 - umax)) > 0) {
            d.umin = 0;
            d.umax = -1L;
        } else {
            d.umin <<= umin;
            d.umax <<= umax;
        }
        if (umax < 32) {
            lsh32(d, umin, umax);
        } else {
            unbounded32(d);
        }
        d.var = d.var.lshift((int) umin);
        d.updateBounds();
    }

    /**
     * The value of {@code src} sign-extended from its low {@code bits} bits (movsx, sign-extending
     * loads). Sound: if the source's signed range already fits in {@code bits} bits, extension does
     * not change the value; otherwise every {@code bits}-bit signed value is possible.
     */
    public static ScalarRange signExtend(ScalarRange src, int bits, boolean wide) {
        long lo = -(1L << (bits - 1));
        long hi = (1L << (bits - 1)) - 1;
        ScalarRange r;
        if (src.isConst()) {
            long v = src.value() << (64 - bits) >> (64 - bits);
            r = ScalarRange.constant(v);
        } else if (src.smin() >= lo && src.smax() <= hi) {
            r = src;
        } else if (bits < 64 && Long.compareUnsigned(src.umax(), hi) <= 0) {
            r = src; // the sign bit of the low part is zero: extension changes nothing
        } else if (bits < 64 && src.smin() >> bits == src.smax() >> bits
                && (src.smin() >> (bits - 1) & 1) == (src.smax() >> (bits - 1) & 1)) {
            // every value has the same bits above the low part, so the low parts run from the
            // low part of smin to that of smax; when both have the same sign bit, so do all of
            // them, and extension maps the run in order
            r = ScalarRange.signed(src.smin() << (64 - bits) >> (64 - bits), src.smax() << (64 - bits) >> (64 - bits));
        } else {
            r = ScalarRange.signed(lo, hi);
        }
        return wide ? r : r.zext32();
    }

    /**
     * The value of {@code src} truncated to its low {@code bytes} bytes, zero-extended (narrow
     * loads and {@code le} byte-order conversions). Sound: truncation keeps the low bits; if the
     * unsigned range already fits, it is unchanged, else any value of that width is possible.
     */
    public static ScalarRange truncate(ScalarRange src, int bytes) {
        if (bytes >= 8) {
            return src;
        }
        long max = (1L << (bytes * 8)) - 1;
        if (Long.compareUnsigned(src.umax(), max) <= 0) {
            return src;
        }
        return ScalarRange.ofTnum(src.var().cast(bytes)).withUnsigned(0, max).sync();
    }
}
