package org.bpf4j.trace.sema;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.CFunction;
import org.bpf4j.trace.ast.Expr;

/** Type rules of the functions (calls) of the language, for {@link SemanticAnalyser}. */
final class Calls {
    private final SemanticAnalyser a;
    private final StdlibCalls stdlib;
    private final AddressCalls addresses;

    Calls(SemanticAnalyser a) {
        this.a = a;
        this.stdlib = new StdlibCalls(a, this);
        this.addresses = new AddressCalls(a, this);
    }

    /** The functions of current bpftrace's standard library written as identifiers ({@code has_cpid}). */
    Type stdlibIdentifier(Expr.Builtin b) {
        return stdlib.identifier(b);
    }

    boolean nargs(Expr.Call c, int n) {
        if (c.args().size() == n) {
            return true;
        }
        String what = n == 0 ? "requires no arguments" : n == 1 ? "requires one argument" : "requires " + n + " arguments";
        a.error(c.span(), c.name() + "() " + what + " (" + c.args().size() + " provided)");
        return false;
    }

    boolean nargsBetween(Expr.Call c, int min, int max) {
        int n = c.args().size();
        if (n < min) {
            a.error(c.span(), c.name() + "() requires at least " + (min == 1 ? "one argument" : min + " arguments")
                    + " (" + n + " provided)");
            return false;
        }
        if (n > max) {
            a.error(c.span(), c.name() + "() " + (max == 0 ? "requires no arguments"
                    : max == 1 ? "takes up to one argument" : "takes up to " + max + " arguments") + " (" + n + " provided)");
            return false;
        }
        return true;
    }

    void typeArgs(Expr.Call c) {
        for (Expr x : c.args()) {
            a.type(x);
        }
    }

    /** The text of {@code str($N)} (a positional parameter given as a string), or null for another expression. */
    String paramText(Expr e) {
        if (e instanceof Expr.Call c && c.name().equals("str") && c.args().size() == 1
                && c.args().getFirst() instanceof Expr.Param p && p.number() >= 1) {
            return p.number() <= a.params().size() ? a.params().get(p.number() - 1) : "";
        }
        return null;
    }

    /**
     * The text of {@code $N + k} (or {@code k + $N}) where {@code $N} is a positional parameter that
     * is not a number and {@code k} an integer literal: the parameter from its k-th byte; null for
     * another expression.
     */
    private String paramPlusOffset(Expr e) {
        if (!(e instanceof Expr.Binary b) || b.op() != BinOp.ADD) {
            return null;
        }
        Expr.Param p = b.left() instanceof Expr.Param l ? l : b.right() instanceof Expr.Param r ? r : null;
        Expr.IntLit k = b.left() instanceof Expr.IntLit l ? l : b.right() instanceof Expr.IntLit r ? r : null;
        if (p == null || k == null || p.number() < 1 || p.number() > a.params().size()) {
            return null;
        }
        String v = a.params().get(p.number() - 1);
        if (SemanticAnalyser.parseParam(v) != null || k.value() < 0) {
            return null;
        }
        byte[] bytes = v.getBytes(StandardCharsets.ISO_8859_1);
        if (k.value() > bytes.length) {
            a.error(b.span(), "only addition of a single constant less or equal to the length of $" + p.number()
                    + " (which is " + bytes.length + ") is allowed inside str()");
        }
        int from = (int) Math.min(k.value(), bytes.length);
        return new String(bytes, from, bytes.length - from, StandardCharsets.ISO_8859_1);
    }

    /** The value of an integer literal, or of a positional parameter given as a number (as bpftrace); else null. */
    Long literal(Expr e) {
        if (e instanceof Expr.Param p && p.number() >= 1 && p.number() <= a.params().size()) {
            return SemanticAnalyser.parseParam(a.params().get(p.number() - 1));
        }
        return e instanceof Expr.IntLit i ? i.value() : null;
    }

