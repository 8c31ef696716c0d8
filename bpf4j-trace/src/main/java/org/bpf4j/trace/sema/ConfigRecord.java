package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.probe.AttachPoints;

/**
 * Current bpftrace's {@code config()} (the builtin {@code __builtin_config}): the settings of the
 * run as a record of constants, put in where it is written before the program is typed. The
 * record has current bpftrace's fields in its order: the settings bpf4j acts on with the values
 * it uses, the others ({@code cpp_demangle}, {@code log_size}, ...) as given or by current
 * bpftrace's defaults ({@link Settings#other}).
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
            Probe q = new Probe(p.attachPoints(), p.predicate().map(r::expr), r.stmts(p.body()), p.span(), p.predicateSpan());
            any |= !q.equals(p);
            probes.add(q);
        }
        return any ? program.withProbes(probes) : program;
    }

    private static Expr record(Settings s, AttachPoints.MissingProbes missing, Span span) {
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        BiConsumer<String, Expr> add = (n, v) -> {
            names.add(n);
            values.add(v);
        };
        // current bpftrace's fields, in its order: booleans, integers, strings
        add.accept("cpp_demangle", bool(s, "cpp_demangle", span));
        add.accept("lazy_symbolication", bool(s, "lazy_symbolication", span));
        add.accept("print_maps_on_exit", new Expr.BoolLit(s.printMapsOnExit(), span));
        add.accept("use_blazesym", bool(s, "use_blazesym", span));
        add.accept("show_debug_info", new Expr.BoolLit(s.showDebugInfo(), span));
        add.accept("log_size", integer(s, "log_size", span));
        add.accept("max_bpf_progs", integer(s, "max_bpf_progs", span));
        add.accept("max_cat_bytes", new Expr.IntLit(s.maxCatBytes(), span));
        add.accept("max_map_keys", new Expr.IntLit(s.maxMapKeys() > 0 ? s.maxMapKeys() : MapInfo.DEFAULT_ENTRIES, span));
        add.accept("max_probes", integer(s, "max_probes", span));
        add.accept("max_strlen", new Expr.IntLit(s.strlen(), span));
        add.accept("on_stack_limit", integer(s, "on_stack_limit", span));
        add.accept("perf_rb_pages", integer(s, "perf_rb_pages", span));
        add.accept("str_trunc_trailer", new Expr.StrLit(s.truncTrailer(), span));
        for (String u : List.of("unstable_import_statement", "unstable_tseries", "unstable_typeinfo",
                "unstable_dw_ustack")) {
            add.accept(u, new Expr.StrLit(s.other(u), span));
        }
        add.accept("missing_probes", new Expr.StrLit(missing.name().toLowerCase(Locale.ROOT), span));
        add.accept("stack_mode", new Expr.StrLit(s.stackMode(), span));
        add.accept("license", new Expr.StrLit(s.license(), span));
        return new Expr.Tuple(values, names, span);
    }

    private static Expr bool(Settings s, String key, Span span) {
        return new Expr.BoolLit(Boolean.parseBoolean(s.other(key)), span);
    }

    private static Expr integer(Settings s, String key, Span span) {
        return new Expr.IntLit(Long.parseUnsignedLong(s.other(key)), span);
    }
}
