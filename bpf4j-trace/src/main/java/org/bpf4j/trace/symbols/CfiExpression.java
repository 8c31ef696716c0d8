package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a DWARF expression of a call-frame rule ({@code DW_CFA_def_cfa_expression},
 * {@code DW_CFA_expression}, {@code DW_CFA_val_expression}) computes, found by running it on
 * symbolic values: constants, a register plus a constant, and the word at a register plus a
 * constant, plus a constant (a register times a constant may be added to the register: OpenSSL's
 * {@code *(rsp + 8 + r9 * 8) + 8}). Spellings of one rule come out the same ({@code DW_OP_breg7 8},
 * {@code DW_OP_breg7 0; DW_OP_plus_uconst 8}, {@code DW_OP_breg7 16; DW_OP_lit8; DW_OP_minus});
 * anything else (a value the expression compares or masks, a register times a register, a second
 * dereference) is {@link #UNKNOWN}, a rule {@code dw_ustack} does not follow.
 *
 * <p>The operations are current bpftrace's ({@code DW_OP_addr}, the {@code const} and {@code lit}
 * forms, {@code reg}, {@code breg}, {@code plus}, {@code plus_uconst}, {@code mul}, {@code and},
 * {@code shl}, {@code ge}, {@code deref}) and the stack operations, {@code minus}, {@code neg},
 * {@code bregx}, {@code nop}, which it refuses; other operations make the value unknown.
 */
final class CfiExpression {
    /** A constant: {@code offset}. */
    static final int CONST = 0;
    /** {@code reg + offset}. */
    static final int REG = 1;
    /** {@code *(u64 *)(reg + offset) + plus}. */
    static final int DEREF = 2;
    /** Anything else. */
    static final int UNKNOWN = 3;
    /** The register number of the CFA (pushed first for the register rules), not a DWARF register. */
    static final int CFA = -1;
    /** No register: a {@link #REG} value of an index alone ({@code index * scale + offset}). */
    static final int NO_REG = -2;

    /**
     * A symbolic value.
     *
     * @param kind {@link #CONST}, {@link #REG}, {@link #DEREF} or {@link #UNKNOWN}
     * @param reg the DWARF register (or {@link #CFA}, {@link #NO_REG}) of {@link #REG} and {@link #DEREF}
     * @param offset the constant, or what is added to the register
     * @param plus what is added to the word read ({@link #DEREF})
     * @param index a register multiplied by {@code scale} and added to {@code reg}, or -1
     * @param scale what {@code index} is multiplied by
     */
    record Value(int kind, int reg, long offset, long plus, int index, long scale) {
        static final Value UNKNOWN_VALUE = new Value(UNKNOWN, 0, 0, 0, -1, 0);

        static Value constant(long c) {
            return new Value(CONST, 0, c, 0, -1, 0);
        }

        static Value reg(int reg, long offset) {
            return new Value(REG, reg, offset, 0, -1, 0);
        }

        /** This value plus {@code c}. */
        Value add(long c) {
            return switch (kind) {
                case CONST -> constant(offset + c);
                case REG -> new Value(REG, reg, offset + c, 0, index, scale);
                case DEREF -> new Value(DEREF, reg, offset, plus + c, index, scale);
                default -> UNKNOWN_VALUE;
            };
        }

        /** This value plus {@code o}: a constant, or a register and an index alone (either way). */
        Value add(Value o) {
            if (o.isConst()) {
                return add(o.offset);
            }
            if (isConst()) {
                return o.add(offset);
            }
            if (kind == REG && o.kind == REG && index < 0 && reg != NO_REG && o.reg == NO_REG) {
                return new Value(REG, reg, offset + o.offset, 0, o.index, o.scale);
            }
            return kind == REG && o.kind == REG && o.index < 0 && o.reg != NO_REG && reg == NO_REG ? o.add(this)
                    : UNKNOWN_VALUE;
        }

        /** This value times the constant {@code k}: a register becomes an index. */
        Value times(long k) {
            if (isConst()) {
                return constant(offset * k);
            }
            return kind == REG && index < 0 && reg >= 0 ? new Value(REG, NO_REG, offset * k, 0, reg, k)
                    : UNKNOWN_VALUE;
        }

        boolean isConst() {
            return kind == CONST;
        }

        /** A register plus a constant, or the word there plus a constant: without an index. */
        boolean plain() {
            return index < 0 && reg != NO_REG;
        }
    }

    private static final int MAX_STACK = 64;

    private CfiExpression() {
    }

    /**
     * The value of the expression of {@code len} bytes at {@code at}; {@code cfaFirst}: the CFA is
     * pushed first (the register rules, {@code DW_CFA_expression} and {@code DW_CFA_val_expression}).
     */
    static Value evaluate(ByteBuffer b, int at, int len, boolean cfaFirst) {
        try {
            return run(b, at, at + len, cfaFirst);
        } catch (RuntimeException damaged) {
            return Value.UNKNOWN_VALUE; // past the expression's end, or a stack it empties
        }
    }

