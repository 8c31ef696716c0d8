package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;

/**
 * The types of maps: their keys (a tuple key standing for several keys and the reverse, as
 * current bpftrace allows), their values as assignments widen them, and how a value reads in an
 * expression. Part of {@link SemanticAnalyser}, whose map table it fills.
 */
final class MapTyping {
    private final SemanticAnalyser a;

    MapTyping(SemanticAnalyser a) {
        this.a = a;
    }

    void declare(Expr.MapRef ref, List<Type> keys, Type value, Span span) {
        MapInfo old = a.maps.get(ref.name());
        if (old == null) {
            a.maps.put(ref.name(), new MapInfo(ref.name(), keys, value));
            a.changed();
            return;
        }
        Type v = old.value();
        if (value instanceof Type.Agg na && old.value() instanceof Type.Agg oa) {
            if (na.kind() != oa.kind()) {
                a.error(span, "Type mismatch for " + ref.name() + ": trying to assign value of type '" + na.display()
                        + "' when map already contains a value of type '" + oa.display() + "'");
            } else if (AggregationTypes.parametersDiffer(oa, na) != null) {
                a.error(span, AggregationTypes.parametersDiffer(oa, na));
            }
        } else {
            Type u = SemanticAnalyser.unify(old.value(), value);
            if (u == null) {
                a.error(span, "Type mismatch for " + ref.name() + ": trying to assign value of type '" + value.display()
                        + "' when map already contains a value of type '" + old.value().display() + "'");
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
            // (each key is stored as the tuple's element: an integer with the element's size)
            Type.Tuple t = (Type.Tuple) old.getFirst();
            for (int i = 0; i < keys.size(); i++) {
                if (!fits(keys.get(i), t.elements().get(i))) {
                    a.error(ref.span(), "Argument mismatch for " + ref.name() + ": trying to access with arguments: "
                            + keyList(keys) + " when map expects arguments: " + keyList(old));
                    return old;
                }
            }
            return old;
        }
        if (tupleForKeys(old, keys)) {
            // as current bpftrace: @m[$t] with $t = (a, b) is @m[a, b] (upstream opensnoop)
            Type.Tuple t = (Type.Tuple) keys.getFirst();
            for (int i = 0; i < old.size(); i++) {
                if (!fits(t.elements().get(i), old.get(i))) {
                    a.error(ref.span(), "Argument mismatch for " + ref.name() + ": trying to access with arguments: "
                            + keyList(keys) + " when map expects arguments: " + keyList(old));
                    return old;
                }
            }
            return old;
        }
        if (old.size() != keys.size()) {
            a.error(ref.span(), "Argument mismatch for " + ref.name() + ": trying to access with arguments: "
                    + keyList(keys) + " when map expects arguments: " + keyList(old));
            return old;
        }
        List<Type> out = new ArrayList<>();
        for (int i = 0; i < old.size(); i++) {
            Type u = SemanticAnalyser.unify(old.get(i), keys.get(i));
            if (u == null) {
                a.error(ref.span(), "Argument mismatch for " + ref.name() + ": trying to access with arguments: "
                        + keyList(keys) + " when map expects arguments: " + keyList(old));
                return old;
            }
            out.add(u);
        }
        return out;
    }

    /**
     * Whether a key of type {@code value} can be stored where the map holds {@code slot}: any
     * integer in an integer (each takes 8 bytes), a string in one at least as long, tuples element
     * by element ({@code ((int8) -4, ((int16) -5, -6))} in a map keyed by {@code (int64, (int64, int64))}).
     */
    static boolean fits(Type value, Type slot) {
        if (value instanceof Type.Tuple v && slot instanceof Type.Tuple s) {
            if (v.elements().size() != s.elements().size()) {
                return false;
            }
            for (int i = 0; i < v.elements().size(); i++) {
                if (!fits(v.elements().get(i), s.elements().get(i))) {
                    return false;
                }
            }
            return true;
        }
        return value instanceof Type.Int && slot instanceof Type.Int
                || value instanceof Type.Str v && slot instanceof Type.Str s && v.size() <= s.size()
                || value.equals(slot);
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

    private static String keyList(List<Type> keys) {
        return "[" + String.join(", ", keys.stream().map(Type::display).toList()) + "]";
    }

    /** The key element types of a map reference; integers are stored as 64 bits. */
    List<Type> keys(Expr.MapRef ref) {
        List<Type> keys = new ArrayList<>();
        for (Expr k : ref.keys()) {
            Type t = a.type(k);
            switch (t) {
                case Type.Int i -> keys.add(i.widened());
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
        List<Type> keys = keys(ref);
        MapInfo m = a.maps.get(ref.name());
        if (m == null) {
            a.error(ref.span(), "Undefined map: " + ref.name());
            return Type.NONE;
        }
        unifyKeys(ref, m.keys(), keys);
        a.types.put(ref, m.value());
        Type t = readType(m.value());
        if (t == null) {
            a.error(ref.span(), "Can not read " + m.value().display() + " map " + ref.name() + " in an expression");
            return Type.NONE;
        }
        return t;
    }
}
