package org.bpf4j.trace.sema;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

/**
 * The type rules of the script's functions ({@code fn f($a: int64): int64 { ... }}), for
 * {@link SemanticAnalyser}. A function's body is checked once, as a probe without attach points
 * (its own variables: the parameters, assigned, then those of the body), with current bpftrace's
 * rules: each return's value must fit the result type ({@code Function f is of type void, cannot
 * return int8}), a function with a result must return on every path (loops never count), and the
 * builtins that need a probe are refused ({@code Builtin __builtin_func not supported outside probe}).
 *
 * <p>Current bpftrace defines functions but cannot call them (its calls are builtins or functions of
 * imported BPF C). bpf4j also calls them, from probes and other functions, as an extension: the
 * arguments must fit the parameters (current bpftrace's registry rule: integers that fit, any
 * string into a string), recursion is refused (the code generator inlines each call).
 */
final class Subprogs {
    /** A function's parameter types, in order, and its result type ({@link Type#NONE} for {@code void}). */
    record Signature(List<Type> params, Type result) {}

    private final SemanticAnalyser a;
    /** Each function's body seen as a probe without attach points (the key of its variables). */
    private final IdentityHashMap<Subprog, Probe> scopes = new IdentityHashMap<>();
    private final IdentityHashMap<Subprog, Signature> signatures = new IdentityHashMap<>();
    /** The function being checked, null in a probe. */
    private Subprog current;

    Subprogs(SemanticAnalyser a) {
        this.a = a;
    }

    /** The probe without attach points that stands for a function's body (its variables' owner). */
    Probe scope(Subprog f) {
        return scopes.computeIfAbsent(f, k -> new Probe(List.of(), Optional.empty(), k.body(), k.span()));
    }

    /** Each function's scope, for {@link TypedProgram}. */
    IdentityHashMap<Subprog, Probe> scopes() {
        return scopes;
    }

    /** The function being checked, or null in a probe. */
    Subprog current() {
        return current;
    }

    /** Whether a function is being checked (not a probe). */
    boolean inFunction() {
        return current != null;
    }

    /**
     * Checks every function of the program: names given once, no recursion, signatures, bodies.
     * {@code enter} makes a function's scope the analyser's current probe and returns it.
     */
    void check(List<Subprog> functions, Function<Probe, Statements> enter) {
        Set<String> seen = new HashSet<>();
        for (Subprog f : functions) {
            if (!seen.add(f.name())) {
                a.error(f.head(), "Function '" + f.name() + "' is already defined");
            }
        }
        for (Subprog f : functions) {
            current = f;
            Statements st = enter.apply(scope(f));
            signatures.put(f, signature(f, st));
        }
        for (Subprog f : functions) {
            current = f;
            Statements st = enter.apply(scope(f));
            Signature sig = signatures.get(f);
            for (int i = 0; i < f.params().size(); i++) {
                if (!(sig.params().get(i) instanceof Type.None)) {
                    st.setVar(f.params().get(i).var(), sig.params().get(i), f.params().get(i).span());
                }
            }
            st.block(f.body());
            if (!f.isVoid() && !returns(f.body())) {
                // current bpftrace adds `return;` where a path ends, which the result type refuses
                a.error(f.span(), "Function " + f.name() + " is of type " + display(sig.result())
                        + ", cannot return void");
            }
            st.endProbe();
        }
        current = null;
        recursion(functions);
    }

