package org.bpf4j.trace.ast;

/** Binary operators, with their spelling and C precedence (higher binds tighter). */
public enum BinOp {
    LOR("||", 1), LAND("&&", 2), BOR("|", 3), BXOR("^", 4), BAND("&", 5), EQ("==", 6), NE("!=", 6),
    LT("<", 7), GT(">", 7), LE("<=", 7), GE(">=", 7), SHL("<<", 8), SHR(">>", 8), ADD("+", 9), SUB("-", 9),
    MUL("*", 10), DIV("/", 10), MOD("%", 10);

    private final String symbol;
    private final int precedence;

    BinOp(String symbol, int precedence) {
        this.symbol = symbol;
        this.precedence = precedence;
    }

    /** How it is written. */
    public String symbol() {
        return symbol;
    }

    /** C precedence: 1 for {@code ||} up to 10 for {@code * / %}. */
    public int precedence() {
        return precedence;
    }

    /** True for the comparisons, whose result is 0 or 1. */
    public boolean comparison() {
        return precedence == 6 || precedence == 7;
    }
}
