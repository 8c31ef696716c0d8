package org.bpf4j.trace.parse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

/**
 * Block scoping of scratch variables, as current bpftrace has it (since 0.22; 0.17 scoped a
 * variable to its probe). Each block ({@code if}/{@code else} branches, loop bodies, {@code { ... }}
 * and block expressions) opens a scope, and a {@code for} loop's variable belongs to the loop.
 * {@code $x = v} assigns the visible {@code $x}, or declares one in the current block; {@code let}
 * declares one and may not shadow a visible one.
 *
 * <p>Checked as current bpftrace checks it before typing. Errors: a variable read where none is
 * visible ("Undefined or undeclared variable"), a {@code let} or loop variable that shadows a
 * visible one (with a second entry pointing at the first). Warnings: each read of a {@code let}
 * without value before any assignment, and a {@code let} never assigned.
 *
 * <p>The type checker and the code generator know one variable per name and probe, so a name
 * declared again in another block (a sibling {@code if} branch, a second loop) is renamed there:
 * {@code $__sN_NAME}, the N-th declaration of {@code $NAME} in the probe (diagnostics show the
 * written name: {@link Diagnostics}).
 *
 * <p>It runs on the parsed probes before macro expansion, where a block expression is still a call
 * of its definition ({@link Macros#BLOCK_PREFIX}) and so still a block. Macro bodies are not
 * walked: their variables are the macro's own (hygienic) or its parameters.
 */
final class Scopes extends AstRewriter {
    /** The probes, the functions and the definitions (block expressions renamed inside), after the pass. */
    record Result(List<Probe> probes, List<Subprog> subprogs, List<Macros.Definition> definitions) {}

    private enum Kind {
        LET("This is the initial declaration."),
        ASSIGN("This is the initial assignment."),
        LOOP("This is the loop variable."),
        PARAM("This is the function parameter.");

        final String note;

        Kind(String note) {
            this.note = note;
        }
    }

    /** A declared variable: where, how, its name after renaming, and whether it was assigned yet. */
    private static final class Decl {
        final Kind kind;
        final Span span;
        final String as;
        boolean assigned;

        Decl(Kind kind, Span span, String as, boolean assigned) {
            this.kind = kind;
            this.span = span;
            this.as = as;
            this.assigned = assigned;
        }
    }

    /** The prefix of a renamed variable; {@link Diagnostics} knows it too. */
    static final String RENAMED = "$__s";

    /**
     * Functions that may assign a variable passed to them, as a macro may (current bpftrace's
     * {@code find(@m, key, $v)} is a macro of its standard library; bpf4j's is native).
     */
    private static final Set<String> ASSIGNS_VARIABLES = Set.of("find");

    private final Diagnostics diags;
    private final Map<String, Macros.Definition> blocks = new HashMap<>();
    private final Set<String> macros = new HashSet<>();
    private final Deque<Map<String, Decl>> scopes = new ArrayDeque<>();
    /** How many times each name was declared in the probe so far. */
    private final Map<String, Integer> declared = new HashMap<>();
    /** Inside sizeof()/typeof(): reads there do not use the value. */
    private int meta;
    /** The innermost sizeof()/typeof()/typeinfo() around the walk, as current bpftrace names it, or null. */
    private String metaName;

    private Scopes(Diagnostics diags, List<Macros.Definition> definitions) {
        this.diags = diags;
        for (Macros.Definition d : definitions) {
            if (d.name().startsWith(Macros.BLOCK_PREFIX)) {
                blocks.put(d.name(), d);
            } else {
                macros.add(d.name());
            }
        }
    }

    /**
     * Checks and renames the scratch variables of every probe, reporting to {@code diags}.
     *
     * @param definitions the script's macros and the parser's block expressions
     * @return the probes and definitions renamed (also after an error, which leaves a readable program)
     */
    static Optional<Result> apply(List<Probe> probes, List<Subprog> subprogs, List<Macros.Definition> definitions,
            Diagnostics diags) {
        Scopes s = new Scopes(diags, definitions);
        List<Subprog> functions = new ArrayList<>();
        for (Subprog f : subprogs) {
            // the parameters are assigned variables of the body's outermost scope; a parameter's type
            // (typeof($b)) and the result's may name any parameter
            s.declared.clear();
            s.scopes.push(new LinkedHashMap<>());
            for (Subprog.Param p : f.params()) {
                s.declare(p.var().name(), Kind.PARAM, p.var().span(), true);
            }
            List<Subprog.Param> params = new ArrayList<>();
            for (Subprog.Param p : f.params()) {
                params.add(new Subprog.Param(p.var(), s.type(p.type()), p.span()));
            }
            TypeName result = s.type(f.result());
            List<Stmt> body = s.statements(f.body());
            s.close();
            functions.add(new Subprog(f.name(), params, result, body, f.span(), f.head()));
        }
        List<Probe> out = new ArrayList<>();
        for (Probe p : probes) {
            s.declared.clear();
            s.scopes.push(new LinkedHashMap<>());
            Optional<Expr> pred = p.predicate().map(s::expr);
            List<Stmt> body = s.statements(p.body());
            s.close();
            out.add(new Probe(p.attachPoints(), pred, body, p.span(), p.predicateSpan()));
        }
        // its errors (current bpftrace's pre-type-check ones) leave a program that later passes can read
        List<Macros.Definition> defs = new ArrayList<>();
        for (Macros.Definition d : definitions) {
            defs.add(s.blocks.getOrDefault(d.name(), d));
        }
        return Optional.of(new Result(out, functions, defs));
    }

