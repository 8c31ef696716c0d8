package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.linux.Kernel;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Stmt;

/**
 * Type rules of the functions of current bpftrace's standard library that bpftrace writes as
 * macros or C ({@code base.bt}, {@code strings.bt}, {@code meta.bt}): here they are native to the
 * checker. Compile-time predicates and sizes ({@code is_str}, {@code strcap}, {@code has_cpid},
 * {@code kfunc_exist}) become constants ({@link SemanticAnalyser#constant}); {@code leader_tid}
 * and {@code strcap} of a pointer become other expressions ({@code rewrites}); {@code fail} and
 * {@code static_assert} are errors where they are reached. The code is {@code codegen.StdlibCode}.
 */
final class StdlibCalls {
    /** The functions handled here. */
    static final Set<String> NAMES = Set.of("find", "strstr", "str_concat", "memcmp", "has_cpid", "leader_tid", "is_err",
            "is_array", "is_integer", "is_literal", "is_ptr", "is_str", "is_unsigned_integer", "static_assert", "fail",
            "assert_str", "strcap", "default_str_length", "kfunc_exist", "kfunc_allowed", "comptime", "comm",
            "is_scalar");

    /** Those that may also be written without parentheses, as identifiers ({@code has_cpid}). */
    static final Set<String> IDENTIFIERS = Set.of("has_cpid", "leader_tid", "default_str_length");

    private static final Type.Int INT32 = new Type.Int(32, true);

    private final SemanticAnalyser a;
    private final Calls calls;
    /** {@code find}'s assignment of the map's value to its variable, one per call, kept across passes. */
    private final IdentityHashMap<Expr.Call, Stmt.AssignVar> finds = new IdentityHashMap<>();
    /** {@code kfunc_allowed}'s trial loads, by program type and name, kept across passes. */
    private final Map<String, Boolean> allowed = new HashMap<>();

    StdlibCalls(SemanticAnalyser a, Calls calls) {
        this.a = a;
        this.calls = calls;
    }

    /** The type of {@code has_cpid} or {@code leader_tid} written as an identifier. */
    Type identifier(Expr.Builtin b) {
        Expr.Call c = (Expr.Call) a.rewrites.computeIfAbsent(b, k -> new Expr.Call(b.name(), List.of(), b.span()));
        Type t = a.type(c);
        Long v = a.constants.get(c);
        if (v != null) {
            a.constant(b, v);
        }
        return t;
    }

