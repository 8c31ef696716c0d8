package org.bpf4j.trace.parse;

/** The kinds of token of the bpftrace language. */
public enum TokenKind {
    IDENT, VAR, MAP, PARAM, PARAM_COUNT, INT, STRING, EOF,
    /** A character that starts no token (reported by the parser where it meets it). */
    OTHER,
    LBRACE("{"), RBRACE("}"), LPAREN("("), RPAREN(")"), LBRACKET("["), RBRACKET("]"),
    SEMI(";"), COMMA(","), COLON(":"), QUES("?"), DOT("."), DOTDOT(".."), ARROW("->"),
    ASSIGN("="), PLUS_ASSIGN("+="), MINUS_ASSIGN("-="), MUL_ASSIGN("*="), DIV_ASSIGN("/="),
    MOD_ASSIGN("%="), BAND_ASSIGN("&="), BOR_ASSIGN("|="), BXOR_ASSIGN("^="), SHL_ASSIGN("<<="),
    SHR_ASSIGN(">>="),
    PLUS("+"), MINUS("-"), STAR("*"), SLASH("/"), PERCENT("%"), AMP("&"), PIPE("|"), CARET("^"),
    TILDE("~"), BANG("!"), LT("<"), GT(">"), LE("<="), GE(">="), EQ("=="), NE("!="), SHL("<<"),
    SHR(">>"), LAND("&&"), LOR("||"), INC("++"), DEC("--");

    private final String text;

    TokenKind() {
        this.text = null;
    }

    TokenKind(String text) {
        this.text = text;
    }

    /** How the token is spelled, for punctuation; null for the others. */
    public String text() {
        return text;
    }

    /** The token as bison names it in "unexpected ..." messages. */
    public String describe() {
        return switch (this) {
            case IDENT -> "identifier";
            case VAR -> "variable";
            case MAP -> "map";
            case PARAM, PARAM_COUNT -> "positional parameter";
            case INT -> "integer";
            case STRING -> "string";
            case EOF -> "end of file";
            case OTHER -> "character";
            default -> text;
        };
    }
}
