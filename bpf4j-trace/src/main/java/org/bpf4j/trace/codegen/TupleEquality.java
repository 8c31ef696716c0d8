package org.bpf4j.trace.codegen;

import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.Type;

/**
 * {@code ==} and {@code !=} of two tuples (or records) into r0. Current bpftrace widens both to a
 * common type (each integer to the wider, each string to the longer) and compares the bytes; here
 * each side is written to the stack in its own layout and the elements are compared one by one:
 * integers as their 64-bit values (stored sign- or zero-extended), strings up to their first NUL
 * whatever their sizes, nested tuples element by element, anything else byte for byte. A record's
 * fields are paired by name.
 */
final class TupleEquality {
    private final ProbeCompiler pc;
    private final Asm asm;

    TupleEquality(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    void compare(Expr.Binary b, Type.Tuple lt, Type.Tuple rt) {
        int m = pc.frame.mark();
        int l = pc.frame.alloc(lt.size());
        int r = pc.frame.alloc(rt.size());
        pc.zero(l, lt.size());
        pc.zero(r, rt.size());
        pc.valueInto(b.left(), lt, l);
        pc.valueInto(b.right(), rt, r);
        Asm.Label differ = asm.label();
        elements(lt, l, rt, r, differ);
        pc.frame.release(m);
        asm.equality(b.op() == BinOp.EQ, differ);
    }

    /** Jumps to {@code differ} at the first pair of elements that differ; falls through if none does. */
    private void elements(Type.Tuple lt, int l, Type.Tuple rt, int r, Asm.Label differ) {
        for (int k = 0; k < lt.elements().size(); k++) {
            int j = lt.isRecord() ? rt.names().indexOf(lt.names().get(k)) : k;
            Type a = lt.elements().get(k);
            Type b = rt.elements().get(j);
            int la = l + lt.offset(k);
            int ra = r + rt.offset(j);
            if (a instanceof Type.Str sa && b instanceof Type.Str sb) {
                pc.strings.equalOrJump(la, sa.size(), ra, sb.size(), differ);
            } else if (a instanceof Type.Tuple ta && b instanceof Type.Tuple tb) {
                elements(ta, la, tb, ra, differ);
            } else {
                for (int w = 0; w < ProbeCompiler.storedSize(a); w += 8) {
                    asm.load(Size.DW, 1, asm.frameBase, la + w);
                    asm.load(Size.DW, 2, asm.frameBase, ra + w);
                    asm.jump(JumpOp.JNE, 1, 2, differ);
                }
            }
        }
    }
}
