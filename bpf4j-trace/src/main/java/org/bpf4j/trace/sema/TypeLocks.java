package org.bpf4j.trace.sema;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;

/**
 * Current bpftrace's locked types: once a {@code typeinfo(EXPR)} of a variable or a map has been
 * resolved (and a compile-time condition may have chosen a branch by it), an assignment the
 * later rounds type may not change that type: {@code if comptime (typeinfo($c).full_type ==
 * "uint32") { $c = (uint64)2; } $c = (uint32)1;} is an error, {@code $c = (uint16)2} there is not
 * (it fits). Kept across the type checker's rounds ({@link SemanticAnalyser}).
 */
final class TypeLocks {
    private final Map<String, Type> locked = new HashMap<>();

    /** The lock of {@code typeinfo($v)} in probe {@code probe}. */
    static String variable(int probe, String name) {
        return probe + name;
    }

    /** The lock of {@code typeinfo(@m)} of a scalar map, or of {@code typeinfo(@m[k])}: the value. */
    static String mapValue(String name) {
        return name;
    }

    /** The lock of {@code typeinfo(@m)} of a map with keys: its key. */
    static String mapKey(String name) {
        return name + "[]";
    }

    void lock(String key, Type t) {
        if (key != null) {
            locked.putIfAbsent(key, t);
        }
    }

    /**
     * Reports an assignment of a {@code t} to what {@code key} names, if that is locked to a type
     * that {@code t} does not fit in (the type the two promote to is not the locked one).
     */
    void check(SemanticAnalyser a, String key, String what, Type t, Span span) {
        Type lock = locked.get(key);
        if (lock == null || t instanceof Type.None || fits(lock, t)) {
            return;
        }
        a.error(span, "Type mismatch for " + what + ": this type has been locked because it was used in another part of "
                + "the type graph that was already resolved (e.g. `sizeof`, `typeinfo`, etc.). The new type '"
                + t.display() + "' doesn't fit into the locked type '" + lock.display() + "'");
    }

    /** {@link #check} of the keys of a map assignment. */
    void checkKeys(SemanticAnalyser a, Expr.MapRef m, List<Type> keys) {
        if (!keys.isEmpty()) {
            check(a, mapKey(m.name()), m.name(), keys.size() == 1 ? keys.getFirst() : new Type.Tuple(keys), m.span());
        }
    }

    private static boolean fits(Type lock, Type t) {
        if (lock instanceof Type.Int l && t instanceof Type.Int n) {
            if (l.isPointer() || n.isPointer()) {
                return l.isPointer() == n.isPointer();
            }
            Type.Int p = IntTypes.promote(l, n);
            return p.bits() == l.bits() && p.signed() == l.signed();
        }
        if (lock instanceof Type.Tuple l && t instanceof Type.Tuple n) {
            if (l.elements().size() != n.elements().size() || !l.names().equals(n.names())) {
                return false;
            }
            for (int k = 0; k < l.elements().size(); k++) {
                if (!fits(l.elements().get(k), n.elements().get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (lock instanceof Type.Str l && t instanceof Type.Str n) {
            return n.size() <= l.size();
        }
        return lock.getClass() == t.getClass();
    }
}
