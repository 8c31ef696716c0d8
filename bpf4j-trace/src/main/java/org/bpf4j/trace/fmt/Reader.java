package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.List;

/**
 * The character-level part of the formatter's parser ({@link FormatParser}): where it is in the
 * script, comments and blank lines (recorded in {@link #meta} as current bpftrace's parser records
 * them), identifiers, strings, integers, and syntax errors in its words.
 */
class Reader {
    /** A syntax error: where, and the message after {@code syntax: }. */
    record Error(int begin, int end, String message) {}

    final String in;
    int pos;
    final Layout.Metadata meta = new Layout.Metadata();
    final List<Error> errors = new ArrayList<>();

    Reader(String in) {
        this.in = in;
    }

    final boolean atEnd() {
        return pos >= in.length();
    }

    final char peek() {
        return peek(0);
    }

    final char peek(int offset) {
        return charAt(pos + offset);
    }

    final char charAt(int p) {
        return p >= 0 && p < in.length() ? in.charAt(p) : '\0';
    }

    final void advance() {
        advance(1);
    }

    final void advance(int n) {
        pos = Math.min(in.length(), pos + n);
    }

    final boolean hasErrors() {
        return !errors.isEmpty();
    }

    static boolean hspace(char c) {
        return c == ' ' || c == '\t' || c == '\r';
    }

    static boolean identStart(char c) {
        return c < 128 && (Character.isLetter(c) || c == '_');
    }

