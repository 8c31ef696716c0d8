package org.bpf4j.trace.sema;

import java.util.Map;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.ConfigEntry;
import org.bpf4j.trace.ast.MapDecl;
import org.bpf4j.trace.ast.Program;

/**
 * The top-level declarations of a program, checked after the probes are typed: the
 * {@code config = { ... }} block and the map declarations ({@code let @m = lruhash(N);}).
 */
final class Declarations {
    private Declarations() {
    }

    /** The config variables current bpftrace documents (short form). */
    private static final Set<String> CONFIG_KEYS = Set.of("cache_user_symbols", "cpp_demangle",
            "lazy_symbolication", "license", "log_size", "max_bpf_progs", "max_cat_bytes", "max_map_keys",
            "max_probes", "max_strlen", "max_type_res_iterations", "missing_probes", "on_stack_limit",
            "perf_rb_pages", "print_maps_on_exit", "show_debug_info", "stack_mode", "str_trunc_trailer",
            "symbol_source", "unstable_import", "unstable_macro", "unstable_map_decl", "unstable_tseries",
            "unstable_addr", "unstable_typeinfo");

    /** Applies the top-level map declarations ({@code let @m = lruhash(N);}) to the maps the probes use. */
    static void apply(SemanticAnalyser a, Program program, Map<String, MapInfo> maps, Diagnostics diags) {
        long maxMapKeys = 0;
        for (ConfigEntry c : program.config()) {
            String k = c.name();
            if (k.equals("max_map_keys")) {
                if (!c.integer() || Long.parseLong(c.value()) <= 0) {
                    a.error(c.span(), "Invalid value for max_map_keys: expected a positive integer");
                } else {
                    maxMapKeys = Long.parseLong(c.value());
                }
            } else if (!CONFIG_KEYS.contains(k)) {
                a.error(c.span(), "Unrecognized config variable: " + c.key());
            } else {
                diags.warning(c.span(), "bpf4j ignores the config variable " + c.key());
            }
        }
        if (maxMapKeys > 0) {
            for (Map.Entry<String, MapInfo> e : maps.entrySet()) {
                MapInfo m = e.getValue();
                e.setValue(new MapInfo(m.name(), m.keys(), m.value(), m.kind(), maxMapKeys));
            }
        }
        Set<String> seen = new java.util.HashSet<>();
        for (MapDecl d : program.maps()) {
            if (!seen.add(d.map())) {
                a.error(d.span(), "Map " + d.map() + " has already been declared");
                continue;
            }
            boolean percpu = d.kind().startsWith("percpu");
            if (!Set.of("hash", "lruhash", "percpuhash", "percpulruhash").contains(d.kind())) {
                a.error(d.kindSpan(), "Invalid bpf map type: " + d.kind());
                continue;
            }
            if (d.maxEntries() <= 0 || d.maxEntries() > Integer.MAX_VALUE) {
                a.error(d.kindSpan(), "Invalid map size: " + d.maxEntries());
                continue;
            }
            MapInfo m = maps.get(d.map());
            if (m == null) {
                diags.warning(d.span(), "Unused map: " + d.map());
                continue;
            }
            if (m.keys().isEmpty()) {
                // current bpftrace keeps a scalar map in a one-entry array: a hash declaration does not fit it
                a.error(d.span(), "Incompatible map types. Type from declaration: " + d.kind()
                        + ". Type from value/key type: " + (m.perCpu() ? "percpuarray" : "array"));
                continue;
            }
            if (percpu != m.perCpu()) {
                String base = d.kind().replace("percpu", "");
                a.error(d.span(), "Incompatible map types. Type from declaration: " + d.kind()
                        + ". Type from value/key type: " + (m.perCpu() ? "percpu" + base : base));
                continue;
            }
            maps.put(d.map(), new MapInfo(m.name(), m.keys(), m.value(), d.kind(), d.maxEntries()));
        }
    }
}
