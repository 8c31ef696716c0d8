package org.bpf4j.trace.sema;

import java.util.List;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;

/**
 * Type rules of the functions whose helper takes a BTF-typed kernel pointer, which only BTF-typed
 * tracing programs have (current bpftrace: fentry, fexit, iterators and raw tracepoints; in
 * bpf4j trace fentry, fexit and raw tracepoints, loaded as tp_btf): {@code socket_cookie(struct sock *)}
 * ({@code bpf_get_socket_cookie}) and {@code skboutput(FILE, struct sk_buff *, LEN, OFFSET)}
 * ({@code bpf_skb_output}: the packet written to a pcap file).
 */
final class BtfPointerCalls {
    private final SemanticAnalyser a;
    private final Calls calls;

    BtfPointerCalls(SemanticAnalyser a, Calls calls) {
        this.a = a;
        this.calls = calls;
    }

    /**
     * {@code path(PATH[, SIZE])}: the kernel's {@code bpf_d_path} of a {@code struct path} (a
     * pointer to one, or one embedded in a struct: {@code ctx.file.f_path}), a string of SIZE bytes
     * (a literal; {@code max_strlen} without one), as current bpftrace; only in the probes whose
     * programs may call {@code d_path} (fentry, fexit, iterators; in bpf4j trace iterators).
     */
    private Type path(Expr.Call c) {
        Type none = new Type.Str(a.strlen());
        if (!calls.nargsBetween(c, 1, 2)) {
            return none;
        }
        int size = a.strlen();
        if (c.args().size() == 2) {
            Long n = a.constantOf(c.args().get(1));
            a.type(c.args().get(1));
            if (!(c.args().get(1) instanceof Expr.IntLit) || n == null || n < 0) {
                a.error(c.span(), "path: invalid size value, need non-negative literal");
            } else {
                size = (int) Math.max(1, Math.min(n, a.strlen()));
            }
        }
        for (AttachPoint ap : a.probe().attachPoints()) {
            if (!List.of("fentry", "fexit", "kfunc", "kretfunc", "iter").contains(ap.provider())) {
                a.type(c.args().getFirst());
                a.error(c.span(), "The path function can only be used with 'fentry', 'fexit', 'iter' probes");
                return new Type.Str(size);
            }
        }
        Expr arg = c.args().getFirst();
        Type t = a.type(arg);
        boolean record = a.kernelFields.get(arg) != null && a.kernelFields.get(arg).struct();
        if (!record && !pointer(arg) && !a.failed(arg)) {
            a.error(c.span(), "path() only supports pointer or C type argument (" + SemanticAnalyser.kindName(t)
                    + " provided)");
        }
        return new Type.Str(size);
    }

    /**
     * The probes whose programs are BTF-typed tracing programs, which may call these helpers (as
     * current bpftrace's check of the program type; iterators aside).
     */
    private static final List<String> TRACING = List.of("rawtracepoint", "fentry", "fexit", "kfunc", "kretfunc");

    /** Whether {@code name} is one of these functions. */
    static boolean handles(String name) {
        return name.equals("socket_cookie") || name.equals("skboutput") || name.equals("path");
    }

    Type call(Expr.Call c) {
        if (c.name().equals("path")) {
            return path(c);
        }
        for (AttachPoint ap : a.probe().attachPoints()) {
            if (!TRACING.contains(ap.provider())) {
                // as current bpftrace, the number of arguments is checked too
                a.error(c.span(), c.name() + " can not be used with \"" + ProbeBuiltins.providerName(ap.provider())
                        + "\" probes");
                calls.nargs(c, c.name().equals("socket_cookie") ? 1 : 4);
                return c.name().equals("socket_cookie") ? Type.UINT64 : new Type.Int(32, false);
            }
        }
        if (c.name().equals("socket_cookie")) {
            if (calls.nargs(c, 1) && !pointer(c.args().getFirst())) {
                // current bpftrace's words for an argument of the wrong kind
                String kind = SemanticAnalyser.kindName(a.type(c.args().getFirst()));
                a.error(c.span(), "socket_cookie() only supports pointer arguments ("
                        + (kind.equals("integer") ? "int" : kind) + " provided)"); // its name of the type's kind
            } else if (c.args().size() == 1 && c.args().getFirst() instanceof Expr.Field f && ProbeArgs.isArgs(f.base())
                    && a.probeArgs.pointee(f, a.probe()).filter(st -> !st.equals("struct sock")).isPresent()) {
                a.error(c.span(), "socket_cookie() only supports 'struct sock *' as the argument ('"
                        + a.probeArgs.pointee(f, a.probe()).get() + " *' provided)");
            }
            return Type.UINT64;
        }
        if (!calls.nargs(c, 4)) {
            return new Type.Int(32, false);
        }
        if (!(c.args().get(0) instanceof Expr.StrLit)) {
            a.type(c.args().get(0));
            a.error(c.span(), "skboutput() expects a string literal as the first argument (the pcap file)");
        }
        if (!pointer(c.args().get(1))) {
            a.error(c.span(), "skboutput() expects a pointer as the second argument (the sk_buff)");
        }
        for (int i = 2; i < 4; i++) {
            if (!(a.type(c.args().get(i)) instanceof Type.Int t) || t.isPointer()) {
                a.error(c.span(), "skboutput() expects an integer as argument " + (i + 1)
                        + (i == 2 ? " (the length to capture)" : " (the offset of the captured bytes to write)"));
            } else if (i == 3 && (a.constantOf(c.args().get(i)) == null || a.constantOf(c.args().get(i)) < 0)) {
                a.error(c.span(), "skboutput() expects a non-negative integer literal as the offset");
            }
        }
        return new Type.Int(32, false);
    }

    private boolean pointer(Expr e) {
        return a.type(e) instanceof Type.Int t && t.isPointer();
    }
}
