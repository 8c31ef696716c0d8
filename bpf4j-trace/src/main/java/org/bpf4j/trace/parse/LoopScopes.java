package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;

/**
 * The variable of a {@code for} loop belongs to the loop, as in current bpftrace: two loops of one
 * probe may use the same name for variables of different types ({@code for ($kv : @a)} over a map
 * of integers, then {@code for ($kv : @b)} over a map of strings). The type checker and the code
 * generator know a variable per probe, so the second and later loops with a name get their own:
 * {@code $__forN_NAME} ({@code $__for2_kv}, a name the printer and the parser keep, as macros'
 * variables), inside the loop only.
 */
final class LoopScopes {
    private final Map<String, Integer> seen = new HashMap<>();
    private final Map<String, String> renamed = new HashMap<>();

    private LoopScopes() {}

    /** The probes with the variables of repeated loop names renamed in their loops. */
    static List<Probe> apply(List<Probe> probes) {
        List<Probe> out = new ArrayList<>();
        for (Probe p : probes) {
            LoopScopes s = new LoopScopes();
            List<Stmt> body = s.stmts(p.body());
            boolean repeated = s.seen.values().stream().anyMatch(n -> n > 1);
            out.add(repeated ? new Probe(p.attachPoints(), p.predicate(), body, p.span()) : p);
        }
        return out;
    }

    private List<Stmt> stmts(List<Stmt> ss) {
        List<Stmt> out = new ArrayList<>();
        for (Stmt s : ss) {
            out.add(stmt(s));
        }
        return out;
    }

    /** Enters a loop with variable {@code v}: its name inside the loop. */
    private String enter(Expr.Var v) {
        int n = seen.merge(v.name(), 1, Integer::sum);
        return n == 1 ? v.name() : "$__for" + n + "_" + v.name().substring(1);
    }

    private Stmt stmt(Stmt s) {
        return switch (s) {
            case Stmt.ExprStmt e -> new Stmt.ExprStmt(expr(e.expr()), e.span());
            case Stmt.AssignVar a -> new Stmt.AssignVar(var(a.var()), a.value().map(this::expr), a.let(),
                    a.declared().map(t -> t.withTypeOf(this::expr)), a.span(), a.opSpan());
            case Stmt.AssignMap a -> new Stmt.AssignMap(map(a.map()), expr(a.value()), a.span());
            case Stmt.If i -> new Stmt.If(expr(i.cond()), stmts(i.then()), stmts(i.otherwise()), i.span());
            case Stmt.While w -> new Stmt.While(expr(w.cond()), stmts(w.body()), w.span());
            case Stmt.Unroll u -> new Stmt.Unroll(expr(u.count()), stmts(u.body()), u.span());
            case Stmt.ForMap f -> {
                Expr.MapRef m = map(f.map());
                String name = enter(f.var());
                String outer = renamed.put(f.var().name(), name);
                Stmt r = new Stmt.ForMap(new Expr.Var(name, f.var().span()), m, stmts(f.body()), f.span());
                restore(f.var().name(), outer);
                yield r;
            }
            case Stmt.ForRange f -> {
                Expr from = expr(f.from());
                Expr to = expr(f.to());
                String name = enter(f.var());
                String outer = renamed.put(f.var().name(), name);
                Stmt r = new Stmt.ForRange(new Expr.Var(name, f.var().span()), from, to, stmts(f.body()), f.span());
                restore(f.var().name(), outer);
                yield r;
            }
            case Stmt.Jump j -> j;
        };
    }

    private void restore(String name, String outer) {
        if (outer == null) {
            renamed.remove(name);
        } else {
            renamed.put(name, outer);
        }
    }

    private Expr.Var var(Expr.Var v) {
        String to = renamed.get(v.name());
        return to == null || to.equals(v.name()) ? v : new Expr.Var(to, v.span());
    }

    private Expr.MapRef map(Expr.MapRef m) {
        return new Expr.MapRef(m.name(), exprs(m.keys()), m.span());
    }

    private List<Expr> exprs(List<Expr> es) {
        List<Expr> out = new ArrayList<>();
        for (Expr e : es) {
            out.add(expr(e));
        }
        return out;
    }

    private Expr expr(Expr e) {
        return switch (e) {
            case Expr.Var v -> var(v);
            case Expr.MapRef m -> map(m);
            case Expr.Builtin b -> b;
            case Expr.Call c -> new Expr.Call(c.name(), exprs(c.args()), c.span());
            case Expr.Binary b -> new Expr.Binary(b.op(), expr(b.left()), expr(b.right()), b.span(), b.opSpan());
            case Expr.Unary u -> new Expr.Unary(u.op(), expr(u.operand()), u.span());
            case Expr.IncDec i -> new Expr.IncDec(i.increment(), i.prefix(), expr(i.target()), i.span());
            case Expr.Ternary t -> new Expr.Ternary(expr(t.cond()), expr(t.then()), expr(t.otherwise()), t.span());
            case Expr.Field f -> new Expr.Field(expr(f.base()), f.field(), f.arrow(), f.span());
            case Expr.TupleIndex t -> new Expr.TupleIndex(expr(t.base()), t.index(), t.span());
            case Expr.Index i -> new Expr.Index(expr(i.base()), expr(i.index()), i.span());
            case Expr.Cast c -> new Expr.Cast(c.type().withTypeOf(this::expr), expr(c.operand()), c.span());
            case Expr.Tuple t -> new Expr.Tuple(exprs(t.elements()), t.names(), t.span());
            case Expr.IntLit x -> x;
            case Expr.StrLit x -> x;
            case Expr.BoolLit x -> x;
            case Expr.Param x -> x;
            case Expr.SizeofType x -> x;
            case Expr.Offsetof x -> x;
        };
    }
}
