package org.bpf4j.trace.ast;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A copy of statements and expressions, node by node, that the passes after parsing change at its
 * hooks (the parser's macro expansion substitutes and expands calls, its block scopes rename
 * variables, the type checker puts the settings in for {@code config()}).
 * Every node is rebuilt with its parts rewritten and everything else (names of a record's fields,
 * spans, operators) kept; a subclass overrides the hooks it needs, or a whole {@link #stmt} or
 * {@link #expr} for the nodes it treats itself, calling this class's for the others.
 */
public abstract class AstRewriter {
    /** A rewriter that changes nothing until a subclass overrides a hook. */
    protected AstRewriter() {}

    /** The statements rewritten, one by one. */
    public List<Stmt> stmts(List<Stmt> ss) {
        List<Stmt> out = new ArrayList<>();
        for (Stmt s : ss) {
            out.add(stmt(s));
        }
        return out;
    }

    /** A statement with its parts rewritten. */
    public Stmt stmt(Stmt s) {
        return switch (s) {
            case Stmt.ExprStmt e -> new Stmt.ExprStmt(expr(e.expr()), e.span());
            case Stmt.AssignVar a -> new Stmt.AssignVar(var(a.var()), a.value().map(this::expr), a.let(),
                    a.declared().map(this::type), a.span(), a.opSpan());
            case Stmt.AssignMap a -> {
                Expr.MapRef m = map(a.map());
                yield new Stmt.AssignMap(m, expr(a.value()), a.span());
            }
            case Stmt.If i -> {
                Expr cond = expr(i.cond());
                yield new Stmt.If(cond, stmts(i.then()), stmts(i.otherwise()), i.span());
            }
            case Stmt.While w -> {
                Expr cond = expr(w.cond());
                yield new Stmt.While(cond, stmts(w.body()), w.span());
            }
            case Stmt.Unroll u -> {
                Expr count = expr(u.count());
                yield new Stmt.Unroll(count, stmts(u.body()), u.span());
            }
            case Stmt.ForMap f -> {
                Expr.MapRef m = map(f.map());
                yield loop(f.var(), v -> new Stmt.ForMap(v, m, stmts(f.body()), f.span()));
            }
            case Stmt.ForRange f -> {
                Expr from = expr(f.from());
                Expr to = expr(f.to());
                yield loop(f.var(), v -> new Stmt.ForRange(v, from, to, stmts(f.body()), f.span()));
            }
            case Stmt.Jump j -> j.value().isEmpty() ? j : new Stmt.Jump(j.kind(), j.value().map(this::expr), j.span());
        };
    }

    /** An expression with its parts rewritten. */
    public Expr expr(Expr e) {
        return switch (e) {
            case Expr.Var v -> var(v);
            case Expr.MapRef m -> map(m);
            case Expr.Builtin b -> builtin(b);
            case Expr.Call c -> call(c);
            case Expr.Binary b -> {
                boolean shortCircuit = b.op() == BinOp.LAND || b.op() == BinOp.LOR;
                Expr left = expr(b.left());
                yield new Expr.Binary(b.op(), left, shortCircuit ? conditional(b.right()) : expr(b.right()), b.span(),
                        b.opSpan());
            }
            case Expr.Unary u -> new Expr.Unary(u.op(), expr(u.operand()), u.span());
            case Expr.IncDec i -> new Expr.IncDec(i.increment(), i.prefix(), expr(i.target()), i.span());
            case Expr.Ternary t -> {
                Expr cond = expr(t.cond());
                yield new Expr.Ternary(cond, conditional(t.then()), conditional(t.otherwise()), t.span());
            }
            case Expr.Field f -> new Expr.Field(expr(f.base()), f.field(), f.arrow(), f.span());
            case Expr.TupleIndex t -> new Expr.TupleIndex(expr(t.base()), t.index(), t.span());
            case Expr.Index i -> {
                Expr base = expr(i.base());
                yield new Expr.Index(base, expr(i.index()), i.span());
            }
            case Expr.Cast c -> {
                TypeName type = type(c.type());
                yield new Expr.Cast(type, expr(c.operand()), c.span());
            }
            case Expr.Tuple t -> new Expr.Tuple(exprs(t.elements()), t.names(), t.span());
            case Expr.IntLit x -> x;
            case Expr.StrLit x -> x;
            case Expr.BoolLit x -> x;
            case Expr.Param x -> x;
            case Expr.SizeofType x -> new Expr.SizeofType(type(x.type()), x.span());
            case Expr.Offsetof x -> new Expr.Offsetof(type(x.type()), x.fields(), x.span());
            case Expr.TypeArg x -> new Expr.TypeArg(type(x.type()), x.span());
        };
    }

    /** The expressions rewritten, in order. */
    public final List<Expr> exprs(List<Expr> es) {
        List<Expr> out = new ArrayList<>();
        for (Expr e : es) {
            out.add(expr(e));
        }
        return out;
    }

    // ---- hooks ----

    /** A scratch variable (where it is read or assigned): itself. */
    public Expr.Var var(Expr.Var v) {
        return v;
    }

    /** A map with its keys rewritten. */
    public Expr.MapRef map(Expr.MapRef m) {
        return new Expr.MapRef(m.name(), exprs(m.keys()), m.span());
    }

    /** A builtin variable (or a bare name): itself. */
    public Expr builtin(Expr.Builtin b) {
        return b;
    }

    /** A call with its arguments rewritten. */
    public Expr call(Expr.Call c) {
        return new Expr.Call(c.name(), exprs(c.args()), c.span(), c.expandedFrom());
    }

    /** A written type (of a cast, a declaration, sizeof, offsetof): its {@code typeof(EXPR)} operand rewritten. */
    public TypeName type(TypeName t) {
        return t.withTypeOf(this::expr);
    }

    /**
     * An expression that may not run (the right operand of {@code &&} and {@code ||}, either branch
     * of {@code ?:}): rewritten as any other.
     */
    public Expr conditional(Expr e) {
        return expr(e);
    }

    /**
     * A {@code for} loop with variable {@code v}: {@code build} makes the loop from its variable
     * (rewritten by {@link #var}) and rewrites its body.
     */
    public Stmt loop(Expr.Var v, Function<Expr.Var, Stmt> build) {
        return build.apply(var(v));
    }
}
