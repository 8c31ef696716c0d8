package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfFormat;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.RawTracepoints;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.probe.TracepointFormat;
import org.bpf4j.trace.symbols.Dwarf;

/**
 * The types of what a probe reads from its context: {@code args.FIELD} / {@code args->FIELD} of
 * tracepoints (from their tracefs formats), and which probe types have {@code argN} and
 * {@code retval}.
 */
final class ProbeArgs {
    private final SemanticAnalyser a;
    private final AttachPoints.Expansion expansion;

    ProbeArgs(SemanticAnalyser a, AttachPoints.Expansion expansion) {
        this.a = a;
        this.expansion = expansion;
    }

    /** What an attach point refers to on this machine, or null. */
    /** Whether an attach point is an fentry/fexit probe on a function of the kernel's BTF. */
    boolean isFentry(AttachPoint ap) {
        return resolved(ap) instanceof Resolved.Fentry;
    }

    Resolved resolved(AttachPoint ap) {
        return expansion.resolved().get(ap);
    }

    static boolean isArgs(Expr e) {
        return e instanceof Expr.Builtin b && b.name().equals("args");
    }

    /** The type of a field of {@code args}, the same in every attach point of the probe. */
    Type field(Expr.Field f, Probe probe) {
        Type result = null;
        for (AttachPoint ap : probe.attachPoints()) {
            boolean uprobe = ap.provider().equals("uprobe");
            boolean fentry = resolved(ap) instanceof Resolved.Fentry;
            if (uprobe || ap.provider().equals("rawtracepoint") || fentry) {
                Type t = uprobe ? uprobeArg(f, ap) : fentry ? fentryArg(f, ap) : rawTracepointArg(f, ap);
                if (t == null) {
                    return Type.NONE;
                }
                if (result != null && !result.equals(t)) {
                    a.error(ap.span(), "Probe has attach points with mixed arguments");
                    return Type.NONE;
                }
                result = t;
                continue;
            }
            if (!ap.provider().equals("tracepoint")) {
                String kind = ProbeBuiltins.probeType(ap.provider());
                if (kind.equals("fentry") || kind.equals("fexit")) {
                    a.error(f.base().span(), ap.parts().size() > 1 && ap.parts().getFirst().equals("bpf")
                            ? "The args builtin cannot be used for 'fentry/fexit:bpf' probes"
                            : "The args builtin of " + kind + " probes is not supported by bpf4j trace");
                } else {
                    a.error(f.base().span(), "The args builtin can only be used with tracepoint, rawtracepoint, "
                            + "fentry/fexit, and uprobe probes (" + kind + " used here)");
                }
                return Type.NONE;
            }
            Optional<TracepointFormat> format = expansion.format(ap);
            if (format.isEmpty()) {
                return Type.NONE; // the attach point's own error was reported
            }
            TracepointFormat tf = format.get();
            Optional<TracepointFormat.Field> fd = tf.field(f.field());
            if (fd.isEmpty()) {
                a.error(f.span(), "Struct/union of type 'struct _tracepoint_" + tf.category() + "_" + tf.name()
                        + "' does not contain a field named '" + f.field() + "'");
                return Type.NONE;
            }
            Type t = type(fd.get(), tf.category().equals("syscalls"));
            if (t == null) {
                a.error(f.span(), "field '" + f.field() + "' of tracepoint " + tf.category() + ":" + tf.name()
                        + " has type '" + fd.get().type() + "', which bpf4j trace cannot read as a value");
                return Type.NONE;
            }
            if (result != null && !result.equals(t)) {
                a.error(f.span(), "field '" + f.field() + "' has different types in the probe's tracepoints ("
                        + result.display() + " and " + t.display() + ")");
                return Type.NONE;
            }
            result = t;
            if (fd.get().type().startsWith("enum ")) {
                // current bpftrace: an enum field (skb:kfree_skb's reason) prints by name with %s
                a.enums.note(f, fd.get().type().substring("enum ".length()).strip());
            }
        }
        return result == null ? Type.NONE : result;
    }

