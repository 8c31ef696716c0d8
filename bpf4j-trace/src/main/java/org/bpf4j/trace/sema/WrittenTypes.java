package org.bpf4j.trace.sema;

import java.util.Map;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;

/**
 * The types a script writes: type names ({@code int32}, {@code string[8]}, {@code struct task_struct *},
 * {@code typeof(EXPR)}, typedefs of BTF such as {@code size_t}) as the analyser's {@link Type}s, and the
 * rules of casts to them ({@code (uint8)x}, {@code (struct foo *)p}, {@code (string[10])"hello"}).
 */
final class WrittenTypes {
    private final SemanticAnalyser a;

    WrittenTypes(SemanticAnalyser a) {
        this.a = a;
    }

    /** Types a cast: the type written, checked against its operand's. */
    /** The written type of a cast, inside its parentheses (current bpftrace's place of an unknown type). */
    static Span typeSpan(Expr.Cast c) {
        Span cast = SemanticAnalyser.castSpan(c);
        return cast.end() - cast.begin() > 2 && cast.end() <= c.operand().span().begin()
                ? new Span(cast.begin() + 1, cast.end() - 1) : c.span();
    }

    Type cast(Expr.Cast c) {
        Type.Agg agg = a.aggregateRead(c.operand());
        if (agg != null) {
            // a map of hist, lhist, tseries or stats values: current bpftrace's cast error
            Type to = typeOfName(c.type(), c.span());
            if (!(to instanceof Type.None)) {
                a.error(SemanticAnalyser.castSpan(c), "Cannot cast from \"" + agg.display() + "\" to \""
                        + to.display() + "\"");
            }
            return Type.NONE;
        }
        Type from = a.type(c.operand());
        int tally = a.errorTally();
        Type to = typeOfName(c.type(), typeSpan(c));
        if (to instanceof Type.None && a.errorTally() > tally) {
            // an unknown type (current bpftrace stops at it: its type resolver's only error)
            a.failed.add(c);
            return Type.NONE;
        }
        if (c.type().pointers() == 1 && c.type().arrayLength() < 0 && from instanceof Type.Int
                && (c.type().name().startsWith("struct ") || c.type().name().startsWith("union "))) {
            int sid = a.structs.cType(c.type().name(), typeSpan(c));
            if (sid >= 0) {
                a.pointees.put(c, sid);
            } else {
                a.failed.add(c);
            }
        }
        a.enums.note(c, EnumSymbols.castEnum(c.type()));
        castEnumValue(c);
        if (to instanceof Type.Str ts && !(from instanceof Type.None)) {
            // current bpftrace: a string to a string at least as large ((string[10])"hello")
            if (!(from instanceof Type.Str fs) || fs.size() > ts.size()) {
                a.error(SemanticAnalyser.castSpan(c), "Cannot cast from \"" + from.display() + "\" to \"" + ts.display() + "\"");
                return Type.NONE;
            }
            if (fs.size() == ts.size()) {
                a.warning(c.span(), "Unnecessary cast: expression is already of type " + from.display());
            }
            return ts;
        }
        if (to instanceof Type.Array ta && from.equals(ta)) {
            a.warning(c.span(), "Unnecessary cast: expression is already of type " + from.display());
            return from;
        }
        if (to instanceof Type.Array || from instanceof Type.Array && to instanceof Type.Int) {
            return ArrayCasts.cast(a, c, from, to);
        }
        if (to instanceof Type.Int tp && tp.isPointer() && from instanceof Type.Str fs) {
            // current bpftrace: (int32 *)"abc" points to the string's bytes (*(int32 *)"abc" is
            // 0x636261), kept in a hidden variable of the probe while it runs
            a.statements.keep(TypedProgram.castStorage(c), fs);
            return to;
        }
        if (to instanceof Type.Deferred d && d.kind() == Type.DeferredKind.USERNAME && from instanceof Type.Int fi
                && !fi.isPointer() && !fi.bool()) {
            // current bpftrace: (username_t)1000, an integer shown as the name of that user id (its
            // standard library's username() is (username_t)uid)
            return to;
        }
        // current bpftrace's words, at the written type ((bool), as its Cast node's place)
        // (typeof(*$p))x names the type it denotes, as current bpftrace
        String toName = c.type().typeOf() != null && !(to instanceof Type.None) ? to.display()
                : c.type().name().startsWith("enum ") || !(to instanceof Type.Int) ? c.type().toString()
                : to.display();
        if (!(to instanceof Type.Int)) {
            a.error(SemanticAnalyser.castSpan(c), from instanceof Type.None ? "Cannot cast to \"" + c.type() + "\""
                    : "Cannot cast from \"" + from.display() + "\" to \"" + toName + "\"");
            return Type.NONE;
        }
        if (!(from instanceof Type.Int) && !(from instanceof Type.Str && ((Type.Int) to).bool()
                && !((Type.Int) to).isPointer())) { // (bool)"text": current bpftrace, true when not empty
            a.error(SemanticAnalyser.castSpan(c), from instanceof Type.Record || from instanceof Type.StructRef
                    ? "Cannot cast from C type \"" + from.display() + "\""
                    : from instanceof Type.None ? "Cannot cast from \"none\" type"
                    : "Cannot cast from \"" + from.display() + "\" to \"" + toName + "\"");
        }
        if (to instanceof Type.Int ti && ti.isPointer() && from instanceof Type.Int fi && fi.isPointer()
                && fi.user() != ti.user()) {
            // as current bpftrace, a cast keeps the address space of what it casts: a user
            // pointer kept in a map (a syscall's struct sockaddr *) cast to another struct is
            // still read from user memory (the book's soconnect.bt)
            return Type.Int.pointer(ti.pointee(), fi.user());
        }
        return to;
    }

