package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;

/**
 * The builtins a probe type cannot have, checked as current bpftrace checks them before it expands
 * the attach points ({@code retval} outside return probes, {@code arg0} outside kprobes, uprobes and
 * USDT probes): so these errors come before an attach point's "No matches", as bpftrace's do.
 * The names of probe types in messages are bpftrace's ({@link #probeType}).
 */
public final class ProbeBuiltins {
    private ProbeBuiltins() {}

    /**
     * Reports each {@code retval} and {@code argN} of a probe, once per attach point whose probe type
     * does not have it (bpftrace's order: the probes, each one's builtins in the order written).
     */
    public static void check(Program program, Diagnostics d) {
        for (Probe p : program.probes()) {
            List<Expr.Builtin> builtins = builtins(p);
            for (Expr.Builtin b : builtins) {
                for (AttachPoint ap : p.attachPoints()) {
                    String message = message(b.name(), ap.provider());
                    if (message != null) {
                        d.error(b.span(), message);
                    }
                }
            }
        }
    }

    /** The error of builtin {@code name} in a probe of {@code provider}, or null if it may be used there. */
    static String message(String name, String provider) {
        if (name.equals("retval") && !ProbeArgs.WITH_RETVAL.contains(provider)) {
            return "The retval builtin can only be used with 'kretprobe' and 'uretprobe' and 'fentry' probes"
                    + (provider.equals("tracepoint") ? " (try to use args.ret instead)" : "");
        }
        if (Builtins.isArg(name) && !ProbeArgs.WITH_ARGS.contains(provider)) {
            return "The " + name + " builtin can only be used with 'kprobes', 'uprobes' and 'usdt' probes";
        }
        return null;
    }

    /**
     * Current bpftrace's name of the probe type of a provider, as its messages print it: {@code special}
     * for begin, end and self, {@code fentry} and {@code fexit} for kfunc and kretfunc.
     */
    static String probeType(String provider) {
        return switch (provider) {
            case "BEGIN", "END", "begin", "end", "self" -> "special";
            case "kfunc" -> "fentry";
            case "kretfunc" -> "fexit";
            case "bench", "BENCH" -> "benchmark";
            default -> provider;
        };
    }

    /** The provider as bpftrace's messages quote an attach point's provider ({@code begin}, not BEGIN). */
    static String providerName(String provider) {
        return switch (provider) {
            case "BEGIN" -> "begin";
            case "END" -> "end";
            default -> provider;
        };
    }

    /** The builtins of a probe's predicate and body, in the order written. */
    private static List<Expr.Builtin> builtins(Probe p) {
        List<Expr.Builtin> found = new ArrayList<>();
        AstRewriter collect = new AstRewriter() {
            @Override
            public Expr builtin(Expr.Builtin b) {
                found.add(b);
                return b;
            }
        };
        p.predicate().ifPresent(collect::expr);
        collect.stmts(p.body());
        return found;
    }
}
