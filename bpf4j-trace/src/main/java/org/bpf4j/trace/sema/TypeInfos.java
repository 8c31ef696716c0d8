package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.TypeName;

/**
 * Current bpftrace's {@code typeinfo(EXPR)} (unstable there): a record of constants describing the
 * type of {@code EXPR}, which is typed but never run: {@code (btf_id = 0, base_type = "int",
 * full_type = "uint64")}. The type checker notes each call's operand type; once the types settle,
 * each call is replaced by its record and the program is typed again.
 */
final class TypeInfos {
    private TypeInfos() {}

    /** The program with each noted {@code typeinfo} call replaced by its record. */
    static Program apply(Program program, IdentityHashMap<Expr.Call, Type> noted) {
        AstRewriter r = new AstRewriter() {
            @Override
            public Expr call(Expr.Call c) {
                Type t = noted.get(c);
                return t == null ? super.call(c) : record(t, c);
            }
        };
        List<Probe> probes = new ArrayList<>();
        for (Probe p : program.probes()) {
            probes.add(new Probe(p.attachPoints(), p.predicate().map(r::expr), r.stmts(p.body()), p.span(), p.predicateSpan()));
        }
        List<Subprog> subprogs = new ArrayList<>();
        for (Subprog fn : program.subprogs()) {
            subprogs.add(fn.withBody(r.stmts(fn.body())));
        }
        return program.withProbes(probes).withSubprogs(subprogs);
    }

    private static Expr record(Type t, Expr.Call c) {
        return new Expr.Tuple(List.of(new Expr.Cast(new TypeName("uint64", 0, -1, null),
                new Expr.IntLit(0, c.span()), c.span()), new Expr.StrLit(baseType(t), c.span()),
                new Expr.StrLit(t.display(), c.span())), List.of("btf_id", "base_type", "full_type"), c.span());
    }

    /** Current bpftrace's name of a type's kind ({@code typestr(Type)}). */
    static String baseType(Type t) {
        return switch (t) {
            case Type.Int i when i.pointee() != null -> "pointer";
            case Type.Int i when i.bool() -> "bool";
            case Type.Int i -> "int";
            case Type.Str s -> "string";
            case Type.Tuple u -> u.names().isEmpty() ? "tuple" : "record";
            case Type.Array a -> "array";
            case Type.Buf b -> "buffer";
            case Type.Record r -> "c_type";
            case Type.StructRef r -> "c_type";
            case Type.MacAddr m -> "mac_address";
            case Type.Inet n -> "inet";
            case Type.Timestamp x -> "timestamp";
            case Type.Ksym k -> "ksym_t";
            case Type.Usym u -> "usym_t";
            case Type.Stack s -> s.user() ? "ustack" : "kstack";
            case Type.Agg a -> a.kind().name().toLowerCase(Locale.ROOT) + "_t";
            default -> "none";
        };
    }
}