    /** The type a written type name denotes. */
    /**
     * Current bpftrace's checks of a cast to {@code enum NAME}: the enum must be defined (by the script or
     * the kernel's BTF), and a literal operand must be one of its values ({@code (enum named)3}). Nothing
     * is checked where no BTF can be read (the definitions cannot be looked up).
     */
    private void castEnumValue(Expr.Cast c) {
        String name = EnumSymbols.castEnum(c.type());
        if (name == null || a.kernel.btf().isEmpty()) {
            return;
        }
        Map<Long, String> values = a.kernel.enumValues(name);
        if (values == null) {
            a.error(SemanticAnalyser.castSpan(c), "Unknown enum: " + name);
        } else if (c.operand() instanceof Expr.IntLit lit && !lit.unsigned() && lit.value() >= 0
                && !values.containsKey(lit.value())) {
            a.error(SemanticAnalyser.castSpan(c), "Enum: " + name + " doesn't contain a variant value of "
                    + lit.value());
        }
    }

    Type typeOfName(TypeName n, Span span) {
        if (n.arrayPointers() > 0) {
            // a pointer to an array (int32[4]*, current bpftrace)
            Type pointee = typeOfName(n.arrayPointee(), span);
            return pointee instanceof Type.None ? pointee : Type.Int.pointer(pointee, a.userSpace());
        }
        if (n.typeOf() != null && n.pointers() == 0 && n.arrayLength() < 0) {
            // typeof(EXPR); typeof(NAME) of a typedef of BTF (typeof(size_t)) is that type
            if (n.typeOf() instanceof Expr.Builtin b && !Builtins.VARIABLES.containsKey(b.name())
                    && !Builtins.isArg(b.name()) && typedef(b.name()) != null) {
                return typedef(b.name());
            }
            if (n.typeOf() instanceof Expr.MapRef m && m.keys().isEmpty() && !n.name().equals(TypeName.TYPEOF_BLOCK)
                    && a.maps.get(m.name()) instanceof MapInfo info
                    && !info.keys().isEmpty()) {
                // current bpftrace: typeof(@x) of a map with keys is the type of its keys
                return info.keys().size() == 1 ? info.keys().getFirst() : new Type.Tuple(info.keys());
            }
            // the expression's own type, as current bpftrace (a uint8 stays a uint8)
            return a.type(n.typeOf());
        }
        if (n.arrayLength() >= 0 && (n.pointers() > 0 || !n.name().equals("string") && !SemanticAnalyser.isStructName(n.name()))) {
            // an array of integers, bools or pointers (int8[8], bool[2], struct Foo *[2]); int8[] is
            // an array of 0 elements until a cast gives it its operand's size
            Type el = typeOfName(new TypeName(n.name(), n.pointers(), -1, n.typeOf()), span);
            if (el instanceof Type.Int) {
                return new Type.Array(el, n.arrayLength());
            }
            if (!(el instanceof Type.None)) {
                a.error(span, "Arrays of " + el.display() + " are not supported by bpf4j trace yet");
            }
            return Type.NONE;
        }
        if (n.pointers() > 0) {
            TypeName inner = new TypeName(n.name(), n.pointers() - 1, -1, n.typeOf());
            Type pointee = n.pointers() == 1 && SemanticAnalyser.isStructName(n.name()) ? a.structs.structRef(n.name())
                    : n.pointers() == 1 && n.name().equals("void") ? Type.NONE : typeOfName(inner, span);
            return Type.Int.pointer(pointee, a.userSpace());
        }
        Type t = switch (n.name()) {
            case "int8", "s8", "char", "signed char" -> new Type.Int(8, true);
            case "uint8", "u8", "unsigned char" -> new Type.Int(8, false);
            case "bool" -> Type.Int.bool(8);
            case "int16", "s16", "short" -> new Type.Int(16, true);
            case "uint16", "u16", "unsigned short" -> new Type.Int(16, false);
            case "int32", "s32", "int", "signed int", "signed" -> new Type.Int(32, true);
            case "uint32", "u32", "unsigned int", "unsigned" -> new Type.Int(32, false);
            case "int64", "s64", "long", "signed long" -> Type.INT64;
            case "uint64", "u64", "unsigned long" -> Type.UINT64;
            case "string" -> new Type.Str(n.arrayLength() > 0 ? n.arrayLength() : a.strlen());
            case "username_t" -> new Type.Deferred(Type.DeferredKind.USERNAME, "");
            case String e when e.startsWith("enum ") -> Type.UINT64; // current bpftrace: (enum Foo)x, shown by name
            case String st when SemanticAnalyser.isStructName(st) && n.pointers() == 0 -> {
                // a struct value (let $w: struct W[10]): the record of BTF, an array of them with [N]
                int sid = a.structs.cType(st, span);
                Type.Record r = sid >= 0 ? a.structs.record(sid, 0) : null;
                if (r == null) {
                    if (sid >= 0) {
                        a.error(span, "'" + st + "' cannot be held as a value by bpf4j trace");
                    }
                    yield Type.NONE;
                }
                yield n.arrayLength() >= 0 ? new Type.Array(r, n.arrayLength()) : r;
            }
            default -> {
                Type named = typedef(n.name());
                if (named == null) {
                    a.error(span, "Cannot resolve unknown type \"" + n.name() + "\""); // current bpftrace's words
                    yield Type.NONE;
                }
                yield named;
            }
        };
        if (n.arrayLength() >= 0 && !(t instanceof Type.Str) && !(t instanceof Type.Array)
                && !(t instanceof Type.None)) {
            a.error(span, "Arrays of " + n.name() + " are not supported by bpf4j trace yet");
        }
        return t;
    }

    /**
     * A typedef or integer type of BTF ({@code uint64_t}, {@code size_t}, {@code pid_t}) as the
     * integer it names, or null (current bpftrace reads such names from BTF).
     */
    Type typedef(String name) {
        int id = a.kernel.available() ? a.kernel.typedefId(name) : -1;
        if (id < 0) {
            return null;
        }
        BtfType t = a.kernel.type(id);
        if (t instanceof BtfType.Int i && (i.size() == 1 || i.size() == 2 || i.size() == 4
                || i.size() == 8)) {
            return (i.encoding() & BtfType.Int.BOOL) != 0 ? Type.Int.bool(8)
                    : new Type.Int(i.size() * 8, i.signed() || (i.encoding() & BtfType.Int.CHAR) != 0
                            && i.size() == 1);
        }
        if (t instanceof BtfType.Enum en && (en.size() == 4 || en.size() == 8)) {
            return new Type.Int(en.size() * 8, en.signed());
        }
        return null;
    }
}
