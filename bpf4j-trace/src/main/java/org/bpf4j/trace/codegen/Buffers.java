package org.bpf4j.trace.codegen;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.Addresses;
import org.bpf4j.trace.sema.KernelField;
import org.bpf4j.trace.sema.Type;

/**
 * Values read from memory as bytes: {@code buf()}, {@code macaddr()}, {@code pton()}, and the
 * reads behind {@code *p} and {@code p[i]}, with the probe-read helper of the pointer's address
 * space (user memory in uprobes and USDT probes, as bpftrace decides).
 */
final class Buffers {
    private final ProbeCompiler pc;
    private final Asm asm;

    Buffers(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** Whether the address an expression gives points to user memory. */
    boolean user(Expr address) {
        if (pc.type(address) instanceof Type.Int i && i.isPointer()) {
            return i.user();
        }
        String p = pc.attachPoint.provider();
        return p.equals("uprobe") || p.equals("uretprobe") || p.equals("usdt");
    }

    /** Reads {@code size} bytes at the address in r0 to the stack at {@code off} (zeroed on failure). */
    void read(int off, int size, boolean user) {
        asm.mov(3, 0);
        asm.stackAddr(1, off);
        asm.movImm(2, size);
        asm.call(user ? "probe_read_user" : "probe_read_kernel");
    }

    /** {@code *p}: reads the pointee of the address in r0 into r0, sign-extended as its type. */
    void loadPointee(Type.Int pointee, boolean user) {
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        asm.storeImm(Size.DW, asm.frameBase, tmp, 0);
        read(tmp, pointee.size(), user);
        loadInt(tmp, m, pointee.size(), pointee.signed());
    }

    /**
     * Loads the integer of {@code size} bytes read into the frame at {@code tmp} into r0 (sign-extended
     * if {@code signed}), then releases the frame back to mark {@code m}.
     */
    void loadInt(int tmp, int m, int size, boolean signed) {
        Size width = Size.ofBytes(size);
        asm.load(width == null ? Size.DW : width, 0, asm.frameBase, tmp);
        pc.frame.release(m);
        if (signed && size < 8) {
            int shift = 64 - 8 * size;
            asm.aluImm(AluOp.LSH, 0, shift);
            asm.aluImm(AluOp.ARSH, 0, shift);
        }
    }

    /**
     * {@code buf(data[, length])} as a buffer of {@code dst.capacity()} bytes at {@code off}: the
     * length (at most the call's own capacity), then the bytes, zero-padded.
     */
    void buf(Expr.Call c, Type.Buf dst, int off) {
        Type.Buf own = (Type.Buf) pc.type(c);
        int cap = own.capacity();
        pc.strings.zero(off, dst.size());
        Expr data = c.args().getFirst();
        Type dt = pc.type(data);
        boolean literalLength = c.args().size() == 1 || c.args().get(1) instanceof Expr.IntLit;
        int m = pc.frame.mark();
        int len = pc.frame.alloc(8);
        if (literalLength) {
            asm.storeImm(Size.DW, asm.frameBase, off, cap);
        } else {
            pc.intExpr(c.args().get(1));
            Asm.Label ok = asm.label();
            asm.jumpImm(JumpOp.JLE, 0, cap, ok);
            asm.movImm(0, cap);
            asm.bind(ok);
            asm.store(Size.DW, asm.frameBase, off, 0);
        }
        KernelField field = pc.typed.kernelField(data);
        boolean inPlace = field != null && (dt instanceof Type.Str || dt instanceof Type.Array)
                && (data instanceof Expr.Field || data instanceof Expr.Index) && dt.size() < cap;
        if (dt instanceof Type.Int || inPlace) {
            // an address, or a kernel field shorter than the length asked (a flexible array, char
            // sa_data[]): the bytes are read where they lie, past the field's declared size
            if (inPlace) {
                new IntExprs(pc).address(data);
            } else {
                pc.intExpr(data);
            }
            asm.mov(3, 0);
            asm.stackAddr(1, off + 8);
            if (literalLength) {
                asm.movImm(2, cap);
            } else {
                asm.load(Size.DW, 2, asm.frameBase, off);
                asm.aluImm(AluOp.AND, 2, 0xffff); // a bound the verifier can see
                Asm.Label ok = asm.label();
                asm.jumpImm(JumpOp.JLE, 2, cap, ok);
                asm.movImm(2, cap);
                asm.bind(ok);
            }
            asm.call(inPlace ? (field.user() ? "probe_read_user" : "probe_read_kernel")
                    : user(data) ? "probe_read_user" : "probe_read_kernel");
        } else if (cap > 0) {
            int srcSize = dt instanceof Type.Str s ? s.size() : dt.size();
            int tmp = pc.frame.alloc(srcSize);
            if (dt instanceof Type.Str) {
                pc.strings.into(data, srcSize, tmp);
            } else {
                pc.rawValue(data, tmp);
            }
            copyBytes(tmp, off + 8, Math.min(cap, srcSize));
        }
        pc.frame.release(m);
    }

    /** Copies exactly {@code n} bytes between stack slots: whole words, then single bytes. */
    private void copyBytes(int from, int to, int n) {
        int k = 0;
        for (; k + 8 <= n; k += 8) {
            asm.load(Size.DW, 1, asm.frameBase, from + k);
            asm.store(Size.DW, asm.frameBase, to + k, 1);
        }
        for (; k < n; k++) {
            asm.load(Size.B, 1, asm.frameBase, from + k);
            asm.store(Size.B, asm.frameBase, to + k, 1);
        }
    }

    /** {@code macaddr(x)} at {@code off}: six bytes of an array or string, or read at an address. */
    void macaddr(Expr.Call c, int off) {
        Expr arg = c.args().getFirst();
        Type t = pc.type(arg);
        asm.storeImm(Size.DW, asm.frameBase, off, 0);
        if (t instanceof Type.Int) {
            pc.intExpr(arg);
            read(off, 6, user(arg));
            return;
        }
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(ProbeCompiler.storedSize(t));
        pc.rawValue(arg, tmp);
        copyBytes(tmp, off, 6);
        pc.frame.release(m);
    }

    /** {@code pton("address")} at {@code off}: the address's bytes, known when compiling. */
    void pton(Expr.Call c, int off) {
        byte[] addr = Addresses.pton(((Expr.StrLit) c.args().getFirst()).value());
        byte[] padded = new byte[Type.align8(addr.length)];
        System.arraycopy(addr, 0, padded, 0, addr.length);
        for (int k = 0; k < padded.length; k += 8) {
            long word = 0;
            for (int j = 7; j >= 0; j--) {
                word = word << 8 | (padded[k + j] & 0xff);
            }
            asm.movImm(1, word);
            asm.store(Size.DW, asm.frameBase, off + k, 1);
        }
    }
}
