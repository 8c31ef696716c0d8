package org.bpf4j.trace.sema;

import java.util.HashSet;
import java.util.Objects;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.UnOp;

/** Type rules of the binary and unary operators, with bpftrace's warnings on signedness, for {@link SemanticAnalyser}. */
final class Operators {
    private final SemanticAnalyser a;

    Operators(SemanticAnalyser a) {
        this.a = a;
    }

    /** The value of an integer literal or an enumerator (which bpftrace treats as a literal), or null. */
    private Long literal(Expr e) {
        if (e instanceof Expr.Param p) {
            // current bpftrace folds a numeric positional parameter (0 when not given, $# the count)
            // into a literal before typing: `pid == $1` compares with a literal, without a sign warning
            if (p.number() < 0) {
                return (long) a.params().size();
            }
            return p.number() > a.params().size() ? Long.valueOf(0) : a.constantOf(p);
        }
        return e instanceof Expr.IntLit i ? Long.valueOf(i.value()) : e instanceof Expr.Builtin ? a.constants.get(e) : null;
    }

    /**
     * The value of an integer expression made of literals, enumerators and arithmetic on them
     * ({@code 1 + 1}), or null.
     */
    Long constant(Expr e) {
        Long lit = literal(e);
        if (lit != null) {
            return lit;
        }
        if (e instanceof Expr.Unary u && u.op() == UnOp.NEG) {
            Long v = constant(u.operand());
            return v == null ? null : -v;
        }
        if (!(e instanceof Expr.Binary b)) {
            return null;
        }
        Long l = constant(b.left());
        Long r = constant(b.right());
        if (l == null || r == null) {
            return null;
        }
        return switch (b.op()) {
            case ADD -> l + r;
            case SUB -> l - r;
            case MUL -> l * r;
            case DIV -> r == 0 ? null : l / r;
            case MOD -> r == 0 ? null : l % r;
            case SHL -> l << r;
            case SHR -> l >>> r;
            case BAND -> l & r;
            case BOR -> l | r;
            case BXOR -> l ^ r;
            default -> null;
        };
    }

    /**
     * Current bpftrace's "Type mismatch" of a binary operator, with its operands as contexts when
     * their types are not compatible (as its type checker; two compatible tuples have none).
     */
    private void mismatch(Expr.Binary b, Type l, Type r) {
        a.error(b.span(), "Type mismatch for '" + b.op().symbol() + "': comparing " + l.display() + " with "
                + r.display());
        if (!compatible(l, r)) {
            a.context(b.left().span(), "left (" + l.display() + ")");
            a.context(b.right().span(), "right (" + r.display() + ")");
        }
    }