    /**
     * The struct a pointer field of {@code args} points to ({@code struct __kernel_timespec} of
     * {@code args->rqtp}), as written in the first attach point's format; empty if it is not one.
     */
    Optional<String> pointee(Expr.Field f, Probe probe) {
        if (probe.attachPoints().isEmpty()) {
            return Optional.empty(); // outside a probe (a function's signature): field() reported it
        }
        AttachPoint ap = probe.attachPoints().getFirst();
        if ((ap.provider().equals("uprobe") || ap.provider().equals("uretprobe"))
                && resolved(ap) instanceof Resolved.Uprobe u) {
            // a parameter that points to a struct of the binary's debug information (args.foo1->a)
            Dwarf dwarf;
            try {
                dwarf = Dwarf.cached(u.binary());
            } catch (RuntimeException e) {
                return Optional.empty(); // field() reported it ("No debuginfo found for ...")
            }
            return dwarf.params(String.valueOf(u.symbol())).orElse(List.of()).stream()
                    .filter(p -> p.name().equals(f.field()))
                    .map(Dwarf.Param::type).findFirst()
                    .filter(t -> t instanceof Dwarf.PointerType pt
                            && pt.pointee() instanceof Dwarf.OtherType o
                            && o.name().matches("(struct|union) \\w+"))
                    .map(t -> ((Dwarf.PointerType) t).pointee().name());
        }
        Optional<RawTracepoints.Entry> entry = resolved(ap) instanceof Resolved.RawTracepoint r ? r.entry()
                : resolved(ap) instanceof Resolved.Fentry fe ? Optional.of(fe.function().entry()) : Optional.empty();
        if (entry.isPresent()) {
            // a pointer to a struct of the kernel's BTF (struct sk_buff *skb)
            Btf btf = entry.get().btf();
            return entry.get().params().stream().filter(p -> p.name().equals(f.field())).findFirst()
                    .map(p -> btf.resolve(p.type())).filter(t -> t instanceof BtfType.Ptr)
                    .map(t -> btf.resolve(((BtfType.Ptr) t).type()))
                    .filter(t -> (t instanceof BtfType.Struct
                            || t instanceof BtfType.Union) && !t.name().isEmpty())
                    .map(t -> (t instanceof BtfType.Struct ? "struct " : "union ") + t.name());
        }
        if (!ap.provider().equals("tracepoint")) {
            return Optional.empty();
        }
        return expansion.format(ap).flatMap(tf -> tf.field(f.field())).filter(fd ->
                fd.kind() == TracepointFormat.Kind.POINTER).map(fd -> fd.type().replace("const ", "")
                .replace("__user", "").strip()).filter(t -> t.matches("(struct|union) \\w+\\s*\\*"))
                .map(t -> t.substring(0, t.length() - 1).strip());
    }

