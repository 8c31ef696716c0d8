package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;

/**
 * Expands current bpftrace's macros ({@code macro add_one(x) { x + 1 }}) in the probes, so that
 * the later passes see none. A macro's parameters are a variable ({@code $a}: the caller's variable
 * is used, and may be changed), a map ({@code @m}: the caller's map) or an expression ({@code x}:
 * the argument is inserted wherever {@code x} is written). The body's own variables are renamed so
 * that they cannot meet the caller's, and it may use no map that is not a parameter ("hygienic").
 * A body ending in an expression without {@code ;} has that value.
 *
 * <p>A macro call used as a statement becomes the body's statements. A call inside an expression
 * becomes the body's value; the body's statements are placed before the statement that holds the
 * call, so such a call is refused where it would not always run once (a {@code while} condition,
 * a predicate, an operand of {@code &&}, {@code ||} or {@code ?:}).
 */
final class Macros {
    /** How a parameter is passed. */
    enum Kind {
        VARIABLE, MAP, EXPRESSION
    }

    /** A parameter: its kind and its name as written ({@code $a}, {@code @m}, {@code x}). */
    record Param(Kind kind, String name, Span span) {}

    /**
     * A macro definition.
     *
     * @param value the body's final expression (written without {@code ;}), if it has one
     */
    record Definition(String name, List<Param> params, List<Stmt> body, Optional<Expr> value, Span span) {
        Definition {
            params = List.copyOf(params);
            body = List.copyOf(body);
        }
    }

    /** Ends the expansion after an error that makes going on pointless (endless recursion). */
    static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    private static final int MAX_DEPTH = 64;

    /**
     * The name the parser gives a block expression's definition (followed by a number): such a
     * definition keeps the probe's variables and maps (it is not hygienic).
     */
    static final String BLOCK_PREFIX = "__block_expression_";

    private final Map<String, List<Definition>> byName = new HashMap<>();
    private final Diagnostics diags;
    private int instances;
    private int depth;

    private Macros(List<Definition> definitions, Diagnostics diags) {
        this.diags = diags;
        for (Definition d : definitions) {
            List<Definition> same = byName.computeIfAbsent(d.name(), k -> new ArrayList<>());
            if (same.stream().anyMatch(o -> o.params().size() == d.params().size())) {
                diags.error(d.span(), "Redefinition of macro: " + d.name());
            }
            same.add(d);
        }
    }

    /** The probes with every macro call expanded; errors go to {@code diags}. */
    static List<Probe> expand(List<Probe> probes, List<Definition> definitions, Diagnostics diags) {
        if (definitions.isEmpty()) {
            return probes;
        }
        Macros m = new Macros(definitions, diags);
        List<Probe> out = new ArrayList<>();
        for (Probe p : probes) {
            Optional<Expr> pred = p.predicate().map(e -> m.exprOnce(e, "a predicate"));
            out.add(new Probe(p.attachPoints(), pred, m.block(p.body()), p.span()));
        }
        return out;
    }

    private Definition lookup(String name, int arity) {
        List<Definition> ds = byName.get(name);
        if (ds == null) {
            return null;
        }
        return ds.stream().filter(d -> d.params().size() == arity).findFirst().orElse(null);
    }

    // ---- expansion ----

    private List<Stmt> block(List<Stmt> stmts) {
        List<Stmt> out = new ArrayList<>();
        for (Stmt s : stmts) {
            stmt(s, out);
        }
        return out;
    }

    /** An expression that must not need statements placed before it. */
    private Expr exprOnce(Expr e, String where) {
        List<Stmt> pre = new ArrayList<>();
        Expr r = expr(e, pre, false);
        if (!pre.isEmpty()) {
            diags.error(e.span(), "A macro with statements can not be used in " + where + " (bpf4j trace places "
                    + "the statements before the statement that uses the macro)");
        }
        return r;
    }