    Type call(Expr.Call c) {
        String n = c.name();
        return switch (n) {
            case "is_array", "is_integer", "is_ptr", "is_str", "is_unsigned_integer" -> {
                if (calls.nargs(c, 1)) {
                    Type t = a.type(c.args().getFirst());
                    a.constant(c, typeIs(n, t) ? 1 : 0);
                }
                yield Type.Int.bool(8);
            }
            case "is_scalar" -> {
                // current bpftrace: whether a map has no keys, known when compiling; the map is not read
                if (c.args().size() != 1) {
                    a.error(c.span(), "is_scalar() requires 1 argument (" + c.args().size() + " provided)");
                } else if (!(c.args().getFirst() instanceof Expr.MapRef m) || !m.keys().isEmpty()) {
                    a.error(c.span(), "is_scalar() expects a map for the first argument");
                } else if (a.maps.get(m.name()) == null) {
                    a.error(c.span(), "Unknown map: " + m.name());
                } else {
                    a.constant(c, a.maps.get(m.name()).keys().isEmpty() ? 1 : 0);
                }
                yield Type.Int.bool(8);
            }
            case "is_literal" -> {
                if (calls.nargs(c, 1)) {
                    a.type(c.args().getFirst());
                    a.constant(c, ConstantFolding.literal(a, c.args().getFirst()) ? 1 : 0);
                }
                yield Type.Int.bool(8);
            }
            case "has_cpid" -> {
                // known when compiling: whether a command runs under -c
                if (calls.nargs(c, 0)) {
                    a.constant(c, a.child ? 1 : 0);
                }
                yield Type.Int.bool(8);
            }
            case "default_str_length" -> {
                if (calls.nargs(c, 0)) {
                    a.constant(c, a.strlen());
                }
                yield Type.UINT64;
            }
            case "kfunc_exist", "kfunc_allowed" -> kfunc(c);
            case "comm" -> comm(c);
            case "is_err" -> {
                if (calls.nargs(c, 1)) {
                    Type t = a.type(c.args().getFirst());
                    if (!(t instanceof Type.Int i) || i.bool()) {
                        a.error(c.span(), "is_err() expects an integer or pointer argument ("
                                + SemanticAnalyser.kindName(t) + " provided)");
                    }
                }
                yield Type.Int.bool(8);
            }
            case "leader_tid" -> leaderTid(c);
            case "assert_str" -> {
                if (calls.nargs(c, 1)) {
                    stringLike(c, a.type(c.args().getFirst()));
                }
                yield Type.NONE;
            }
            case "strcap" -> strcap(c);
            case "static_assert" -> staticAssert(c);
            case "comptime" -> {
                // current bpftrace's `if comptime (cond)`, which parses as a call here: the value
                // known when compiling (the branch it skips is still checked, but fail() there is
                // no error; current bpftrace drops that branch before checking it)
                if (!calls.nargs(c, 1)) {
                    yield Type.Int.bool(8);
                }
                Type t = a.type(c.args().getFirst());
                Long v = ConstantFolding.value(a, c.args().getFirst());
                if (v == null) {
                    if (!a.failed(c.args().getFirst())) {
                        a.error(c.span(), "Unable to resolve comptime expression");
                    }
                } else {
                    a.constant(c, v);
                }
                yield t instanceof Type.Int i && !i.isPointer() ? i : Type.INT64;
            }
            case "fail" -> fail(c);
            case "strstr" -> {
                if (calls.nargs(c, 2)) {
                    twoStrings(c);
                }
                yield Type.INT64;
            }
            case "str_concat" -> strConcat(c);
            case "memcmp" -> memcmp(c);
            case "find" -> find(c);
            default -> throw new IllegalStateException("not a standard library function: " + n);
        };
    }

    private static boolean typeIs(String predicate, Type t) {
        return switch (predicate) {
            case "is_array" -> t instanceof Type.Array;
            case "is_integer" -> t instanceof Type.Int i && !i.isPointer() && !i.bool();
            case "is_unsigned_integer" -> t instanceof Type.Int i && !i.isPointer() && !i.bool() && !i.signed();
            case "is_ptr" -> t instanceof Type.Int i && i.isPointer();
            case "is_str" -> t instanceof Type.Str;
            default -> throw new IllegalStateException(predicate);
        };
    }

    /** {@code assert_str}'s rule: a string, an array of bytes or a pointer to bytes; reports the rest. */
    private boolean stringLike(Expr.Call c, Type t) {
        if (t instanceof Type.Str) {
            return true;
        }
        if (t instanceof Type.Array arr) {
            if (arr.element() instanceof Type.Int e && e.bits() == 8 && !e.isPointer()) {
                return true;
            }
            a.error(c.span(), "string-like arrays must contain a char-like type");
        } else if (t instanceof Type.Int i && i.isPointer()) {
            if (i.pointee() instanceof Type.Int e && e.bits() == 8 && !e.isPointer()) {
                return true;
            }
            a.error(c.span(), "string-like pointers must point to a char-like type");
        } else if (!(t instanceof Type.None)) {
            a.error(c.span(), "string-like values must be either strings, arrays or pointers");
        }
        return false;
    }

    /**
     * {@code strcap(s)}: the capacity of a string-like value, a constant for strings (their size)
     * and arrays (their length); for a pointer, the length of the string it points to (read as
     * {@code str()} reads it).
     */
    private Type strcap(Expr.Call c) {
        if (!calls.nargs(c, 1)) {
            return Type.INT64;
        }
        Expr arg = c.args().getFirst();
        Type t = a.type(arg);
        if (!stringLike(c, t)) {
            return Type.INT64;
        }
        switch (t) {
            case Type.Str s -> a.constant(c, s.size());
            case Type.Array arr -> a.constant(c, arr.count());
            default -> {
                Expr len = a.rewrites.computeIfAbsent(c, k -> new Expr.Call("strlen", List.of(new Expr.Call("str",
                        List.of(arg), c.span())), c.span()));
                a.type(len);
            }
        }
        return Type.INT64;
    }

