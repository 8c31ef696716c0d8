package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.probe.AttachPoints;

/**
 * Current bpftrace's {@code config()} (the builtin {@code __builtin_config}): the settings of the
 * run as a record of constants, put in where it is written before the program is typed. The
 * record has the settings bpf4j acts on, with the values it uses ({@code max_strlen} is 64 by
 * default, as 0.17's): {@code max_strlen}, {@code max_map_keys}, {@code max_cat_bytes},
 * {@code print_maps_on_exit}, {@code show_debug_info}, {@code stack_mode} and
 * {@code missing_probes}.
 */
final class ConfigRecord {
    private ConfigRecord() {}

    /** The program with each {@code config} builtin replaced by the settings' record. */
    static Program apply(Program program, Settings settings, Map<String, String> env) {
        AttachPoints.MissingProbes missing = Settings.missingProbes(program.config(), env);
        AstRewriter r = new AstRewriter() {
            @Override
            public Expr builtin(Expr.Builtin b) {
                return b.name().equals("config") ? record(settings, missing, b.span()) : b;
            }
        };
        List<Probe> probes = new ArrayList<>();
        boolean any = false;
        for (Probe p : program.probes()) {
            Probe q = new Probe(p.attachPoints(), p.predicate().map(r::expr), r.stmts(p.body()), p.span());
            any |= !q.equals(p);
            probes.add(q);
        }
        return any ? program.withProbes(probes) : program;
    }

    private static Expr record(Settings s, AttachPoints.MissingProbes missing, Span span) {
        List<String> names = List.of("max_strlen", "max_map_keys", "max_cat_bytes", "print_maps_on_exit",
                "show_debug_info", "stack_mode", "missing_probes");
        List<Expr> values = List.of(new Expr.IntLit(s.strlen(), span),
                new Expr.IntLit(s.maxMapKeys() > 0 ? s.maxMapKeys() : MapInfo.DEFAULT_ENTRIES, span),
                new Expr.IntLit(s.maxCatBytes(), span), new Expr.BoolLit(s.printMapsOnExit(), span),
                new Expr.BoolLit(s.showDebugInfo(), span), new Expr.StrLit(s.stackMode(), span),
                new Expr.StrLit(missing.name().toLowerCase(java.util.Locale.ROOT), span));
        return new Expr.Tuple(values, names, span);
    }
}
