package org.bpf4j.trace.sema;

import java.util.List;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.symbols.KernelSymbols;

/**
 * Type rules of the functions about kernel and user addresses, for {@link Calls}: the stacks
 * ({@code kstack}, {@code ustack}, {@code dw_ustack}), the symbols of an address ({@code ksym},
 * {@code usym}), the addresses of symbols and variables ({@code kaddr}, {@code percpu_kaddr},
 * {@code uaddr}), registers ({@code reg}) and the address-space casts {@code kptr}, {@code uptr}.
 */
final class AddressCalls {
    private final SemanticAnalyser a;
    private final Calls calls;

    AddressCalls(SemanticAnalyser a, Calls calls) {
        this.a = a;
        this.calls = calls;
    }

    /** The type of a call of one of these functions ({@link Calls} sends them here). */
    Type call(Expr.Call c) {
        String n = c.name();
        switch (n) {
            case "kstack", "ustack" -> {
                return stack(c);
            }
            case "dw_ustack" -> {
                a.unstableDwUstack(c.span());
                return stack(c);
            }
            case "ksym", "usym" -> {
                if (calls.nargs(c, 1) && !(a.type(c.args().getFirst()) instanceof Type.Int)) {
                    a.error(c.span(), n + "() expects an integer or pointer argument");
                }
                return n.equals("ksym") ? new Type.Ksym() : new Type.Usym();
            }
            case "kaddr" -> {
                if (calls.nargs(c, 1)) {
                    Type t = a.type(c.args().getFirst());
                    String param = calls.paramText(c.args().getFirst());
                    if (param != null) {
                        // kaddr(str($1)): the parameter is the literal, as bpftrace takes it
                        var address = KernelSymbols.system().address(param);
                        if (address.isEmpty()) {
                            a.error(c.span(), "Failed to resolve kernel symbol: " + param);
                        } else {
                            a.constant(c, address.getAsLong());
                        }
                    } else if (!(c.args().getFirst() instanceof Expr.StrLit name)) {
                        a.error(c.span(), "kaddr() expects a string literal (" + SemanticAnalyser.kindName(t)
                                + " provided)");
                    } else if (KernelSymbols.system().address(name.value()).isEmpty()) {
                        a.error(c.span(), "Failed to resolve kernel symbol: " + name.value());
                    }
                }
                return Type.UINT64;
            }
            case "percpu_kaddr" -> {
                // current bpftrace: the address of a kernel per-CPU variable on a CPU (this one
                // without the second argument), found in the kernel's BTF
                if (!calls.nargsBetween(c, 1, 2)) {
                    return Type.UINT64;
                }
                if (c.args().size() == 2 && !(a.type(c.args().get(1)) instanceof Type.Int)) {
                    a.error(c.args().get(1).span(), "percpu_kaddr() expects an integer CPU ("
                            + SemanticAnalyser.kindName(a.type(c.args().get(1))) + " provided)");
                }
                if (!(c.args().getFirst() instanceof Expr.StrLit name)) {
                    a.error(c.span(), "percpu_kaddr() expects a string literal ("
                            + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
                } else if (!a.kernel.available()) {
                    a.error(c.span(), "percpu_kaddr() is not available on the VM backend (it has no kernel "
                            + "variables; use --backend kernel)");
                } else {
                    int id = a.kernel.variableId(name.value());
                    if (id < 0) {
                        a.error(c.span(), "Could not resolve variable \"" + name.value() + "\" from BTF");
                    } else {
                        a.constant(c, id); // the variable's BTF id, which the program's ld_imm64 names
                    }
                }
                return Type.UINT64;
            }
            case "reg" -> {
                available(c, "kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "profile", "interval", "software",
                        "hardware", "watchpoint");
                if (calls.nargs(c, 1)) {
                    Type t = a.type(c.args().getFirst());
                    if (!(c.args().getFirst() instanceof Expr.StrLit lit)) {
                        a.error(c.span(), "reg() expects a string literal (" + SemanticAnalyser.kindName(t) + " provided)");
                    } else if (Registers.offset(lit.value()) < 0) {
                        a.error(c.span(), "'" + lit.value() + "' is not a valid register on this architecture (x86_64)");
                    }
                }
                return Type.UINT64;
            }
            case "uaddr" -> {
                if (a.subprogs.inFunction()) {
                    calls.typeArgs(c);
                    a.error(c.span(), "Builtin __builtin_uaddr not supported outside probe");
                    return Type.NONE;
                }
                return uaddr(c);
            }
            case "kptr", "uptr" -> {
                if (!calls.nargs(c, 1)) {
                    return Type.UINT64;
                }
                Type t = a.type(c.args().getFirst());
                if (!(t instanceof Type.Int i)) {
                    a.error(c.span(), n + "() only supports integer or pointer arguments (" + SemanticAnalyser.kindName(t)
                            + " provided)");
                    return Type.UINT64;
                }
                return i.isPointer() ? Type.Int.pointer(i.pointee(), n.equals("uptr")) : i;
            }
            default -> throw new IllegalArgumentException(n);
        }
    }

    /** Reports {@code NAME can not be used with "PROVIDER" probes} for attach points not in {@code providers}. */
    private void available(Expr.Call c, String... providers) {
        for (var ap : a.probe().attachPoints()) {
            if (!List.of(providers).contains(ap.provider())) {
                // uaddr() is current bpftrace's macro around __builtin_uaddr(), the call its messages name
                a.error(c.span(), builtinName(c) + " can not be used with \""
                        + ProbeBuiltins.providerName(ap.provider()) + "\" probes");
            }
        }
    }

    /** The name current bpftrace's messages give a call: {@code __builtin_uaddr} for uaddr (its macro's call). */
    private static String builtinName(Expr.Call c) {
        return c.name().equals("uaddr") ? "__builtin_uaddr" : c.name();
    }

    /** {@code uaddr("symbol")}: a pointer to the symbol in the uprobe's binary, sized by the symbol. */
    private Type uaddr(Expr.Call c) {
        available(c, "uprobe", "uretprobe", "usdt");
        Type result = Type.Int.pointer(Type.UINT64, true);
        if (!calls.nargs(new Expr.Call(builtinName(c), c.args(), c.span(), c.expandedFrom()), 1)) {
            return result;
        }
        Type t = a.type(c.args().getFirst());
        if (!(c.args().getFirst() instanceof Expr.StrLit lit)) {
            a.error(c.span(), builtinName(c) + "() expects a string literal as the first argument");
            return result;
        }
        String re = "^[a-zA-Z0-9./_-]+$";
        if (!lit.value().matches(re)) {
            a.error(c.span(), builtinName(c) + "() expects a string that is a valid symbol (" + re + ") as input (\""
                    + lit.value() + "\" provided)");
            return result;
        }
        long size = -1;
        for (var ap : a.probe().attachPoints()) {
            var sym = a.userSymbol(ap, lit.value());
            if (sym == null) {
                a.error(c.span(), "Could not resolve symbol: " + (ap.parts().isEmpty() ? "" : ap.parts().getFirst())
                        + ":" + lit.value());
                continue;
            }
            if (size < 0) {
                size = sym[1];
                a.constant(c, sym[0]);
            }
        }
        int bits = size == 1 || size == 2 || size == 4 ? (int) size * 8 : 64;
        return Type.Int.pointer(new Type.Int(bits, false), true);
    }

    /**
     * {@code kstack([mode][, limit])}, {@code ustack(...)}: mode {@code bpftrace}, {@code perf} or
     * (current bpftrace) {@code raw}, the addresses alone.
     */
    private Type stack(Expr.Call c) {
        boolean user = !c.name().equals("kstack");
        String mode = a.settings().stackMode();
        if (!user && mode.equals("build_id")) {
            a.warning(c.span(), "'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.");
            mode = "raw";
        }
        int limit = Builtins.STACK_FRAMES;
        if (!calls.nargsBetween(c, 0, 2)) {
            return new Type.Stack(user, mode, limit);
        }
        List<Expr> args = c.args();
        int i = 0;
        if (!args.isEmpty() && args.getFirst() instanceof Expr.Builtin b) {
            if (!Settings.STACK_MODES.contains(b.name())) {
                a.error(b.span(), "Unknown identifier: '" + b.name() + "'");
                a.error(c.span(), c.name() + "() expects a stack mode literal (none provided)");
                return new Type.Stack(user, mode, limit);
            }
            mode = b.name();
            i = 1;
            if (!user && mode.equals("build_id")) {
                a.error(c.span(), "'build_id' stack mode can only be used for ustack");
                mode = "raw";
            }
        }
        if (i < args.size()) {
            Long n = calls.literal(args.get(i));
            if (n == null) {
                a.type(args.get(i));
                a.error(c.span(), c.name() + "() expects an integer literal as the stack limit");
            } else if (n < 0 || n > 1024) {
                a.error(c.span(), c.name() + "([int limit]): limit shouldn't exceed 1024, " + n + " given");
            } else {
                limit = (int) Math.min(n, Builtins.STACK_FRAMES);
            }
            if (i + 1 < args.size()) {
                a.error(c.span(), c.name() + "() takes up to 2 arguments (" + args.size() + " provided)");
            }
        }
        return new Type.Stack(user, mode, limit);
    }
}