    /**
     * {@code comm([pid])}: without an argument the {@code comm} builtin; with one, as current
     * bpftrace's standard library, the name of the task with that pid, found with the kernel's
     * {@code bpf_task_from_pid} kfunc (a string of 64 bytes), where the probe's program may call
     * kfuncs: here iterators ({@code "N/A"} when there is no such task).
     */
    private Type comm(Expr.Call c) {
        if (!calls.nargsBetween(c, 0, 1)) {
            return new Type.Str(16);
        }
        if (c.args().isEmpty()) {
            return a.type(a.rewrites.computeIfAbsent(c, k -> new Expr.Builtin("comm", c.span())));
        }
        Type t = a.type(c.args().getFirst());
        if (!(t instanceof Type.Int i) || i.isPointer()) {
            if (!a.failed(c.args().getFirst())) {
                a.error(c.span(), "Only integer supported for comm()'s pid");
            }
            return new Type.Str(64);
        }
        var aps = a.probe().attachPoints();
        String provider = aps.isEmpty() ? "" : aps.getFirst().provider();
        if (!provider.equals("iter")) {
            String type = switch (provider) {
                case "BEGIN", "END", "self" -> "special";
                case "bench" -> "benchmark";
                case "kfunc" -> "fentry";
                case "kretfunc" -> "fexit";
                case "asyncwatchpoint" -> "watchpoint";
                default -> provider;
            };
            a.error(c.span(), "Syntax comm(PID) is not supported in this probe type yet. Type: " + type);
            return new Type.Str(64);
        }
        int sid = a.structs.kernelStruct("struct task_struct", c.span());
        Optional<KernelTypes.Member> m = sid < 0 ? Optional.empty() : a.kernel.member(sid, "comm");
        if (m.isEmpty()) {
            a.failed.add(c);
            return new Type.Str(64);
        }
        a.kernelFields.put(c, new KernelField(m.get().offset(), 16, false, true, false));
        return new Type.Str(64);
    }

    /** {@code leader_tid([task])}: {@code task->group_leader->pid}, of the current task without one. */
    private Type leaderTid(Expr.Call c) {
        if (!calls.nargsBetween(c, 0, 1)) {
            return INT32;
        }
        if (c.args().isEmpty() && !a.kernel.available()) {
            a.error(c.span(), "leader_tid is not available on the VM backend (it runs no kernel task; "
                    + "use --backend kernel)");
            a.failed.add(c);
            return INT32;
        }
        Expr task = c.args().isEmpty() ? new Expr.Builtin("curtask", c.span()) : c.args().getFirst();
        Expr pid = a.rewrites.computeIfAbsent(c, k -> new Expr.Field(new Expr.Field(task, "group_leader", true,
                c.span()), "pid", true, c.span()));
        Type t = a.type(pid);
        if (t instanceof Type.None) {
            a.failed.add(c);
            return INT32;
        }
        return t;
    }

    /**
     * {@code kfunc_exist("name")}: whether the kernel's BTF has a function of that name;
     * {@code kfunc_allowed("name")}: also whether the kernel lets the probe's program type call it
     * (a trial load, as current bpftrace). False on the VM backend, which calls no kernel function.
     */
    private Type kfunc(Expr.Call c) {
        if (!calls.nargs(c, 1)) {
            return Type.Int.bool(8);
        }
        if (!(c.args().getFirst() instanceof Expr.StrLit name)) {
            a.type(c.args().getFirst());
            a.error(c.span(), c.name() + "() accepts a string literal only");
            return Type.Int.bool(8);
        }
        int id = a.kernel.btf().map(btf -> btf.typeIdsByName(name.value()).stream()
                .filter(i -> btf.typeById(i) instanceof BtfType.Func).findFirst().orElse(-1))
                .orElse(-1);
        boolean yes = id > 0;
        if (yes && c.name().equals("kfunc_allowed")) {
            var resolved = a.probe().attachPoints().isEmpty() ? null
                    : a.probeArgs.resolved(a.probe().attachPoints().getFirst());
            yes = resolved != null && Kernel.probe().available()
                    && allowed.computeIfAbsent(resolved.programType() + " " + name.value(), k -> new org.bpf4j.linux
                            .Features(Kernel.system()).kfunc(resolved.programType(), id, name.value()));
        }
        a.constant(c, yes ? 1 : 0);
        return Type.Int.bool(8);
    }

