package org.bpf4j.trace.sema;

import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

/**
 * The values the checker knows when compiling, as current bpftrace folds them: integer and
 * boolean literals, positional parameters that are numbers ({@code $#} and missing ones too),
 * the calls and identifiers whose value the checker computed ({@code sizeof}, {@code is_str},
 * {@code has_cpid}, enumerators), and the operators, casts and conditionals over them. Used for
 * {@code static_assert} and for the branches an {@code if} with a known condition never takes
 * (where {@code fail()} is not an error). Stateless.
 */
public final class ConstantFolding {
    private ConstantFolding() {}

    /** The value of {@code e} (already typed) if the checker knows it, else null. */
    static Long value(SemanticAnalyser a, Expr e) {
        if ((e instanceof Expr.Binary || e instanceof Expr.Unary)
                && (a.rewrites.get(e) instanceof Expr.IntLit || a.rewrites.get(e) instanceof Expr.BoolLit)) {
            return value(a, a.rewrites.get(e)); // folded as current bpftrace folds literals (LiteralFolding)
        }
        return switch (e) {
            case Expr.IntLit i -> i.value();
            case Expr.BoolLit b -> b.value() ? 1L : 0L;
            case Expr.Param p when p.number() < 0 -> (long) a.params().size();
            case Expr.Param p when p.number() > a.params().size() -> 0L;
            case Expr.Param p -> a.constantOf(p);
            case Expr.Builtin b -> a.constants.get(b);
            case Expr.Call c when c.name().equals("sizeof") && c.args().size() == 1 -> {
                Long known = a.constants.get(c);
                Type t = a.types.get(c.args().getFirst());
                yield known != null ? known : t == null || t instanceof Type.None ? null : (long) Type.cSize(t);
            }
            case Expr.Call c -> a.constants.get(c);
            case Expr.SizeofType s -> a.constants.get(s) != null ? a.constants.get(s) : sizeOfName(s.type());
            case Expr.Offsetof o -> a.constants.get(o);
            case Expr.Unary u -> unary(a, u);
            case Expr.Binary b -> binary(a, b);
            case Expr.Ternary t -> {
                Long cond = value(a, t.cond());
                yield cond == null ? null : value(a, cond != 0 ? t.then() : t.otherwise());
            }
            case Expr.Cast c when a.types.get(c) instanceof Type.Int to && !to.isPointer() -> {
                Long v = value(a, c.operand());
                yield v == null ? null : narrow(v, to);
            }
            default -> null;
        };
    }

    /**
     * The size of a type written by name that is not a struct or union ({@code sizeof(uint32)},
     * {@code sizeof(int8 *)}, {@code sizeof(string[8])}): those have their size as the checker's
     * constant.
     */
    public static long sizeOfName(TypeName n) {
        if (n.pointers() > 0) {
            return n.arrayLength() >= 0 ? 8L * n.arrayLength() : 8; // a pointer, or an array of them
        }
        String name = n.name();
        long base = name.contains("8") || name.contains("char") || name.equals("bool") ? 1
                : name.contains("16") || name.contains("short") ? 2
                : name.contains("32") || name.equals("int") || name.endsWith(" int") || name.equals("unsigned")
                        || name.equals("signed") ? 4
                : name.equals("string") ? 64 : 8;
        return n.arrayLength() >= 0 ? (name.equals("string") ? n.arrayLength() : base * n.arrayLength()) : base;
    }

    /** Whether {@code e} is a literal after folding: a literal, a positional parameter, or operators over them. */
    static boolean literal(SemanticAnalyser a, Expr e) {
        return switch (e) {
            case Expr.IntLit i -> true;
            case Expr.BoolLit b -> true;
            case Expr.StrLit s -> true;
            case Expr.Param p -> true;
            case Expr.Unary u when u.op() != UnOp.DEREF && u.op() != UnOp.ADDR ->
                    value(a, u) != null;
            case Expr.Binary b -> value(a, b) != null && literal(a, b.left()) && literal(a, b.right());
            default -> false;
        };
    }

    private static Long unary(SemanticAnalyser a, Expr.Unary u) {
        Long v = switch (u.op()) {
            case NEG, LNOT, BNOT -> value(a, u.operand());
            case DEREF, ADDR -> null;
        };
        if (v == null) {
            return null;
        }
        return switch (u.op()) {
            case NEG -> -v;
            case LNOT -> v == 0 ? 1L : 0L;
            case BNOT -> ~v;
            case DEREF, ADDR -> null;
        };
    }

    private static Long binary(SemanticAnalyser a, Expr.Binary b) {
        Long l = value(a, b.left());
        switch (b.op()) {
            case LAND -> {
                if (l != null && l == 0) {
                    return 0L;
                }
                Long r = value(a, b.right());
                return l == null || r == null ? null : r != 0 ? 1L : 0L;
            }
            case LOR -> {
                if (l != null && l != 0) {
                    return 1L;
                }
                Long r = value(a, b.right());
                return l == null || r == null ? null : r != 0 ? 1L : 0L;
            }
            default -> {
                // the other operators need both sides
            }
        }
        Long r = value(a, b.right());
        if (l == null || r == null) {
            return null;
        }
        boolean unsigned = unsigned(a, b.left()) || unsigned(a, b.right());
        long x = l;
        long y = r;
        return switch (b.op()) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? null : unsigned ? Long.divideUnsigned(x, y) : x / y;
            case MOD -> y == 0 ? null : unsigned ? Long.remainderUnsigned(x, y) : x % y;
            case BAND -> x & y;
            case BOR -> x | y;
            case BXOR -> x ^ y;
            case SHL -> x << y;
            case SHR -> unsigned ? x >>> y : x >> y;
            case EQ -> x == y ? 1L : 0L;
            case NE -> x != y ? 1L : 0L;
            case LT -> (unsigned ? Long.compareUnsigned(x, y) < 0 : x < y) ? 1L : 0L;
            case GT -> (unsigned ? Long.compareUnsigned(x, y) > 0 : x > y) ? 1L : 0L;
            case LE -> (unsigned ? Long.compareUnsigned(x, y) <= 0 : x <= y) ? 1L : 0L;
            case GE -> (unsigned ? Long.compareUnsigned(x, y) >= 0 : x >= y) ? 1L : 0L;
            case LAND, LOR -> throw new IllegalStateException("handled above");
        };
    }

    private static boolean unsigned(SemanticAnalyser a, Expr e) {
        return a.types.get(e) instanceof Type.Int i && !i.signed() && !i.bool();
    }

    private static long narrow(long v, Type.Int to) {
        if (to.bool()) {
            return v != 0 ? 1 : 0;
        }
        if (to.bits() >= 64) {
            return v;
        }
        long masked = v & ((1L << to.bits()) - 1);
        return to.signed() && (masked >>> (to.bits() - 1)) != 0 ? masked - (1L << to.bits()) : masked;
    }
}
