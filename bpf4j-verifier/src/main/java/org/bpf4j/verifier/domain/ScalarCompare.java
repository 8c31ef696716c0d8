package org.bpf4j.verifier.domain;

import org.bpf4j.isa.JumpOp;

/**
 * Conditional jumps on scalars: whether a comparison is decided by the ranges
 * ({@link #decide}, the kernel's {@code is_scalar_branch_taken}) and what each side learns when it
 * is not ({@link #refine}, {@code regs_refine_cond_op}).
 *
 * <p>Soundness: {@code decide} answers only when every pair of members gives the same outcome;
 * {@code refine} keeps every pair of members for which the condition holds (it intersects each
 * operand with the values the other operand's range allows), so the states on both branches
 * still cover every concrete execution that takes them.
 */
public final class ScalarCompare {
    private ScalarCompare() {
    }

    /** Outcome of a comparison known from the ranges: true, false, or unknown (null). */
    public static Boolean decide(JumpOp op, boolean jmp32, ScalarRange a, ScalarRange b) {
        Tnum t1 = jmp32 ? a.var().subreg() : a.var();
        Tnum t2 = jmp32 ? b.var().subreg() : b.var();
        long umin1 = jmp32 ? a.u32min() & 0xffffffffL : a.umin();
        long umax1 = jmp32 ? a.u32max() & 0xffffffffL : a.umax();
        long smin1 = jmp32 ? a.s32min() : a.smin();
        long smax1 = jmp32 ? a.s32max() : a.smax();
        long umin2 = jmp32 ? b.u32min() & 0xffffffffL : b.umin();
        long umax2 = jmp32 ? b.u32max() & 0xffffffffL : b.umax();
        long smin2 = jmp32 ? b.s32min() : b.smin();
        long smax2 = jmp32 ? b.s32max() : b.smax();
        switch (op) {
            case JEQ, JNE -> {
                boolean eq = op == JumpOp.JEQ;
                if (t1.isConst() && t2.isConst()) {
                    return (t1.value() == t2.value()) == eq;
                }
                boolean disjoint = !overlap(t1, t2) || Long.compareUnsigned(umin1, umax2) > 0
                        || Long.compareUnsigned(umax1, umin2) < 0 || smin1 > smax2 || smax1 < smin2
                        || (!jmp32 && (Integer.compareUnsigned(a.u32min(), b.u32max()) > 0
                                || Integer.compareUnsigned(a.u32max(), b.u32min()) < 0
                                || a.s32min() > b.s32max() || a.s32max() < b.s32min()));
                return disjoint ? !eq : null;
            }
            case JSET -> {
                Tnum x = t1;
                Tnum c = t2;
                if (!c.isConst()) {
                    x = t2;
                    c = t1;
                }
                if (!c.isConst()) {
                    return null;
                }
                if ((x.value() & c.value()) != 0) {
                    return true;
                }
                if (((x.mask() | x.value()) & c.value()) == 0) {
                    return false;
                }
                return null;
            }
            case JGT -> {
                return Long.compareUnsigned(umin1, umax2) > 0 ? Boolean.TRUE
                        : Long.compareUnsigned(umax1, umin2) <= 0 ? Boolean.FALSE : null;
            }
            case JSGT -> {
                return smin1 > smax2 ? Boolean.TRUE : smax1 <= smin2 ? Boolean.FALSE : null;
            }
            case JLT -> {
                return Long.compareUnsigned(umax1, umin2) < 0 ? Boolean.TRUE
                        : Long.compareUnsigned(umin1, umax2) >= 0 ? Boolean.FALSE : null;
            }
            case JSLT -> {
                return smax1 < smin2 ? Boolean.TRUE : smin1 >= smax2 ? Boolean.FALSE : null;
            }
            case JGE -> {
                return Long.compareUnsigned(umin1, umax2) >= 0 ? Boolean.TRUE
                        : Long.compareUnsigned(umax1, umin2) < 0 ? Boolean.FALSE : null;
            }
            case JSGE -> {
                return smin1 >= smax2 ? Boolean.TRUE : smax1 < smin2 ? Boolean.FALSE : null;
            }
            case JLE -> {
                return Long.compareUnsigned(umax1, umin2) <= 0 ? Boolean.TRUE
                        : Long.compareUnsigned(umin1, umax2) > 0 ? Boolean.FALSE : null;
            }
            case JSLE -> {
                return smax1 <= smin2 ? Boolean.TRUE : smin1 > smax2 ? Boolean.FALSE : null;
            }
        }
        return null;
    }

    private static boolean overlap(Tnum a, Tnum b) {
        long mu = ~a.mask() & ~b.mask();
        return (a.value() & mu) == (b.value() & mu);
    }