    static boolean identBody(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || c == '_');
    }

    static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }

    /** The last character before here that is not a blank on the line (a newline counts). */
    private char previousNonBlank() {
        for (int p = pos - 1; p >= 0; p--) {
            if (!hspace(in.charAt(p))) {
                return in.charAt(p);
            }
        }
        return '\0';
    }

    /**
     * Skips blanks, newlines and comments, recording the comments and each newline that makes
     * vertical space: one not right after {@code ;}, <code>{</code>, <code>}</code> or a comment.
     */
    final void consumeLayout() {
        boolean afterComment = false;
        while (!atEnd()) {
            char c = peek();
            if (hspace(c)) {
                advance();
            } else if (c == '\n') {
                int begin = pos;
                boolean quiet = afterComment;
                if (!quiet) {
                    char prev = previousNonBlank();
                    quiet = prev == ';' || prev == '{' || prev == '}';
                }
                advance();
                if (!quiet) {
                    meta.add(begin, pos, null);
                }
                afterComment = false;
            } else if (c == '/' && peek(1) == '/') {
                lineComment();
                afterComment = true;
            } else if (c == '/' && peek(1) == '*') {
                blockComment();
                afterComment = true;
            } else {
                break;
            }
        }
    }

    private void lineComment() {
        advance(2);
        if (peek() == ' ') {
            advance();
        }
        int begin = pos;
        while (!atEnd() && peek() != '\n') {
            advance();
        }
        comment(begin, pos);
    }

    private void comment(int begin, int end) {
        meta.add(begin, end, in.substring(begin, end));
    }

    /** A block comment becomes a comment for each of its lines, leading {@code *}s removed. */
    private void blockComment() {
        advance(2);
        if (peek() == ' ') {
            advance();
        }
        while (!atEnd()) {
            int begin = pos;
            while (!atEnd() && peek() != '\n' && !(peek() == '*' && peek(1) == '/')) {
                advance();
            }
            if (pos != begin) {
                comment(begin, pos);
            }
            if (peek() == '*' && peek(1) == '/') {
                advance(2);
                break;
            }
            if (atEnd()) {
                break;
            }
            advance(); // the newline
            while (!atEnd() && hspace(peek())) {
                advance();
            }
            if (peek() == '*' && peek(1) == '/') {
                continue;
            }
            boolean stars = false;
            while (!atEnd() && peek() == '*') {
                stars = true;
                advance();
            }
            if (stars && peek() == ' ') {
                advance();
            }
            if (peek() == '\n' || (peek() == '*' && peek(1) == '/')) {
                comment(pos, pos);
            }
        }
    }

    /** Where the layout from {@code p} ends (nothing recorded). */
    final int scanLayout(int p) {
        while (p < in.length()) {
            char c = in.charAt(p);
            if (space(c)) {
                p++;
            } else if (c == '/' && charAt(p + 1) == '/') {
                while (p < in.length() && in.charAt(p) != '\n') {
                    p++;
                }
            } else if (c == '/' && charAt(p + 1) == '*') {
                p += 2;
                while (p < in.length()) {
                    if (in.charAt(p) == '*' && charAt(p + 1) == '/') {
                        p += 2;
                        break;
                    }
                    p++;
                }
            } else {
                break;
            }
        }
        return p;
    }

    final int scanIdentEnd(int p) {
        while (identBody(charAt(p))) {
            p++;
        }
        return p;
    }

    /** Past the group opened at {@code p} (or {@code p} if none is). */
    final int scanBalanced(int p, char open, char close) {
        if (charAt(p) != open) {
            return p;
        }
        int depth = 1;
        p++;
        while (p < in.length() && depth > 0) {
            if (in.charAt(p) == open) {
                depth++;
            } else if (in.charAt(p) == close) {
                depth--;
            }
            p++;
        }
        return p;
    }

    /** The identifier here (possibly empty), nothing consumed. */
    final String peekKeyword() {
        return in.substring(pos, scanIdentEnd(pos));
    }

    final boolean match(char c) {
        consumeLayout();
        if (peek() == c) {
            advance();
            return true;
        }
        return false;
    }

    /** Matches a word (not the start of a longer identifier). */
    final boolean match(String s) {
        consumeLayout();
        if (!in.startsWith(s, pos) || identBody(charAt(pos + s.length()))) {
            return false;
        }
        advance(s.length());
        return true;
    }

    /** Whether the word comes next, after layout (nothing consumed). */
    final boolean checkKeyword(String s) {
        int p = scanLayout(pos);
        return in.startsWith(s, p) && !identBody(charAt(p + s.length()));
    }

    final boolean expect(char c) {
        if (!match(c)) {
            error("expected '" + c + "'");
            return false;
        }
        return true;
    }

    final boolean expect(String s) {
        if (!match(s)) {
            error("expected '" + s + "'");
            return false;
        }
        return true;
    }

    /** An identifier, or null (with {@code err} reported unless it is null). */
    final String consumeIdentifier(String err) {
        consumeLayout();
        if (!identStart(peek())) {
            if (err != null) {
                error(err);
            }
            return null;
        }
        int begin = pos;
        pos = scanIdentEnd(pos);
        return in.substring(begin, pos);
    }

    /** {@code $name}, as written. */
    final String consumeVariable() {
        if (!identStart(peek(1))) {
            error("expected identifier after '$'");
            return "";
        }
        int begin = pos;
        pos = scanIdentEnd(pos + 1);
        return in.substring(begin, pos);
    }

    /** {@code @name} or a bare {@code @}. */
    final String consumeMap() {
        if (!identStart(peek(1))) {
            advance();
            return "@";
        }
        int begin = pos;
        pos = scanIdentEnd(pos + 1);
        return in.substring(begin, pos);
    }

    /** A string literal from its opening quote: its decoded value. */
    final String consumeString() {
        advance();
        StringBuilder sb = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (c == '"') {
                break;
            }
            if (c == '\n') {
                error("unterminated string");
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                advance();
                continue;
            }
            int esc = pos;
            advance();
            if (atEnd()) {
                error("unterminated string");
                return sb.toString();
            }
            char e = peek();
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                    int begin = pos;
                    advance();
                    for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; i++) {
                        advance();
                    }
                    String oct = in.substring(begin, pos);
                    int value = Integer.parseInt(oct, 8);
                    if (value > 255) {
                        error("octal escape sequence out of range '\\" + oct + "'", esc, pos);
                    }
                    sb.append((char) (value & 0xff));
                    continue;
                }
                case 'x', 'X' -> {
                    advance();
                    int begin = pos;
                    for (int i = 0; i < 2 && Character.digit(peek(), 16) >= 0 && peek() < 128; i++) {
                        advance();
                    }
                    if (pos == begin) {
                        error("invalid hex escape sequence");
                    } else {
                        sb.append((char) Integer.parseInt(in.substring(begin, pos), 16));
                    }
                    continue;
                }
                default -> error("invalid escape character '\\" + e + "'");
            }
            advance();
        }
        if (!atEnd()) {
            advance();
        } else {
            error("unterminated string");
        }
        return sb.toString();
    }

    /** An integer literal as written: digits (decimal or hex, with {@code _}), exponent, suffix. */
    final String consumeIntegerText() {
        consumeLayout();
        int begin = pos;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            advance(2);
            while (Character.digit(peek(), 16) >= 0 && peek() < 128 || peek() == '_') {
                advance();
            }
            trailingUnderscore();
            return in.substring(begin, pos);
        }
        digits();
        if (peek() == 'e' || peek() == 'E') {
            advance();
            digits();
        }
        char s = peek();
        if ((s == 'n' || s == 'u' || s == 'm') && peek(1) == 's') {
            advance(2);
        } else if (s == 's' || s == 'm' || s == 'h' || s == 'd') {
            advance();
        } else if (s == 'u' || s == 'U') {
            advance();
            if (peek() == 'l' || peek() == 'L') {
                advance();
                if (peek() == 'l' || peek() == 'L') {
                    advance();
                }
            }
        } else if (s == 'l' || s == 'L') {
            advance();
            if (peek() == 'l' || peek() == 'L') {
                advance();
            }
        }
        String text = in.substring(begin, pos);
        if (identStart(peek())) {
            int bad = pos;
            pos = scanIdentEnd(pos);
            error("invalid integer suffix '" + in.substring(bad, pos) + "'", bad, pos);
        }
        return text;
    }

    private void digits() {
        while (digit(peek()) || peek() == '_') {
            advance();
        }
        trailingUnderscore();
    }

    private void trailingUnderscore() {
        if (pos > 0 && in.charAt(pos - 1) == '_') {
            error("trailing underscore in integer literal", pos - 1, pos);
        }
    }

    /** A syntax error at the token here (after layout). */
    final void error(String message) {
        int saved = pos;
        consumeLayout();
        int begin = pos;
        if (!atEnd()) {
            char c = peek();
            if (identStart(c)) {
                pos = scanIdentEnd(pos);
            } else if (digit(c)) {
                while (peek() < 128 && Character.isLetterOrDigit(peek()) || peek() == '.') {
                    advance();
                }
            } else if (c == '@' || c == '$') {
                advance();
                pos = scanIdentEnd(pos);
            } else {
                advance();
            }
        }
        int end = pos;
        pos = saved;
        error(message, begin, end);
    }

    final void error(String message, int begin, int end) {
        errors.add(new Error(begin, end, message));
    }
}
