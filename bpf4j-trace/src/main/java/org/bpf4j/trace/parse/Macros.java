package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
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
        Expander x = m.new Expander();
        List<Probe> out = new ArrayList<>();
        for (Probe p : probes) {
            Optional<Expr> pred = p.predicate().map(e -> x.exprOnce(e, "a predicate"));
            out.add(new Probe(p.attachPoints(), pred, x.stmts(p.body()), p.span()));
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

    /**
     * Expands the macro calls of statements and expressions. The statements of a macro used as a
     * value go to {@link #pre}, placed before the statement being expanded.
     */
    private final class Expander extends AstRewriter {
        private List<Stmt> pre = new ArrayList<>();
        /** Whether the expression being expanded may not run (an operand of &&, || or ?:). */
        private boolean conditional;

        @Override
        List<Stmt> stmts(List<Stmt> ss) {
            List<Stmt> out = new ArrayList<>();
            for (Stmt s : ss) {
                List<Stmt> outerPre = pre;
                boolean outerConditional = conditional;
                pre = new ArrayList<>();
                conditional = false;
                try {
                    Definition d = s instanceof Stmt.ExprStmt es ? definitionOf(es.expr()) : null;
                    if (d != null) {
                        expandStatement(d, ((Stmt.ExprStmt) s).expr(), out);
                    } else {
                        Stmt r = stmt(s);
                        out.addAll(pre);
                        out.add(r);
                    }
                } finally {
                    pre = outerPre;
                    conditional = outerConditional;
                }
            }
            return out;
        }

        @Override
        Stmt stmt(Stmt s) {
            if (s instanceof Stmt.While w) {
                return new Stmt.While(exprOnce(w.cond(), "a while condition"), stmts(w.body()), w.span());
            }
            return super.stmt(s);
        }

        /** A macro call used as a statement becomes the body's statements. */
        private void expandStatement(Definition d, Expr e, List<Stmt> out) {
            List<Expr> args = exprs(e instanceof Expr.Call c ? c.args() : List.of());
            out.addAll(pre);
            pre.clear();
            Instance in = instantiate(d, args, e.span());
            if (in != null) {
                enter(d, e.span());
                out.addAll(stmts(in.body()));
                in.value().ifPresent(v -> {
                    Expr x = expr(v);
                    out.addAll(pre);
                    pre.clear();
                    out.add(new Stmt.ExprStmt(x, v.span()));
                });
                depth--;
            }
        }

        /** An expression that must not need statements placed before it. */
        Expr exprOnce(Expr e, String where) {
            List<Stmt> outer = pre;
            pre = new ArrayList<>();
            try {
                Expr r = expr(e);
                if (!pre.isEmpty()) {
                    diags.error(e.span(), "A macro with statements can not be used in " + where + " (bpf4j trace "
                            + "places the statements before the statement that uses the macro)");
                }
                return r;
            } finally {
                pre = outer;
            }
        }

        @Override
        Expr conditional(Expr e) {
            boolean outer = conditional;
            conditional = true;
            try {
                return expr(e);
            } finally {
                conditional = outer;
            }
        }

        @Override
        Expr call(Expr.Call c) {
            List<Expr> args = exprs(c.args());
            Definition d = lookup(c.name(), c.args().size());
            return d == null ? new Expr.Call(c.name(), args, c.span()) : value(d, args, c);
        }

        @Override
        Expr builtin(Expr.Builtin b) {
            Definition d = lookup(b.name(), 0);
            return d == null ? b : value(d, List.of(), b);
        }

        /** A macro call used as a value: its statements go to {@link #pre}, its value is returned. */
        private Expr value(Definition d, List<Expr> args, Expr call) {
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
            List<Stmt> body = stmts(in.body());
            if (!body.isEmpty() && conditional) {
                diags.error(call.span(), "A macro with statements can not be used in an operand of &&, || or ?: "
                        + "(bpf4j trace places the statements before the statement that uses the macro)");
            }
            pre.addAll(body);
            Expr v = expr(in.value().get());
            depth--;
            return v;
        }
    }

    /** The macro that an expression statement calls ({@code m(x);} or {@code m;}), or null. */
    private Definition definitionOf(Expr e) {
        return e instanceof Expr.Call c ? lookup(c.name(), c.args().size())
                : e instanceof Expr.Builtin b ? lookup(b.name(), 0) : null;
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
        return new Instance(c.stmts(d.body()), d.value().map(c::expr));
    }

    /** Copies a macro body with its parameters replaced by the arguments of one call. */
    private final class Copier extends AstRewriter {
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

        @Override
        Expr.Var var(Expr.Var v) {
            if (d.name().startsWith(BLOCK_PREFIX)) {
                return v;
            }
            String to = vars.get(v.name());
            // the body's own variables get a name of this expansion: "$__m3_y" for "$y"
            return new Expr.Var(to != null ? to : "$__m" + instance + "_" + v.name().substring(1), v.span());
        }

        @Override
        Expr.MapRef map(Expr.MapRef m) {
            String to = maps.get(m.name());
            if (to == null && d.name().startsWith(BLOCK_PREFIX)) {
                to = m.name();
            } else if (to == null) {
                diags.error(m.span(), "Macro '" + d.name() + "' uses map " + m.name() + ", which is not one of its "
                        + "parameters (pass the map as an argument)");
                to = m.name();
            }
            return new Expr.MapRef(to, exprs(m.keys()), m.span());
        }

        @Override
        Expr builtin(Expr.Builtin b) {
            return exprs.containsKey(b.name()) ? exprs.get(b.name()) : b;
        }
    }
}
