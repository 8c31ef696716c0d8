package org.bpf4j.trace.sema;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;

/**
 * Which values are of an enum type, so that current bpftrace's symbolization works: an enum value
 * printed with {@code %s} or by {@code print()} shows its enumerator's name (the number when the
 * value has none). A value is of enum type when it is an enumerator ({@code ONE}), a cast
 * ({@code (enum Foo)x}), or a variable or map last assigned one. For {@link SemanticAnalyser}.
 */
final class EnumSymbols {
    private final KernelTypes kernel;
    private final IdentityHashMap<Expr, String> ofExpr = new IdentityHashMap<>();
    private final Map<String, String> ofVar = new HashMap<>();
    private final Map<String, String> ofMap = new HashMap<>();

    EnumSymbols(KernelTypes kernel) {
        this.kernel = kernel;
    }

    /** The enum a cast names ({@code (enum Foo)}), or null. */
    static String castEnum(TypeName n) {
        return n.pointers() == 0 && n.arrayLength() < 0 && n.name().startsWith("enum ")
                ? n.name().substring("enum ".length()).strip() : null;
    }

    /** Notes that {@code e} is of enum {@code name} (nothing if null). */
    void note(Expr e, String name) {
        if (name != null) {
            ofExpr.put(e, name);
        }
    }

    /** Notes an enumerator's enum. */
    void enumerator(Expr e, String enumerator) {
        if (kernel.available()) {
            note(e, kernel.enumOf(enumerator));
        }
    }

    /** A variable now holds {@code value}. */
    void assignVar(String var, Expr value) {
        String n = ofExpr.get(value);
        if (n != null) {
            ofVar.put(var, n);
        } else {
            ofVar.remove(var);
        }
    }

    /** A map's value is now {@code value}. */
    void assignMap(String map, Expr value) {
        String n = ofExpr.get(value);
        if (n != null) {
            ofMap.put(map, n);
        }
    }

    /** A read of a variable. */
    void readVar(Expr.Var v) {
        note(v, ofVar.get(v.name()));
    }

    /** A read of a map. */
    void readMap(Expr.MapRef m) {
        note(m, ofMap.get(m.name()));
    }

    /** True if {@code e} is of an enum type. */
    boolean isEnum(Expr e) {
        return ofExpr.containsKey(e);
    }

    /** The enumerators of the enum {@code e} is of, by value, or null if it is not of an enum type. */
    Map<Long, String> table(Expr e) {
        String n = ofExpr.get(e);
        Map<Long, String> v = n == null || !kernel.available() ? null : kernel.enumValues(n);
        return v == null || v.isEmpty() ? null : v;
    }

    /** The enumerators of each expression of enum type, by value (for the code generator). */
    IdentityHashMap<Expr, Map<Long, String>> tables() {
        IdentityHashMap<Expr, Map<Long, String>> out = new IdentityHashMap<>();
        Map<String, Map<Long, String>> byName = new HashMap<>();
        for (Map.Entry<Expr, String> e : ofExpr.entrySet()) {
            Map<Long, String> t = byName.computeIfAbsent(e.getValue(), n -> {
                Map<Long, String> v = kernel.available() ? kernel.enumValues(n) : null;
                return v == null ? Map.of() : Map.copyOf(v);
            });
            out.put(e.getKey(), t);
        }
        return out;
    }
}
