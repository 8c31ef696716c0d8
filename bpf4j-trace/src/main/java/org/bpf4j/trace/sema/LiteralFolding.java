package org.bpf4j.trace.sema;

import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.UnOp;

/**
 * Current bpftrace's folding of literals: an operator whose operands are integer or boolean
 * literals (or numeric positional parameters, or such operators) is computed when compiling, and
 * its value is a literal of the result's type ({@code 0x7fffffffffffffff + 1} is the uint64
 * 9223372036854775808, {@code -10 / 2} is -5, {@code 1 == 1} is {@code true}). A value is an
 * unsigned 64-bit integer, a negative one, or a bool; arithmetic whose exact result is none of
 * these ({@code 0xffffffffffffffff + 1}, {@code 1 << 64}, {@code 1 / 0}, a non-negative value
 * above INT64_MAX mixed with a negative one) cannot be folded, an error in current bpftrace.
 * Stateless.
 */
final class LiteralFolding {
    /** Current bpftrace's error for arithmetic on literals that cannot be folded. */
    static final String FLOW_ERROR = "unable to fold literals due to overflow or underflow";
    /** Current bpftrace's error for the negation of an integer literal above 2^63. */
    static final String NEGATION_ERROR = "negative value will underflow";

    private LiteralFolding() {}

    /** A folded value: an integer ({@code negative} when it is below 0, else {@code bits} unsigned) or a bool. */
    record Value(long bits, boolean negative, boolean bool) {
        static Value integer(long unsignedBits) {
            return new Value(unsignedBits, false, false);
        }

        static Value negative(long value) {
            return new Value(value, true, false);
        }

        static Value of(boolean b) {
            return new Value(b ? 1 : 0, false, true);
        }

        /** A signed result as current bpftrace keeps it: non-negative values are unsigned integers. */
        static Value clamp(long signed) {
            return signed < 0 ? negative(signed) : integer(signed);
        }

        /** The literal this value is in the program. */
        Expr literal(Span span) {
            return bool ? new Expr.BoolLit(bits != 0, span) : new Expr.IntLit(bits, !negative && bits < 0, span);
        }

        /** The literal's type (the smallest signed type that holds it, else uint64; bool). */
        Type.Int type() {
            return bool ? Type.Int.bool(8) : Type.Int.ofLiteral(bits, !negative && bits < 0);
        }
    }

    /** What folding an operator gave. */
    sealed interface Outcome permits Folded, NotLiteral, Failed {}

    /** The operator's value. */
    record Folded(Value value) implements Outcome {}

    /** An operand is not a literal (or an operand's folding failed): the operator is computed at run time. */
    record NotLiteral() implements Outcome {}

    /** The operands are literals but the operator cannot be folded: the error current bpftrace reports there. */
    record Failed(String message) implements Outcome {}

    private static final Outcome NOT_LITERAL = new NotLiteral();

