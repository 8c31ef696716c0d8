package org.bpf4j.trace.codegen;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.Type;

/**
 * Values in maps, laid out as current bpftrace declares its maps: the C layout of {@code sizeof}
 * ({@link Type#cSize}): an integer in its own width (an int8 in 1 byte, a bool in 1), a string in
 * its own size, a tuple's elements each at a multiple of its alignment ({@link Type#cOffset}). In
 * the frame and in events a value keeps the layout of {@link ProbeCompiler#storedSize} (each
 * integer in 8 bytes, sign- or zero-extended, each element of a tuple at a multiple of 8); the
 * code here moves values between the two, and {@link #toStored} does so for user space.
 */
public final class MapLayout {
    private final ProbeCompiler pc;
    private final Asm asm;

    MapLayout(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /**
     * A value read from a map ({@code size} bytes from {@code off}, in the map's layout) in the
     * layout of the frame and events, which {@code Values} renders.
     */
    public static byte[] toStored(Type t, byte[] b, int off) {
        byte[] out = new byte[ProbeCompiler.storedSize(t)];
        toStored(t, b, off, out, 0);
        return out;
    }

    private static void toStored(Type t, byte[] b, int off, byte[] out, int to) {
        switch (t) {
            case Type.Int i -> {
                int n = Type.cSize(i);
                long v = 0;
                for (int k = n - 1; k >= 0; k--) {
                    v = v << 8 | (off + k < b.length ? b[off + k] & 0xff : 0);
                }
                if (signExtended(i)) {
                    v = v << (64 - 8 * n) >> (64 - 8 * n);
                }
                ByteBuffer.wrap(out, to, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
            }
            case Type.Tuple tu -> {
                for (int k = 0; k < tu.elements().size(); k++) {
                    toStored(tu.elements().get(k), b, off + Type.cOffset(tu, k), out, to + tu.offset(k));
                }
            }
            default -> System.arraycopy(b, off, out, to, Math.max(0, Math.min(Type.cSize(t), b.length - off)));
        }
    }

    /** Whether an integer of this type is sign-extended from fewer than 64 bits. */
    private static boolean signExtended(Type.Int i) {
        return i.signed() && !i.bool() && Type.cSize(i) < 8;
    }

    /** Whether a value of this type has the same bytes in a map and in the frame (up to its size). */
    static boolean sameLayout(Type t) {
        return switch (t) {
            case Type.Int i -> Type.cSize(i) == 8;
            case Type.Tuple tu -> false;
            default -> true;
        };
    }

    /**
     * Writes the value of {@code e} at {@code off} in the frame, in the map layout of {@code dst}
     * (an assignment's conversions included). The bytes between a tuple's elements must be zero
     * already (a key or value is hashed and compared whole); other bytes up to the next multiple of
     * 8 may be written too (with zeros), so elements are written in order.
     */
    void valueInto(Expr e, Type dst, int off) {
        switch (dst) {
            case Type.Int i -> {
                pc.intExpr(e);
                if (pc.type(e) instanceof Type.Int from && (from.bits() > i.bits() || from.signed() != i.signed())) {
                    new IntExprs(pc).narrow(i);
                }
                asm.store(Size.ofBytes(Type.cSize(i)), asm.frameBase, off, 0);
            }
            case Type.Tuple t when e instanceof Expr.Tuple lit -> {
                for (int k = 0; k < lit.elements().size(); k++) {
                    // a record's fields go to their names' places, evaluated in the order written
                    int at = t.isRecord() && !lit.names().isEmpty() ? t.names().indexOf(lit.names().get(k)) : k;
                    valueInto(lit.elements().get(k), t.elements().get(at), off + Type.cOffset(t, at));
                }
            }
            default -> {
                if (Math.floorMod(off, 8) == 0 && !(dst instanceof Type.Tuple)) {
                    pc.valueInto(e, dst, off); // the same bytes, then zeros to a multiple of 8
                    return;
                }
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(ProbeCompiler.storedSize(dst));
                pc.valueInto(e, dst, tmp);
                pack(dst, tmp, off);
                pc.frame.release(m);
            }
        }
    }

    /** Copies a value in the frame's layout at {@code from} to {@code to} in the frame, in its map layout. */
    void pack(Type t, int from, int to) {
        switch (t) {
            case Type.Int i -> {
                asm.load(Size.DW, 1, asm.frameBase, from);
                asm.store(Size.ofBytes(Type.cSize(i)), asm.frameBase, to, 1);
            }
            case Type.Tuple tu -> {
                for (int k = 0; k < tu.elements().size(); k++) {
                    pack(tu.elements().get(k), from + tu.offset(k), to + Type.cOffset(tu, k));
                }
            }
            default -> copy(asm.frameBase, from, asm.frameBase, to, Type.cSize(t));
        }
    }

    /**
     * Copies a value in its map layout at {@code base + from} (a map's value or key, or the frame)
     * to {@code to} in the frame, in the frame's layout; clobbers r1 (and r0-r5 for a value of more
     * than {@link ProbeCompiler#UNROLLED_BLOCK} bytes). {@code base} is not r1.
     */
    void unpack(Type t, int base, int from, int to) {
        if (t instanceof Type.Tuple && Type.cSize(t) > ProbeCompiler.UNROLLED_BLOCK) {
            // a large tuple: its bytes first (a helper call, which clobbers base), then its elements
            int tmp = pc.frame.alloc(Type.cSize(t));
            copy(base, from, asm.frameBase, tmp, Type.cSize(t));
            unpack(t, asm.frameBase, tmp, to);
            return;
        }
        switch (t) {
            case Type.Int i -> {
                int n = Type.cSize(i);
                asm.load(Size.ofBytes(n), 1, base, from);
                if (signExtended(i)) {
                    asm.aluImm(AluOp.LSH, 1, 64 - 8 * n);
                    asm.aluImm(AluOp.ARSH, 1, 64 - 8 * n);
                }
                asm.store(Size.DW, asm.frameBase, to, 1);
            }
            case Type.Tuple tu -> {
                for (int k = 0; k < tu.elements().size(); k++) {
                    unpack(tu.elements().get(k), base, from + Type.cOffset(tu, k), to + tu.offset(k));
                }
            }
            default -> {
                int n = Type.cSize(t);
                copy(base, from, asm.frameBase, to, n);
                zeroBytes(to + n, ProbeCompiler.storedSize(t) - n);
            }
        }
    }

    /**
     * Loads an integer of type {@code t} in its map layout at {@code base + off} into {@code reg},
     * sign- or zero-extended to 64 bits.
     */
    void load(Type.Int t, int reg, int base, int off) {
        int n = Type.cSize(t);
        asm.load(Size.ofBytes(n), reg, base, off);
        if (signExtended(t)) {
            asm.aluImm(AluOp.LSH, reg, 64 - 8 * n);
            asm.aluImm(AluOp.ARSH, reg, 64 - 8 * n);
        }
    }

    /**
     * Copies {@code bytes} from {@code srcBase + from} to {@code dstBase + to}, each access as wide
     * as both ends' alignment allows (the verifier refuses misaligned stack accesses), through r1;
     * a block of more than {@link ProbeCompiler#UNROLLED_BLOCK} bytes with a helper (r0-r5 clobbered).
     */
    void copy(int srcBase, int from, int dstBase, int to, int bytes) {
        if (bytes > ProbeCompiler.UNROLLED_BLOCK) {
            pc.copyTo(dstBase, to, srcBase, from, bytes);
            return;
        }
        int k = 0;
        while (k < bytes) {
            int w = width(from + k, to + k, bytes - k);
            asm.load(size(w), 1, srcBase, from + k);
            asm.store(size(w), dstBase, to + k, 1);
            k += w;
        }
    }

    /** Zeroes {@code bytes} of the frame at {@code off}, in stores as wide as the alignment allows. */
    void zeroBytes(int off, int bytes) {
        int k = 0;
        while (k < bytes) {
            int w = width(off + k, off + k, bytes - k);
            asm.storeImm(size(w), asm.frameBase, off + k, 0);
            k += w;
        }
    }

    /**
     * Stores r{@code reg} (a u64) at {@code off} in the frame, where {@code off} may be misaligned
     * (a histogram's bucket after a key of 1, 2 or 4 bytes): through an aligned slot, then byte-wise.
     */
    void storeU64(int reg, int off) {
        if (Math.floorMod(off, 8) == 0) {
            asm.store(Size.DW, asm.frameBase, off, reg);
            return;
        }
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        asm.store(Size.DW, asm.frameBase, tmp, reg);
        copy(asm.frameBase, tmp, asm.frameBase, off, 8);
        pc.frame.release(m);
    }

    private static int width(int a, int b, int left) {
        int w = 8;
        while (w > 1 && (w > left || Math.floorMod(a, w) != 0 || Math.floorMod(b, w) != 0)) {
            w /= 2;
        }
        return w;
    }

    private static Size size(int w) {
        return switch (w) {
            case 8 -> Size.DW;
            case 4 -> Size.W;
            case 2 -> Size.H;
            default -> Size.B;
        };
    }
}
