package org.bpf4j.trace.sema;

import org.bpf4j.trace.ast.Expr;

/**
 * Current bpftrace's rules for the integer types that several values share (a variable assigned
 * twice, a map's keys, the branches of {@code ?:}), in one place.
 *
 * <p>A literal has the smallest signed type that holds it ({@link Type.Int#ofLiteral}); when it is
 * not negative its sign is flexible: next to a type of fixed sign it takes that sign. Two types of
 * the same sign give the wider; of different signs, the signed one when it is the wider, else a
 * signed type twice as wide as the wider of the two (int64 at most: {@code int64} and
 * {@code uint64} give {@code int64}).
 */
final class IntTypes {
    private IntTypes() {}

    /**
     * Current bpftrace's {@code FitsInto} of integers: every value of {@code from} is a value of
     * {@code to} (the same sign, or a literal's flexible sign, and no wider; unsigned into a wider
     * signed type).
     */
    static boolean fitsInto(Type.Int from, Type.Int to) {
        if (from.signed() == to.signed() || from.literal()) {
            return from.bits() <= to.bits();
        }
        return !from.signed() && from.bits() < to.bits();
    }

    /**
     * Warns, as current bpftrace's implicit casts do, when the value of {@code e} (of type
     * {@code from}, not a literal) is stored as a {@code to} it does not fit in: a uint64 and an
     * int64 assigned to one map, map key or variable make it an int64, and the uint64 is cast.
     * Tuples and records are checked element by element (a literal tuple's elements at their own
     * places). Reported in the final pass only.
     */
    static void warnImplicitCast(SemanticAnalyser a, Expr e, Type from, Type to) {
        if (from instanceof Type.Int f && to instanceof Type.Int t) {
            if (f.isPointer() || t.isPointer() || f.bool() || t.bool() || LiteralFolding.value(a, e) != null
                    || fitsInto(f, t)) {
                return;
            }
            a.warning(e.span(), "Expression of type: " + f.display() + " being cast to type: " + t.display()
                    + ". This may cause unexpected results. Use an explicit cast to suppress this warning.");
        } else if (from instanceof Type.Tuple f && to instanceof Type.Tuple t
                && f.elements().size() == t.elements().size() && f.isRecord() == t.isRecord()) {
            for (int i = 0; i < f.elements().size(); i++) {
                int j = f.isRecord() ? t.names().indexOf(f.names().get(i)) : i;
                if (j < 0) {
                    return;
                }
                Expr element = e instanceof Expr.Tuple lit && lit.elements().size() == f.elements().size()
                        && (lit.names().isEmpty() || !f.isRecord()) ? lit.elements().get(i) : e;
                warnImplicitCast(a, element, f.elements().get(i), t.elements().get(j));
            }
        }
    }

    /**
     * The type that holds values of both {@code current} and {@code next}, with {@code current}'s
     * enumerators. With a pointer or a bool the first type stays, widened to a plain integer of
     * the second's width when that is wider and the first is not a pointer.
     */
    static Type.Int promote(Type.Int current, Type.Int next) {
        if (current.isPointer() || next.isPointer() || current.bool() || next.bool()) {
            return next.bits() > current.bits() && !current.isPointer() ? new Type.Int(next.bits(), current.signed())
                    : current;
        }
        if (current.equals(next)) {
            return current;
        }
        int bits = Math.max(current.bits(), next.bits());
        boolean flexible = current.literal() && next.literal();
        Type.Int out;
        if (current.signed() != next.signed() && (current.literal() || next.literal())) {
            // the literal takes the other side's sign
            boolean signed = !current.literal() ? current.signed() : next.signed();
            out = new Type.Int(bits, signed, null, false, false, null, flexible);
        } else if (current.signed() != next.signed()) {
            if (current.signed() && current.bits() > next.bits()) {
                out = new Type.Int(current.bits(), true);
            } else if (next.signed() && next.bits() > current.bits()) {
                out = new Type.Int(next.bits(), true);
            } else {
                out = new Type.Int(Math.min(64, bits * 2), true);
            }
        } else {
            out = new Type.Int(bits, current.signed(), null, false, false, null, flexible);
        }
        return current.enumerators() != null ? out.withEnumerators(current.enumerators()) : out;
    }
}