    /** The value of {@code e} as a literal, or null if it is none (or its folding failed). */
    static Value value(SemanticAnalyser a, Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.unsigned() || i.value() >= 0 ? Value.integer(i.value()) : Value.negative(i.value());
            case Expr.BoolLit b -> Value.of(b.value());
            case Expr.Param p when p.number() < 0 -> Value.integer(a.params().size());
            case Expr.Param p when p.number() > a.params().size() -> Value.integer(0);
            case Expr.Param p -> {
                Long v = a.constantOf(p);
                yield v == null ? null : Value.clamp(v);
            }
            case Expr.Unary u -> fold(a, u) instanceof Folded f ? f.value() : null;
            case Expr.Binary b -> fold(a, b) instanceof Folded f ? f.value() : null;
            default -> null;
        };
    }

    /**
     * The type of {@code e} if it is an integer literal (after folding) that the integer type
     * {@code target} cannot hold, else null: current bpftrace casts a literal to the type of the
     * variable, map value or key it is stored in, and refuses one that does not fit
     * ({@code let $a: uint8 = 10000000}, {@code -1} in a uint16).
     */
    static Type.Int misfit(SemanticAnalyser a, Expr e, Type target) {
        if (!(target instanceof Type.Int t) || t.isPointer() || t.bool()) {
            return null;
        }
        Value v = value(a, e);
        if (v == null || v.bool()) {
            return null;
        }
        boolean fits;
        if (v.negative()) {
            fits = t.signed() && (t.bits() >= 64 || v.bits() >= -(1L << (t.bits() - 1)));
        } else {
            long max = t.bits() >= 64 ? (t.signed() ? Long.MAX_VALUE : -1L)
                    : t.signed() ? (1L << (t.bits() - 1)) - 1 : (1L << t.bits()) - 1;
            fits = Long.compareUnsigned(v.bits(), max) <= 0;
        }
        return fits ? null : v.type();
    }

    /** Folds a unary operator over a literal. */
    static Outcome fold(SemanticAnalyser a, Expr.Unary u) {
        if (u.op() == UnOp.DEREF || u.op() == UnOp.ADDR) {
            return NOT_LITERAL;
        }
        Value v = value(a, u.operand());
        if (v == null) {
            return NOT_LITERAL;
        }
        if (v.bool()) {
            return u.op() == UnOp.LNOT ? new Folded(Value.of(v.bits() == 0)) : NOT_LITERAL;
        }
        return switch (u.op()) {
            case BNOT -> new Folded(Value.integer(~v.bits()));
            case LNOT -> new Folded(Value.of(v.bits() == 0));
            case NEG -> {
                if (v.negative()) {
                    yield new Folded(Value.integer(-v.bits())); // -(-2^63) is the unsigned 2^63
                }
                if (Long.compareUnsigned(v.bits(), Long.MIN_VALUE) > 0) {
                    yield new Failed(NEGATION_ERROR);
                }
                yield new Folded(v.bits() == 0 ? v : Value.negative(-v.bits()));
            }
            case DEREF, ADDR -> NOT_LITERAL;
        };
    }

    /** Folds a binary operator over literals. */
    static Outcome fold(SemanticAnalyser a, Expr.Binary b) {
        Value l = value(a, b.left());
        Value r = value(a, b.right());
        if (l == null || r == null) {
            return NOT_LITERAL;
        }
        BinOp op = b.op();
        if (l.bool() && r.bool()) {
            return booleans(op, l.bits() != 0, r.bits() != 0);
        }
        if (l.bool() || r.bool()) {
            // a bool and an integer fold only under && and || (a negative integer is true)
            if (op != BinOp.LAND && op != BinOp.LOR) {
                return NOT_LITERAL;
            }
            return booleans(op, l.bits() != 0, r.bits() != 0);
        }
        boolean comparison = op.comparison() || op == BinOp.LAND || op == BinOp.LOR;
        Value out;
        if (!l.negative() && !r.negative()) {
            if (comparison) {
                return new Folded(Value.of(compare(op, Long.compareUnsigned(l.bits(), r.bits()), l.bits() != 0,
                        r.bits() != 0)));
            }
            out = unsigned(op, l.bits(), r.bits());
        } else {
            // a negative value with another, or with a non-negative one up to INT64_MAX: signed
            if (!l.negative() && l.bits() < 0 || !r.negative() && r.bits() < 0) {
                return new Failed(FLOW_ERROR);
            }
            if (comparison) {
                return new Folded(Value.of(compare(op, Long.compare(l.bits(), r.bits()), l.bits() != 0,
                        r.bits() != 0)));
            }
            out = signed(op, l.bits(), r.bits());
        }
        return out == null ? new Failed(FLOW_ERROR) : new Folded(out);
    }

    private static boolean compare(BinOp op, int cmp, boolean x, boolean y) {
        return switch (op) {
            case EQ -> cmp == 0;
            case NE -> cmp != 0;
            case LT -> cmp < 0;
            case GT -> cmp > 0;
            case LE -> cmp <= 0;
            case GE -> cmp >= 0;
            case LAND -> x && y;
            case LOR -> x || y;
            default -> throw new IllegalStateException(op.toString());
        };
    }

    /** Two bools: current bpftrace computes each operator on them as C++ bools. */
    private static Outcome booleans(BinOp op, boolean x, boolean y) {
        int cmp = Boolean.compare(x, y);
        boolean v = switch (op) {
            case EQ, NE, LT, GT, LE, GE, LAND, LOR -> compare(op, cmp, x, y);
            case ADD -> x || y;
            case SUB -> x != y;
            case MUL, BAND -> x && y;
            case DIV -> {
                if (!y) {
                    yield false;
                }
                yield x;
            }
            case MOD -> false;
            case BOR -> x || y;
            case BXOR -> x ^ y;
            case SHL -> cmp < 0;
            case SHR -> cmp > 0;
        };
        if ((op == BinOp.DIV || op == BinOp.MOD) && !y) {
            return new Failed(FLOW_ERROR);
        }
        return new Folded(Value.of(v));
    }

    /** Two unsigned 64-bit values; null when the exact result is neither a uint64 nor an int64. */
    private static Value unsigned(BinOp op, long l, long r) {
        return switch (op) {
            case ADD -> {
                long res = l + r;
                yield l == 0 || r == 0 || Long.compareUnsigned(res, l) > 0 && Long.compareUnsigned(res, r) > 0
                        ? Value.integer(res) : null;
            }
            case SUB -> {
                if (Long.compareUnsigned(l, r) >= 0) {
                    yield Value.integer(l - r);
                }
                long delta = r - l - 1; // the result is -delta - 1
                yield delta < 0 ? null : Value.negative(-delta - 1);
            }
            case MUL -> {
                if (l == 0 || r == 0) {
                    yield Value.integer(0);
                }
                long res = l * r;
                yield Long.divideUnsigned(res, l) != r ? null : Value.integer(res);
            }
            case DIV -> r == 0 ? null : Value.integer(Long.divideUnsigned(l, r));
            case MOD -> r == 0 ? null : Value.integer(Long.remainderUnsigned(l, r));
            case BAND -> Value.integer(l & r);
            case BOR -> Value.integer(l | r);
            case BXOR -> Value.integer(l ^ r);
            case SHL -> Long.compareUnsigned(r, 64) >= 0 ? null : Value.integer(l << r);
            case SHR -> Long.compareUnsigned(r, 64) >= 0 ? null : Value.integer(l >>> r);
            default -> throw new IllegalStateException(op.toString());
        };
    }

    /** Two signed 64-bit values (at least one negative); null when the exact result does not fit. */
    private static Value signed(BinOp op, long l, long r) {
        return switch (op) {
            case ADD -> {
                if (l == 0 || r == 0 || l < 0 != r < 0) {
                    yield Value.clamp(l + r);
                }
                if (l > 0) {
                    yield unsigned(op, l, r);
                }
                yield Long.MIN_VALUE - l > r ? null : Value.clamp(l + r);
            }
            case SUB -> {
                if (r == 0) {
                    yield Value.clamp(l);
                }
                if (l > 0 && r < 0 && Long.MAX_VALUE - l < -r || l < 0 && r > 0 && Long.MIN_VALUE - l > -r) {
                    yield null;
                }
                yield Value.clamp(l - r);
            }
            case MUL -> {
                if (l == 0 || r == 0) {
                    yield Value.integer(0);
                }
                if (l < 0 && r < 0) {
                    yield unsigned(op, -(l + 1) + 1, -(r + 1) + 1); // the product is positive
                }
                long res = l * r;
                yield res / l != r ? null : Value.clamp(res);
            }
            case DIV -> r == 0 ? null : Value.clamp(l / r);
            case MOD -> r == 0 ? null : Value.clamp(l % r);
            case BAND -> Value.clamp(l & r);
            case BOR -> Value.clamp(l | r);
            case BXOR -> Value.clamp(l ^ r);
            case SHL -> r < 0 || r >= 64 ? null : Value.clamp(l << r);
            case SHR -> r < 0 || r >= 64 ? null : Value.clamp(l >> r);
            default -> throw new IllegalStateException(op.toString());
        };
    }
}