    /**
     * The type of {@code args} as a whole in a uprobe (current bpftrace): a record of the
     * function's parameters from the binary's DWARF, each in an 8-byte slot (as the argument
     * registers hold them); the same in every attach point of the probe. {@link Type#NONE} after
     * an error.
     */
    Type record(Expr.Builtin b, Probe probe) {
        Type.Record result = null;
        for (AttachPoint ap : probe.attachPoints()) {
            if (resolved(ap) instanceof Resolved.Fentry fe) {
                Type.Record r = fentryRecord(b, fe);
                if (r == null) {
                    return Type.NONE;
                }
                if (result != null && !result.fields().equals(r.fields())) {
                    a.error(ap.span(), "Probe has attach points with mixed arguments");
                    return Type.NONE;
                }
                result = result == null ? r : result;
                continue;
            }
            if (!(resolved(ap) instanceof Resolved.Uprobe u)) {
                return Type.NONE; // the attach point's own error was reported
            }
            Dwarf dwarf;
            try {
                dwarf = Dwarf.cached(u.binary());
            } catch (RuntimeException e) {
                a.error(ap.span(), "No debuginfo found for " + u.binary() + " (" + e.getMessage() + ")");
                return Type.NONE;
            }
            if (!dwarf.available()) {
                a.error(ap.span(), "No debuginfo found for " + u.binary());
                return Type.NONE;
            }
            List<Dwarf.Param> params = dwarf.params(u.symbol()).orElse(List.of());
            List<Type.RecordField> fields = new ArrayList<>();
            for (int i = 0; i < params.size(); i++) {
                Dwarf.Param p = params.get(i);
                Type t = dwarfType(p.type());
                if (!(t instanceof Type.Int)) {
                    a.error(b.span(), "parameter '" + p.name() + "' has type '" + p.type().name()
                            + "', which bpf4j trace cannot read as a value (args as a whole)");
                    return Type.NONE;
                }
                if (i > 5) {
                    a.error(b.span(), "parameter '" + p.name() + "' is passed on the stack, which bpf4j trace "
                            + "does not read through args yet (use sarg" + (i - 6) + ")");
                    return Type.NONE;
                }
                fields.add(new Type.RecordField(p.name(), t, 8 * i));
            }
            Type.Record r = new Type.Record("struct " + u.symbol() + "_args", fields, 8 * fields.size());
            if (result != null && !result.fields().equals(r.fields())) {
                a.error(ap.span(), "Probe has attach points with mixed arguments");
                return Type.NONE;
            }
            result = result == null ? r : result;
        }
        if (result == null || result.fields().isEmpty()) {
            a.error(b.span(), "The args builtin has no fields in this probe (its function has no parameters)");
            return Type.NONE;
        }
        return result;
    }

    /**
     * {@code args} as a whole in an fentry/fexit probe (current bpftrace): a record of the
     * function's parameters from the kernel's BTF, each in its 8-byte slot of the context, typed
     * as {@code args.NAME} is (an fexit's return value is {@code retval}, not one of its fields);
     * null after an error.
     */
    private Type.Record fentryRecord(Expr.Builtin b, Resolved.Fentry fe) {
        RawTracepoints.Entry e = fe.function().entry();
        List<Type.RecordField> fields = new ArrayList<>();
        for (int i = 0; i < e.params().size(); i++) {
            String name = e.params().get(i).name();
            Type t = btfArg(new Expr.Field(b, name, false, b.span()), e, fe.returnProbe() ? "fexit" : "fentry");
            if (t == null) {
                return null;
            }
            fields.add(new Type.RecordField(name, t, 8 * i));
        }
        return new Type.Record("struct " + fe.function().name() + "_args", fields, 8 * fields.size());
    }

    /** Whether the pointers of a probe's arguments are user addresses (system call arguments, uprobes). */
    boolean userPointer(Probe probe) {
        return probe.attachPoints().stream().allMatch(ap -> ap.provider().equals("uprobe") || ap.provider().equals("uretprobe")
                || !ap.parts().isEmpty() && ap.parts().getFirst().equals("syscalls"));
    }

