package org.bpf4j.trace.sema;

import org.bpf4j.trace.ast.Expr;

/**
 * Casts between integer arrays and integers or strings, as current bpftrace allows them: an
 * integer to an array of integers or bools of the same size, or of up to 8 bytes when the array
 * is the larger ({@code (int8[8])12345}, {@code (bool[2])(uint16)1}); a string to an array of its
 * size ({@code (int8[])"hello"}); an integer array to an integer of its size
 * ({@code (uint32)pton("127.0.0.1")}). {@code T[]} takes its length from the operand's size.
 * The bytes are the value's in memory (little-endian here).
 */
final class ArrayCasts {
    private ArrayCasts() {}

    /** The type of cast {@code c} of a value of type {@code from} to {@code to}; errors as bpftrace's. */
    static Type cast(SemanticAnalyser a, Expr.Cast c, Type from, Type to) {
        if (from instanceof Type.None || to instanceof Type.None) {
            return Type.NONE;
        }
        if (to instanceof Type.Int ti) {
            // an integer array to an integer of its size
            if (ti.isPointer() || ti.bool() || !(from instanceof Type.Array fa) || !(fa.element() instanceof Type.Int fe)
                    || fe.isPointer() || fa.size() != ti.size()) {
                return mismatch(a, c, from, to);
            }
            return ti.fixed();
        }
        Type.Array arr = (Type.Array) to;
        if (!(arr.element() instanceof Type.Int el) || el.isPointer()) {
            return mismatch(a, c, from, to);
        }
        int count = arr.count();
        if (count == 0) {
            if (from.size() % el.size() != 0) {
                a.error(c.span(), "Cannot determine array size: the element size is incompatible with the cast "
                        + "integer size");
                return Type.NONE;
            }
            count = from.size() / el.size();
        }
        Type.Array out = new Type.Array(el.fixed(), count);
        boolean ok = switch (from) {
            case Type.Int fi -> !fi.isPointer() && (out.size() == fi.size() || out.size() <= 8 && out.size() > fi.size());
            case Type.Str s -> out.size() == s.size();
            default -> false;
        };
        return ok ? out : mismatch(a, c, from, out);
    }

    private static Type mismatch(SemanticAnalyser a, Expr.Cast c, Type from, Type to) {
        a.error(SemanticAnalyser.castSpan(c), "Cannot cast from \"" + from.display() + "\" to \"" + to.display() + "\"");
        return Type.NONE;
    }
}