    /** The two operands refined by the knowledge that {@code a op b} holds ({@code holds}) or not. */
    public static ScalarRange[] refine(JumpOp op, boolean holds, boolean jmp32, ScalarRange a, ScalarRange b) {
        ScalarRange.M r1 = new ScalarRange.M(a);
        ScalarRange.M r2 = new ScalarRange.M(b);
        boolean jsetFalse = false;
        if (!holds) {
            if (op == JumpOp.JSET) {
                jsetFalse = true;
            } else {
                op = op.negate();
            }
        }
        boolean swapped = false;
        switch (op) {
            case JGE, JGT, JSGE, JSGT -> {
                op = op.swap();
                ScalarRange.M t = r1;
                r1 = r2;
                r2 = t;
                swapped = true;
            }
            default -> {
            }
        }
        switch (op) {
            case JEQ -> {
                if (jmp32) {
                    r1.u32min = umax32(r1.u32min, r2.u32min);
                    r1.u32max = umin32(r1.u32max, r2.u32max);
                    r1.s32min = Math.max(r1.s32min, r2.s32min);
                    r1.s32max = Math.min(r1.s32max, r2.s32max);
                    r2.u32min = r1.u32min;
                    r2.u32max = r1.u32max;
                    r2.s32min = r1.s32min;
                    r2.s32max = r1.s32max;
                    Tnum t = r1.var.subreg().intersect(r2.var.subreg());
                    r1.var = r1.var.withSubreg(t);
                    r2.var = r2.var.withSubreg(t);
                } else {
                    r1.umin = ScalarRange.umaxU(r1.umin, r2.umin);
                    r1.umax = ScalarRange.uminU(r1.umax, r2.umax);
                    r1.smin = Math.max(r1.smin, r2.smin);
                    r1.smax = Math.min(r1.smax, r2.smax);
                    r2.umin = r1.umin;
                    r2.umax = r1.umax;
                    r2.smin = r1.smin;
                    r2.smax = r1.smax;
                    r1.var = r1.var.intersect(r2.var);
                    r2.var = r1.var;
                }
            }
            case JNE -> {
                ScalarRange.M x = r1;
                ScalarRange.M c = r2;
                if (!isConst(c, jmp32)) {
                    x = r2;
                    c = r1;
                }
                if (isConst(c, jmp32)) {
                    long val = c.var.value();
                    if (jmp32) {
                        if (x.u32min == (int) val) {
                            x.u32min++;
                        }
                        if (x.u32max == (int) val) {
                            x.u32max--;
                        }
                        if (x.s32min == (int) val) {
                            x.s32min++;
                        }
                        if (x.s32max == (int) val) {
                            x.s32max--;
                        }
                    } else {
                        if (x.umin == val) {
                            x.umin++;
                        }
                        if (x.umax == val) {
                            x.umax--;
                        }
                        if (x.smin == val) {
                            x.smin++;
                        }
                        if (x.smax == val) {
                            x.smax--;
                        }
                    }
                }
            }
            case JSET -> {
                ScalarRange.M x = r1;
                ScalarRange.M c = r2;
                if (!isConst(c, jmp32)) {
                    x = r2;
                    c = r1;
                }
                if (isConst(c, jmp32)) {
                    long val = jmp32 ? c.var.value() & 0xffffffffL : c.var.value();
                    if (jsetFalse) {
                        ScalarRange u = ScalarRange.ofTnum(x.var);
                        copy(u, x);
                        if (jmp32) {
                            x.var = x.var.withSubreg(x.var.subreg().and(Tnum.constant(~val)));
                        } else {
                            x.var = x.var.and(Tnum.constant(~val));
                        }
                    } else if (Long.bitCount(val) == 1) {
                        if (jmp32) {
                            x.var = x.var.withSubreg(x.var.subreg().or(Tnum.constant(val)));
                        } else {
                            x.var = x.var.or(Tnum.constant(val));
                        }
                    }
                }
            }
            case JLE -> {
                if (jmp32) {
                    r1.u32max = umin32(r1.u32max, r2.u32max);
                    r2.u32min = umax32(r1.u32min, r2.u32min);
                } else {
                    r1.umax = ScalarRange.uminU(r1.umax, r2.umax);
                    r2.umin = ScalarRange.umaxU(r1.umin, r2.umin);
                }
            }
            case JLT -> {
                if (jmp32) {
                    r1.u32max = umin32(r1.u32max, r2.u32max - 1);
                    r2.u32min = umax32(r1.u32min + 1, r2.u32min);
                } else {
                    r1.umax = ScalarRange.uminU(r1.umax, r2.umax - 1);
                    r2.umin = ScalarRange.umaxU(r1.umin + 1, r2.umin);
                }
            }
            case JSLE -> {
                if (jmp32) {
                    r1.s32max = Math.min(r1.s32max, r2.s32max);
                    r2.s32min = Math.max(r1.s32min, r2.s32min);
                } else {
                    r1.smax = Math.min(r1.smax, r2.smax);
                    r2.smin = Math.max(r1.smin, r2.smin);
                }
            }
            case JSLT -> {
                if (jmp32) {
                    r1.s32max = Math.min(r1.s32max, r2.s32max - 1);
                    r2.s32min = Math.max(r1.s32min + 1, r2.s32min);
                } else {
                    r1.smax = Math.min(r1.smax, r2.smax - 1);
                    r2.smin = Math.max(r1.smin + 1, r2.smin);
                }
            }
            default -> throw new IllegalStateException(op.toString());
        }
        ScalarRange x = r1.freeze().sync();
        ScalarRange y = r2.freeze().sync();
        return swapped ? new ScalarRange[] {y, x} : new ScalarRange[] {x, y};
    }

    private static void copy(ScalarRange from, ScalarRange.M to) {
        to.var = from.var();
        to.smin = from.smin();
        to.smax = from.smax();
        to.umin = from.umin();
        to.umax = from.umax();
        to.s32min = from.s32min();
        to.s32max = from.s32max();
        to.u32min = from.u32min();
        to.u32max = from.u32max();
    }

    private static boolean isConst(ScalarRange.M r, boolean jmp32) {
        return jmp32 ? r.var.isSubregConst() : r.var.isConst();
    }

    private static int umax32(int a, int b) {
        return Integer.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private static int umin32(int a, int b) {
        return Integer.compareUnsigned(a, b) <= 0 ? a : b;
    }
}