    /** Current bpftrace's compatible types: of one kind, tuples element by element (sizes aside). */
    private static boolean compatible(Type l, Type r) {
        if (l instanceof Type.Tuple lt && r instanceof Type.Tuple rt) {
            if (lt.elements().size() != rt.elements().size()) {
                return false;
            }
            for (int i = 0; i < lt.elements().size(); i++) {
                if (!compatible(lt.elements().get(i), rt.elements().get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (l instanceof Type.Int li && r instanceof Type.Int ri) {
            return li.isPointer() == ri.isPointer();
        }
        return l.getClass() == r.getClass();
    }

    /**
     * The type current bpftrace shows for an operand of type {@code t}: a map of count(), sum(),
     * min(), max() or avg() values by its aggregation type ({@code count_t}), else {@code t}.
     */
    private Type shown(Expr e, Type t) {
        return e instanceof Expr.MapRef m && t instanceof Type.Int && a.maps.get(m.name()) != null
                && a.maps.get(m.name()).value() instanceof Type.Agg g ? g : t;
    }

    Type binary(Expr.Binary b) {
        // a map of hist, lhist, tseries or stats values is its aggregation here, a mismatch as in current bpftrace
        Type.Agg leftAgg = a.aggregateRead(b.left());
        Type l = leftAgg != null ? leftAgg : a.type(b.left());
        Type.Agg rightAgg = a.aggregateRead(b.right());
        Type r = rightAgg != null ? rightAgg : a.type(b.right());
        // a count(), sum(), min(), max() or avg() map reads as an integer, but current bpftrace
        // names it by its aggregation (count_t) and takes it for no pointer's operand
        Type ls = shown(b.left(), l);
        Type rs = shown(b.right(), r);
        if ((isPointer(l) && rs instanceof Type.Agg || isPointer(r) && ls instanceof Type.Agg)
                && !(l instanceof Type.None) && !(r instanceof Type.None)) {
            a.error(b.span(), "The " + b.op().symbol() + " operator can not be used on expressions of types "
                    + ls.display() + ", " + rs.display());
            return Type.INT64;
        }
        if ((isPointer(l) || isPointer(r)) && !(l instanceof Type.None) && !(r instanceof Type.None)
                && !(l instanceof Type.Int && r instanceof Type.Int)) {
            // current bpftrace (type_resolver's get_binop_ptr): a pointer takes part only with an
            // integer, a bool or a pointer, whatever the operator; no "Type mismatch" contexts
            a.error(b.span(), "The " + b.op().symbol() + " operator can not be used on expressions of types "
                    + l.display() + ", " + r.display());
            return Type.INT64;
        }
        if ((leftAgg != null || rightAgg != null) && !(l instanceof Type.None) && !(r instanceof Type.None)) {
            mismatch(b, l, r);
            return Type.INT64;
        }
        if (l instanceof Type.ProbeName && r instanceof Type.Str) {
            l = a.stringOperand(b.left()); // probe == "NAME", as current bpftrace's string
        } else if (r instanceof Type.ProbeName && l instanceof Type.Str) {
            r = a.stringOperand(b.right());
        }
        if (l instanceof Type.None || r instanceof Type.None) {
            return Type.INT64;
        }
        Type lit = folded(b, LiteralFolding.fold(a, b));
        if (lit != null) {
            return lit;
        }
        if (l instanceof Type.Buf && r instanceof Type.Buf && (b.op() == BinOp.EQ || b.op() == BinOp.NE)) {
            return Type.UINT64;
        }
        if (l instanceof Type.Array la && r instanceof Type.Array ra) {
            // arrays of the same integer type compare byte for byte, with bpftrace's errors otherwise
            if (b.op() != BinOp.EQ && b.op() != BinOp.NE) {
                a.error(b.opSpan(), "The " + b.op().symbol() + " operator cannot be used on arrays.");
            }
            if (la.count() != ra.count()) {
                a.error(b.opSpan(), "Only arrays of same size support comparison operators.");
            }
            if (!(la.element() instanceof Type.Int) || !la.equals(ra)) {
                a.error(b.opSpan(), "Only arrays of same sized integer support comparison operators.");
            }
            return Type.UINT64;
        }
        if (l instanceof Type.Tuple lt && r instanceof Type.Tuple rt && (b.op() == BinOp.EQ || b.op() == BinOp.NE)
                && comparable(lt, rt)) {
            return Type.Int.bool(64); // element by element, as current bpftrace's compare of the widened tuples
        }
        if (l instanceof Type.Str && r instanceof Type.Str) {
            if (b.op() != BinOp.EQ && b.op() != BinOp.NE) {
                a.error(b.span(), "The " + b.op().symbol() + " operator can not be used on expressions of types "
                        + l.display() + ", " + r.display());
            }
            return Type.Int.bool(64);
        }
        if ((l instanceof Type.Ksym || l instanceof Type.Usym || l instanceof Type.ProbeName) && l.equals(r)) {
            // as current bpftrace, values of one such type compare with == and != (func == func(),
            // probe == probe()): their address (or probe id)
            if (b.op() != BinOp.EQ && b.op() != BinOp.NE) {
                a.error(b.span(), "The " + b.op().symbol() + " operator can not be used on expressions of types "
                        + l.display() + ", " + r.display());
            }
            return Type.Int.bool(64);
        }
        if (!(l instanceof Type.Int li) || !(r instanceof Type.Int ri)) {
            mismatch(b, ls, rs);
            return Type.INT64;
        }
        if (li.isPointer() && !ri.isPointer() && (b.op() == BinOp.ADD || b.op() == BinOp.SUB)) {
            structStep(b, b.left(), b.right());
            return li;
        }
        if (ri.isPointer() && !li.isPointer() && b.op() == BinOp.ADD) {
            structStep(b, b.right(), b.left());
            return ri;
        }
        if (li.isPointer() || ri.isPointer()) {
            // as current bpftrace: a pointer takes part in +, - (on the left), comparisons, && and ||
            if (!b.op().comparison() && b.op() != BinOp.LAND && b.op() != BinOp.LOR) {
                a.error(b.span(), "The " + b.op().symbol() + " operator can not be used on expressions of types "
                        + l.display() + ", " + r.display());
                return Type.INT64;
            }
            if (li.isPointer() && ri.isPointer() && !samePointee(li.pointee(), ri.pointee())) {
                // current bpftrace warns for && and || too (they are comparisons there); its contexts
                // are warning lines (WARNING: left (int8)), gone with the warning under --no-warnings
                a.warning(b.span(), "comparison of distinct pointer types: " + li.pointee().display() + ", "
                        + ri.pointee().display());
                a.warning(b.left().span(), "left (" + li.pointee().display() + ")");
                a.warning(b.right().span(), "right (" + ri.pointee().display() + ")");
            }
            return Type.Int.bool(64);
        }
        // current bpftrace (type_resolver's get_binop_int): a literal's flexible sign becomes the
        // other operand's; the result is an int64 when either operand is then signed, or for `-`
        Type.Int lf = li.literal() && !ri.literal() ? withSign(li, ri.signed()) : li;
        Type.Int rf = ri.literal() && !li.literal() ? withSign(ri, li.signed()) : ri;
        boolean same = lf.bits() == rf.bits() && lf.signed() == rf.signed();
        if (b.op() == BinOp.LAND || b.op() == BinOp.LOR) {
            return Type.Int.bool(64);
        }
        if (b.op().comparison()) {
            // both operands are cast to the type that holds both (a warning for one that does not fit),
            // and compared with its sign (comparisonSigned)
            Type.Int promoted = IntTypes.promote(li, ri);
            castWarning(b.left(), li, promoted);
            castWarning(b.right(), ri, promoted);
            return Type.Int.bool(64); // current bpftrace: comparisons are bools (printed true/false)
        }
        if (li.bool() && ri.bool()) {
            return Type.Int.bool(64); // current bpftrace: arithmetic on two bools is a bool (an i1: true + true is false)
        }
        if ((b.op() == BinOp.DIV || b.op() == BinOp.MOD) && !same && (lf.signed() || rf.signed())) {
            a.warning(b.opSpan(), "signed operands for '" + b.op().symbol()
                    + "' can lead to undefined behavior (cast to unsigned to silence warning)");
        }
        Type.Int result = new Type.Int(64, lf.signed() || rf.signed() || b.op() == BinOp.SUB);
        castWarning(b.left(), li, result);
        castWarning(b.right(), ri, result);
        return result;
    }

    private static boolean isPointer(Type t) {
        return t instanceof Type.Int i && i.isPointer();
    }

    /**
     * Whether two pointees are one type as current bpftrace's type equality sees them: integers by
     * size, sign and kind (a bool is not an int8), pointers by their pointees; user or kernel
     * memory and a literal's flexible sign aside.
     */
    private static boolean samePointee(Type l, Type r) {
        if (l instanceof Type.Int li && r instanceof Type.Int ri) {
            if (li.isPointer() || ri.isPointer()) {
                return li.isPointer() && ri.isPointer() && samePointee(li.pointee(), ri.pointee());
            }
            return li.bits() == ri.bits() && li.signed() == ri.signed() && li.bool() == ri.bool()
                    && Objects.equals(li.enumerators(), ri.enumerators());
        }
        return l.equals(r);
    }

    /** {@code t} with the sign {@code signed}, no longer flexible. */
    private static Type.Int withSign(Type.Int t, boolean signed) {
        return new Type.Int(t.bits(), signed, null, false, t.bool(), t.enumerators());
    }

    /**
     * Current bpftrace's cast of an operand to the type of the operation (its cast_creator): a
     * warning when the operand's values do not all fit; an aggregation read as an integer
     * ({@code @c} of {@code count()}), a literal, a bool or a pointer is never warned about.
     */
    private void castWarning(Expr e, Type.Int from, Type.Int to) {
        if (e instanceof Expr.MapRef m && a.maps.get(m.name()) != null
                && a.maps.get(m.name()).value() instanceof Type.Agg) {
            return;
        }
        IntTypes.warnImplicitCast(a, e, from, to);
    }

    /**
     * Whether a comparison of integers of these types compares signed, as current bpftrace's,
     * whose operands are cast to the type that holds both ({@code (uint8)200 < (int8)-1} compares
     * two int16s: false); a pointer or a bool operand compares signed only when both are signed.
     */
    static boolean comparisonSigned(Type.Int l, Type.Int r) {
        if (l.isPointer() || r.isPointer() || l.bool() || r.bool()) {
            return l.signed() && r.signed();
        }
        return IntTypes.promote(l, r).signed();
    }

    /**
     * The type of an operator over literals that current bpftrace folds into a literal (the code
     * generator compiles that literal), or null when it is not folded; an operator that cannot
     * be folded ({@code 0xffffffffffffffff + 1}) is current bpftrace's error.
     */
    private Type folded(Expr e, LiteralFolding.Outcome outcome) {
        return switch (outcome) {
            case LiteralFolding.NotLiteral n -> null;
            case LiteralFolding.Failed f -> {
                a.error(e.span(), f.message());
                a.failed.add(e);
                yield Type.INT64;
            }
            case LiteralFolding.Folded f -> {
                Expr lit = a.rewrites.get(e);
                if (lit == null || !lit.equals(f.value().literal(e.span()))) {
                    lit = f.value().literal(e.span());
                    a.rewrites.put(e, lit);
                }
                Type t = f.value().type();
                a.types.put(lit, t);
                yield t;
            }
        };
    }

    /**
     * Whether two tuples (or records) can be compared with {@code ==}: as current bpftrace, the same
     * number of elements (for records the same names, in any order), each pair integers, strings of
     * any sizes, comparable tuples, or of one type.
     */
    static boolean comparable(Type.Tuple l, Type.Tuple r) {
        if (l.elements().size() != r.elements().size() || l.isRecord() != r.isRecord()
                || l.isRecord() && !new HashSet<>(l.names()).equals(new HashSet<>(r.names()))) {
            return false;
        }
        for (int k = 0; k < l.elements().size(); k++) {
            Type a = l.elements().get(k);
            Type b = r.elements().get(l.isRecord() ? r.names().indexOf(l.names().get(k)) : k);
            boolean ok = a instanceof Type.Int ia && b instanceof Type.Int ib ? ia.isPointer() == ib.isPointer()
                    : a instanceof Type.Str && b instanceof Type.Str
                    || (a instanceof Type.Tuple ta && b instanceof Type.Tuple tb ? comparable(ta, tb) : a.equals(b));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code p + n} or {@code p - n} with {@code p} a pointer to a struct: as in C, {@code n}
     * counts structs (the code generator compiles the rewritten {@code p + n * sizeof}), and the
     * result points to the same struct.
     */
    private void structStep(Expr.Binary b, Expr pointer, Expr count) {
        Integer sid = a.pointees.get(pointer);
        if (sid == null) {
            return;
        }
        a.pointees.put(b, sid);
        long size = a.kernel.sizeOf(sid);
        if (size > 1) {
            Expr scaled = a.rewrites.computeIfAbsent(b, k -> {
                Expr n = new Expr.Binary(BinOp.MUL, count, new Expr.IntLit(size, count.span()), count.span(),
                        b.opSpan());
                return pointer == b.left() ? new Expr.Binary(b.op(), pointer, n, b.span(), b.opSpan())
                        : new Expr.Binary(b.op(), n, pointer, b.span(), b.opSpan());
            });
            Expr.Binary sb = (Expr.Binary) scaled;
            a.type(pointer == b.left() ? sb.right() : sb.left());
            a.types.put(scaled, a.type(pointer));
        }
    }

    Type unary(Expr.Unary u) {
        if (u.op() == UnOp.ADDR && u.operand() instanceof Expr.MapRef m && m.keys().isEmpty()) {
            // current bpftrace: &@map is the map itself (a pointer to its value type), as the
            // helpers that take a map want it
            MapInfo info = a.maps.get(m.name());
            if (info == null) {
                a.error(m.span(), "Undefined map: " + m.name());
                return Type.INT64;
            }
            a.types.put(m, info.value());
            return Type.Int.pointer(MapTyping.readType(info.value()) instanceof Type t ? t : Type.NONE, false);
        }
        if (u.op() == UnOp.ADDR && u.operand() instanceof Expr.Var v && a.statements.untyped(v)) {
            if (a.finalPass()) {
                a.untypedError(u.span(), "No type available for variable " + v.name()); // current bpftrace's words
            }
            return Type.NONE;
        }
        Type t = a.type(u.operand());
        Type lit = folded(u, LiteralFolding.fold(a, u));
        if (lit != null) {
            return lit;
        }
        if (t instanceof Type.Int b && b.bool() && u.op() != UnOp.LNOT) {
            // as current bpftrace: of the unary operators only ! takes a bool
            a.error(u.span(), "The " + u.op().symbol() + " operator can not be used on expressions of type '"
                    + t.display() + "'");
            return Type.INT64;
        }
        switch (u.op()) {
            case NEG, BNOT -> {
                // as current bpftrace: integers only (a pointer is refused too; the kernel's verifier
                // prohibits arithmetic such as ^ on a pointer); the result is a 64-bit integer of the
                // operand's sign
                if (!(t instanceof Type.Int i) || i.isPointer()) {
                    a.error(u.span(), "The " + u.op().symbol() + " operator can not be used on expressions of type '"
                            + t.display() + "'");
                }
                return t instanceof Type.Int i && !i.isPointer() ? new Type.Int(64, i.signed()) : Type.INT64;
            }
            case LNOT -> {
                if (!(t instanceof Type.Int i) || i.isPointer()) { // as current bpftrace, not a pointer
                    a.error(u.span(), "The ! operator can not be used on expressions of type '" + t.display() + "'");
                }
                return Type.Int.bool(64);
            }
            case DEREF -> {
                if (t instanceof Type.Int i && i.isPointer() && (i.pointee() instanceof Type.Int
                        || i.pointee() instanceof Type.Tuple || i.pointee() instanceof Type.Str
                        || i.pointee() instanceof Type.Deferred || i.pointee() instanceof Type.Array)) {
                    return i.pointee(); // a value as it is kept (a variable's, by &$v)
                }
                Integer sid = a.pointees.get(u.operand());
                if (sid != null) {
                    Type.Record r = a.structs.record(sid, 0);
                    if (r != null) {
                        return r;
                    }
                    if (u == a.fieldOfDeref) {
                        return a.structs.structRef(sid); // (*curtask).pid: only the field is read
                    }
                }
                if (t instanceof Type.Int i && i.isPointer()) {
                    a.error(u.span(), "The * operator on a pointer to " + (i.pointee() instanceof Type.None
                            ? "a struct or void" : i.pointee().display()) + " is not supported by bpf4j trace yet");
                    return Type.INT64;
                }
                if (t instanceof Type.Int) {
                    // bpftrace reads a 64-bit integer at an integer address.
                    return Type.INT64;
                }
                a.error(u.span(), "Can not dereference type '" + t.display() + "'");
                return Type.INT64;
            }
            case ADDR -> {
                // current bpftrace: the address of a variable (where its value is kept while the probe runs)
                if (u.operand() instanceof Expr.Var && !(t instanceof Type.None)) {
                    return Type.Int.pointer(t, false);
                }
                if (!(t instanceof Type.None)) {
                    a.error(u.span(), "The & operator is supported by bpf4j trace on variables and maps only");
                }
                return Type.INT64;
            }
        }
        throw new IllegalStateException();
    }
}