    /** The types of a function's parameters and result, resolved in its scope (typeof($b) may name a later one). */
    private Signature signature(Subprog f, Statements st) {
        List<Type> params = new ArrayList<>();
        for (int i = 0; i < f.params().size(); i++) {
            params.add(null);
        }
        Set<String> known = new HashSet<>();
        // a parameter typed by another's type (typeof($b)) waits for it; what is left is a cycle
        for (boolean progress = true; progress; ) {
            progress = false;
            for (int i = 0; i < f.params().size(); i++) {
                Subprog.Param p = f.params().get(i);
                if (params.get(i) != null || !known.containsAll(variables(p.type()))) {
                    continue;
                }
                Type t = typeOf(p.type(), p.span());
                params.set(i, t);
                known.add(p.var().name());
                if (!(t instanceof Type.None)) {
                    st.setVar(p.var(), t, p.span());
                }
                progress = true;
            }
        }
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) {
                a.error(f.params().get(i).span(), "Unable to resolve argument type.");
                params.set(i, Type.NONE);
            }
        }
        Type result = f.isVoid() ? Type.NONE : typeOf(f.result(), f.head());
        return new Signature(params, result);
    }

    private Type typeOf(TypeName t, Span span) {
        Type type = a.typeOfName(t, span);
        return type instanceof Type.Int i && i.literal() ? i.widened() : type;
    }

    /** The variables a {@code typeof(...)} reads. */
    private static Set<String> variables(TypeName t) {
        Set<String> out = new HashSet<>();
        if (t.typeOf() != null) {
            collect(t.typeOf(), out);
        }
        return out;
    }

    private static void collect(Expr e, Set<String> out) {
        new AstRewriter() {
            @Override
            public Expr.Var var(Expr.Var v) {
                out.add(v.name());
                return v;
            }
        }.expr(e);
    }

    /**
     * Whether a block returns on every path, as current bpftrace decides it: a {@code return}, or an
     * if/else both of whose branches return; loops never count.
     */
    static boolean returns(List<Stmt> body) {
        for (Stmt s : body) {
            if (s instanceof Stmt.Jump j && j.kind() == Stmt.JumpKind.RETURN) {
                return true;
            }
            if (s instanceof Stmt.If i && returns(i.then()) && !i.otherwise().isEmpty() && returns(i.otherwise())) {
                return true;
            }
        }
        return false;
    }

    /** {@code return [value];} in the current function: the value must fit the result type. */
    void checkReturn(Stmt.Jump j) {
        Subprog f = current;
        Type result = signatures.get(f).result();
        if (j.value().isEmpty()) {
            if (!f.isVoid()) {
                a.error(j.span(), "Function " + f.name() + " is of type " + display(result) + ", cannot return void");
            }
            return;
        }
        Type t = a.type(j.value().get());
        if (t instanceof Type.None || result instanceof Type.None && !f.isVoid()) {
            return; // reported where it arose
        }
        if (f.isVoid() || !fits(j.value().get(), t, result)) {
            a.error(j.span(), "Function " + f.name() + " is of type " + display(result) + ", cannot return "
                    + t.display());
        }
    }

    /** A parameter's or result's type as current bpftrace names it ({@code string}: no size is given). */
    private static String display(Type t) {
        return t instanceof Type.None ? "void" : t instanceof Type.Str ? "string" : t.display();
    }

    /** As {@link #fits(Type, Type)}; an integer literal fits an integer type that holds its value. */
    private static boolean fits(Expr e, Type from, Type to) {
        Long v = e instanceof Expr.IntLit l && !l.unsigned() ? Long.valueOf(l.value())
                : e instanceof Expr.Unary u && u.op() == UnOp.NEG && u.operand() instanceof Expr.IntLit l
                        && !l.unsigned() ? Long.valueOf(-l.value()) : null;
        if (v != null && to instanceof Type.Int t && !t.isPointer() && !t.bool() && t.bits() < 64) {
            long min = t.signed() ? -(1L << (t.bits() - 1)) : 0;
            long max = t.signed() ? (1L << (t.bits() - 1)) - 1 : (1L << t.bits()) - 1;
            return v >= min && v <= max;
        }
        return fits(from, to);
    }

    /**
     * Whether a value of type {@code from} may be passed as or returned as a {@code to} (current
     * bpftrace's implicit casts: integers that fit, of the same sign or into a wider signed type, a
     * literal of either sign; any string into a string; tuples element by element).
     */
    static boolean fits(Type from, Type to) {
        if (from instanceof Type.Int f && to instanceof Type.Int t) {
            if (f.isPointer() || t.isPointer()) {
                return f.isPointer() && t.isPointer() || f.literal() && t.isPointer();
            }
            if (f.bool() || t.bool()) {
                return f.bool() && t.bool();
            }
            if (f.signed() == t.signed() || f.literal()) {
                return f.bits() <= t.bits();
            }
            return !f.signed() && f.bits() < t.bits();
        }
        if (from instanceof Type.Str && to instanceof Type.Str) {
            return true;
        }
        if (from instanceof Type.Tuple f && to instanceof Type.Tuple t) {
            if (f.elements().size() != t.elements().size() || !f.names().equals(t.names())) {
                return false;
            }
            for (int i = 0; i < f.elements().size(); i++) {
                if (!fits(f.elements().get(i), t.elements().get(i))) {
                    return false;
                }
            }
            return true;
        }
        return from.equals(to);
    }

    /** The type of a call of a script function: its arguments must fit its parameters. */
    Type call(Expr.Call c, Subprog f) {
        List<Type> args = new ArrayList<>();
        for (Expr arg : c.args()) {
            args.add(a.type(arg));
        }
        Signature sig = signatures.get(f);
        if (sig == null) {
            return Type.NONE; // its signature had an error
        }
        if (args.stream().anyMatch(t -> t instanceof Type.None)) {
            return sig.result();
        }
        boolean valid = args.size() == sig.params().size();
        for (int i = 0; valid && i < args.size(); i++) {
            valid = fits(c.args().get(i), args.get(i), sig.params().get(i));
        }
        if (!valid) {
            // the words of current bpftrace's function registry
            a.error(c.span(), "Cannot call function '" + f.name() + "' using argument types: ("
                    + String.join(", ", args.stream().map(Type::display).toList()) + ")");
            a.hint("Candidate function:\n  " + f.name() + "("
                    + String.join(", ", sig.params().stream().map(Subprogs::display).toList()) + ")");
        }
        return sig.result();
    }

    /** Refuses calls that come back to a function (the code generator inlines every call). */
    private void recursion(List<Subprog> functions) {
        Set<String> reported = new HashSet<>();
        for (Subprog f : functions) {
            Deque<String> path = new ArrayDeque<>();
            path.add(f.name());
            Expr.Call back = reported.contains(f.name()) ? null : cycle(f, f.name(), functions, path, new HashSet<>());
            if (back != null) {
                reported.addAll(path); // one error for each cycle
                a.error(back.span(), "Function " + f.name() + " calls itself (" + String.join(" -> ", path)
                        + "): recursion is not supported by bpf4j trace");
            }
        }
    }

    private Expr.Call cycle(Subprog f, String start, List<Subprog> functions, Deque<String> path, Set<String> done) {
        if (!done.add(f.name())) {
            return null;
        }
        for (Expr.Call c : calls(f.body())) {
            Subprog g = functions.stream().filter(x -> x.name().equals(c.name())).findFirst().orElse(null);
            if (g == null) {
                continue;
            }
            path.addLast(g.name());
            if (g.name().equals(start)) {
                return c;
            }
            Expr.Call back = cycle(g, start, functions, path, done);
            if (back != null) {
                return back;
            }
            path.removeLast();
        }
        return null;
    }

    /** The calls in statements, in the order written. */
    static List<Expr.Call> calls(List<Stmt> body) {
        List<Expr.Call> out = new ArrayList<>();
        new AstRewriter() {
            @Override
            public Expr call(Expr.Call c) {
                out.add(c);
                return super.call(c);
            }
        }.stmts(body);
        return out;
    }

    /**
     * A builtin that needs the probe it runs in, used in a function: refused in current bpftrace's
     * words. Returns whether it was refused.
     */
    boolean refuseBuiltin(Expr.Builtin b) {
        if (current == null) {
            return false;
        }
        String n = b.name();
        String message = switch (n) {
            case "func", "retval" -> "Builtin __builtin_" + n + " not supported outside probe";
            case "args", "ctx" -> "Builtin " + n + " not supported outside probe";
            case "probe", "probetype" -> "__builtin_" + n + " can only be used inside of a probe.";
            default -> Builtins.isArg(n) ? "Builtin " + n + " not supported outside probe" : null;
        };
        if (message == null) {
            return false;
        }
        a.error(b.span(), message);
        return true;
    }
}
