package org.bpf4j.verifier.domain;

/**
 * What is known of a 64-bit scalar: its bits ({@link Tnum}) and its signed and unsigned bounds in
 * 64 and in 32 bits (the low half), as the kernel's {@code bpf_reg_state} keeps them. Every
 * concrete value the register may hold lies in all five sets at once; {@link #sync()} tightens
 * each from the others (the kernel's {@code reg_bounds_sync}), which only removes values that
 * some set already excludes, so it is sound.
 *
 * <p>Unsigned bounds are kept in Java {@code long}/{@code int} and compared with
 * {@link Long#compareUnsigned}. Immutable.
 *
 * @param var the known bits
 * @param smin signed 64-bit minimum
 * @param smax signed 64-bit maximum
 * @param umin unsigned 64-bit minimum
 * @param umax unsigned 64-bit maximum
 * @param s32min signed 32-bit minimum of the low half
 * @param s32max signed 32-bit maximum of the low half
 * @param u32min unsigned 32-bit minimum of the low half
 * @param u32max unsigned 32-bit maximum of the low half
 */
public record ScalarRange(Tnum var, long smin, long smax, long umin, long umax, int s32min, int s32max,
        int u32min, int u32max) {

    /** Any 64-bit value. */
    public static final ScalarRange UNKNOWN = new ScalarRange(Tnum.UNKNOWN, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1);

    /** Shared instances of the small constants (immutable; most constants a program computes). */
    private static final ScalarRange[] SMALL = new ScalarRange[Tnum.SMALL_MAX - Tnum.SMALL_MIN + 1];

    static {
        for (int i = 0; i < SMALL.length; i++) {
            long v = Tnum.SMALL_MIN + i;
            SMALL[i] = new ScalarRange(Tnum.constant(v), v, v, v, v, (int) v, (int) v, (int) v, (int) v);
        }
    }

    /** Exactly {@code v}. */
    public static ScalarRange constant(long v) {
        if (v >= Tnum.SMALL_MIN && v <= Tnum.SMALL_MAX) {
            return SMALL[(int) (v - Tnum.SMALL_MIN)];
        }
        return new ScalarRange(Tnum.constant(v), v, v, v, v, (int) v, (int) v, (int) v, (int) v);
    }

    /** Unsigned values in {@code [lo, hi]}. */
    public static ScalarRange unsigned(long lo, long hi) {
        return new ScalarRange(Tnum.UNKNOWN, Long.MIN_VALUE, Long.MAX_VALUE, lo, hi, Integer.MIN_VALUE,
                Integer.MAX_VALUE, 0, -1).sync();
    }

    /** Signed values in {@code [lo, hi]}. */
    public static ScalarRange signed(long lo, long hi) {
        return new ScalarRange(Tnum.UNKNOWN, lo, hi, 0, -1L, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1).sync();
    }

    /** A value whose bits are {@code t}. */
    public static ScalarRange ofTnum(Tnum t) {
        return new ScalarRange(t, Long.MIN_VALUE, Long.MAX_VALUE, 0, -1L, Integer.MIN_VALUE, Integer.MAX_VALUE, 0, -1)
                .sync();
    }

    /** Whether the value is known. */
    public boolean isConst() {
        return var.isConst();
    }

    /** Whether the low 32 bits are known. */
    public boolean isSubregConst() {
        return var.isSubregConst();
    }

    /** The known value (meaningful when {@link #isConst()}). */
    public long value() {
        return var.value();
    }

    /** Whether no value satisfies all the bounds at once (an impossible state). */
    public boolean isEmpty() {
        return smin > smax || Long.compareUnsigned(umin, umax) > 0 || s32min > s32max
                || Integer.compareUnsigned(u32min, u32max) > 0;
    }

    /** Whether every value in {@code o} is in this one (the kernel's {@code range_within} and {@code tnum_in}). */
    public boolean contains(ScalarRange o) {
        return Long.compareUnsigned(umin, o.umin) <= 0 && Long.compareUnsigned(o.umax, umax) <= 0
                && smin <= o.smin && o.smax <= smax && Integer.compareUnsigned(u32min, o.u32min) <= 0
                && Integer.compareUnsigned(o.u32max, u32max) <= 0 && s32min <= o.s32min && o.s32max <= s32max
                && var.contains(o.var);
    }

    /** Whether {@code v} may be the value. */
    public boolean mayBe(long v) {
        return var.contains(v) && smin <= v && v <= smax && Long.compareUnsigned(umin, v) <= 0
                && Long.compareUnsigned(v, umax) <= 0;
    }

    /** The low 32 bits as a zero-extended 64-bit value (what a 32-bit operation sees and leaves). */
    public ScalarRange zext32() {
        long lo = u32min & 0xffffffffL;
        long hi = u32max & 0xffffffffL;
        return new ScalarRange(var.subreg(), lo, hi, lo, hi, s32min, s32max, u32min, u32max).sync();
    }

    /** The same value with the bits {@code t} learned. */
    public ScalarRange withVar(Tnum t) {
        return new ScalarRange(t, smin, smax, umin, umax, s32min, s32max, u32min, u32max);
    }

    /** The same value with the 64-bit bounds intersected with {@code [lo, hi]} unsigned. */
    public ScalarRange withUnsigned(long lo, long hi) {
        return new ScalarRange(var, smin, smax, umaxU(umin, lo), uminU(umax, hi), s32min, s32max, u32min, u32max);
    }

    /** The same value with the 64-bit bounds intersected with {@code [lo, hi]} signed. */
    public ScalarRange withSigned(long lo, long hi) {
        return new ScalarRange(var, Math.max(smin, lo), Math.min(smax, hi), umin, umax, s32min, s32max, u32min,
                u32max);
    }

    /** The same value with the 32-bit bounds intersected with {@code [lo, hi]} unsigned. */
    public ScalarRange withU32(int lo, int hi) {
        return new ScalarRange(var, smin, smax, umin, umax, s32min, s32max,
                Integer.compareUnsigned(u32min, lo) >= 0 ? u32min : lo,
                Integer.compareUnsigned(u32max, hi) <= 0 ? u32max : hi);
    }

    /** The same value with the 32-bit bounds intersected with {@code [lo, hi]} signed. */
    public ScalarRange withS32(int lo, int hi) {
        return new ScalarRange(var, smin, smax, umin, umax, Math.max(s32min, lo), Math.min(s32max, hi), u32min,
                u32max);
    }

    /** This value zero-extended from 32 bits when {@code yes}, else itself. */
    public ScalarRange zextIf(boolean yes) {
        return yes ? zext32() : this;
    }

    /** Forgets the bounds but keeps the bits (the kernel's {@code __mark_reg_unbounded} then sync). */
    public ScalarRange unbounded() {
        return ofTnum(var);
    }

    static long umaxU(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    static long uminU(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0 ? a : b;
    }

    private static int umax32(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static int umin32(int a, int b) {
        return Integer.compareUnsigned(a, b) <= 0 ? a : b;
    }

    /**
     * Tightens every bound from the others and from the bits, as the kernel's
     * {@code reg_bounds_sync}: update bounds from the tnum, deduce 32-bit from 64-bit bounds and
     * back three times, then the tnum from the bounds, then the bounds from the tnum. Each step
     * intersects sets that all contain the concrete value, so the result still contains it.
     */
    public ScalarRange sync() {
        if (var.isConst()) {
            long v = var.value();
            if (smin <= v && v <= smax && Long.compareUnsigned(umin, v) <= 0 && Long.compareUnsigned(v, umax) <= 0
                    && s32min <= (int) v && (int) v <= s32max && Integer.compareUnsigned(u32min, (int) v) <= 0
                    && Integer.compareUnsigned((int) v, u32max) <= 0) {
                return constant(v); // every step below gives the value itself (a fast path, same result)
            }
        } else if (var.isUnknown() && smin == Long.MIN_VALUE && smax == Long.MAX_VALUE && umin == 0 && umax == -1L
                && s32min == Integer.MIN_VALUE && s32max == Integer.MAX_VALUE && u32min == 0 && u32max == -1) {
            return UNKNOWN; // nothing to deduce from nothing
        }
        M m = new M(this);
        m.updateBounds();
        for (int i = 0; i < 3; i++) {
            m.deduce32();
            m.deduce64();
            m.deduceMixed();
        }
        m.boundOffset();
        m.updateBounds();
        return m.freeze();
    }

    /** Mutable scratch copy used by {@link #sync()}; mirrors the kernel's steps one by one. */
    static final class M {
        Tnum var;
        long smin;
        long smax;
        long umin;
        long umax;
        int s32min;
        int s32max;
        int u32min;
        int u32max;

        M(ScalarRange r) {
            var = r.var;
            smin = r.smin;
            smax = r.smax;
            umin = r.umin;
            umax = r.umax;
            s32min = r.s32min;
            s32max = r.s32max;
            u32min = r.u32min;
            u32max = r.u32max;
        }

        ScalarRange freeze() {
            return new ScalarRange(var, smin, smax, umin, umax, s32min, s32max, u32min, u32max);
        }

        void updateBounds() {
            Tnum v32 = var.subreg();
            s32min = Math.max(s32min, (int) (v32.value() | (v32.mask() & 0x80000000L)));
            s32max = Math.min(s32max, (int) (v32.value() | (v32.mask() & 0x7fffffffL)));
            u32min = umax32(u32min, (int) v32.value());
            u32max = umin32(u32max, (int) (v32.value() | v32.mask()));
            smin = Math.max(smin, var.value() | (var.mask() & Long.MIN_VALUE));
            smax = Math.min(smax, var.value() | (var.mask() & Long.MAX_VALUE));
            umin = umaxU(umin, var.value());
            umax = uminU(umax, var.value() | var.mask());
        }

        void deduce32() {
            if ((umin >>> 32) == (umax >>> 32)) {
                u32min = umax32(u32min, (int) umin);
                u32max = umin32(u32max, (int) umax);
                if ((int) umin <= (int) umax) {
                    s32min = Math.max(s32min, (int) umin);
                    s32max = Math.min(s32max, (int) umax);
                }
            }
            if ((smin >> 32) == (smax >> 32)) {
                if (Integer.compareUnsigned((int) smin, (int) smax) <= 0) {
                    u32min = umax32(u32min, (int) smin);
                    u32max = umin32(u32max, (int) smax);
                }
                if ((int) smin <= (int) smax) {
                    s32min = Math.max(s32min, (int) smin);
                    s32max = Math.min(s32max, (int) smax);
                }
            }
            if ((int) (umin >>> 32) + 1 == (int) (umax >>> 32) && (int) umin < 0 && (int) umax >= 0) {
                s32min = Math.max(s32min, (int) umin);
                s32max = Math.min(s32max, (int) umax);
            }
            if ((int) (smin >> 32) + 1 == (int) (smax >> 32) && (int) smin < 0 && (int) smax >= 0) {
                s32min = Math.max(s32min, (int) smin);
                s32max = Math.min(s32max, (int) smax);
            }
            if (u32min <= u32max) { // as signed: the unsigned range does not cross the sign bit
                s32min = Math.max(s32min, u32min);
                s32max = Math.min(s32max, u32max);
            }
            if (Integer.compareUnsigned(s32min, s32max) <= 0) {
                u32min = umax32(s32min, u32min);
                u32max = umin32(s32max, u32max);
            } else {
                if (Integer.compareUnsigned(u32max, s32min) < 0) {
                    s32min = u32min;
                    u32max = umin32(u32max, s32max);
                } else if (Integer.compareUnsigned(s32max, u32min) < 0) {
                    s32max = u32max;
                    u32min = umax32(u32min, s32min);
                }
            }
        }

        void deduce64() {
            if (umin <= umax) { // as signed
                smin = Math.max(smin, umin);
                smax = Math.min(smax, umax);
            }
            if (Long.compareUnsigned(smin, smax) <= 0) {
                umin = umaxU(smin, umin);
                umax = uminU(smax, umax);
            } else {
                if (Long.compareUnsigned(umax, smin) < 0) {
                    smin = umin;
                    umax = uminU(umax, smax);
                } else if (Long.compareUnsigned(smax, umin) < 0) {
                    smax = umax;
                    umin = umaxU(umin, smin);
                }
            }
        }

        void deduceMixed() {
            long hi = 0xffffffff00000000L;
            long u32lo = u32min & 0xffffffffL;
            long u32hi = u32max & 0xffffffffL;
            umin = umaxU(umin, (umin & hi) | u32lo);
            umax = uminU(umax, (umax & hi) | u32hi);
            smin = Math.max(smin, (smin & hi) | u32lo);
            smax = Math.min(smax, (smax & hi) | u32hi);
            if (Integer.compareUnsigned(s32min, s32max) <= 0) {
                long lo32 = s32min & 0xffffffffL;
                long hi32 = s32max & 0xffffffffL;
                umin = umaxU(umin, (umin & hi) | lo32);
                umax = uminU(umax, (umax & hi) | hi32);
                smin = Math.max(smin, (smin & hi) | lo32);
                smax = Math.min(smax, (smax & hi) | hi32);
            }
            if (s32min >= 0 && smin >= Integer.MIN_VALUE && smax <= Integer.MAX_VALUE) {
                smin = s32min;
                smax = s32max;
                umin = s32min;
                umax = s32max;
                var = var.intersect(Tnum.range(smin, smax));
            }
        }

        void boundOffset() {
            Tnum v64 = var.intersect(Tnum.range(umin, umax));
            Tnum v32 = v64.subreg().intersect(Tnum.range(u32min & 0xffffffffL, u32max & 0xffffffffL));
            var = v64.clearSubreg().or(v32);
        }
    }

    /** The kernel's rendering of the bounds that are not implied by the value, for the log. */
    @Override
    public String toString() {
        if (isConst()) {
            return Long.toString(value());
        }
        StringBuilder sb = new StringBuilder();
        if (smin != Long.MIN_VALUE) {
            sb.append(",smin=").append(smin);
        }
        if (smax != Long.MAX_VALUE) {
            sb.append(",smax=").append(smax);
        }
        if (umin != 0) {
            sb.append(",umin=").append(Long.toUnsignedString(umin));
        }
        if (umax != -1L) {
            sb.append(",umax=").append(Long.toUnsignedString(umax));
        }
        if (s32min != Integer.MIN_VALUE) {
            sb.append(",smin32=").append(s32min);
        }
        if (s32max != Integer.MAX_VALUE) {
            sb.append(",smax32=").append(s32max);
        }
        if (u32min != 0) {
            sb.append(",umin32=").append(Integer.toUnsignedString(u32min));
        }
        if (u32max != -1) {
            sb.append(",umax32=").append(Integer.toUnsignedString(u32max));
        }
        if (!var.isUnknown()) {
            sb.append(",var_off=").append(var);
        }
        return sb.length() == 0 ? "" : sb.substring(1);
    }
}
