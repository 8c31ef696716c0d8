package org.bpf4j.trace.sema;

import java.util.Map;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.MapDecl;
import org.bpf4j.trace.ast.Program;

/**
 * The top-level declarations of a program, applied after the probes are typed: the maps' sizes
 * ({@code max_map_keys} of the {@link Settings}) and the map declarations ({@code let @m = lruhash(N);}).
 */
final class Declarations {
    private Declarations() {
    }

    /** Applies the top-level map declarations ({@code let @m = lruhash(N);}) to the maps the probes use. */
    static void apply(SemanticAnalyser a, Program program, Map<String, MapInfo> maps, Diagnostics diags) {
        long maxMapKeys = a.settings().maxMapKeys();
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
            if (percpu != m.perCpu()) {
                // current bpftrace: a scalar map is a hash too (of one key), so only per-CPU-ness must agree
                String base = m.keys().isEmpty() ? "hash" : d.kind().replace("percpu", "");
                a.error(d.span(), "Incompatible map types. Type from declaration: " + d.kind()
                        + ". Type from value/key type: " + (m.perCpu() ? "percpu" + base : base));
                continue;
            }
            maps.put(d.map(), new MapInfo(m.name(), m.keys(), m.value(), d.kind(), d.maxEntries()));
        }
    }
}