    /** The type of a call used as a value or a statement. */
    Type call(Expr.Call c) {
        String n = c.name();
        if (n.startsWith(Expr.Call.NO_VALUE)) {
            a.error(c.span(), "Macro '" + n.substring(Expr.Call.NO_VALUE.length()) + "' has no value (its body does not "
                    + "end in an expression) and can not be used in an expression");
            return Type.NONE;
        }
        if (a.program != null && a.program.subprog(n).isPresent()) {
            // the script's own function wins over a builtin of its name (current bpftrace's registry)
            return a.subprogs.call(c, a.program.subprog(n).get());
        }
        if (Builtins.AGGREGATIONS.containsKey(n)) {
            typeArgs(c);
            a.error(c.span(), n + "() must be assigned directly to a map");
            return Type.NONE;
        }
        if (StdlibCalls.NAMES.contains(n)) {
            return stdlib.call(c);
        }
        switch (n) {
            case "system" -> {
                if (!a.unsafe()) {
                    typeArgs(c);
                    a.error(c.span(), "system() is an unsafe function being used in safe mode");
                    nargsBetween(c, 1, 128); // current bpftrace checks the arguments too
                    return Type.NONE;
                }
                return printf(c);
            }
            case "signal", "signal_thread" -> {
                // current bpftrace: signal_thread() sends to the thread (bpf_send_signal_thread)
                typeArgs(c);
                if (!a.unsafe()) {
                    a.error(c.span(), n + "() is an unsafe function being used in safe mode");
                }
                for (var ap : a.probe().attachPoints()) {
                    if (ap.provider().equals("BEGIN") || ap.provider().equals("END")) {
                        a.error(c.span(), n + " can not be used with \"" + ProbeBuiltins.providerName(ap.provider())
                                + "\" probes");
                        break;
                    }
                }
                if (!nargs(c, 1)) {
                    return Type.NONE;
                }
                Expr arg = c.args().getFirst();
                if (arg instanceof Expr.StrLit name) {
                    if (Builtins.signalNumber(name.value()) < 0) {
                        a.error(c.span(), name.value() + " is not a valid signal");
                    }
                } else if (arg instanceof Expr.IntLit num) {
                    if (num.value() < 1 || num.value() > 64) {
                        a.error(c.span(), num.value() + " is not a valid signal, allowed range: [1,64]");
                    }
                } else if (!(a.type(arg) instanceof Type.Int)) {
                    a.error(c.span(), n + "() only accepts a string literal or an integer");
                }
                return Type.NONE;
            }
            case "cat" -> {
                if (!c.args().isEmpty() && !(c.args().getFirst() instanceof Expr.StrLit)) {
                    Type t = a.type(c.args().getFirst());
                    a.error(c.span(), "cat() expects a string literal (" + SemanticAnalyser.kindName(t) + " provided)");
                    return Type.NONE;
                }
                return printf(c);
            }
            case "printf", "errorf", "warnf" -> {
                return printf(c);
            }
            case "debugf" -> {
                return debugf(c);
            }
            case "print" -> {
                return print(c);
            }
            case "time" -> {
                if (nargsBetween(c, 0, 1) && c.args().size() == 1 && !(c.args().getFirst() instanceof Expr.StrLit)) {
                    a.error(c.span(), "time() expects a string literal as the first argument");
                }
                return Type.NONE;
            }
            case "strftime" -> {
                if (nargs(c, 2)) {
                    if (!(c.args().getFirst() instanceof Expr.StrLit)) {
                        a.error(c.span(), "strftime() expects a string literal as the first argument");
                    }
                    Type t = a.type(c.args().get(1));
                    if (!(t instanceof Type.Int)) {
                        a.error(c.span(), "strftime() expects an integer as the second argument ("
                                + SemanticAnalyser.kindName(t) + " provided)");
                    } else if (c.args().get(1) instanceof Expr.Call ns && ns.name().equals("nsecs")
                            && ns.args().size() == 1 && ns.args().getFirst() instanceof Expr.Builtin clock
                            && clock.name().equals("monotonic")) {
                        a.error(c.span(), "strftime() can not take a monotonic timestamp"); // as current bpftrace
                    } else if (LiteralFolding.value(a, c.args().get(1)) instanceof LiteralFolding.Value v
                            && v.negative()) {
                        a.error(c.span(), "strftime() does not accept negative timestamps");
                    }
                }
                return new Type.Timestamp();
            }
            case "str" -> {
                if (!nargsBetween(c, 1, 2)) {
                    return new Type.Str(a.strlen());
                }
                String shifted = paramPlusOffset(c.args().getFirst());
                if (shifted != null) {
                    // str($1 + n) with $1 a string: the text from its n-th byte, as bpftrace's
                    // pointer arithmetic on a string literal gives
                    a.rewrites.put(c, new Expr.StrLit(shifted, c.span()));
                    if (c.args().size() == 2) {
                        a.type(c.args().get(1));
                    }
                    return new Type.Str(a.strlen());
                }
                // str($N): the parameter's text (current bpftrace makes it a string before typing,
                // so a missing one is "" without the warning a numeric use gets)
                Type t = c.args().getFirst() instanceof Expr.Param sp && sp.number() > a.params().size()
                        ? a.typeQuietly(sp) : a.type(c.args().getFirst());
                if (c.args().size() == 2) {
                    Type lt = a.type(c.args().get(1));
                    if (!(lt instanceof Type.Int)) {
                        a.error(c.span(), "str() expects an integer length argument");
                    } else if (LiteralFolding.value(a, c.args().get(1)) instanceof LiteralFolding.Value v
                            && v.negative()) {
                        // current bpftrace refuses it (its length parameter is unsigned)
                        a.error(c.span(), "str() cannot use negative length (" + v.bits() + ")");
                    }
                }
                if (c.args().getFirst() instanceof Expr.Param p && p.number() >= 1) {
                    return a.builtins.paramText(p); // str($1): the parameter's text, even "10"
                }
                if (t instanceof Type.Str s) {
                    Long len = c.args().size() == 2 ? literal(c.args().get(1)) : null;
                    return len != null && len + 1 < s.size() ? new Type.Str((int) (long) len + 1) : s;
                }
                if (!(t instanceof Type.Int)) {
                    a.error(c.span(), "str() expects an integer or a pointer type as first argument ("
                            + SemanticAnalyser.kindName(t) + " provided)");
                }
                return new Type.Str(a.strlen());
            }
            case "exit" -> {
                nargsBetween(c, 0, 1);
                typeArgs(c);
                Type code = c.args().size() == 1 ? a.types.get(c.args().getFirst()) : null;
                if (code != null && !(code instanceof Type.Int) && !(code instanceof Type.None)) {
                    a.error(c.span(), "exit() only supports int arguments (" + SemanticAnalyser.kindName(code)
                            + " provided)");
                }
                return Type.NONE;
            }
            case "strncmp" -> {
                if (nargs(c, 3)) {
                    Type x = a.stringOperand(c.args().get(0));
                    Type y = a.stringOperand(c.args().get(1));
                    if (!(x instanceof Type.Str) || !(y instanceof Type.Str)) {
                        a.error(c.span(), "strncmp() expects string arguments");
                    }
                    Long len = a.constantOf(c.args().get(2));
                    if (len == null || len < 0) {
                        a.error(c.span(), "Builtin strncmp requires a non-negative literal");
                    }
                }
                return Type.UINT64;
            }
            case "strcontains" -> {
                if (nargs(c, 2)) {
                    Type x = a.stringOperand(c.args().get(0));
                    Type y = a.stringOperand(c.args().get(1));
                    if (!(x instanceof Type.Str) || !(y instanceof Type.Str)) {
                        a.error(c.span(), "strcontains() expects string arguments");
                    }
                }
                return Type.Int.bool(64);
            }
            case "kstack", "ustack", "dw_ustack", "ksym", "usym", "kaddr", "percpu_kaddr", "reg", "uaddr", "kptr",
                    "uptr" -> {
                return addresses.call(c);
            }
            case "join" -> {
                if (nargsBetween(c, 1, 2)) {
                    Type t = a.type(c.args().getFirst());
                    if (!(t instanceof Type.Int)) {
                        a.error(c.span(), "() only supports int or pointer arguments (" + SemanticAnalyser.kindName(t)
                                + " provided)");
                    }
                    if (c.args().size() == 2) {
                        Type d = a.type(c.args().get(1));
                        if (!(c.args().get(1) instanceof Expr.StrLit)) {
                            a.error(c.span(), "join() expects a string literal (" + SemanticAnalyser.kindName(d)
                                    + " provided)");
                        }
                    }
                }
                return Type.NONE;
            }
            case "pid", "tid" -> {
                // current bpftrace: pid(curr_ns|init), tid(curr_ns|init) (pid() is the builtin)
                if (nargsBetween(c, 0, 1) && c.args().size() == 1) {
                    if (!(c.args().getFirst() instanceof Expr.Builtin mode)) {
                        a.type(c.args().getFirst());
                        a.error(c.span(), n + "() only supports curr_ns and init as the argument");
                    } else if (!mode.name().equals("curr_ns") && !mode.name().equals("init")) {
                        a.error(mode.span(), "Invalid PID namespace mode: " + mode.name()
                                + " (expects: curr_ns or init)");
                    }
                }
                return Type.UINT32;
            }
            case "nsecs" -> {
                // current bpftrace: nsecs(monotonic|boot|tai|sw_tai); the argument is a clock's name
                if (nargs(c, 1) && !(c.args().getFirst() instanceof Expr.Builtin clock
                        && Builtins.CLOCKS.containsKey(clock.name()))) {
                    a.error(c.args().getFirst().span(), c.args().getFirst() instanceof Expr.Builtin name
                            ? "Invalid timestamp mode: " + name.name() // current bpftrace's words
                            : "Invalid timestamp mode: expected one of "
                            + String.join(", ", List.of("monotonic", "boot", "tai", "sw_tai")));
                }
                return Type.UINT64;
            }
            case "username" -> {
                nargs(c, 0);
                return new Type.Deferred(Type.DeferredKind.USERNAME, "");
            }
            case "syscall_name" -> {
                if (nargs(c, 1) && !(a.type(c.args().getFirst()) instanceof Type.Int)) {
                    a.error(c.span(), "syscall_name() expects an integer argument ("
                            + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                }
                return new Type.Deferred(Type.DeferredKind.SYSCALL_NAME, "");
            }
            case "ppid" -> {
                // current bpftrace: ppid(task) is the tgid of a task's real parent (ppid() is the builtin)
                if (nargs(c, 1)) {
                    Expr arg = c.args().getFirst();
                    Expr parent = a.rewrites.computeIfAbsent(c, k -> new Expr.Field(new Expr.Field(arg, "real_parent",
                            true, c.span()), "tgid", true, c.span()));
                    if (a.type(parent) instanceof Type.None) {
                        a.failed.add(c);
                    }
                }
                return Type.UINT32;
            }
            case "strlen" -> {
                // current bpftrace: the length of a string, to its first NUL
                if (nargs(c, 1) && !(a.stringOperand(c.args().getFirst()) instanceof Type.Str)) {
                    a.error(c.span(), "strlen() expects a string argument ("
                            + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                }
                return Type.UINT64;
            }
            case "signal_name" -> {
                // current bpftrace: strsignal(3)'s text of a signal number, "N/A" past SIGRTMAX
                if (nargs(c, 1) && !(a.type(c.args().getFirst()) instanceof Type.Int)) {
                    a.error(c.span(), "signal_name() expects an integer argument ("
                            + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                }
                return new Type.Deferred(Type.DeferredKind.SIGNAL_NAME, "");
            }
            case "strerror" -> {
                if (nargs(c, 1) && !(a.type(c.args().getFirst()) instanceof Type.Int)) {
                    a.error(c.span(), "strerror() expects an integer argument ("
                            + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                }
                return new Type.Deferred(Type.DeferredKind.STRERROR, "");
            }
            case "cgroup_path" -> {
                String filter = "*";
                if (nargsBetween(c, 1, 2)) {
                    if (!(a.type(c.args().getFirst()) instanceof Type.Int)) {
                        a.error(c.span(), "cgroup_path() expects an integer as its first argument ("
                                + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                    }
                    if (c.args().size() == 2) {
                        a.type(c.args().get(1));
                        if (c.args().get(1) instanceof Expr.StrLit lit) {
                            filter = lit.value();
                        } else {
                            a.error(c.span(), "cgroup_path() expects a string literal as its second argument");
                        }
                    }
                }
                return new Type.Deferred(Type.DeferredKind.CGROUP_PATH, filter);
            }
            case "bswap" -> {
                if (!nargs(c, 1)) {
                    return Type.UINT64;
                }
                typeArgs(c);
                if (!(a.type(c.args().getFirst()) instanceof Type.Int i)) {
                    a.error(c.span(), "bswap() only supports integer arguments ("
                            + a.type(c.args().getFirst()).display() + " provided)");
                    return Type.UINT64;
                }
                return new Type.Int(i.bits(), false);
            }
            case "ntop" -> {
                if (!nargsBetween(c, 1, 2)) {
                    return new Type.Inet();
                }
                typeArgs(c);
                if (c.args().size() == 2 && !(a.type(c.args().getFirst()) instanceof Type.Int)) {
                    a.error(c.span(), "ntop() expects an integer as the address family");
                }
                Type addr = a.type(c.args().getLast());
                if (!(addr instanceof Type.Int) && !((addr instanceof Type.Str || addr instanceof Type.Array)
                        && (addr.size() == 4 || addr.size() == 16))) {
                    a.error(c.span(), "ntop() argument must be 4 or 16 bytes in size");
                }
                return new Type.Inet();
            }
            case "buf" -> {
                return buf(c);
            }
            case "macaddr" -> {
                if (!nargs(c, 1)) {
                    return new Type.MacAddr();
                }
                Expr arg = c.args().getFirst();
                Type t = a.type(arg);
                if (!(t instanceof Type.Int) && !(t instanceof Type.Array) && !(t instanceof Type.Str)) {
                    a.error(c.span(), "macaddr() only supports array or pointer arguments (" + SemanticAnalyser.kindName(t)
                            + " provided)");
                }
                if ((t instanceof Type.Array || t instanceof Type.Str) && t.size() != 6) {
                    a.error(c.span(), "macaddr() argument must be 6 bytes in size");
                }
                if (t instanceof Type.Str && arg instanceof Expr.StrLit) {
                    a.error(c.span(), "macaddr() does not support literal string arguments");
                }
                return new Type.MacAddr();
            }
            case "pton" -> {
                if (!nargs(c, 1)) {
                    return new Type.Array(new Type.Int(8, false), 4);
                }
                Type t = a.type(c.args().getFirst());
                if (!(c.args().getFirst() instanceof Expr.StrLit lit)) {
                    a.error(c.span(), "pton() expects a string literal (" + SemanticAnalyser.kindName(t) + " provided)");
                    return new Type.Array(new Type.Int(8, false), 4);
                }
                byte[] addr = Addresses.pton(lit.value());
                if (addr == null) {
                    if (!lit.value().contains(".") && !lit.value().contains(":")) {
                        a.error(c.span(), "pton() expects an string argument of an IPv4/IPv6 address, got " + lit.value());
                    } else {
                        a.error(c.span(), "pton() expects a valid IPv4/IPv6 address, got " + lit.value());
                    }
                    return new Type.Array(new Type.Int(8, false), lit.value().contains(":") ? 16 : 4);
                }
                return new Type.Array(new Type.Int(8, false), addr.length);
            }
            case "getopt" -> {
                return a.options.getopt(c);
            }
            case "cgroupid" -> {
                if (nargs(c, 1)) {
                    Type t = a.type(c.args().getFirst());
                    // a literal, or str($N): current bpftrace makes a positional parameter a literal
                    String path = c.args().getFirst() instanceof Expr.StrLit lit ? lit.value()
                            : paramText(c.args().getFirst());
                    if (path == null) {
                        a.error(c.span(), "cgroupid() expects a string literal (" + SemanticAnalyser.kindName(t)
                                + " provided)");
                    } else {
                        String problem = Addresses.cgroupIdProblem(path);
                        if (problem != null) {
                            a.error(c.span(), "Failed to get `cgroupid` for path: \"" + path + "\": " + problem);
                        } else {
                            a.constant(c, Addresses.cgroupId(path));
                        }
                    }
                }
                return Type.UINT64;
            }
            case "typeinfo" -> {
                // typed, never run: replaced by a record of constants once the types settle (TypeInfos)
                if (!nargs(c, 1)) {
                    return Type.NONE;
                }
                Expr operand = c.args().getFirst();
                Type t;
                String lock = null;
                if (operand instanceof Expr.MapRef m && m.keys().isEmpty() && a.map(m.name()) instanceof MapInfo info
                        && !info.keys().isEmpty()) {
                    // current bpftrace: typeinfo(@m) of a map with keys describes its key
                    t = info.keys().size() == 1 ? info.keys().getFirst() : new Type.Tuple(info.keys());
                    lock = TypeLocks.mapKey(m.name());
                } else {
                    t = a.type(operand);
                    if (operand instanceof Expr.MapRef m) {
                        lock = TypeLocks.mapValue(m.name());
                    } else if (operand instanceof Expr.Var v) {
                        lock = TypeLocks.variable(a.probeIndex(), v.name());
                    }
                }
                if (t instanceof Type.None) {
                    return Type.NONE;
                }
                a.typeinfos.put(c, t);
                a.typeinfoLocks.put(c, lock);
                return new Type.Tuple(List.of(Type.UINT64, new Type.Str(TypeInfos.baseType(t).length() + 1),
                        new Type.Str(t.display().length() + 1)), List.of("btf_id", "base_type", "full_type"));
            }
            case "sizeof" -> {
                if (nargs(c, 1)) {
                    int tid = c.args().getFirst() instanceof Expr.Builtin b && !Builtins.VARIABLES.containsKey(b.name())
                            && !Builtins.isArg(b.name()) && a.kernel.available() ? a.kernel.typedefId(b.name()) : -1;
                    if (tid >= 0) {
                        a.constant(c, a.kernel.sizeOf(tid)); // a type of BTF: sizeof(uint64_t)
                    } else {
                        a.type(c.args().getFirst());
                    }
                }
                return Type.UINT64;
            }
            case "delete" -> {
                return delete(c);
            }
            case "clear", "zero" -> {
                if (nargs(c, 1)) {
                    mapArg(c, c.args().getFirst(), true);
                }
                return Type.NONE;
            }
            case "len" -> {
                if (nargs(c, 1)) {
                    // current bpftrace: len() of a stack is its number of frames
                    Expr arg = c.args().getFirst();
                    if (!(arg instanceof Expr.MapRef m && m.keys().isEmpty()) && !(arg instanceof Expr.IntLit)
                            && !(arg instanceof Expr.StrLit) && a.type(arg) instanceof Type.Stack) {
                        return Type.INT64;
                    }
                    mapArg(c, c.args().getFirst(), true);
                    MapInfo info = c.args().getFirst() instanceof Expr.MapRef m ? a.map(m.name()) : null;
                    if (info != null && info.keys().isEmpty()) {
                        a.error(c.span(), "call to len() expects a map with explicit keys (non-scalar map)");
                    }
                }
                return Type.INT64;
            }
            case "has_key" -> {
                if (nargs(c, 2)) {
                    if (c.args().getFirst() instanceof Expr.MapRef m && m.keys().isEmpty()) {
                        Expr key = c.args().get(1);
                        MapInfo info = a.map(m.name());
                        if (info != null && info.keys().isEmpty()) {
                            a.error(c.span(), "call to has_key() expects a map with explicit keys (non-scalar map)");
                            return Type.Int.bool(8);
                        }
                        checkKeys(keyedRef(m, key));
                    } else {
                        a.error(c.span(), "has_key() expects a map without a key as the first argument");
                    }
                }
                return Type.Int.bool(8);
            }
            default -> {
                if (BtfPointerCalls.handles(n)) {
                    return new BtfPointerCalls(a, this).call(c);
                }
                if (n.equals("write_user")) {
                    return WriteUser.call(a, this, c);
                }
                if (a.program != null && a.program.function(n).isPresent()) {
                    return cFunction(c, a.program.function(n).get());
                }
                typeArgs(c);
                if (n.equals("unwatch")) {
                    // current bpftrace still type-checks unwatch() but generates no code for it
                    a.error(c.span(), "unwatch() cannot be used: it removed the watchpoints of watchpoint:FUNCTION+argN "
                            + "probes, which bpftrace 0.25 removed");
                } else if (Builtins.UNSUPPORTED_FUNCTIONS.contains(n)) {
                    a.error(c.span(), n + "() is not supported by bpf4j trace yet");
                } else {
                    a.error(new Span(c.span().begin(), c.span().begin() + n.length()),
                            "Unknown function: " + n);
                }
                return Type.NONE;
            }
        }
    }

    /**
     * A call of a function of imported BPC C ({@code import "lib.bpf.c";}): its arguments integers
     * (converted to the parameters' types), its value the result's type (none for {@code void}).
     */
    private Type cFunction(Expr.Call c, CFunction f) {
        typeArgs(c);
        if (f.problem().isPresent()) {
            a.error(c.span(), "cannot call " + f.name() + "() of " + f.file() + ": " + f.problem().get());
            return Type.NONE;
        }
        if (c.args().size() != f.params().size()) {
            // current bpftrace's words
            a.error(c.span(), "Function `" + f.name() + "` requires " + f.params().size() + " arguments, got only "
                    + c.args().size());
            return Type.NONE;
        }
        for (int i = 0; i < c.args().size(); i++) {
            Type t = a.type(c.args().get(i));
            if (!(t instanceof Type.Int)) {
                a.error(c.args().get(i).span(), "Expected " + f.params().get(i).c() + " for argument " + (i + 1)
                        + " of " + f.name() + "() got " + t.display());
            }
        }
        return f.result().<Type>map(r -> new Type.Int(r.size() * 8, r.signed(), null, false, false))
                .orElse(Type.NONE);
    }

    /**
     * {@code @m[key]} for a map and a key given apart ({@code has_key(@m, key)}): a tuple key is the
     * map's keys unless the map is keyed by one tuple.
     */
    Expr.MapRef keyedRef(Expr.MapRef m, Expr key) {
        MapInfo info = a.map(m.name());
        boolean oneTuple = info != null && info.keys().size() == 1 && info.keys().getFirst() instanceof Type.Tuple;
        return new Expr.MapRef(m.name(), key instanceof Expr.Tuple t && !oneTuple ? t.elements() : List.of(key),
                m.span());
    }

    /** {@code buf(data[, length])}: at most {@code max_strlen} bytes ({@link Settings}), as bpftrace 0.17. */
    private Type buf(Expr.Call c) {
        if (!nargsBetween(c, 1, 2)) {
            return new Type.Buf(a.strlen());
        }
        Type t = a.type(c.args().getFirst());
        if (!(t instanceof Type.Int) && !(t instanceof Type.Str) && !(t instanceof Type.Array)) {
            a.error(c.span(), "buf() expects an integer, string, or array argument but saw "
                    + SemanticAnalyser.kindName(t));
        }
        long size = a.strlen();
        if (c.args().size() == 1) {
            if (t instanceof Type.Array arr) {
                size = arr.size();
            } else {
                a.error(c.span(), "buf() expects a length argument for non-array type " + SemanticAnalyser.kindName(t));
            }
        } else {
            Type lt = a.type(c.args().get(1));
            if (!(lt instanceof Type.Int)) {
                a.error(c.span(), "buf() only supports integer arguments (" + SemanticAnalyser.kindName(lt) + " provided)");
            }
            Long len = literal(c.args().get(1));
            if (len != null) {
                if (len < 0) {
                    a.error(c.span(), "buf cannot use negative length (" + len + ")");
                    len = 0L;
                }
                size = len;
            }
        }
        if (size > a.strlen()) {
            a.warning(c.span(), "buf() length is too long and will be shortened to " + a.strlen()
                    + " bytes (see BPFTRACE_STRLEN)");
            size = a.strlen();
        }
        return new Type.Buf((int) size);
    }

    private void checkKeys(Expr.MapRef keyed) {
        MapInfo m = a.map(keyed.name());
        List<Type> keys = a.mapKeys(keyed);
        if (m == null) {
            a.error(keyed.span(), "Undefined map: " + keyed.name());
        } else if (m.keys().size() != keys.size() && !MapTyping.tupleKeyed(m.keys(), keys.size())
                && !MapTyping.tupleForKeys(m.keys(), keys)) {
            a.error(keyed.span(), "Argument mismatch for " + keyed.name() + ": trying to access with " + keys.size()
                    + " arguments when map expects " + m.keys().size());
        } else {
            widenKeys(keyed);
        }
    }

    /**
     * Widens a map's keys to hold the key of {@code keyed} as an assignment would (a longer string),
     * as current bpftrace's {@code check_key} does for {@code has_key}, {@code delete} and
     * {@code find}: the key is then looked up whole, not cut to the map's key size.
     */
    void widenKeys(Expr.MapRef keyed) {
        MapInfo m = a.map(keyed.name());
        if (m != null) {
            a.declareMap(keyed, a.mapKeys(keyed), m.value(), keyed.span());
        }
    }

    private MapInfo mapArg(Expr.Call c, Expr e, boolean unkeyed) {
        // current bpftrace: a keyed map (@x[1]) is a map's value, not a map
        if (!(e instanceof Expr.MapRef m) || unkeyed && !m.keys().isEmpty()) {
            a.error(e.span(), c.name() + "() expects a map argument");
            return null;
        }
        MapInfo info = a.map(m.name());
        if (info == null) {
            a.error(m.span(), "Undefined map: " + m.name());
        }
        return info;
    }

    private Type delete(Expr.Call c) {
        if (c.args().size() == 1) {
            if (!(c.args().getFirst() instanceof Expr.MapRef m)) {
                a.error(c.span(), "delete() expects a map to be provided");
                return Type.NONE;
            }
            MapInfo info = a.map(m.name());
            if (m.keys().isEmpty() && info != null && !info.keys().isEmpty()) {
                // current bpftrace's words (its delete(@map) macro fails so)
                a.error(c.span(), "call to delete() with a single argument expects a map without explicit keys "
                        + "(scalar map)");
                return Type.NONE;
            }
            checkKeys(m);
            return Type.Int.bool(8); // current bpftrace: true if the key was there
        }
        if (c.args().size() == 2 && c.args().getFirst() instanceof Expr.MapRef m && m.keys().isEmpty()) {
            MapInfo info = a.map(m.name());
            if (info != null && info.keys().isEmpty()) {
                // current bpftrace's words (its check_key macro fails so)
                a.error(c.span(), "call to delete() with two arguments expects a map with explicit keys "
                        + "(non-scalar map)");
                return Type.NONE;
            }
            checkKeys(keyedRef(m, c.args().get(1)));
            return Type.Int.bool(8);
        }
        a.error(c.span(), "delete() expects a map to be provided");
        return Type.NONE;
    }

    private Type printf(Expr.Call c) {
        if (c.args().isEmpty()) {
            a.error(c.span(), c.name() + "() requires at least one argument (0 provided)");
            return Type.NONE;
        }
        if (!(c.args().getFirst() instanceof Expr.StrLit fmt)) {
            typeArgs(c);
            a.error(c.span(), c.name() + "() expects a string literal as the first argument");
            return Type.NONE;
        }
        List<Type> args = new ArrayList<>();
        for (Expr x : c.args().subList(1, c.args().size())) {
            args.add(a.type(x));
        }
        List<Expr> values = c.args().subList(1, c.args().size());
        FormatString format = FormatString.parse(fmt.value());
        for (int i = 0; i < args.size() && i < format.specs().size(); i++) {
            if (format.specs().get(i).conversion() == 's' && a.enums.isEnum(values.get(i))) {
                args.set(i, new Type.Str(8)); // current bpftrace: an enum value's %s is its enumerator's name
            }
        }
        String problem = format.check(c.name(), args);
        for (int i = 0; problem != null && i < args.size(); i++) {
            if (args.get(i) instanceof Type.None) {
                if (a.isRecord(values.get(i))) {
                    problem = problem.replace("(none supplied)", "(record supplied)");
                }
                break;
            }
        }
        if (problem != null && c.args().stream().noneMatch(a::failed)) {
            a.error(c.span(), problem);
        }
        return Type.NONE;
    }

    /**
     * {@code debugf(fmt, ...)}: bpf_trace_printk, as bpftrace 0.17 checks it: at most 3 arguments,
     * conversions {@code d u x p s} (with {@code l}/{@code ll}), and a warning at every use.
     */
    private Type debugf(Expr.Call c) {
        a.warning(c.span(), "The debugf() builtin is not recommended for production use. For more information see "
                + "bpf_trace_printk in bpf-helpers(7).");
        printf(c);
        if (c.args().size() > 4) {
            a.error(c.span(), "cannot use more than 3 conversion specifiers");
        } else if (!c.args().isEmpty() && c.args().getFirst() instanceof Expr.StrLit fmt) {
            for (FormatString.Spec s : FormatString.parse(fmt.value()).specs()) {
                if ("duxps".indexOf(s.conversion()) < 0 || !List.of("", "l", "ll").contains(s.length())) {
                    a.error(c.span(), "debugf: Unknown format string token: " + s.text());
                    break;
                }
            }
        }
        return Type.NONE;
    }

    private Type print(Expr.Call c) {
        if (c.args().isEmpty()) {
            a.error(c.span(), "print() requires at least one argument (0 provided)");
            return Type.NONE;
        }
        Expr first = c.args().getFirst();
        if (first instanceof Expr.MapRef m && m.keys().isEmpty()) {
            if (c.args().size() > 3) {
                a.error(c.span(), "print() takes up to 3 arguments (" + c.args().size() + " provided)");
            }
            for (Expr x : c.args().subList(1, c.args().size())) {
                // a positional parameter is a literal by then in current bpftrace (print(@m, $2, $1))
                Long param = x instanceof Expr.Param && a.type(x) instanceof Type.Int
                        ? ConstantFolding.value(a, x) : null;
                if (param != null) {
                    a.constant(x, param);
                } else if (!(x instanceof Expr.IntLit)) {
                    a.error(c.span(), "print() expects integer literals as its top and div arguments");
                }
            }
            MapInfo info = a.map(m.name());
            if (info == null) {
                a.error(m.span(), "Undefined map: " + m.name()); // at the map, as current bpftrace (0.17: from the call)
            } else if (!(info.value() instanceof Type.Agg)) {
                // hist, lhist, stats, avg... maps are printed whole; only plain values are read.
                a.type(m instanceof Expr.MapRef && info.keys().isEmpty() ? m : new Expr.IntLit(0, m.span()));
            }
            return Type.NONE;
        }
        Type.Agg agg = a.aggregateRead(first);
        if (agg != null) {
            // one key's value of a map of hist, lhist, tseries or stats values: current bpftrace's words
            a.error(c.span(), SemanticAnalyser.multiKey(agg) ? "Map type " + agg.display()
                    + " cannot print the value of individual keys. You must print the whole map."
                    : "Can not read " + agg.display() + " map " + ((Expr.MapRef) first).name() + " in an expression");
            return Type.NONE;
        }
        if (c.args().size() != 1) {
            a.error(c.span(), "Non-map print() only takes 1 argument, " + c.args().size() + " found");
        }
        Type t = a.type(first);
        if (t instanceof Type.None && !(first instanceof Expr.Var) && !(first instanceof Expr.MapRef)
                && !a.failed.contains(first)) {
            a.error(c.span(), "none type passed to print() is not printable");
        }
        return Type.NONE;
    }
}
