package org.bpf4j.trace.sema;

import org.bpf4j.trace.ast.Expr;

/**
 * Type rules of current bpftrace's {@code write_user(dst, src, len)}: writes {@code len} bytes of
 * {@code src} (a string, or a pointer to program memory) to the user address {@code dst} with
 * {@code bpf_probe_write_user}; true when it wrote. Unsafe: refused without {@code --unsafe}.
 * The kernel refuses the helper under lockdown (integrity).
 */
final class WriteUser {
    private WriteUser() {}

    static Type call(SemanticAnalyser a, Calls calls, Expr.Call c) {
        if (!a.unsafe()) {
            for (Expr x : c.args()) {
                a.type(x);
            }
            a.error(c.span(), "write_user() is unsafe. To use you need the --unsafe flag");
            return Type.Int.bool(64);
        }
        if (!calls.nargs(c, 3)) {
            return Type.Int.bool(64);
        }
        if (!(a.type(c.args().get(0)) instanceof Type.Int)) {
            a.error(c.span(), "write_user() expects an address as the first argument");
        }
        Type src = a.type(c.args().get(1));
        if (!(src instanceof Type.Str) && !(src instanceof Type.Int i && i.isPointer())) {
            a.error(c.span(), "write_user() expects a string or a pointer as the second argument");
        }
        if (!(a.type(c.args().get(2)) instanceof Type.Int len) || len.isPointer()) {
            a.error(c.span(), "write_user() expects an integer length as the third argument");
        } else if (src instanceof Type.Str s && a.constantOf(c.args().get(2)) != null
                && (a.constantOf(c.args().get(2)) < 0 || a.constantOf(c.args().get(2)) > s.size())) {
            a.error(c.span(), "write_user(): the length " + a.constantOf(c.args().get(2)) + " is more than the "
                    + s.size() + " bytes of the string");
        }
        return Type.Int.bool(64);
    }
}