    /** {@code static_assert(cond, "message")}: an error with the message when the known condition is false. */
    private Type staticAssert(Expr.Call c) {
        if (!calls.nargs(c, 2)) {
            return Type.NONE;
        }
        a.type(c.args().get(0));
        a.type(c.args().get(1));
        if (!(c.args().get(1) instanceof Expr.StrLit msg)) {
            a.error(c.span(), "static_assert() expects a string literal as the message");
            return Type.NONE;
        }
        Long cond = ConstantFolding.value(a, c.args().getFirst());
        if (cond == null) {
            if (!a.failed(c.args().getFirst())) {
                a.error(c.args().getFirst().span(), "static_assert() expects a condition known when compiling");
            }
        } else if (cond == 0 && !a.unreached()) {
            a.error(c.span(), msg.value());
        }
        return Type.NONE;
    }

    /**
     * {@code fail(fmt, args...)}: wherever it is type-checked, an error whose text is the format applied to the
     * arguments, which must be literals. As current bpftrace, only {@code if comptime} keeps it quiet (the branch
     * the condition skips is never checked); a plain {@code if (false)} is not folded.
     */
    private Type fail(Expr.Call c) {
        if (c.args().isEmpty()) {
            a.error(c.span(), "fail() requires at least one argument (0 provided)");
            return Type.NONE;
        }
        List<Type> types = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        boolean literals = true;
        for (int i = 0; i < c.args().size(); i++) {
            Expr arg = c.args().get(i);
            Type t = a.type(arg);
            Object v = literalValue(arg, t);
            if (v == null) {
                if (literals) {
                    a.error(c.span(), "fail() arguments need to be literals");
                }
                literals = false;
            } else if (i > 0) {
                types.add(t);
                values.add(v);
            }
        }
        if (!literals) {
            return Type.NONE;
        }
        if (!(c.args().getFirst() instanceof Expr.StrLit fmt)) {
            a.error(c.span(), "first argument to fail() must be a string literal");
            return Type.NONE;
        }
        FormatString format = FormatString.parse(fmt.value());
        String problem = format.check("fail", types);
        if (problem != null) {
            a.error(c.span(), problem);
        } else {
            a.error(c.span(), format.format(values));
        }
        return Type.NONE;
    }

    /** The value of a literal argument of {@code fail} (a {@link Long} or a {@link String}), or null. */
    private Object literalValue(Expr e, Type t) {
        if (e instanceof Expr.StrLit s) {
            return s.value();
        }
        if (e instanceof Expr.Param p && t instanceof Type.Str && p.number() <= a.params().size()) {
            return a.params().get(p.number() - 1);
        }
        return ConstantFolding.literal(a, e) ? ConstantFolding.value(a, e) : null;
    }

    /** {@code str_concat(a, b)}: a string long enough for both. */
    private Type strConcat(Expr.Call c) {
        if (!calls.nargs(c, 2)) {
            return new Type.Str(a.strlen());
        }
        List<Type.Str> both = twoStrings(c);
        return both == null ? new Type.Str(a.strlen())
                : new Type.Str(both.get(0).size() + both.get(1).size() - 1);
    }

