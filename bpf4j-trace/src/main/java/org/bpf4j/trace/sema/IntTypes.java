package org.bpf4j.trace.sema;

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