    private void stmt(Stmt s, List<Stmt> out) {
        if (s instanceof Stmt.ExprStmt es) {
            Expr e = es.expr();
            Definition d = e instanceof Expr.Call c ? lookup(c.name(), c.args().size())
                    : e instanceof Expr.Builtin b ? lookup(b.name(), 0) : null;
            if (d != null) {
                List<Expr> args = new ArrayList<>();
                for (Expr a : e instanceof Expr.Call c ? c.args() : List.<Expr>of()) {
                    args.add(expr(a, out, false));
                }
                Instance in = instantiate(d, args, e.span());
                if (in != null) {
                    enter(d, e.span());
                    out.addAll(block(in.body()));
                    in.value().ifPresent(v -> out.add(new Stmt.ExprStmt(expr(v, out, false), v.span())));
                    depth--;
                }
                return;
            }
        }
        List<Stmt> pre = new ArrayList<>();
        Stmt r = switch (s) {
            case Stmt.ExprStmt es -> new Stmt.ExprStmt(expr(es.expr(), pre, false), es.span());
            case Stmt.AssignVar a -> new Stmt.AssignVar(a.var(), a.value().map(v -> expr(v, pre, false)), a.let(),
                    a.declared().map(t -> t.withTypeOf(v -> expr(v, pre, false))), a.span(), a.opSpan());
            case Stmt.AssignMap a -> {
                Expr.MapRef m = (Expr.MapRef) expr(a.map(), pre, false);
                yield new Stmt.AssignMap(m, expr(a.value(), pre, false), a.span());
            }
            case Stmt.If i -> new Stmt.If(expr(i.cond(), pre, false), block(i.then()), block(i.otherwise()), i.span());
            case Stmt.While w -> new Stmt.While(exprOnce(w.cond(), "a while condition"), block(w.body()), w.span());
            case Stmt.Unroll u -> new Stmt.Unroll(u.count(), block(u.body()), u.span());
            case Stmt.ForMap f -> new Stmt.ForMap(f.var(), f.map(), block(f.body()), f.span());
            case Stmt.ForRange f -> new Stmt.ForRange(f.var(), expr(f.from(), pre, false), expr(f.to(), pre, false),
                    block(f.body()), f.span());
            case Stmt.Jump j -> j;
        };
        out.addAll(pre);
        out.add(r);
    }

    /**
     * Expands the macro calls in {@code e}; the statements of macros used as values go to
     * {@code pre}. {@code conditional}: {@code e} may not run (an operand of &&, || or ?:).
     */
    private Expr expr(Expr e, List<Stmt> pre, boolean conditional) {
        return switch (e) {
            case Expr.Call c -> {
                List<Expr> args = new ArrayList<>();
                for (Expr a : c.args()) {
                    args.add(expr(a, pre, conditional));
                }
                Definition d = lookup(c.name(), c.args().size());
                yield d == null ? new Expr.Call(c.name(), args, c.span()) : value(d, args, c, pre, conditional);
            }
            case Expr.Builtin b -> {
                Definition d = lookup(b.name(), 0);
                yield d == null ? b : value(d, List.of(), b, pre, conditional);
            }
            case Expr.MapRef m -> new Expr.MapRef(m.name(), exprs(m.keys(), pre, conditional), m.span());
            case Expr.Binary b -> {
                boolean shortCircuit = b.op() == BinOp.LAND || b.op() == BinOp.LOR;
                yield new Expr.Binary(b.op(), expr(b.left(), pre, conditional),
                        expr(b.right(), pre, conditional || shortCircuit), b.span(), b.opSpan());
            }
            case Expr.Unary u -> new Expr.Unary(u.op(), expr(u.operand(), pre, conditional), u.span());
            case Expr.IncDec i -> new Expr.IncDec(i.increment(), i.prefix(), expr(i.target(), pre, conditional), i.span());
            case Expr.Ternary t -> new Expr.Ternary(expr(t.cond(), pre, conditional), expr(t.then(), pre, true),
                    expr(t.otherwise(), pre, true), t.span());
            case Expr.Field f -> new Expr.Field(expr(f.base(), pre, conditional), f.field(), f.arrow(), f.span());
            case Expr.TupleIndex t -> new Expr.TupleIndex(expr(t.base(), pre, conditional), t.index(), t.span());
            case Expr.Index i -> new Expr.Index(expr(i.base(), pre, conditional), expr(i.index(), pre, conditional),
                    i.span());
            case Expr.Cast c -> new Expr.Cast(c.type().withTypeOf(v -> expr(v, pre, conditional)),
                    expr(c.operand(), pre, conditional), c.span());
            case Expr.Tuple t -> new Expr.Tuple(exprs(t.elements(), pre, conditional), t.names(), t.span());
            case Expr.IntLit x -> x;
            case Expr.StrLit x -> x;
            case Expr.BoolLit x -> x;
            case Expr.Var x -> x;
            case Expr.Param x -> x;
            case Expr.SizeofType x -> x;
            case Expr.Offsetof x -> x;
        };
    }