    /**
     * The two string arguments of {@code strstr} or {@code str_concat}, or null after reporting
     * what is not one. A pointer to bytes is read as {@code str(p)} reads it (the call is then
     * compiled as its rewrite with {@code str(p)} in that place), as current bpftrace takes
     * string-like pointers.
     */
    private List<Type.Str> twoStrings(Expr.Call c) {
        List<Type> types = List.of(a.type(c.args().get(0)), a.type(c.args().get(1)));
        boolean pointers = false;
        List<Expr> args = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Expr arg = c.args().get(i);
            boolean bytes = types.get(i) instanceof Type.Int p && p.isPointer() && p.pointee() instanceof Type.Int e
                    && e.bits() == 8 && !e.isPointer();
            pointers |= bytes;
            args.add(bytes ? new Expr.Call("str", List.of(arg), arg.span()) : arg);
        }
        if (pointers) {
            Expr.Call read = (Expr.Call) a.rewrites.computeIfAbsent(c, k -> new Expr.Call(c.name(), args, c.span()));
            types = List.of(a.type(read.args().get(0)), a.type(read.args().get(1)));
        }
        if (!(types.get(0) instanceof Type.Str x) || !(types.get(1) instanceof Type.Str y)) {
            a.error(c.span(), c.name() + "() expects string arguments (" + SemanticAnalyser.kindName(types.get(0))
                    + " and " + SemanticAnalyser.kindName(types.get(1)) + " provided)");
            return null;
        }
        return List.of(x, y);
    }

    /** {@code memcmp(left, right, count)}: the first {@code count} bytes of two values of the same size. */
    private Type memcmp(Expr.Call c) {
        if (!calls.nargs(c, 3)) {
            return INT32;
        }
        Type l = a.type(c.args().get(0));
        Type r = a.type(c.args().get(1));
        Type n = a.type(c.args().get(2));
        if (l instanceof Type.None || r instanceof Type.None) {
            return INT32;
        }
        if (!(n instanceof Type.Int ni) || ni.isPointer()) {
            a.error(c.span(), "memcmp() expects an integer as the count (" + SemanticAnalyser.kindName(n) + " provided)");
            return INT32;
        }
        if (!memcmpable(l) || !memcmpable(r)) {
            a.error(c.span(), "memcmp() does not support values of type " + (memcmpable(l) ? r : l).display());
            return INT32;
        }
        Long count = ConstantFolding.value(a, c.args().get(2));
        int size = Math.min(bytes(l), bytes(r));
        if (count != null && (count < 0 || count > size)) {
            a.error(c.span(), "memcmp() count " + count + " is out of range: the values have " + size + " bytes");
        }
        return INT32;
    }

    private static boolean memcmpable(Type t) {
        return t instanceof Type.Int || t instanceof Type.Str || t instanceof Type.Array || t instanceof Type.Tuple
                || t instanceof Type.Buf || t instanceof Type.Record || t instanceof Type.MacAddr || t instanceof Type.Inet;
    }

    /** The bytes {@code memcmp} compares of a value: an integer's in its width, a tuple's in its layout. */
    private static int bytes(Type t) {
        return t instanceof Type.Int i ? i.bits() / 8 : t instanceof Type.Tuple tu ? tu.size() : t.size();
    }

    /**
     * {@code find(@m, key, $v)}: true and {@code $v} set to {@code @m[key]} if the key is there (one
     * lookup). The variable is typed as {@code $v = @m[key]} would type it.
     */
    private Type find(Expr.Call c) {
        Type result = Type.Int.bool(8);
        if (!calls.nargs(c, 3)) {
            return result;
        }
        if (!(c.args().getFirst() instanceof Expr.MapRef m) || !m.keys().isEmpty()) {
            a.type(c.args().getFirst());
            a.error(c.span(), "find() expects a map without a key as the first argument");
            return result;
        }
        if (!(c.args().get(2) instanceof Expr.Var v)) {
            a.type(c.args().get(2));
            a.error(c.span(), "find() expects a scratch variable as the third argument");
            return result;
        }
        MapInfo info = a.map(m.name());
        if (info == null) {
            a.error(m.span(), "Undefined map: " + m.name());
            return result;
        }
        if (info.keys().isEmpty()) {
            a.error(c.span(), "call to find expects a map with explicit keys (non-scalar map)");
            return result;
        }
        if (info.value() instanceof Type.Agg agg) {
            a.error(c.span(), "find() on a map of " + agg.display() + " is not supported by bpf4j trace yet");
            return result;
        }
        Expr.MapRef keyed = (Expr.MapRef) a.rewrites.computeIfAbsent(c, k -> calls.keyedRef(m, c.args().get(1)));
        Stmt.AssignVar assign = finds.computeIfAbsent(c, k -> new Stmt.AssignVar(v, Optional.of(keyed), false,
                Optional.empty(), c.span(), c.span()));
        int errors = a.errorTally();
        a.statement(assign);
        if (a.errorTally() == errors) {
            calls.widenKeys(keyed);
        }
        return result;
    }
}
