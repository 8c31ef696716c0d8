package org.bpf4j.trace.ast;

import java.util.List;
import org.bpf4j.trace.Span;

/** An expression of the bpftrace language: a closed set of immutable records. */
public sealed interface Expr {
    /** Where it is written. */
    Span span();

    /**
     * An integer literal; {@code unsigned} when it is written above {@code INT64_MAX} (its value is
     * then the 64 bits of a {@code uint64}).
     */
    record IntLit(long value, boolean unsigned, Span span) implements Expr {
        /** A literal that fits {@code int64}. */
        public IntLit(long value, Span span) {
            this(value, false, span);
        }
    }

    /** A string literal; the value holds one char per byte (ISO-8859-1). */
    record StrLit(String value, Span span) implements Expr {}

    /** {@code true} or {@code false}. */
    record BoolLit(boolean value, Span span) implements Expr {}

    /** A builtin variable: {@code pid}, {@code comm}, {@code arg0}, {@code args}, {@code retval}... */
    record Builtin(String name, Span span) implements Expr {}

    /** A scratch variable {@code $name} (name with its sigil). */
    record Var(String name, Span span) implements Expr {}

    /** A positional parameter {@code $1} (or {@code $#} with number -1). */
    record Param(int number, Span span) implements Expr {}

    /** A map {@code @name} with its keys ({@code @m[k1, k2]}), none for a scalar map. */
    record MapRef(String name, List<Expr> keys, Span span) implements Expr {
        public MapRef {
            keys = List.copyOf(keys);
        }
    }

    /**
     * A function call {@code name(args)}.
     *
     * @param expandedFrom where a call written in a macro's body was expanded from: the macro
     *     calls, innermost first (current bpftrace's "expanded from" lines of errorf and warnf)
     */
    record Call(String name, List<Expr> args, Span span, List<Span> expandedFrom) implements Expr {
        public Call {
            args = List.copyOf(args);
            expandedFrom = List.copyOf(expandedFrom);
        }

        /**
         * The name of the value of a macro whose body has none, used as a value
         * ({@code $z = m($y)} with {@code macro m($x) { $x += 1; }}): a call the type checker
         * refuses, as current bpftrace refuses the value-less block the macro becomes; the macro's
         * name follows (no name written in a script has the space).
         */
        public static final String NO_VALUE = "macro without value ";

        /** A call written where it is used (not in a macro). */
        public Call(String name, List<Expr> args, Span span) {
            this(name, args, span, List.of());
        }
    }

    /** {@code left op right}; {@code opSpan} is where the operator is written. */
    record Binary(BinOp op, Expr left, Expr right, Span span, Span opSpan) implements Expr {}

    /** {@code op operand}. */
    record Unary(UnOp op, Expr operand, Span span) implements Expr {}

    /** {@code ++x}, {@code x++}, {@code --x}, {@code x--} on a variable or map. */
    record IncDec(boolean increment, boolean prefix, Expr target, Span span) implements Expr {}

    /** {@code cond ? then : otherwise}. */
    record Ternary(Expr cond, Expr then, Expr otherwise, Span span) implements Expr {}

    /** {@code base.field} or {@code base->field}. */
    record Field(Expr base, String field, boolean arrow, Span span) implements Expr {}

    /** {@code base.N}, an element of a tuple. */
    record TupleIndex(Expr base, int index, Span span) implements Expr {}

    /** {@code base[index]}, an array or pointer element. */
    record Index(Expr base, Expr index, Span span) implements Expr {}

    /** {@code (type) operand}. */
    record Cast(TypeName type, Expr operand, Span span) implements Expr {}

    /**
     * {@code (a, b, ...)}: a tuple of two or more elements; with {@code names}, current bpftrace's
     * record {@code (a = 1, b = 2)} (one or more elements, one name each).
     */
    record Tuple(List<Expr> elements, List<String> names, Span span) implements Expr {
        public Tuple {
            elements = List.copyOf(elements);
            names = List.copyOf(names);
        }

        /** A tuple without names. */
        public Tuple(List<Expr> elements, Span span) {
            this(elements, List.of(), span);
        }
    }

    /**
     * {@code typeof(TYPE)} or {@code typeof(EXPR)} written as a value: a macro's argument that its
     * body uses as a type ({@code (t *)x}, {@code sizeof(t)}, {@code offsetof(t, f)}), as current
     * bpftrace allows; anywhere else the type checker refuses it.
     */
    record TypeArg(TypeName type, Span span) implements Expr {}

    /** {@code sizeof(type)}; {@code sizeof(expr)} is a {@link Call}. */
    record SizeofType(TypeName type, Span span) implements Expr {}

    /** {@code offsetof(struct X, a.b)}: the byte offset of a (nested) field of a struct. */
    record Offsetof(TypeName type, List<String> fields, Span span) implements Expr {
        public Offsetof {
            fields = List.copyOf(fields);
        }
    }
}
