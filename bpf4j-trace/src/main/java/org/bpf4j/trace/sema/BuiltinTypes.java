package org.bpf4j.trace.sema;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;

/**
 * Type rules of the builtin variables ({@code pid}, {@code curtask}, {@code arg0}, {@code func},
 * kernel enumerators...) and positional parameters ({@code $1}), for {@link SemanticAnalyser}.
 */
final class BuiltinTypes {
    private final SemanticAnalyser a;

    BuiltinTypes(SemanticAnalyser a) {
        this.a = a;
    }

    Type builtin(Expr.Builtin b) {
        String n = b.name();
        if (a.subprogs.refuseBuiltin(b)) {
            a.failed.add(b);
            return Type.NONE;
        }
        if (a.inForLoop() && (n.matches("arg[0-9]+") || n.equals("retval") || n.equals("ctx") && probeIs("kprobe",
                "kretprobe", "uprobe", "uretprobe", "usdt", "profile", "interval", "software", "hardware", "iter"))) {
            // as current bpftrace: a for loop's body runs as a callback, without the probe's context
            a.error(b.span(), "'" + (n.equals("retval") ? "__builtin_retval" : n) + "' builtin is not allowed in a for-loop");
            a.failed.add(b);
            return n.equals("ctx") ? Type.Int.pointer(Type.NONE, false) : Type.UINT64;
        }
        if (n.equals("ppid")) {
            if (!a.kernel.available()) {
                a.error(b.span(), "The ppid builtin is not available on the VM backend (it runs no kernel task; "
                        + "use --backend kernel)");
                a.failed.add(b);
                return Type.UINT32;
            }
            // as bpftrace: the tgid of the current task's real parent, read through BTF
            Expr task = a.rewrites.computeIfAbsent(b, k -> new Expr.Field(new Expr.Field(new Expr.Builtin("curtask",
                    b.span()), "real_parent", true, b.span()), "tgid", true, b.span()));
            if (a.type(task) instanceof Type.None) {
                a.failed.add(b);
            }
            return Type.UINT32;
        }
        if (n.equals("pcomm") || n.equals("leader_comm")) {
            if (!a.kernel.available()) {
                a.error(b.span(), "The " + n + " builtin is not available on the VM backend (it runs no kernel task; "
                        + "use --backend kernel)");
                a.failed.add(b);
                return new Type.Str(16);
            }
            // as current bpftrace: the comm of the current task's real parent (pcomm) or of its
            // thread group's leader (leader_comm), read through BTF
            String via = n.equals("pcomm") ? "real_parent" : "group_leader";
            Expr task = a.rewrites.computeIfAbsent(b, k -> new Expr.Field(new Expr.Field(new Expr.Builtin("curtask",
                    b.span()), via, true, b.span()), "comm", true, b.span()));
            if (a.type(task) instanceof Type.None) {
                a.failed.add(b);
            }
            return new Type.Str(16);
        }
        if (n.equals("curtask")) {
            if (!a.kernel.available()) {
                a.error(b.span(), "The curtask builtin is not available on the VM backend (it runs no kernel task; "
                        + "use --backend kernel)");
                a.failed.add(b);
                return Type.UINT64;
            }
            int sid = a.structs.kernelStruct("struct task_struct", b.span());
            if (sid >= 0) {
                a.pointees.put(b, sid);
            } else {
                a.failed.add(b);
            }
            return Type.Int.pointer(Type.NONE, false);
        }
        if (n.equals("usermode")) {
            // current bpftrace: the privilege level of the saved registers (x86-64's cs & 3 == 3); BEGIN
            // and END run in the tracer (uprobes there), so 1
            for (var ap : a.probe().attachPoints()) {
                if (!List.of("BEGIN", "END", "kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "profile", "interval",
                        "software", "hardware", "watchpoint").contains(ap.provider())) {
                    a.error(b.span(), "usermode can not be used with \"" + ProbeBuiltins.providerName(ap.provider()) + "\" probes (it reads the "
                            + "saved registers)");
                }
            }
            return new Type.Int(8, false);
        }
        if (n.equals("ctx")) {
            List<AttachPoint> aps = a.probe().attachPoints();
            String refusal = aps.isEmpty() ? null : ctxRefusal(aps.getFirst().provider());
            if (refusal != null) {
                a.error(b.span(), refusal);
                a.failed.add(b);
                return Type.Int.pointer(Type.NONE, false);
            }
            if (!aps.isEmpty() && aps.getFirst().provider().equals("iter") && !aps.getFirst().parts().isEmpty()) {
                // an iterator's context, struct bpf_iter__NAME: its fields are read from the context
                // itself, and the probe returns when one is 0 (the iterator's last call has task == NULL)
                int sid = a.structs.kernelStruct("struct bpf_iter__" + aps.getFirst().parts().getFirst(), b.span());
                if (sid >= 0) {
                    a.pointees.put(b, sid);
                } else {
                    a.failed.add(b);
                }
                return Type.Int.pointer(Type.NONE, false);
            }
            // the program's context (pt_regs, a tracepoint's record, perf_event data): a pointer to cast
            return Type.Int.pointer(Type.NONE, false);
        }
        Type t = Builtins.VARIABLES.get(n);
        if (t != null) {
            if (n.equals("cpid") && !a.child && !a.unreached()) { // if (has_cpid) { ... cpid ... } is fine
                a.error(b.span(), "cpid cannot be used without child command");
            }
            if (n.equals("retval") && !probeIs(ProbeArgs.WITH_RETVAL.toArray(String[]::new))) {
                a.error(b.span(), ProbeBuiltins.message(n, a.probe().attachPoints().stream().map(AttachPoint::provider)
                        .filter(p -> !ProbeArgs.WITH_RETVAL.contains(p)).findFirst().orElse("")));
            } else if (n.equals("retval")) {
                Type fexit = a.probeArgs.fexitRetval(b, a.probe());
                if (fexit != null) {
                    return fexit;
                }
            }
            return t;
        }
        if (Builtins.isArg(n)) {
            if (!probeIs(ProbeArgs.WITH_ARGS.toArray(String[]::new))) {
                a.error(b.span(), ProbeBuiltins.message(n, ""));
            }
            return n.startsWith("s") ? Type.INT64 : Type.UINT64;
        }
        if (n.equals("func")) {
            Type result = new Type.Usym();
            for (AttachPoint ap : a.probe().attachPoints()) {
                switch (ap.provider()) {
                    case "kprobe", "kretprobe" -> result = new Type.Ksym();
                    case "uprobe", "uretprobe" -> result = new Type.Usym();
                    default -> a.error(b.span(), "The func builtin can not be used with '"
                            + ProbeBuiltins.providerName(ap.provider()) + "' probes");
                }
            }
            return result;
        }
        if (n.equals("probetype")) {
            return new Type.Str(16); // the attach point's probe type, as current bpftrace names it ("special")
        }
        if (n.equals("username")) {
            return new Type.Deferred(Type.DeferredKind.USERNAME, "");
        }
        if (n.equals("kstack") || n.equals("ustack")) {
            String mode = a.settings().stackMode();
            if (n.equals("kstack") && mode.equals("build_id")) {
                a.warning(b.span(), "'build_id' stack mode can only be used for ustack. Falling back to 'raw' mode.");
                mode = "raw";
            }
            return new Type.Stack(n.equals("ustack"), mode, Builtins.STACK_FRAMES);
        }
        if (n.equals("args") && (a.probe().attachPoints().stream().allMatch(ap -> ap.provider().equals("uprobe"))
                || a.probe().attachPoints().stream().allMatch(a.probeArgs::isFentry))) {
            return a.probeArgs.record(b, a.probe());
        }
        if (Builtins.UNSUPPORTED_VARIABLES.contains(n)) {
            a.error(b.span(), "The " + n + " builtin is not supported by bpf4j trace yet");
            return Type.NONE;
        }
        if (StdlibCalls.IDENTIFIERS.contains(n)) {
            return a.stdlibIdentifier(b); // has_cpid, leader_tid: the call without arguments
        }
        Optional<Long> enumerator = a.kernel.available() ? a.kernel.enumerator(n) : Optional.empty();
        if (enumerator.isPresent()) {
            a.constant(b, enumerator.get());
            a.enums.enumerator(b, n);
            return Type.INT64;
        }
        a.untypedError(b.span(), "Unknown identifier: '" + n + "'");
        return Type.NONE;
    }

