package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bpf4j.trace.ast.AstRewriter;
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
final class LoopScopes extends AstRewriter {
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

    /** Enters a loop with variable {@code v}: its name inside the loop. */
    @Override
    public Stmt loop(Expr.Var v, Function<Expr.Var, Stmt> build) {
        int n = seen.merge(v.name(), 1, Integer::sum);
        String name = n == 1 ? v.name() : "$__for" + n + "_" + v.name().substring(1);
        String outer = renamed.put(v.name(), name);
        Stmt r = build.apply(new Expr.Var(name, v.span()));
        if (outer == null) {
            renamed.remove(v.name());
        } else {
            renamed.put(v.name(), outer);
        }
        return r;
    }

    @Override
    public Expr.Var var(Expr.Var v) {
        String to = renamed.get(v.name());
        return to == null || to.equals(v.name()) ? v : new Expr.Var(to, v.span());
    }
}
