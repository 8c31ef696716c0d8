package org.bpf4j.trace.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The symbolic values of call-frame expressions: the forms the machine's binaries use (counted with
 * {@code readelf --debug-dump=frames} over /usr/lib, /usr/bin and the JDK: the C library's signal
 * frame, gcc's DRAP, OpenSSL's realigned stacks, the PLT's expression), other spellings of them, and
 * the ones {@code dw_ustack} does not follow.
 */
class CfiExpressionTest {
    private static String eval(boolean cfaFirst, int... bytes) {
        ByteBuffer b = ByteBuffer.allocate(bytes.length + 2).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x96); // a byte before the expression, not read
        for (int x : bytes) {
            b.put((byte) x);
        }
        b.put((byte) 0x06); // a byte after it, not read
        CfiExpression.Value v = CfiExpression.evaluate(b, 1, bytes.length, cfaFirst);
        String reg = (v.reg() == CfiExpression.CFA ? "cfa" : v.reg() == CfiExpression.NO_REG ? "" : "r" + v.reg())
                + (v.index() >= 0 ? "+r" + v.index() + "*" + v.scale() : "");
        return switch (v.kind()) {
            case CfiExpression.CONST -> Long.toString(v.offset());
            case CfiExpression.REG -> reg + "+" + v.offset();
            case CfiExpression.DEREF -> "*(" + reg + "+" + v.offset() + ")+" + v.plus();
            default -> "unknown";
        };
    }

    @Test
    void theFormsOfThisMachinesBinaries() {
        // DW_OP_breg7 160; DW_OP_deref: __restore_rt's CFA
        assertEquals("*(r7+160)+0", eval(false, 0x77, 0xa0, 0x01, 0x06));
        // DW_OP_breg7 168: where __restore_rt's rip is (an address: the CFA pushed first, unused)
        assertEquals("r7+168", eval(true, 0x77, 0xa8, 0x01));
        // DW_OP_breg6 0 (rbp) and DW_OP_breg6 -40; DW_OP_deref (CFA): gcc's DRAP
        assertEquals("r6+0", eval(true, 0x76, 0x00));
        assertEquals("*(r6+-40)+0", eval(false, 0x76, 0x58, 0x06));
        // DW_OP_breg7 152; DW_OP_deref; DW_OP_plus_uconst 8: OpenSSL's realigned stacks
        assertEquals("*(r7+152)+8", eval(false, 0x77, 0x98, 0x01, 0x06, 0x23, 0x08));
        // OpenSSL's Montgomery multiplication (bn_mul_mont): DW_OP_breg7 8; DW_OP_breg9 0; DW_OP_lit8;
        // DW_OP_mul; DW_OP_plus; DW_OP_deref; DW_OP_plus_uconst 8
        assertEquals("*(r7+r9*8+8)+8", eval(false, 0x77, 0x08, 0x79, 0x00, 0x38, 0x1e, 0x22, 0x06, 0x23, 0x08));
        // the same with the index first, and shifted: DW_OP_breg9 0; DW_OP_lit3; DW_OP_shl; DW_OP_breg7 8;
        // DW_OP_plus; DW_OP_deref; DW_OP_plus_uconst 8
        assertEquals("*(r7+r9*8+8)+8", eval(false, 0x79, 0x00, 0x33, 0x24, 0x77, 0x08, 0x22, 0x06, 0x23, 0x08));
    }

    @Test
    void otherSpellingsOfOneRule() {
        // rsp + 8 as DW_OP_breg7 8, DW_OP_breg7 0; DW_OP_plus_uconst 8, DW_OP_reg7; DW_OP_lit8;
        // DW_OP_plus, DW_OP_breg7 16; DW_OP_lit8; DW_OP_minus, DW_OP_bregx 7 8
        assertEquals("r7+8", eval(false, 0x77, 0x08));
        assertEquals("r7+8", eval(false, 0x77, 0x00, 0x23, 0x08));
        assertEquals("r7+8", eval(false, 0x57, 0x38, 0x22));
        assertEquals("r7+8", eval(false, 0x38, 0x77, 0x00, 0x22));
        assertEquals("r7+8", eval(false, 0x77, 0x10, 0x38, 0x1c));
        assertEquals("r7+8", eval(false, 0x92, 0x07, 0x08));
        // constants folded: DW_OP_const1s -8; DW_OP_neg (8); DW_OP_lit3; DW_OP_shl (64)
        assertEquals("64", eval(false, 0x09, 0xf8, 0x1f, 0x33, 0x24));
        // the CFA (pushed first) minus 16: DW_OP_lit16; DW_OP_minus
        assertEquals("cfa+-16", eval(true, 0x40, 0x1c));
        // stack operations: DW_OP_lit0; DW_OP_breg7 8; DW_OP_dup; DW_OP_drop; DW_OP_swap; DW_OP_drop
        assertEquals("r7+8", eval(false, 0x30, 0x77, 0x08, 0x12, 0x13, 0x16, 0x13));
    }

    @Test
    void formsNotFollowed() {
        // a register times a register, two indices
        assertEquals("unknown", eval(false, 0x77, 0x08, 0x79, 0x00, 0x1e));
        assertEquals("unknown", eval(false, 0x78, 0x00, 0x38, 0x1e, 0x79, 0x00, 0x38, 0x1e, 0x22));
        // frames.c's odd: rsp + 16 xor 0
        assertEquals("unknown", eval(false, 0x77, 0x10, 0x30, 0x27));
        // two dereferences, a register plus a register, an operation bpf4j does not know (DW_OP_call2)
        assertEquals("unknown", eval(false, 0x77, 0x08, 0x06, 0x06));
        assertEquals("unknown", eval(false, 0x77, 0x08, 0x76, 0x00, 0x22));
        assertEquals("unknown", eval(false, 0x98, 0x00, 0x00));
        // an empty stack, an expression cut short
        assertEquals("unknown", eval(false, 0x22));
        assertEquals("unknown", eval(false, 0x77));
    }
}