    /** Providers whose programs see a context {@code ctx} may name: registers, perf event data, an iterator's record. */
    private static final Set<String> CTX_PROVIDERS = Set.of("kprobe", "kretprobe", "uprobe",
            "uretprobe", "usdt", "java", "profile", "interval", "software", "hardware", "watchpoint", "asyncwatchpoint",
            "iter");

    /**
     * Why {@code ctx} cannot be used in a probe of the given provider (current bpftrace decides by the probe's
     * first attach point), or null: a tracepoint's record is {@code args}; BEGIN/END, test, bench and the BTF
     * probes (fentry, rawtracepoint) have no context a script may read.
     */
    private static String ctxRefusal(String provider) {
        if (CTX_PROVIDERS.contains(provider)) {
            return null;
        }
        return provider.equals("tracepoint") ? "Use args instead of ctx in tracepoint"
                : "The ctx builtin can not be used with '" + ProbeBuiltins.providerName(provider) + "' probes";
    }

    private boolean probeIs(String... providers) {
        for (AttachPoint ap : a.probe().attachPoints()) {
            if (!List.of(providers).contains(ap.provider())) {
                return false;
            }
        }
        return true;
    }

    Type param(Expr.Param p) {
        if (p.number() < 0) {
            return Type.INT64;
        }
        if (p.number() == 0) {
            a.error(p.span(), "$0 is not a valid parameter");
            return Type.NONE;
        }
        if (p.number() > a.params().size()) {
            // as current bpftrace, which reads the parameter as 0
            a.warning(p.span(), "Positional parameter $" + p.number() + " is empty or not provided. ");
            return Type.INT64;
        }
        String v = a.params().get(p.number() - 1);
        return SemanticAnalyser.parseParam(v) != null ? Type.INT64 : paramText(p);
    }

    /**
     * A positional parameter as a string ({@code $1} given as text, {@code str($1)}): as long as its
     * text, as current bpftrace's string literal it becomes (at most {@code max_strlen} bytes).
     */
    Type.Str paramText(Expr.Param p) {
        String v = p.number() >= 1 && p.number() <= a.params().size() ? a.params().get(p.number() - 1) : "";
        return new Type.Str(Math.min(v.getBytes(StandardCharsets.ISO_8859_1).length + 1, a.strlen()));
    }
}