    /** A block: its statements in a scope of their own. */
    @Override
    public List<Stmt> stmts(List<Stmt> ss) {
        scopes.push(new LinkedHashMap<>());
        List<Stmt> out = statements(ss);
        close();
        return out;
    }

    private List<Stmt> statements(List<Stmt> ss) {
        List<Stmt> out = new ArrayList<>();
        for (Stmt s : ss) {
            out.add(stmt(s));
        }
        return out;
    }

    /** Leaves a scope: a {@code let} never assigned is reported. */
    private void close() {
        for (Map.Entry<String, Decl> e : scopes.pop().entrySet()) {
            Decl d = e.getValue();
            if (d.kind == Kind.LET && !d.assigned) {
                diags.warning(d.span, "Variable " + e.getKey() + " was never assigned to.");
            }
        }
    }

    private Decl visible(String name) {
        for (Map<String, Decl> s : scopes) {
            Decl d = s.get(name);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    /** Declares {@code name} in the current scope: its first declaration in the probe keeps the name. */
    private Decl declare(String name, Kind kind, Span span, boolean assigned) {
        int n = declared.merge(name, 1, Integer::sum);
        Decl d = new Decl(kind, span, n == 1 ? name : RENAMED + n + "_" + name.substring(1), assigned);
        scopes.peek().put(name, d);
        return d;
    }

    private static Expr.Var renamed(Expr.Var v, Decl d) {
        return d == null || d.as.equals(v.name()) ? v : new Expr.Var(d.as, v.span());
    }

    @Override
    public Stmt stmt(Stmt s) {
        if (s instanceof Stmt.AssignMap m && metaName != null) {
            // current bpftrace's pre-type check: a block there is only typed, never run
            diags.error(m.span(), "Map assignments not allowed inside of " + metaName);
        }
        if (!(s instanceof Stmt.AssignVar a)) {
            return super.stmt(s);
        }
        Optional<TypeName> type = a.declared().map(this::type);
        Optional<Expr> value = a.value().map(this::expr);
        String name = a.var().name();
        Decl d = visible(name);
        if (a.let()) {
            Span at = new Span(a.span().begin(), a.var().span().end());
            if (d != null) {
                shadowed(d, at, "Variable " + name + " was already declared. Variable shadowing is not allowed.");
            } else {
                d = declare(name, Kind.LET, at, value.isPresent());
            }
        } else if (d != null) {
            d.assigned = true;
        } else {
            d = declare(name, Kind.ASSIGN, a.span(), true);
        }
        return new Stmt.AssignVar(renamed(a.var(), d), value, a.let(), type, a.span(), a.opSpan());
    }

    private void shadowed(Decl first, Span at, String message) {
        diags.error(at, message);
        diags.error(first.span, first.kind.note);
    }

    @Override
    public Stmt loop(Expr.Var v, Function<Expr.Var, Stmt> build) {
        Decl outer = visible(v.name());
        if (outer != null) {
            shadowed(outer, v.span(), "Loop declaration shadows existing variable: " + v.name());
        }
        scopes.push(new LinkedHashMap<>());
        Decl d = declare(v.name(), Kind.LOOP, v.span(), true);
        Stmt loop = build.apply(renamed(v, d)); // the body: a block of its own inside the loop's scope
        scopes.pop();
        return loop;
    }

    @Override
    public Expr.Var var(Expr.Var v) {
        Decl d = visible(v.name());
        if (d == null) {
            diags.error(v.span(), "Undefined or undeclared variable: " + v.name());
        } else if (!d.assigned && meta == 0) {
            diags.warning(v.span(), "Variable used before it was assigned: " + v.name());
        }
        return renamed(v, d);
    }

    @Override
    public Expr expr(Expr e) {
        if (e instanceof Expr.Unary u && u.op() == UnOp.ADDR && u.operand() instanceof Expr.Var v) {
            return new Expr.Unary(u.op(), assignedThrough(v), u.span()); // whatever takes &$x may set it
        }
        return super.expr(e);
    }

    private Expr.Var assignedThrough(Expr.Var v) {
        Decl d = visible(v.name());
        if (d == null) {
            return var(v);
        }
        d.assigned = true;
        return renamed(v, d);
    }

    @Override
    public Expr call(Expr.Call c) {
        Macros.Definition block = blocks.get(c.name());
        if (block != null) {
            scopes.push(new LinkedHashMap<>());
            List<Stmt> body = statements(block.body());
            Optional<Expr> value = block.value().map(this::expr);
            close();
            blocks.put(c.name(), new Macros.Definition(block.name(), block.params(), body, value, block.span()));
            return c;
        }
        boolean isMacro = macros.contains(c.name()) || ASSIGNS_VARIABLES.contains(c.name());
        boolean isMeta = c.name().equals("sizeof") || c.name().equals("typeof") || c.name().equals("typeinfo");
        meta += isMeta ? 1 : 0;
        String outer = metaName;
        if (isMeta) {
            metaName = c.name().equals("sizeof") ? "sizeof" : "typeof or typeinfo";
        }
        List<Expr> args = new ArrayList<>();
        for (Expr a : c.args()) {
            // a macro's $parameter (or find()'s) may be assigned in its body
            args.add(isMacro && a instanceof Expr.Var v ? assignedThrough(v) : expr(a));
        }
        meta -= isMeta ? 1 : 0;
        metaName = outer;
        return new Expr.Call(c.name(), args, c.span());
    }

    @Override
    public TypeName type(TypeName t) {
        meta++;
        String outer = metaName;
        metaName = t.typeOf() != null ? "typeof or typeinfo" : outer;
        TypeName r = super.type(t);
        metaName = outer;
        meta--;
        return r;
    }
}
