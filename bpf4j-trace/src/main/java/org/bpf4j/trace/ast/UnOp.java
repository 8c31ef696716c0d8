package org.bpf4j.trace.ast;

/** Prefix operators. */
public enum UnOp {
    NEG("-"), LNOT("!"), BNOT("~"), DEREF("*"), ADDR("&");

    private final String symbol;

    UnOp(String symbol) {
        this.symbol = symbol;
    }

    /** How it is written. */
    public String symbol() {
        return symbol;
    }
}
