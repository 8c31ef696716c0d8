package org.bpf4j.trace.codegen;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.KernelField;
import org.bpf4j.trace.sema.Type;

/**
 * Strings in generated code: fixed-size, NUL-padded byte arrays in 8-byte-aligned stack slots,
 * always zero to the end of the slot (so copies may move whole words).
 */
final class Strings {
    private final ProbeCompiler pc;
    private final Asm asm;

    Strings(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /**
     * The most conditional jumps on a string's bytes an unrolled operation ({@code ==},
     * {@code strncmp}, {@code strlen}) may make: the kernel's verifier keeps a pending state for each
     * and refuses a program with more than 8,192 of them at once.
     */
    static final int BYTEWISE_LIMIT = 4096;

    /** Writes string expression {@code e} as a string of {@code size} bytes at {@code off}. */
    void into(Expr e, int size, int off) {
        if (FunctionCalls.isCall(pc, e) && ((Type.Str) pc.type(e)).size() == size) {
            pc.rawValue(e, off); // the script's function, whatever its name
            return;
        }
        if (FunctionCalls.isCall(pc, e)) {
            int m = pc.frame.mark();
            int tmp = pc.frame.alloc(((Type.Str) pc.type(e)).size());
            pc.rawValue(e, tmp);
            copy(asm.frameBase, tmp, ((Type.Str) pc.type(e)).size(), off, size);
            pc.frame.release(m);
            return;
        }
        switch (e) {
            case Expr.StrLit s -> literal(ProbeCompiler.bytes(s.value()), size, off);
            case Expr.Param p -> {
                String v = p.number() > 0 && p.number() <= pc.typed.params().size()
                        ? pc.typed.params().get(p.number() - 1) : "";
                literal(ProbeCompiler.bytes(v), size, off);
            }
            case Expr.Builtin b when b.name().equals("comm") -> {
                zero(off, size);
                asm.stackAddr(1, off);
                asm.movImm(2, Math.min(size, 16));
                asm.call("get_current_comm");
            }
            case Expr.Builtin b when b.name().equals("probe") ->
                    literal(ProbeCompiler.bytes(pc.attachPoint.name()), size, off); // as a string operand
            case Expr.Builtin b when b.name().equals("probetype") ->
                    literal(ProbeCompiler.bytes(probeType(pc.attachPoint.provider())), size, off);
            case Expr.Builtin b when b.name().equals("pcomm") || b.name().equals("leader_comm") ->
                    into(pc.typed.rewrite(b), size, off);
            case Expr.Call c when c.name().equals("getopt") -> into(pc.typed.rewrite(c), size, off);
            case Expr.Call c when c.name().equals("comm") && c.args().isEmpty() -> into(pc.typed.rewrite(c), size, off);
            case Expr.Call c when c.name().equals("comm") -> new StdlibCode(pc).commOfPid(c, size, off);
            case Expr.Call c when c.name().equals("path") -> {
                // bpf_d_path(struct path *, buf, size): the address of an embedded struct path, or a pointer's value
                Expr arg = c.args().getFirst();
                KernelField k = pc.typed.kernelField(arg);
                zero(off, size);
                if (k != null && k.struct()) {
                    new IntExprs(pc).address(arg);
                } else {
                    pc.intExpr(arg);
                }
                asm.mov(1, 0);
                asm.stackAddr(2, off);
                asm.movImm(3, Math.min(size, ((Type.Str) pc.type(c)).size()));
                asm.call("d_path");
            }
            case Expr.Call c when c.name().equals("str_concat") -> new StdlibCode(pc).strConcat(c, size, off);
            case Expr.Cast c when pc.type(c.operand()) instanceof Type.Str -> into(c.operand(), size, off); // (string[10])"hi"
            case Expr.Call c when c.name().equals("str") && pc.typed.rewrite(c) instanceof Expr.StrLit s -> {
                into(s, size, off); // str($1 + n) of a string parameter
                if (c.args().size() == 2 && c.args().get(1) instanceof Expr.IntLit n && n.value() < size) {
                    terminate(off, (int) Math.max(1, n.value()), size); // current bpftrace: n - 1 bytes
                }
            }
            case Expr.Call c when c.name().equals("str") && c.args().getFirst() instanceof Expr.Param p
                    && p.number() >= 1 -> {
                into(p, size, off); // the parameter's text
                if (c.args().size() == 2 && c.args().get(1) instanceof Expr.IntLit n && n.value() < size) {
                    terminate(off, (int) Math.max(1, n.value()), size); // current bpftrace: n - 1 bytes
                }
            }
            case Expr.Call c when c.name().equals("str") -> {
                Expr arg = c.args().getFirst();
                Expr length = c.args().size() == 2 ? c.args().get(1) : null;
                int limit = readLimit(((Type.Str) pc.type(c)).size());
                if (length instanceof Expr.IntLit n) {
                    // current bpftrace: at most n bytes with the NUL (n - 1 characters; 0.17 kept n)
                    limit = (int) Math.max(1, Math.min(size, n.value()));
                }
                Type at = pc.type(arg);
                if (length != null && !(length instanceof Expr.IntLit) && !(at instanceof Type.Str)) {
                    readTruncated(arg, length, size, off);
                } else if (at instanceof Type.Str s) {
                    int m = pc.frame.mark();
                    int tmp = pc.frame.alloc(s.size());
                    into(arg, s.size(), tmp);
                    copy(asm.frameBase, tmp, s.size(), off, size);
                    if (limit < size) {
                        terminate(off, limit, size);
                    }
                    pc.frame.release(m);
                } else {
                    pc.intExpr(arg);
                    new ContextReads(pc).stringAt(limit, size, off);
                }
            }
            case Expr.Field f when f.base() instanceof Expr.Builtin b && b.name().equals("args") ->
                new ContextReads(pc).argsString(f, size, off);
            case Expr f when (f instanceof Expr.Field || f instanceof Expr.Index) && pc.typed.kernelField(f) != null -> {
                KernelField k = pc.typed.kernelField(f);
                zero(off, size);
                new IntExprs(pc).address(f);
                asm.mov(3, 0);
                asm.stackAddr(1, off);
                // a char array is read whole when it fits (bpftrace prints it up to its size, terminated or not)
                asm.movImm(2, size < k.size() ? size - 1 : k.size());
                asm.call(k.user() ? "probe_read_user" : "probe_read_kernel");
                pc.checkHelper(k.user() ? "probe_read_user" : "probe_read_kernel", f.span(), false);
            }
            default -> {
                Type t = pc.type(e);
                if (!(t instanceof Type.Str st)) {
                    pc.unsupported(e.span(), "this expression as a string");
                    return;
                }
                if (st.size() == size) {
                    pc.rawValue(e, off);
                    return;
                }
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(st.size());
                pc.rawValue(e, tmp);
                copy(asm.frameBase, tmp, st.size(), off, size);
                pc.frame.release(m);
            }
        }
    }

    /**
     * How many bytes (with the NUL) {@code str(p)} reads for a string of {@code size} bytes, as
     * current bpftrace: one more than the size below 1024, so that a string cut there fills all
     * {@code size} bytes without a NUL, which marks it as truncated (printed with
     * {@code str_trunc_trailer}); from 1024 on, the size itself (such a string is cut silently).
     */
    static int readLimit(int size) {
        return size < 1024 ? size + 1 : size;
    }

    /**
     * {@code str(p, n)} with a length known only when the probe runs: {@code probe_read_str} of
     * {@code n} bytes (the NUL included), {@code n} clamped to 1..size.
     */
    private void readTruncated(Expr pointer, Expr length, int size, int off) {
        int m = pc.frame.mark();
        int slot = pc.frame.alloc(8);
        zero(off, size);
        pc.intExpr(pointer);
        asm.store(Size.DW, asm.frameBase, slot, 0);
        pc.intExpr(length);
        asm.mov(2, 0);
        Asm.Label small = asm.label();
        Asm.Label nonzero = asm.label();
        asm.jumpImm(JumpOp.JLE, 2, size, small);
        asm.movImm(2, size);
        asm.bind(small);
        asm.jumpImm(JumpOp.JNE, 2, 0, nonzero);
        asm.movImm(2, 1);
        asm.bind(nonzero);
        asm.load(Size.DW, 3, asm.frameBase, slot);
        asm.stackAddr(1, off);
        asm.call("probe_read_str");
        pc.frame.release(m);
    }

    /** Current bpftrace's name of a probe type ({@code probetype}): BEGIN and END are "special". */
    static String probeType(String provider) {
        return switch (provider) {
            case "BEGIN", "END", "begin", "end", "self" -> "special";
            case "bench" -> "benchmark";
            case "kfunc" -> "fentry";
            case "kretfunc" -> "fexit";
            default -> provider;
        };
    }

    /** Stores literal bytes, cut to size - 1 and NUL-padded to the slot's end. */
    void literal(byte[] b, int size, int off) {
        int slot = Type.align8(size);
        byte[] padded = new byte[slot];
        System.arraycopy(b, 0, padded, 0, Math.min(b.length, size - 1));
        for (int k = 0; k < slot; k += 8) {
            long word = 0;
            for (int j = 7; j >= 0; j--) {
                word = (word << 8) | (padded[k + j] & 0xff);
            }
            if (word == (int) word) {
                asm.storeImm(Size.DW, asm.frameBase, off + k, (int) word);
            } else {
                asm.movImm(1, word);
                asm.store(Size.DW, asm.frameBase, off + k, 1);
            }
        }
    }

    void zero(int off, int size) {
        pc.zero(off, Type.align8(size));
    }

    /**
     * Copies a string of {@code srcSize} bytes at {@code base + from} to the stack at {@code to} as a
     * string of {@code dstSize} bytes: whole words, then zeros, and a NUL at the end when it is cut.
     */
    void copy(int base, int from, int srcSize, int to, int dstSize) {
        int words = Math.min(Type.align8(srcSize), Type.align8(dstSize));
        pc.copy(base, from, to, words);
        pc.zero(to + words, Type.align8(dstSize) - words);
        if (dstSize < srcSize) {
            terminate(to, dstSize, dstSize);
        }
    }

    /** Zeroes bytes {@code [from - 1, slot end)} of a string slot. */
    private void terminate(int off, int from, int size) {
        for (int k = from - 1; k < Type.align8(size); k++) {
            asm.storeImm(Size.B, asm.frameBase, off + k, 0);
        }
    }

    /** {@code ==} / {@code !=} of two strings into r0, comparing up to the first NUL. */
    void compare(Expr.Binary b) {
        Type.Str lt = (Type.Str) pc.type(b.left());
        Type.Str rt = (Type.Str) pc.type(b.right());
        if (Math.min(lt.size(), rt.size()) > BYTEWISE_LIMIT / 2) {
            pc.unsupported(b.span(), "comparing strings of more than " + BYTEWISE_LIMIT / 2 + " bytes");
            return;
        }
        int m = pc.frame.mark();
        int l = pc.frame.alloc(lt.size());
        int r = pc.frame.alloc(rt.size());
        into(b.left(), lt.size(), l);
        into(b.right(), rt.size(), r);
        pc.frame.release(m);
        Asm.Label differ = asm.label();
        equalOrJump(l, lt.size(), r, rt.size(), differ);
        asm.equality(b.op() == BinOp.EQ, differ);
    }

    /**
     * Jumps to {@code differ} unless the strings in the stack at {@code l} ({@code ls} bytes) and
     * {@code r} ({@code rs} bytes) are equal up to their first NUL; falls through when they are.
     */
    void equalOrJump(int l, int ls, int r, int rs, Asm.Label differ) {
        Asm.Label same = asm.label();
        int n = Math.min(ls, rs);
        for (int k = 0; k < n; k++) {
            asm.load(Size.B, 1, asm.frameBase, l + k);
            asm.load(Size.B, 2, asm.frameBase, r + k);
            asm.jump(JumpOp.JNE, 1, 2, differ);
            asm.jumpImm(JumpOp.JEQ, 1, 0, same);
        }
        if (ls != rs) {
            // All n bytes equal and none NUL: equal only if the longer one ends there.
            asm.load(Size.B, 1, asm.frameBase, (ls > rs ? l : r) + n);
            asm.jumpImm(JumpOp.JNE, 1, 0, differ);
        }
        asm.bind(same);
    }

    /** {@code strncmp(a, b, n)} into r0: 0 when the first n bytes (to a NUL) are equal, else 1. */
    void strncmp(Expr a, Expr b, int n) {
        Type.Str lt = (Type.Str) pc.type(a);
        Type.Str rt = (Type.Str) pc.type(b);
        if (Math.min(n, Math.min(lt.size(), rt.size())) > BYTEWISE_LIMIT / 2) {
            pc.unsupported(a.span(), "strncmp() of more than " + BYTEWISE_LIMIT / 2 + " bytes");
            return;
        }
        int m = pc.frame.mark();
        int l = pc.frame.alloc(lt.size());
        int r = pc.frame.alloc(rt.size());
        into(a, lt.size(), l);
        into(b, rt.size(), r);
        pc.frame.release(m);
        Asm.Label differ = asm.label();
        Asm.Label end = asm.label();
        int limit = Math.min(n, Math.min(lt.size(), rt.size()));
        Asm.Label same = asm.label();
        for (int k = 0; k < limit; k++) {
            asm.load(Size.B, 1, asm.frameBase, l + k);
            asm.load(Size.B, 2, asm.frameBase, r + k);
            asm.jump(JumpOp.JNE, 1, 2, differ);
            asm.jumpImm(JumpOp.JEQ, 1, 0, same);
        }
        asm.bind(same);
        asm.movImm(0, 0);
        asm.jump(end);
        asm.bind(differ);
        asm.movImm(0, 1);
        asm.bind(end);
    }

    /** {@code strlen(s)} into r0: the bytes before the first NUL (the buffer's size without one), unrolled. */
    void length(Expr e) {
        Type.Str t = (Type.Str) pc.type(e);
        if (t.size() > BYTEWISE_LIMIT) {
            pc.unsupported(e.span(), "strlen() of a string of more than " + BYTEWISE_LIMIT + " bytes");
            return;
        }
        int m = pc.frame.mark();
        int off = pc.frame.alloc(t.size());
        into(e, t.size(), off);
        pc.frame.release(m);
        lengthAt(off, t.size());
    }

    /** The length of the string of {@code size} bytes at {@code off} into r0, unrolled (r1 clobbered). */
    void lengthAt(int off, int size) {
        if (size > BRANCHING_LENGTH) {
            lengthWithoutBranches(off, size);
            return;
        }
        Asm.Label end = asm.label();
        for (int k = 0; k < size; k++) {
            asm.movImm(0, k);
            asm.load(Size.B, 1, asm.frameBase, off + k);
            asm.jumpImm(JumpOp.JEQ, 1, 0, end);
        }
        asm.movImm(0, size);
        asm.bind(end);
    }

    /** The longest string whose length {@link #lengthAt} finds with a branch a byte. */
    static final int BRANCHING_LENGTH = 64;

    /**
     * The length of a long string into r0 (r1, r2 clobbered), unrolled without branches: a branch a
     * byte would give the verifier one state a length, each going through the rest of the program
     * (a 1024-byte string passes its limit). r2 is 1 while no NUL was seen; a byte b is NUL when
     * {@code (b - 1) >> 63} is 1.
     */
    private void lengthWithoutBranches(int off, int size) {
        asm.movImm(0, 0);
        asm.movImm(2, 1);
        for (int k = 0; k < size; k++) {
            asm.load(Size.B, 1, asm.frameBase, off + k);
            asm.aluImm(AluOp.SUB, 1, 1);
            asm.aluImm(AluOp.RSH, 1, 63);
            asm.aluImm(AluOp.XOR, 1, 1);
            asm.alu(AluOp.AND, 2, 1);
            asm.alu(AluOp.ADD, 0, 2);
        }
    }

    /**
     * {@code strcontains(haystack, needle)} (1 or 0) or, with {@code index}, current bpftrace's
     * {@code strstr} (the index of the first match, -1 without one) into r0, unrolled over both.
     */
    void search(Expr h, Expr nd, boolean index) {
        Type.Str ht = (Type.Str) pc.type(h);
        Type.Str nt = (Type.Str) pc.type(nd);
        // strstr's index, a constant in each of the unrolled version's branches, would give the verifier
        // a state an index, each going through the rest of the program, as lengthAt's branches would
        if ((long) ht.size() * nt.size() > SEARCH_UNROLLED || index && ht.size() > BRANCHING_LENGTH) {
            searchLoop(h, ht.size(), nd, nt.size(), index);
            return;
        }
        int m = pc.frame.mark();
        int hs = pc.frame.alloc(ht.size());
        int ns = pc.frame.alloc(nt.size());
        into(h, ht.size(), hs);
        into(nd, nt.size(), ns);
        pc.frame.release(m);
        Asm.Label found = asm.label();
        Asm.Label end = asm.label();
        // Unrolled: for each start i, compare needle bytes j while needle[j] != 0.
        for (int i = 0; i < ht.size(); i++) {
            Asm.Label nextStart = asm.label();
            if (index) {
                asm.movImm(0, i); // the match's index, if it starts here
            }
            for (int j = 0; j < nt.size() && i + j < ht.size(); j++) {
                asm.load(Size.B, 2, asm.frameBase, ns + j);
                asm.jumpImm(JumpOp.JEQ, 2, 0, found);
                asm.load(Size.B, 1, asm.frameBase, hs + i + j);
                asm.jump(JumpOp.JNE, 1, 2, nextStart);
            }
            if (i + nt.size() <= ht.size()) {
                asm.jump(found);
            }
            asm.bind(nextStart);
            asm.load(Size.B, 1, asm.frameBase, hs + i);
            asm.jumpImm(JumpOp.JEQ, 1, 0, end);
        }
        asm.bind(end);
        asm.movImm(0, index ? -1 : 0);
        Asm.Label done = asm.label();
        asm.jump(done);
        asm.bind(found);
        if (!index) {
            asm.movImm(0, 1);
        }
        asm.bind(done);
    }

    /** The largest haystack size times needle size {@link #search} unrolls; longer searches run in a loop. */
    static final int SEARCH_UNROLLED = 4096;

    /** The most bytes of a needle {@link #searchLoop} compares, unrolled in its callback. */
    static final int SEARCH_NEEDLE_LIMIT = 4096;

    /**
     * {@link #search} of strings too long to unroll over both: {@code bpf_loop} over the haystack's
     * start positions (as current bpftrace's {@code __bpf_strnstr} loops), its callback comparing
     * the needle there, unrolled over the needle. The haystack is copied into a slot padded with
     * the needle's size in zeros, so that every byte the callback reads is inside it; the result
     * goes to a frame slot the callback reaches through the frame pointer.
     */
    private void searchLoop(Expr h, int hsize, Expr nd, int nsize, boolean index) {
        if (nsize > SEARCH_NEEDLE_LIMIT) {
            pc.unsupported(nd.span(), "a needle of more than " + SEARCH_NEEDLE_LIMIT + " bytes");
            return;
        }
        int m = pc.frame.mark();
        int padded = Type.align8(hsize) + Type.align8(nsize);
        int hs = pc.frame.alloc(padded);
        int ns = pc.frame.alloc(nsize);
        int result = pc.frame.alloc(8);
        into(h, hsize, hs);
        pc.zero(hs + Type.align8(hsize), Type.align8(nsize));
        into(nd, nsize, ns);
        asm.storeImm(Size.DW, asm.frameBase, result, index ? -1 : 0);
        Asm.Label fn = asm.label();
        asm.movImm(1, hsize);
        asm.loadFunction(2, fn);
        asm.mov(3, asm.frameBase);
        asm.movImm(4, 0);
        asm.call("loop");
        asm.load(Size.DW, 0, asm.frameBase, result);
        pc.frame.release(m);
        pc.deferred.add(() -> {
            // (index, ctx): r9 = the probe's frame, r7 its scratch part
            asm.bind(fn);
            asm.mov(9, 2);
            if (pc.scratchFrame > 0) {
                asm.load(Size.DW, Asm.SCRATCH, 9, ProbeCompiler.SCRATCH_POINTER_SLOT);
            }
            Asm.Label stop = asm.label();
            Asm.Label found = asm.label();
            Asm.Label next = asm.label();
            asm.jumpImm(JumpOp.JGT, 1, hsize - 1, stop); // never: bpf_loop counts to hsize; bounds for the verifier
            asm.addr(3, 9, hs);
            asm.alu(AluOp.ADD, 3, 1);
            for (int j = 0; j < nsize; j++) {
                asm.load(Size.B, 4, 9, ns + j);
                asm.jumpImm(JumpOp.JEQ, 4, 0, found);
                asm.load(Size.B, 5, 3, j);
                asm.jump(JumpOp.JNE, 4, 5, next);
            }
            asm.bind(found);
            if (index) {
                asm.store(Size.DW, 9, result, 1);
            } else {
                asm.storeImm(Size.DW, 9, result, 1);
            }
            asm.jump(stop);
            asm.bind(next);
            asm.load(Size.B, 5, 3, 0);
            asm.jumpImm(JumpOp.JEQ, 5, 0, stop); // the haystack ends here: no match further on
            asm.movImm(0, 0);
            asm.exit();
            asm.bind(stop);
            asm.movImm(0, 1);
            asm.exit();
        });
    }
}