    /**
     * The type of {@code args.NAME} in a uprobe: the function's parameter of that name, from the
     * binary's DWARF (its index is recorded as the expression's constant); null after an error.
     */
    private Type uprobeArg(Expr.Field f, AttachPoint ap) {
        if (!(resolved(ap) instanceof Resolved.Uprobe u)) {
            return null; // the attach point's own error was reported
        }
        Dwarf dwarf;
        try {
            dwarf = Dwarf.cached(u.binary());
        } catch (RuntimeException e) {
            a.error(ap.span(), "No debuginfo found for " + u.binary() + " (" + e.getMessage() + ")");
            return null;
        }
        if (!dwarf.available()) {
            a.error(ap.span(), "No debuginfo found for " + u.binary());
            return null;
        }
        List<Dwarf.Param> params = dwarf.params(String.valueOf(u.symbol())).orElse(List.of());
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).name().equals(f.field())) {
                Type t = dwarfType(params.get(i).type());
                if (!(t instanceof Type.Int)) {
                    a.error(f.span(), "parameter '" + f.field() + "' has type '" + params.get(i).type().name()
                            + "', which bpf4j trace cannot read as a value");
                    return null;
                }
                if (i > 5) {
                    a.error(f.span(), "parameter '" + f.field() + "' is passed on the stack, which bpf4j trace "
                            + "does not read through args yet (use sarg" + (i - 6) + ")");
                    return null;
                }
                a.constant(f, i);
                return t;
            }
        }
        a.error(f.span(), "Can't find function parameter " + f.field());
        return null;
    }

    /**
     * The type of {@code args.NAME} in a raw tracepoint: its argument of that name, from the
     * kernel's BTF (its index is recorded as the expression's constant: it is read as
     * {@code argN}); null after an error.
     */
    private Type rawTracepointArg(Expr.Field f, AttachPoint ap) {
        if (!(resolved(ap) instanceof Resolved.RawTracepoint r)) {
            return null; // the attach point's own error was reported
        }
        if (r.entry().isEmpty()) {
            a.error(f.base().span(), "args of raw tracepoints need the kernel's BTF");
            return null;
        }
        return btfArg(f, r.entry().get(), "rawtracepoint");
    }

    /**
     * The type of {@code args.NAME} in an fentry/fexit probe: the function's parameter of that
     * name, from the kernel's BTF, read from its slot of the context as a raw tracepoint's.
     */
    private Type fentryArg(Expr.Field f, AttachPoint ap) {
        Resolved.Fentry fe = (Resolved.Fentry) resolved(ap);
        RawTracepoints.Entry e = fe.function().entry();
        if (e.params().stream().noneMatch(p -> p.name().equals(f.field()))) {
            // current bpftrace's words
            a.error(f.span(), "Can't find function parameter " + f.field());
            return null;
        }
        return btfArg(f, e, fe.returnProbe() ? "fexit" : "fentry");
    }

    /** The type of {@code args.NAME}, the argument of that name of a BTF prototype; null after an error. */
    private Type btfArg(Expr.Field f, RawTracepoints.Entry entry, String kind) {
        Btf btf = entry.btf();
        List<RawTracepoints.Param> params = entry.params();
        for (int i = 0; i < params.size(); i++) {
            if (!params.get(i).name().equals(f.field())) {
                continue;
            }
            Type t = switch (btf.resolve(params.get(i).type())) {
                case BtfType.Int bi when bi.size() == 1 || bi.size() == 2 || bi.size() == 4
                        || bi.size() == 8 -> new Type.Int(bi.size() * 8, bi.signed()
                                || (bi.encoding() & BtfType.Int.CHAR) != 0 && bi.size() == 1);
                case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4
                        || en.size() == 8 -> new Type.Int(en.size() * 8, en.signed());
                case BtfType.Ptr ptr -> Type.Int.pointer(
                        btf.resolve(ptr.type()) instanceof BtfType.Int pi && (pi.size() == 1
                                || pi.size() == 2 || pi.size() == 4 || pi.size() == 8) ? new Type.Int(pi.size() * 8,
                                pi.signed() || (pi.encoding() & BtfType.Int.CHAR) != 0
                                        && pi.size() == 1) : Type.NONE, false);
                default -> null;
            };
            if (t == null) {
                a.error(f.span(), "argument '" + f.field() + "' of " + kind + " " + entry.qualified()
                        + " has type '" + BtfFormat.typeName(btf, params.get(i).type()).strip()
                        + "', which bpf4j trace cannot read as a value");
                return null;
            }
            a.constant(f, i);
            return t;
        }
        a.error(f.span(), "Can't find argument " + f.field() + " of rawtracepoint " + entry.qualified());
        return null;
    }

    /**
     * The language type of a DWARF parameter type (pointers point to user memory; a struct they
     * point to is found among the binary's types, so that {@code (*args.list)->name} reads it).
     */
    private Type dwarfType(Dwarf.ParamType t) {
        return switch (t) {
            case Dwarf.IntType i -> new Type.Int(i.bits(), i.signed());
            case Dwarf.PointerType p -> Type.Int.pointer(
                    p.pointee() == null ? Type.NONE : dwarfType(p.pointee()), true);
            case Dwarf.OtherType o -> o.name().matches("(struct|union) \\w+")
                    ? a.structs.structRef(o.name()) : Type.NONE;
        };
    }

    /**
     * The value type of a tracepoint field, or null if it has none. A pointer to pointers
     * ({@code const char *const * argv}) is a pointer whose elements are pointers, so that
     * {@code str(args.argv[1])} reads the second string (in user memory when {@code user}); other
     * pointers are 64-bit integers.
     */
    static Type type(TracepointFormat.Field f, boolean user) {
        return switch (f.kind()) {
            case INTEGER -> new Type.Int(f.size() * 8, f.signed());
            case CHAR_ARRAY -> new Type.Str(f.size());
            case POINTER -> {
                if (f.type().chars().filter(ch -> ch == '*').count() < 2) {
                    yield Type.UINT64;
                }
                String base = f.type().substring(0, f.type().indexOf('*')).replace("const", "").replace("volatile", "")
                        .replace("__user", "").strip();
                Type elem = switch (base) {
                    case "char", "signed char" -> new Type.Int(8, true);
                    case "unsigned char", "u8" -> new Type.Int(8, false);
                    default -> Type.NONE;
                };
                yield Type.Int.pointer(Type.Int.pointer(elem, user), user);
            }
            case DATA_LOC -> Type.UINT64;
            case INT_ARRAY -> new Type.Array(new Type.Int(f.size() / f.count() * 8, f.elementSigned()), f.count());
            case OTHER -> null;
        };
    }

    /** Probe types whose context holds {@code arg0}..{@code argN}. */
    static final List<String> WITH_ARGS = List.of("kprobe", "uprobe", "usdt", "rawtracepoint", "java");
    /**
     * The type of {@code retval} in an fexit probe, from the function's BTF prototype (a pointer to a
     * kernel struct is recorded in {@code pointees}, so that {@code retval->f} reads it); null
     * elsewhere (an unsigned 64-bit integer).
     */
    Type fexitRetval(Expr.Builtin b, Probe probe) {
        if (!(resolved(probe.attachPoints().getFirst()) instanceof Resolved.Fentry fe)
                || !fe.returnProbe()) {
            return null;
        }
        Btf btf = fe.function().entry().btf();
        int ret = fe.function().returnType();
        if (ret == 0) {
            return Type.UINT64;
        }
        return switch (btf.resolve(ret)) {
            case BtfType.Int bi when bi.size() == 1 || bi.size() == 2 || bi.size() == 4
                    || bi.size() == 8 -> new Type.Int(bi.size() * 8, bi.signed());
            case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4
                    || en.size() == 8 -> new Type.Int(en.size() * 8, en.signed());
            case BtfType.Ptr ptr -> {
                String name = BtfFormat.typeName(btf, ptr.type()).strip();
                int sid = name.matches("(struct|union) \\w+") && a.kernel.available() && a.kernel.btf().isPresent()
                        ? a.kernel.structId(name.substring(name.indexOf(' ') + 1)) : -1;
                if (sid >= 0) {
                    a.pointees.put(b, sid);
                }
                yield Type.Int.pointer(Type.NONE, false);
            }
            default -> Type.UINT64;
        };
    }

    /** Probe types whose context holds {@code retval}. */
    static final List<String> WITH_RETVAL = List.of("kretprobe", "uretprobe", "kretfunc", "fexit", "java");
}
