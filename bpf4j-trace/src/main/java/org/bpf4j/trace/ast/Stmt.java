package org.bpf4j.trace.ast;

import java.util.List;
import java.util.Optional;
import org.bpf4j.trace.Span;

/** A statement of the bpftrace language: a closed set of immutable records. */
public sealed interface Stmt {
    /** Where it is written. */
    Span span();

    /**
     * An expression evaluated for its effect ({@code printf(...)}, {@code @m[k] = count()} is {@link AssignMap}).
     * Its span is the expression's for a plain statement; one that starts before the expression
     * and ends with it drops the value on purpose ({@code _ = expr}); another places the statement
     * elsewhere (the value of a macro called as a statement, placed at the call).
     */
    record ExprStmt(Expr expr, Span span) implements Stmt {
        /** Whether the value is dropped on purpose ({@code _ = expr}): no "Return value discarded." warning. */
        public boolean discardsValue() {
            return span.end() == expr.span().end() && span.begin() < expr.span().begin();
        }
    }

    /**
     * {@code $v = value}, or with {@code let} a declaration ({@code let $v}, {@code let $v: type = value}).
     * Compound assignments ({@code $v += e}) arrive as {@code $v = $v + e}. {@code opSpan} is where
     * the {@code =} (or compound operator) is written, where bpftrace reports type mismatches.
     */
    record AssignVar(Expr.Var var, Optional<Expr> value, boolean let, Optional<TypeName> declared, Span span,
            Span opSpan) implements Stmt {}

    /** {@code @m[keys] = value} (also {@code @m = count()}). */
    record AssignMap(Expr.MapRef map, Expr value, Span span) implements Stmt {}

    /** {@code if (cond) { then } else { otherwise }}; an {@code else if} is an if in {@code otherwise}. */
    record If(Expr cond, List<Stmt> then, List<Stmt> otherwise, Span span) implements Stmt {
        public If {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    /** {@code while (cond) { body }}. */
    record While(Expr cond, List<Stmt> body, Span span) implements Stmt {
        public While {
            body = List.copyOf(body);
        }
    }

    /** {@code unroll (count) { body }}. */
    record Unroll(Expr count, List<Stmt> body, Span span) implements Stmt {
        public Unroll {
            body = List.copyOf(body);
        }
    }

    /** {@code for ($kv : @map) { body }}: each element as a tuple (key, value). */
    record ForMap(Expr.Var var, Expr.MapRef map, List<Stmt> body, Span span) implements Stmt {
        public ForMap {
            body = List.copyOf(body);
        }
    }

    /** {@code for ($i : from..to) { body }}: from included, to excluded. */
    record ForRange(Expr.Var var, Expr from, Expr to, List<Stmt> body, Span span) implements Stmt {
        public ForRange {
            body = List.copyOf(body);
        }
    }

    /**
     * {@code break}, {@code continue} or {@code return}; a {@code return} may carry the probe's
     * return value ({@code return 1;}: what a {@code test:} probe's run reports).
     */
    record Jump(JumpKind kind, Optional<Expr> value, Span span) implements Stmt {
        /** A jump without value. */
        public Jump(JumpKind kind, Span span) {
            this(kind, Optional.empty(), span);
        }
    }

    /** The kinds of {@link Jump}. */
    enum JumpKind {
        BREAK, CONTINUE, RETURN
    }
}
