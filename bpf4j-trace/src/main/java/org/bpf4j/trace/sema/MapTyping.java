package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;

/**
 * The types of maps: their keys (a tuple key standing for several keys and the reverse, as
 * current bpftrace allows), their values as assignments widen them, and how a value reads in an
 * expression. Part of {@link SemanticAnalyser}, whose map table it fills.
 */
final class MapTyping {
    private final SemanticAnalyser a;

    /** The maps whose empty tuple key or value was reported (once each). */
    private final Set<String> emptyReported = new HashSet<>();

    MapTyping(SemanticAnalyser a) {
        this.a = a;
    }

    private static boolean empty(Type t) {
        return t instanceof Type.Tuple tu && tu.elements().isEmpty();
    }

    /**
     * Records an assignment of {@code value} to {@code @m[keys]}; a mismatch is reported at
     * {@code span} with the value's type as {@code shown} and the map's as current bpftrace shows
     * them (integers as assigned, not widened: {@code int8} for {@code @x = 0}).
     */
    void declare(Expr.MapRef ref, List<Type> keys, Type value, Span span, Type shown) {
        if (a.finalPass() && !emptyReported.contains(ref.name())) {
            // the kernel creates no map of 0-byte keys or values: current bpftrace compiles
            // @a = () and fails to load ("Unknown BPF object load failure"), with no place
            String what = empty(value) ? "value" : keys.stream().anyMatch(MapTyping::empty) ? "key" : null;
            if (what != null) {
                a.error(span, "Map " + what + " of " + ref.name() + " is an empty tuple, which no map can hold "
                        + "(the kernel refuses " + what + "s of 0 bytes)");
                emptyReported.add(ref.name());
            }
        }
        MapInfo old = a.maps.get(ref.name());
        if (old == null) {
            a.maps.put(ref.name(), new MapInfo(ref.name(), keys, value));
            a.changed();
            return;
        }
        Type v = old.value();
        if (value instanceof Type.Agg na && old.value() instanceof Type.Agg oa) {
            if (na.kind() != oa.kind()) {
                a.error(span, "Type mismatch for " + ref.name() + ": trying to assign value of type '" + shown.display()
                        + "' when map already has a type '" + oa.display() + "'");
            } else if (AggregationTypes.parametersDiffer(oa, na) != null) {
                a.error(span, AggregationTypes.parametersDiffer(oa, na));
            } else if (na.signed() && !oa.signed()) {
                // as current bpftrace: calls with signed and unsigned values make a signed aggregation
                v = new Type.Agg(oa.kind(), true, oa.lhistMin(), oa.lhistMax(), oa.lhistStep(), oa.bits(), oa.series());
            }
        } else {
            Type u = SemanticAnalyser.unify(old.value(), value);
            if (u == null) {
                a.error(span, "Type mismatch for " + ref.name() + ": trying to assign value of type '" + shown.display()
                        + "' when map already has a type '" + old.value().display() + "'");
            } else {
                v = u;
            }
        }
        List<Type> k = unifyKeys(ref, old.keys(), keys);
        MapInfo next = new MapInfo(ref.name(), k, v);
        if (!next.equals(old)) {
            a.maps.put(ref.name(), next);
            a.changed();
        }
    }

    private List<Type> unifyKeys(Expr.MapRef ref, List<Type> old, List<Type> keys) {
        if (tupleKeyed(old, keys.size())) {
            // as current bpftrace: @m[a, b] is @m[(a, b)] on a map keyed by a tuple
            // (each key is stored as the tuple's element, whose type grows to hold it)
            Type u = SemanticAnalyser.unify(old.getFirst(), new Type.Tuple(keys));
            if (u == null) {
                mismatch(ref, keys, old);
                return old;
            }
            return List.of(u);
        }
        if (tupleForKeys(old, keys)) {
            // as current bpftrace: @m[$t] with $t = (a, b) is @m[a, b] (upstream opensnoop)
            Type u = SemanticAnalyser.unify(new Type.Tuple(old), keys.getFirst());
            if (u == null) {
                mismatch(ref, keys, old);
                return old;
            }
            return ((Type.Tuple) u).elements();
        }
        if (old.size() != keys.size()) {
            mismatch(ref, keys, old);
            return old;
        }
        List<Type> out = new ArrayList<>();
        for (int i = 0; i < old.size(); i++) {
            Type u = SemanticAnalyser.unify(old.get(i), keys.get(i));
            if (u == null) {
                mismatch(ref, keys, old);
                return old;
            }
            out.add(u);
        }
        return out;
    }

    /** Current bpftrace's error for keys of other types than the map's: several keys are shown as a tuple. */
    private void mismatch(Expr.MapRef ref, List<Type> keys, List<Type> old) {
        if (keys.isEmpty() != old.isEmpty()) {
            // current bpftrace's words for a scalar map used with a key and the reverse
            a.error(ref.span(), keys.isEmpty()
                    ? ref.name() + " used as a map without an explicit key (scalar map), previously used with an "
                            + "explicit key (non-scalar map)"
                    : ref.name() + " used as a map with an explicit key (non-scalar map), previously used without an "
                            + "explicit key (scalar map)");
            return;
        }
        a.error(ref.span(), "Argument mismatch for " + ref.name() + ": trying to access with arguments: '"
                + keyType(keys) + "' when map expects arguments: '" + keyType(old) + "'");
    }

