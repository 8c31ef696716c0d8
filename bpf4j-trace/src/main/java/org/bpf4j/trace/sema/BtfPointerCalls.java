package org.bpf4j.trace.sema;

import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;

/**
 * Type rules of the functions whose helper takes a BTF-typed kernel pointer, which only BTF-typed
 * tracing programs have (current bpftrace: fentry, fexit, iterators and raw tracepoints; in
 * bpf4j trace raw tracepoints, loaded as tp_btf): {@code socket_cookie(struct sock *)}
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

    /** Whether {@code name} is one of these functions. */
    static boolean handles(String name) {
        return name.equals("socket_cookie") || name.equals("skboutput");
    }

    Type call(Expr.Call c) {
        for (AttachPoint ap : a.probe().attachPoints()) {
            if (!ap.provider().equals("rawtracepoint")) {
                a.error(c.span(), c.name() + " can not be used with \"" + ap.provider() + "\" probes");
                return c.name().equals("socket_cookie") ? Type.UINT64 : new Type.Int(32, false);
            }
        }
        if (c.name().equals("socket_cookie")) {
            if (calls.nargs(c, 1) && !pointer(c.args().getFirst())) {
                a.error(c.span(), "socket_cookie() only supports a pointer as the argument ("
                        + SemanticAnalyser.kindName(a.type(c.args().getFirst())) + " provided)");
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