    private List<Expr> exprs(List<Expr> es, List<Stmt> pre, boolean conditional) {
        List<Expr> out = new ArrayList<>();
        for (Expr e : es) {
            out.add(expr(e, pre, conditional));
        }
        return out;
    }

    /** A macro call used as a value: its statements go to {@code pre}, its value is returned. */
    private Expr value(Definition d, List<Expr> args, Expr call, List<Stmt> pre, boolean conditional) {
        Instance in = instantiate(d, args, call.span());
        if (in == null) {
            return new Expr.IntLit(0, call.span());
        }
        if (in.value().isEmpty()) {
            diags.error(call.span(), "Macro '" + d.name() + "' has no value (its body does not end in an "
                    + "expression) and can not be used in an expression");
            return new Expr.IntLit(0, call.span());
        }
        enter(d, call.span());
        List<Stmt> body = block(in.body());
        if (!body.isEmpty() && conditional) {
            diags.error(call.span(), "A macro with statements can not be used in an operand of &&, || or ?: "
                    + "(bpf4j trace places the statements before the statement that uses the macro)");
        }
        pre.addAll(body);
        Expr v = expr(in.value().get(), pre, conditional);
        depth--;
        return v;
    }

    private void enter(Definition d, Span span) {
        if (++depth > MAX_DEPTH) {
            diags.error(span, "Macro '" + d.name() + "' expands into itself (recursion deeper than " + MAX_DEPTH + ")");
            throw new Stop();
        }
    }

    // ---- instantiation: parameters substituted, the body's own variables renamed ----

    private record Instance(List<Stmt> body, Optional<Expr> value) {}

    private Instance instantiate(Definition d, List<Expr> args, Span call) {
        Map<String, String> vars = new HashMap<>();
        Map<String, String> maps = new HashMap<>();
        Map<String, Expr> exprs = new HashMap<>();
        boolean ok = true;
        for (int i = 0; i < d.params().size(); i++) {
            Param p = d.params().get(i);
            Expr a = args.get(i);
            switch (p.kind()) {
                case VARIABLE -> {
                    if (a instanceof Expr.Var v) {
                        vars.put(p.name(), v.name());
                    } else {
                        diags.error(a.span(), "Macro '" + d.name() + "' expects a variable for its parameter "
                                + p.name());
                        ok = false;
                    }
                }
                case MAP -> {
                    if (a instanceof Expr.MapRef m && m.keys().isEmpty()) {
                        maps.put(p.name(), m.name());
                    } else {
                        diags.error(a.span(), "Macro '" + d.name() + "' expects a map for its parameter " + p.name());
                        ok = false;
                    }
                }
                case EXPRESSION -> exprs.put(p.name(), a);
            }
        }
        if (!ok) {
            return null;
        }
        Copier c = new Copier(d, vars, maps, exprs, ++instances);
        List<Stmt> body = new ArrayList<>();
        for (Stmt s : d.body()) {
            body.add(c.stmt(s));
        }
        return new Instance(body, d.value().map(c::expr));
    }

    /** Copies a macro body with its parameters replaced by the arguments of one call. */
    private final class Copier {
        private final Definition d;
        private final Map<String, String> vars;
        private final Map<String, String> maps;
        private final Map<String, Expr> exprs;
        private final int instance;

        Copier(Definition d, Map<String, String> vars, Map<String, String> maps, Map<String, Expr> exprs, int instance) {
            this.d = d;
            this.vars = vars;
            this.maps = maps;
            this.exprs = exprs;
            this.instance = instance;
        }