    /**
     * Checks the keys of {@code @m[keys]} (read, {@code has_key}, {@code delete}) against the map's
     * and records the key types they grow to (a wider integer).
     */
    void access(Expr.MapRef ref, MapInfo m, List<Type> keys) {
        List<Type> k = unifyKeys(ref, m.keys(), keys);
        if (!k.equals(m.keys())) {
            a.maps.put(ref.name(), new MapInfo(m.name(), k, m.value(), m.kind(), m.maxEntries()));
            a.changed();
        }
    }

    /**
     * True if a map whose keys are {@code mapKeys} is keyed by one tuple of {@code n} elements,
     * {@code n > 1}: then {@code n} keys are that tuple's elements.
     */
    static boolean tupleKeyed(List<Type> mapKeys, int n) {
        return n > 1 && mapKeys.size() == 1 && mapKeys.getFirst() instanceof Type.Tuple t && t.elements().size() == n;
    }

    /** True if {@code keys} is one tuple whose elements stand for the several keys {@code mapKeys} of a map. */
    static boolean tupleForKeys(List<Type> mapKeys, List<Type> keys) {
        return mapKeys.size() > 1 && keys.size() == 1 && keys.getFirst() instanceof Type.Tuple t
                && t.elements().size() == mapKeys.size();
    }

    private static String keyType(List<Type> keys) {
        return keys.size() == 1 ? keys.getFirst().display() : new Type.Tuple(keys).display();
    }

    /** The key element types of a map reference (each stored in a multiple of 8 bytes). */
    List<Type> keys(Expr.MapRef ref) {
        List<Type> keys = new ArrayList<>();
        for (Expr k : ref.keys()) {
            if (k instanceof Expr.MapRef km && a.maps.get(km.name()) != null
                    && a.maps.get(km.name()).value() instanceof Type.Agg agg && readType(agg) == null) {
                // current bpftrace: a hist, lhist, tseries or stats map has no value to use as a key
                a.error(ref.span(), "Value '" + agg.display() + "' cannot be used as a map key.");
                keys.add(Type.INT64);
                continue;
            }
            Type t = a.type(k);
            switch (t) {
                case Type.Int i -> keys.add(i); // stored in 8 bytes; its type as current bpftrace's (int8 for 1)
                case Type.Str s -> keys.add(s);
                case Type.ProbeName p -> keys.add(p);
                case Type.Ksym x -> keys.add(x);
                case Type.Usym x -> keys.add(x);
                case Type.Deferred x -> keys.add(x);
                case Type.Inet x -> keys.add(x);
                case Type.Stack x -> keys.add(x);
                case Type.Buf x -> keys.add(x);
                case Type.Timestamp x -> keys.add(x);
                case Type.Record x -> keys.add(x);
                case Type.Array x -> keys.add(x);
                case Type.MacAddr x -> keys.add(x);
                case Type.Tuple tu -> keys.add(tu); // current bpftrace: a tuple is one key (0.17 refused it)
                default -> {
                    if (!(t instanceof Type.None && k instanceof Expr.Field)) { // a field's own error was reported
                        a.error(k.span(), t.display() + " cannot be used as a map key");
                    }
                    keys.add(Type.INT64);
                }
            }
        }
        return keys;
    }

    /** The type a map value reads as in an expression, or null if it cannot be read. */
    static Type readType(Type stored) {
        return switch (stored) {
            case Type.Agg a -> switch (a.kind()) {
                case COUNT -> Type.UINT64;
                case SUM, MIN, MAX, AVG -> new Type.Int(64, a.signed());
                case STATS, HIST, LHIST, TSERIES -> null;
            };
            default -> stored;
        };
    }

    /** Types a map used as a value: known map, matching keys. */
    Type read(Expr.MapRef ref) {
        return read(ref, false);
    }

    /**
     * Types a map used as a value; with {@code aggregates}, a map of values no expression reads
     * (hist, lhist, tseries, stats) is its aggregation's type instead of an error, for the
     * expression that uses it to report as current bpftrace does.
     */
    Type read(Expr.MapRef ref, boolean aggregates) {
        List<Type> keys = keys(ref);
        MapInfo m = a.maps.get(ref.name());
        if (m == null && a.finalPass() && keys.stream().noneMatch(k -> k instanceof Type.None)) {
            // current bpftrace: a map read but assigned nowhere holds int8 values (as if set to 0
            // first), so each read finds nothing and gives 0
            a.declareMap(ref, keys, new Type.Int(8, true), ref.span());
            m = a.maps.get(ref.name());
        }
        if (m == null) {
            a.error(ref.span(), "Undefined map: " + ref.name());
            return Type.NONE;
        }
        access(ref, m, keys);
        a.literalKeys(ref);
        a.types.put(ref, m.value());
        Type t = readType(m.value());
        if (t == null && aggregates) {
            return m.value();
        }
        if (t == null) {
            a.error(ref.span(), "Can not read " + m.value().display() + " map " + ref.name() + " in an expression");
            return Type.NONE;
        }
        return t;
    }
}
