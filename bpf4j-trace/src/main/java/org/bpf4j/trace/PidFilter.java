package org.bpf4j.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;

/**
 * The process filter of {@code -p PID} for probes that cannot be limited to a process when they
 * are attached, as current bpftrace adds it: a probe with such an attach point (tracepoint, raw
 * tracepoint, kprobe, fentry) runs its predicate and body only when {@code pid} is the process's.
 * Uprobes, USDT probes and perf events (profile, software, hardware) are opened for the process
 * instead; interval and the special probes are not filtered.
 */
final class PidFilter {
    private static final Set<String> FILTERED = Set.of("tracepoint", "rawtracepoint", "kprobe", "kretprobe",
            "kfunc", "kretfunc", "fentry", "fexit");

    private PidFilter() {}

    /** The program with {@code pid == PID} before the predicate of every probe that needs it. */
    static Program apply(Program program, int pid) {
        List<Probe> probes = new ArrayList<>();
        boolean changed = false;
        for (Probe p : program.probes()) {
            if (p.attachPoints().stream().map(AttachPoint::provider).noneMatch(FILTERED::contains)) {
                probes.add(p);
                continue;
            }
            Span at = new Span(p.span().begin(), p.span().begin());
            Expr same = new Expr.Binary(BinOp.EQ, new Expr.Builtin("pid", at), new Expr.IntLit(pid, at), at, at);
            Expr predicate = p.predicate().<Expr>map(q -> new Expr.Binary(BinOp.LAND, same, q, q.span(), at))
                    .orElse(same);
            probes.add(new Probe(p.attachPoints(), Optional.of(predicate), p.body(), p.span(), p.predicateSpan()));
            changed = true;
        }
        return changed ? program.withProbes(probes) : program;
    }
}