        private Expr.Var var(Expr.Var v) {
            if (d.name().startsWith(BLOCK_PREFIX)) {
                return v;
            }
            String to = vars.get(v.name());
            // the body's own variables get a name of this expansion: "$__m3_y" for "$y"
            return new Expr.Var(to != null ? to : "$__m" + instance + "_" + v.name().substring(1), v.span());
        }

        private Expr.MapRef map(Expr.MapRef m) {
            String to = maps.get(m.name());
            if (to == null && d.name().startsWith(BLOCK_PREFIX)) {
                to = m.name();
            } else if (to == null) {
                diags.error(m.span(), "Macro '" + d.name() + "' uses map " + m.name() + ", which is not one of its "
                        + "parameters (pass the map as an argument)");
                to = m.name();
            }
            return new Expr.MapRef(to, exprList(m.keys()), m.span());
        }

        private List<Stmt> stmts(List<Stmt> ss) {
            List<Stmt> out = new ArrayList<>();
            for (Stmt s : ss) {
                out.add(stmt(s));
            }
            return out;
        }

        Stmt stmt(Stmt s) {
            return switch (s) {
                case Stmt.ExprStmt e -> new Stmt.ExprStmt(expr(e.expr()), e.span());
                case Stmt.AssignVar a -> new Stmt.AssignVar(var(a.var()), a.value().map(this::expr), a.let(),
                        a.declared().map(t -> t.withTypeOf(this::expr)), a.span(), a.opSpan());
                case Stmt.AssignMap a -> new Stmt.AssignMap(map(a.map()), expr(a.value()), a.span());
                case Stmt.If i -> new Stmt.If(expr(i.cond()), stmts(i.then()), stmts(i.otherwise()), i.span());
                case Stmt.While w -> new Stmt.While(expr(w.cond()), stmts(w.body()), w.span());
                case Stmt.Unroll u -> new Stmt.Unroll(expr(u.count()), stmts(u.body()), u.span());
                case Stmt.ForMap f -> new Stmt.ForMap(var(f.var()), map(f.map()), stmts(f.body()), f.span());
                case Stmt.ForRange f -> new Stmt.ForRange(var(f.var()), expr(f.from()), expr(f.to()), stmts(f.body()),
                        f.span());
                case Stmt.Jump j -> j;
            };
        }

        private List<Expr> exprList(List<Expr> es) {
            List<Expr> out = new ArrayList<>();
            for (Expr e : es) {
                out.add(expr(e));
            }
            return out;
        }

        Expr expr(Expr e) {
            return switch (e) {
                case Expr.Var v -> var(v);
                case Expr.MapRef m -> map(m);
                case Expr.Builtin b -> exprs.containsKey(b.name()) ? exprs.get(b.name()) : b;
                case Expr.Call c -> new Expr.Call(c.name(), exprList(c.args()), c.span());
                case Expr.Binary b -> new Expr.Binary(b.op(), expr(b.left()), expr(b.right()), b.span(), b.opSpan());
                case Expr.Unary u -> new Expr.Unary(u.op(), expr(u.operand()), u.span());
                case Expr.IncDec i -> new Expr.IncDec(i.increment(), i.prefix(), expr(i.target()), i.span());
                case Expr.Ternary t -> new Expr.Ternary(expr(t.cond()), expr(t.then()), expr(t.otherwise()), t.span());
                case Expr.Field f -> new Expr.Field(expr(f.base()), f.field(), f.arrow(), f.span());
                case Expr.TupleIndex t -> new Expr.TupleIndex(expr(t.base()), t.index(), t.span());
                case Expr.Index i -> new Expr.Index(expr(i.base()), expr(i.index()), i.span());
                case Expr.Cast c -> new Expr.Cast(c.type().withTypeOf(this::expr), expr(c.operand()), c.span());
                case Expr.Tuple t -> new Expr.Tuple(exprList(t.elements()), t.names(), t.span());
                case Expr.IntLit x -> x;
                case Expr.StrLit x -> x;
                case Expr.BoolLit x -> x;
                case Expr.Param x -> x;
                case Expr.SizeofType x -> x;
                case Expr.Offsetof x -> x;
            };
        }
    }
}
