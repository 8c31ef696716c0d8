package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
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
        Set<String> seen = new HashSet<>();
        // reported last, in the order of the maps' uses, as current bpftrace checks them at the uses
        List<Map.Entry<Span, String>> incompatible = new ArrayList<>();
        for (MapDecl d : program.maps()) {
            if (!seen.add(d.map())) {
                a.error(d.span(), "Map " + d.map() + " has already been declared");
                continue;
            }
            boolean percpu = d.kind().startsWith("percpu");
            if (!Set.of("hash", "lruhash", "percpuhash", "percpulruhash").contains(d.kind())) {
                a.error(d.span(), "Invalid bpf map type: " + d.kind()); // at the declaration, as bpftrace
                a.hint("Valid map types: hash, lruhash, percpuhash, percpulruhash");
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
                // as current bpftrace: at each use of the map
                String message = "Incompatible map types. Type from declaration: " + d.kind()
                        + ". Type from value/key type: " + (m.perCpu() ? "percpu" + base : base);
                TreeSet<Span> uses = new TreeSet<>(
                        Comparator.comparingInt(Span::begin)
                                .thenComparingInt(Span::end));
                for (Expr e : a.types.keySet()) {
                    if (e instanceof Expr.MapRef ref && ref.name().equals(d.map())) {
                        uses.add(new Span(ref.span().begin(), // the map's name, not its keys
                                Math.min(ref.span().end(), ref.span().begin() + ref.name().length())));
                    }
                }
                if (uses.isEmpty()) {
                    uses.add(d.span());
                }
                for (Span at : uses) {
                    incompatible.add(Map.entry(at, message));
                }
                continue;
            }
            maps.put(d.map(), new MapInfo(m.name(), m.keys(), m.value(), d.kind(), d.maxEntries()));
        }
        incompatible.sort(Map.Entry.comparingByKey(Comparator.comparingInt(Span::begin)));
        for (Map.Entry<Span, String> e : incompatible) {
            a.error(e.getKey(), e.getValue());
        }
    }
}