    private static Value run(ByteBuffer b, int from, int end, boolean cfaFirst) {
        Deque<Value> s = new ArrayDeque<>();
        if (cfaFirst) {
            s.push(Value.reg(CFA, 0));
        }
        int[] p = {from};
        while (p[0] < end) {
            if (s.size() > MAX_STACK) {
                return Value.UNKNOWN_VALUE;
            }
            int op = b.get(p[0]++) & 0xff;
            if (op >= 0x30 && op <= 0x4f) { // lit0-31
                s.push(Value.constant(op - 0x30));
                continue;
            }
            if (op >= 0x50 && op <= 0x6f) { // reg0-31: as current bpftrace, the register's value
                s.push(Value.reg(op - 0x50, 0));
                continue;
            }
            if (op >= 0x70 && op <= 0x8f) { // breg0-31 N
                s.push(Value.reg(op - 0x70, DwarfData.sleb(b, p)));
                continue;
            }
            switch (op) {
                case 0x03 -> s.push(Value.constant(fixed(b, p, 8))); // addr
                case 0x06 -> { // deref
                    Value a = s.pop();
                    s.push(a.kind() == REG && a.reg() != NO_REG ? new Value(DEREF, a.reg(), a.offset(), 0, a.index(),
                            a.scale()) : Value.UNKNOWN_VALUE);
                }
                case 0x08 -> s.push(Value.constant(fixed(b, p, 1) & 0xff));
                case 0x09 -> s.push(Value.constant((byte) fixed(b, p, 1)));
                case 0x0a -> s.push(Value.constant(fixed(b, p, 2) & 0xffff));
                case 0x0b -> s.push(Value.constant((short) fixed(b, p, 2)));
                case 0x0c -> s.push(Value.constant(fixed(b, p, 4) & 0xffffffffL));
                case 0x0d -> s.push(Value.constant((int) fixed(b, p, 4)));
                case 0x0e, 0x0f -> s.push(Value.constant(fixed(b, p, 8)));
                case 0x10 -> s.push(Value.constant(DwarfData.uleb(b, p)));
                case 0x11 -> s.push(Value.constant(DwarfData.sleb(b, p)));
                case 0x12 -> s.push(s.peek()); // dup
                case 0x13 -> s.pop(); // drop
                case 0x14 -> { // over
                    Value top = s.pop();
                    Value under = s.peek();
                    s.push(top);
                    s.push(under);
                }
                case 0x16 -> { // swap
                    Value top = s.pop();
                    Value under = s.pop();
                    s.push(top);
                    s.push(under);
                }
                case 0x1c -> { // minus
                    Value top = s.pop();
                    Value under = s.pop();
                    s.push(top.isConst() ? under.add(-top.offset()) : Value.UNKNOWN_VALUE);
                }
                case 0x1f -> { // neg
                    Value a = s.pop();
                    s.push(a.isConst() ? Value.constant(-a.offset()) : Value.UNKNOWN_VALUE);
                }
                case 0x22 -> { // plus
                    Value top = s.pop();
                    s.push(s.pop().add(top));
                }
                case 0x23 -> s.push(s.pop().add(DwarfData.uleb(b, p))); // plus_uconst
                case 0x1e -> { // mul: of constants, or a register times a constant
                    Value top = s.pop();
                    Value under = s.pop();
                    s.push(top.isConst() ? under.times(top.offset())
                            : under.isConst() ? top.times(under.offset()) : Value.UNKNOWN_VALUE);
                }
                case 0x24 -> { // shl: of constants, or a register shifted by a constant
                    Value top = s.pop();
                    Value under = s.pop();
                    s.push(top.isConst() && top.offset() >= 0 && top.offset() < 63 ? under.times(1L << top.offset())
                            : Value.UNKNOWN_VALUE);
                }
                case 0x1a, 0x2a -> { // and, ge: of constants
                    Value top = s.pop();
                    Value under = s.pop();
                    if (!top.isConst() || !under.isConst()) {
                        s.push(Value.UNKNOWN_VALUE);
                    } else {
                        long x = under.offset();
                        long y = top.offset();
                        s.push(Value.constant(op == 0x1a ? x & y
                                : Long.compareUnsigned(x, y) >= 0 ? 1 : 0)); // ge as bpftrace: unsigned
                    }
                }
                case 0x92 -> { // bregx R N
                    int reg = (int) DwarfData.uleb(b, p);
                    s.push(Value.reg(reg, DwarfData.sleb(b, p)));
                }
                case 0x96 -> { } // nop
                default -> {
                    return Value.UNKNOWN_VALUE;
                }
            }
        }
        if (p[0] != end || s.isEmpty()) {
            return Value.UNKNOWN_VALUE;
        }
        return s.peek();
    }

    private static long fixed(ByteBuffer b, int[] p, int size) {
        int at = p[0];
        p[0] += size;
        return switch (size) {
            case 1 -> b.get(at);
            case 2 -> b.getShort(at);
            case 4 -> b.getInt(at);
            default -> b.getLong(at);
        };
    }
}
