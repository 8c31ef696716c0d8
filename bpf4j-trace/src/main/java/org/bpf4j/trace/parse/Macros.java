package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.sema.Builtins;

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
 * a predicate, an operand of {@code &&} or {@code ||}). An argument is expanded where the body
 * uses it (once per use, as current bpftrace); a {@code typeof(...)} argument is a type the body
 * may use as one ({@code (t *)x}, {@code sizeof(t)}, {@code offsetof(t, f)}). A branch of
 * {@code ?:} (an if/else used as a value) whose expansion needs statements runs them only when
 * taken: they go into an if statement that assigns the value to a variable of its own.
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
     * @param head {@code macro NAME}, where current bpftrace places the definition in its messages
     */
    record Definition(String name, List<Param> params, List<Stmt> body, Optional<Expr> value, Span span, Span head) {
        Definition {
            params = List.copyOf(params);
            body = List.copyOf(body);
        }

        /** A definition the parser makes (a block expression's): its place is its span. */
        Definition(String name, List<Param> params, List<Stmt> body, Optional<Expr> value, Span span) {
            this(name, params, body, value, span, span);
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
    /** The variables that hold the value of an if/else (a ternary) whose branches have statements. */
    private int ifValues;
    /** The macros being expanded, outermost first (current bpftrace's stack of a recursive call). */
    private final List<Definition> expanding = new ArrayList<>();
    /** Each macro argument (by identity), with the macros being expanded where the call is written. */
    private final Map<Expr, List<Definition>> argumentContexts = new IdentityHashMap<>();
    /** The calls whose mismatch with their macro's definitions was reported. */
    private final Set<Expr> mismatched = Collections.newSetFromMap(new IdentityHashMap<>());

    private Macros(List<Definition> definitions, Diagnostics diags) {
        this.diags = diags;
        for (Definition d : definitions) {
            List<Definition> same = byName.computeIfAbsent(d.name(), k -> new ArrayList<>());
            // current bpftrace overloads macros on the number and the kinds of their parameters
            if (same.stream().anyMatch(o -> o.params().stream().map(Param::kind).toList()
                    .equals(d.params().stream().map(Param::kind).toList()))) {
                diags.error(d.span(), "Redefinition of macro: " + d.name());
            }
            same.add(d);
            Set<String> seen = new HashSet<>();
            for (Param p : d.params()) {
                if (!seen.add(p.name())) {
                    String what = switch (p.kind()) {
                        case VARIABLE -> "Variable";
                        case MAP -> "Map";
                        case EXPRESSION -> "Ident";
                    };
                    diags.error(p.span(), what + " for macro argument has already been used: " + p.name());
                }
                if (p.kind() == Kind.VARIABLE) {
                    shadowing(p.name(), d.body());
                }
            }
        }
    }

    /** Current bpftrace's error for a declaration ({@code let $x}) in a macro's body of its parameter {@code $x}. */
    private void shadowing(String param, List<Stmt> body) {
        for (Stmt s : body) {
            switch (s) {
                case Stmt.AssignVar a when a.let() && a.var().name().equals(param) ->
                        diags.error(a.span(), "Variable declaration shadows macro arg " + param);
                case Stmt.If i -> {
                    shadowing(param, i.then());
                    shadowing(param, i.otherwise());
                }
                case Stmt.While w -> shadowing(param, w.body());
                case Stmt.Unroll u -> shadowing(param, u.body());
                case Stmt.ForMap f -> shadowing(param, f.body());
                case Stmt.ForRange f -> shadowing(param, f.body());
                default -> { }
            }
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
            out.add(new Probe(p.attachPoints(), pred, x.stmts(p.body()), p.span(), p.predicateSpan()));
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

    /**
     * The definition a call ({@code m(x)}, or a bare {@code m}: {@code call} is a
     * {@link Expr.Call} or an {@link Expr.Builtin}) takes, as current bpftrace's registry finds it:
     * the first of its name whose variable and map parameters get a variable and a map (an
     * expression parameter takes anything), of its number of arguments. If the name has
     * definitions but none fits, current bpftrace's errors are reported at the call, naming the
     * closest definition (the fewest missing arguments, then the fewest mismatched), and null is
     * returned; null too for a name without definitions.
     */
    private Definition lookup(String name, List<Expr> args, Expr call) {
        List<Definition> ds = byName.get(name);
        if (ds == null) {
            return null;
        }
        Definition closest = null;
        long min = Long.MAX_VALUE;
        for (Definition d : ds) {
            long distance = distance(d, args);
            if (distance == 0) {
                return d;
            }
            if (distance < min) {
                min = distance;
                closest = d;
            }
        }
        if (Builtins.isBuiltinName(name)) {
            return null; // the builtin of that name, as current bpftrace's standard library's overloads
        }
        if (mismatched.add(call)) {
            diags.error(call.span(), "Call to " + name + "() has arguments that do not match any definition.");
            if (closest.params().size() != args.size()) {
                diags.context(closest.head(), "The closest definition of " + name + "() has a different number of "
                        + "arguments. Expected: " + closest.params().size() + " but got " + args.size());
                return null;
            }
            for (int i = 0; i < args.size(); i++) {
                Param p = closest.params().get(i);
                Expr a = args.get(i);
                if (p.kind() == Kind.EXPRESSION || fits(p.kind(), a)) {
                    continue;
                }
                String got = p.kind() == Kind.MAP && a instanceof Expr.Var ? "a variable"
                        : p.kind() == Kind.VARIABLE && a instanceof Expr.MapRef m && m.keys().isEmpty() ? "a map"
                        : "an expression";
                diags.error(a.span(), "Mismatched arg. " + name + "() expects a "
                        + (p.kind() == Kind.MAP ? "map" : "variable") + " for arg " + p.name() + " but got " + got + ".");
                diags.context(p.span(), "This is the argument in the closest definition.");
            }
        }
        return null;
    }

    /** Whether an argument is what a variable or map parameter takes. */
    private static boolean fits(Kind k, Expr arg) {
        return switch (k) {
            case VARIABLE -> arg instanceof Expr.Var;
            case MAP -> arg instanceof Expr.MapRef m && m.keys().isEmpty();
            case EXPRESSION -> true;
        };
    }

    /** How far a call's arguments are from a definition's parameters: 1024 a missing or extra one, 1 a mismatch. */
    private static long distance(Definition d, List<Expr> args) {
        long distance = 1024L * Math.abs(d.params().size() - args.size());
        for (int i = 0; i < d.params().size() && i < args.size(); i++) {
            distance += fits(d.params().get(i).kind(), args.get(i)) ? 0 : 1;
        }
        return distance;
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
        public List<Stmt> stmts(List<Stmt> ss) {
            List<Stmt> out = new ArrayList<>();
            for (Stmt s : ss) {
                List<Stmt> outerPre = pre;
                boolean outerConditional = conditional;
                pre = new ArrayList<>();
                conditional = false;
                try {
                    Definition d = s instanceof Stmt.ExprStmt es ? definitionOf(es.expr()) : null;
                    if (d != null) {
                        expandStatement(d, (Stmt.ExprStmt) s, out);
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
        public Stmt stmt(Stmt s) {
            if (s instanceof Stmt.While w) {
                return new Stmt.While(exprOnce(w.cond(), "a while condition"), stmts(w.body()), w.span());
            }
            return super.stmt(s);
        }

        /**
         * A macro call used as a statement becomes the body's statements, its value one more
         * (an if/else as a value becomes an if statement). The arguments are expanded where the
         * body uses them (an argument used twice runs twice, as in current bpftrace).
         */
        private void expandStatement(Definition d, Stmt.ExprStmt statement, List<Stmt> out) {
            Expr e = statement.expr();
            Instance in = instantiate(d, e instanceof Expr.Call c ? c.args() : List.of(), e);
            if (in != null) {
                enter(d, e.span());
                List<Stmt> body = new ArrayList<>(in.body());
                // the value, dropped: current bpftrace warns at the call ("Return value discarded.")
                // when its type is not void, unless the call was written "_ = m(...)"
                boolean discarded = statement.discardsValue();
                in.value().ifPresent(v -> body.add(asStatement(v, discarded ? null : statement.span())));
                out.addAll(stmts(body));
                expanding.removeLast();
            }
        }

        /**
         * A value evaluated for its effects: a ternary as an if statement (its branches' values
         * dropped without a warning), any other as itself, placed at {@code at} (where a value that
         * is not void is warned about), or dropped on purpose when {@code at} is null (as
         * {@code _ = v}: a span from before the value to its end).
         */
        private static Stmt asStatement(Expr v, Span at) {
            if (v instanceof Expr.Ternary t && t.then() != t.cond()) {
                return new Stmt.If(t.cond(), List.of(asStatement(t.then(), null)),
                        List.of(asStatement(t.otherwise(), null)), t.span());
            }
            if (at == null || at.equals(v.span())) {
                // equal to the value's: a plain statement; else dropped on purpose
                return new Stmt.ExprStmt(v, at != null || v.span().begin() == 0 ? v.span()
                        : new Span(v.span().begin() - 1, v.span().end()));
            }
            return new Stmt.ExprStmt(v, at.end() == v.span().end() && at.begin() < v.span().begin()
                    ? new Span(at.begin(), at.end() + 1) : at); // never read as "_ = v"
        }

        @Override
        public Expr expr(Expr e) {
            List<Definition> context = argumentContexts.get(e);
            if (context == null) {
                return expand(e);
            }
            // an argument substituted into a macro's body: `m(m(1))` calls m twice, no recursion
            List<Definition> inBody = List.copyOf(expanding);
            expanding.clear();
            expanding.addAll(context);
            try {
                return expand(e);
            } finally {
                expanding.clear();
                expanding.addAll(inBody);
            }
        }

        private Expr expand(Expr e) {
            if (e instanceof Expr.Ternary t && t.then() != t.cond()) {
                return ternary(t);
            }
            return super.expr(e);
        }

        /**
         * {@code c ? a : b}: when a branch needs statements (a macro or block expression with
         * statements, as an if/else used as a value), they run only in their branch: an if
         * statement before the one being expanded assigns the value to a variable of its own.
         */
        private Expr ternary(Expr.Ternary t) {
            Expr cond = expr(t.cond());
            List<Stmt> outerPre = pre;
            boolean outerConditional = conditional;
            conditional = false;
            pre = new ArrayList<>();
            Expr then = expr(t.then());
            List<Stmt> thenPre = pre;
            pre = new ArrayList<>();
            Expr otherwise = expr(t.otherwise());
            List<Stmt> elsePre = pre;
            pre = outerPre;
            conditional = outerConditional;
            if (thenPre.isEmpty() && elsePre.isEmpty()) {
                return new Expr.Ternary(cond, then, otherwise, t.span());
            }
            if (conditional) {
                diags.error(t.span(), "An if/else (or ?:) whose branches have statements can not be used in an operand "
                        + "of &&, || or ?: (bpf4j trace places its if statement before the statement that uses it)");
                return new Expr.Ternary(cond, then, otherwise, t.span());
            }
            String name = "$__if" + (++ifValues);
            thenPre.add(assign(name, then));
            elsePre.add(assign(name, otherwise));
            // declared before the if, so that it is seen after it (block scopes, as written out by -d)
            Expr.Var declared = new Expr.Var(name, t.span());
            pre.add(new Stmt.AssignVar(declared, Optional.empty(), true, Optional.empty(), t.span(), t.span()));
            pre.add(new Stmt.If(cond, thenPre, elsePre, t.span()));
            return new Expr.Var(name, t.span());
        }

        private static Stmt assign(String var, Expr value) {
            return new Stmt.AssignVar(new Expr.Var(var, value.span()), Optional.of(value), false, Optional.empty(),
                    value.span(), value.span());
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
        public Expr conditional(Expr e) {
            boolean outer = conditional;
            conditional = true;
            try {
                return expr(e);
            } finally {
                conditional = outer;
            }
        }

        @Override
        public Expr call(Expr.Call c) {
            if (c.name().equals("sizeof") && c.args().size() == 1 && c.args().getFirst() instanceof Expr.Builtin b
                    && lookup(b.name(), 0) != null) {
                return c; // current bpftrace: sizeof(NAME) names a type there, never a macro
            }
            Definition d = lookup(c.name(), c.args(), c);
            // a macro's arguments are expanded where its body uses them
            return d == null ? super.call(c) : value(d, c.args(), c);
        }

        @Override
        public Expr builtin(Expr.Builtin b) {
            Definition d = lookup(b.name(), List.of(), b);
            return d == null ? b : value(d, List.of(), b);
        }

        /** A macro call used as a value: its statements go to {@link #pre}, its value is returned. */
        private Expr value(Definition d, List<Expr> args, Expr call) {
            Instance in = instantiate(d, args, call);
            if (in == null) {
                return new Expr.IntLit(0, call.span());
            }
            if (in.value().isEmpty()) {
                // refused by the type checker (Expr.Call.NO_VALUE), where current bpftrace finds no value
                return new Expr.Call(Expr.Call.NO_VALUE + d.name(), List.of(), call.span());
            }
            enter(d, call.span());
            List<Stmt> body = stmts(in.body());
            if (!body.isEmpty() && conditional) {
                diags.error(call.span(), "A macro with statements can not be used in an operand of &&, || or ?: "
                        + "(bpf4j trace places the statements before the statement that uses the macro)");
            }
            pre.addAll(body);
            Expr v = expr(in.value().get());
            expanding.removeLast();
            return v;
        }
    }

    /** The macro that an expression statement calls ({@code m(x);} or {@code m;}), or null. */
    private Definition definitionOf(Expr e) {
        return e instanceof Expr.Call c ? lookup(c.name(), c.args(), c)
                : e instanceof Expr.Builtin b ? lookup(b.name(), List.of(), b) : null;
    }

    private void enter(Definition d, Span span) {
        if (d.name().startsWith(BLOCK_PREFIX)) {
            // a block expression ({ ... } as a value or a statement) is written once and nests as
            // the script's braces do: it can neither recur nor count toward the macros' depth
            expanding.add(d);
            return;
        }
        int at = expanding.indexOf(d);
        if (at >= 0) {
            // current bpftrace's words: the chain from the macro's first expansion to this call
            StringBuilder chain = new StringBuilder();
            for (Definition o : expanding.subList(at, expanding.size())) {
                chain.append(o.name()).append(" > ");
            }
            diags.error(span, "Recursive macro call detected. Call chain: " + chain + d.name());
            throw new Stop();
        }
        if (expanding.size() >= MAX_DEPTH
                && expanding.stream().filter(o -> !o.name().startsWith(BLOCK_PREFIX)).count() >= MAX_DEPTH) {
            diags.error(span, "Macro '" + d.name() + "' expands too deeply (more than " + MAX_DEPTH + " levels)");
            throw new Stop();
        }
        expanding.add(d);
    }

    // ---- instantiation: parameters substituted, the body's own variables renamed ----

    private record Instance(List<Stmt> body, Optional<Expr> value) {}

    private Instance instantiate(Definition d, List<Expr> args, Expr call) {
        for (Expr a : args) {
            // the argument is the caller's: a macro it calls expands as it would where it is written
            argumentContexts.putIfAbsent(a, List.copyOf(expanding));
        }
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
        // the body's calls were expanded from this call (a block expression's, from where the block is)
        List<Span> site = new ArrayList<>();
        if (!d.name().startsWith(BLOCK_PREFIX)) {
            site.add(call.span());
        }
        if (call instanceof Expr.Call c) {
            site.addAll(c.expandedFrom());
        }
        if (site.isEmpty() && d.name().startsWith(BLOCK_PREFIX)) {
            // a block written in a probe, expanded where it is written: its statements as they are
            // (a copy would rename nothing, and copying each nested block again at each level
            // would grow with the square of the nesting)
            return new Instance(d.body(), d.value());
        }
        Copier c = new Copier(d, vars, maps, exprs, ++instances, site);
        return new Instance(c.stmts(d.body()), d.value().map(c::expr));
    }

    /** Copies a macro body with its parameters replaced by the arguments of one call. */
    private final class Copier extends AstRewriter {
        private final Definition d;
        private final Map<String, String> vars;
        private final Map<String, String> maps;
        private final Map<String, Expr> exprs;
        private final int instance;

        private final List<Span> site;

        Copier(Definition d, Map<String, String> vars, Map<String, String> maps, Map<String, Expr> exprs, int instance,
                List<Span> site) {
            this.site = site;
            this.d = d;
            this.vars = vars;
            this.maps = maps;
            this.exprs = exprs;
            this.instance = instance;
        }

        @Override
        public Expr.Var var(Expr.Var v) {
            if (d.name().startsWith(BLOCK_PREFIX)) {
                return v;
            }
            String to = vars.get(v.name());
            // the body's own variables get a name of this expansion: "$__m3_y" for "$y"
            return new Expr.Var(to != null ? to : "$__m" + instance + "_" + v.name().substring(1), v.span());
        }

        @Override
        public Expr.MapRef map(Expr.MapRef m) {
            String to = maps.get(m.name());
            if (to == null && d.name().startsWith(BLOCK_PREFIX)) {
                to = m.name();
            } else if (to == null) {
                diags.error(m.span(), "Unhygienic access to map: " + m.name() + ". Maps must be passed into the macro "
                        + "as arguments.");
                to = m.name();
            }
            return new Expr.MapRef(to, exprs(m.keys()), m.span());
        }

        @Override
        public Expr builtin(Expr.Builtin b) {
            return exprs.containsKey(b.name()) ? exprs.get(b.name()) : b;
        }

        @Override
        public Expr call(Expr.Call c) {
            List<Span> from = new ArrayList<>(c.expandedFrom());
            from.addAll(site);
            Definition block = c.name().startsWith(BLOCK_PREFIX) ? lookup(c.name(), 0) : null;
            if (block != null) {
                // a block expression in the body (an if/else's branch) is part of the body: copied
                // with the same parameters and names, as a block of its own
                String name = c.name() + "_" + instance;
                if (lookup(name, 0) == null) {
                    byName.computeIfAbsent(name, k -> new ArrayList<>()).add(new Definition(name, List.of(),
                            stmts(block.body()), block.value().map(this::expr), block.span()));
                }
                return new Expr.Call(name, List.of(), c.span(), from);
            }
            return new Expr.Call(c.name(), exprs(c.args()), c.span(), from);
        }

        /**
         * A type named by a parameter ({@code (t *)x}, {@code sizeof(t *)}) is the argument's type:
         * the type of a {@code typeof(...)} argument, else the type of the argument's value.
         */
        @Override
        public TypeName type(TypeName t) {
            int space = t.name().indexOf(' ');
            String tag = space > 0 ? t.name().substring(0, space) : "";
            if (t.typeOf() == null && (tag.equals("struct") || tag.equals("union") || tag.equals("enum"))
                    && exprs.containsKey(t.name().substring(space + 1))) {
                // struct t: the argument names the struct (current bpftrace's macro expansion)
                String param = t.name().substring(space + 1);
                Expr a = exprs.get(param);
                String name = tagName(a);
                if (name == null) {
                    diags.error(a.span(), "Invalid replacement for macro '" + d.name() + "' type parameter '" + param
                            + "' which makes up the type '" + t.name() + "*".repeat(t.pointers()) + "'");
                    return t;
                }
                return new TypeName(tag + " " + name, t.pointers(), t.arrayLength(), null, t.arrayPointers());
            }
            if (t.typeOf() == null && exprs.containsKey(t.name())) {
                Expr a = exprs.get(t.name());
                return extend(a instanceof Expr.TypeArg ta ? ta.type() : new TypeName("typeof", 0, -1, a), t);
            }
            TypeName r = super.type(t);
            // typeof(t) where t is a typeof(...) argument: that type
            return r.typeOf() instanceof Expr.TypeArg ta ? extend(ta.type(), r) : r;
        }

        /**
         * The name an argument gives to a parameter written {@code struct t} (or {@code union t},
         * {@code enum t}): a name, or {@code typeof} of a name; null for anything else.
         */
        private static String tagName(Expr a) {
            if (a instanceof Expr.Builtin b) {
                return b.name();
            }
            if (a instanceof Expr.TypeArg ta && ta.type().pointers() == 0 && ta.type().arrayLength() < 0) {
                TypeName t = ta.type();
                if (t.typeOf() instanceof Expr.Builtin b) {
                    return b.name();
                }
                return t.typeOf() == null && !t.name().contains(" ") ? t.name() : null;
            }
            return null;
        }

        /** {@code base} with the pointers and array length written on {@code t}. */
        private static TypeName extend(TypeName base, TypeName t) {
            return new TypeName(base.name(), base.pointers() + t.pointers(),
                    t.arrayLength() >= 0 ? t.arrayLength() : base.arrayLength(), base.typeOf());
        }

        /**
         * A type argument where the body uses a value as a type: {@code sizeof(t)},
         * {@code offsetof(t, f)} and {@code t[N]} (an array of N).
         */
        @Override
        public Expr expr(Expr e) {
            Expr r = super.expr(e);
            if (r instanceof Expr.Index i && i.base() instanceof Expr.TypeArg ta && i.index() instanceof Expr.IntLit n) {
                TypeName t = ta.type();
                return new Expr.TypeArg(new TypeName(t.name(), t.pointers(), (int) n.value(), t.typeOf()), i.span());
            }
            if (r instanceof Expr.Call c && !c.args().isEmpty() && c.args().getFirst() instanceof Expr.TypeArg ta) {
                if (c.name().equals("sizeof") && c.args().size() == 1) {
                    return new Expr.SizeofType(ta.type(), c.span());
                }
                List<String> path = c.args().size() == 2 ? fieldPath(c.args().get(1)) : null;
                if (c.name().equals("offsetof") && path != null) {
                    return new Expr.Offsetof(ta.type(), path, c.span());
                }
                if (c.name().equals("offsetof") && c.args().size() == 2 && c.args().get(1) instanceof Expr.Field f
                        && e instanceof Expr.Call written && written.args().get(1) instanceof Expr.Builtin p
                        && exprs.containsKey(p.name())) {
                    // a field parameter replaced by a field access of something else than names
                    diags.error(f.span(), "FieldAccess expressions must be made up entirely of idents (e.g. a.b.c) "
                            + "to replace the second argument in `offsetof`");
                }
            }
            return r;
        }

    }

    /** The names of a field path written as a value ({@code a} or {@code a.b}), or null. */
    static List<String> fieldPath(Expr e) {
        if (e instanceof Expr.Builtin b) {
            return List.of(b.name());
        }
        if (e instanceof Expr.Field f && !f.arrow() && fieldPath(f.base()) instanceof List<String> base) {
            List<String> out = new ArrayList<>(base);
            out.add(f.field());
            return out;
        }
        return null;
    }
}
