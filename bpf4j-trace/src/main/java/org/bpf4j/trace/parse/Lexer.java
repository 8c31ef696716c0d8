package org.bpf4j.trace.parse;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;

/**
 * Turns script text into tokens on demand. Besides ordinary tokens it reads the raw text of probe
 * attach points ({@link #attachPoint()}), whose spelling ({@code uprobe:/bin/sh:main},
 * {@code tracepoint:syscalls:sys_enter_*}) is not made of ordinary tokens. Errors go to the
 * diagnostics; the lexer then skips the bad character and carries on.
 */
public final class Lexer {
    private final Source source;
    private final String s;
    private final Diagnostics diags;
    private final Map<String, String> macros;
    private final Map<String, Preprocessor.FunctionMacro> functions;
    private final ArrayDeque<Token> expanded = new ArrayDeque<>();
    private final MacroValues values;
    private int pos;

    /** A lexer at the start of a source. */
    public Lexer(Source source, Diagnostics diags) {
        this(source, diags, Map.of());
    }

    /**
     * A lexer at the start of a source that expands object-like macros ({@code #define}, see
     * {@link Preprocessor}) where their names appear as identifiers; the tokens of an expansion
     * carry the span of the name.
     */
    public Lexer(Source source, Diagnostics diags, Map<String, String> macros) {
        this(source, diags, macros, Map.of());
    }

    /**
     * A lexer that also expands function-like macros where their name is followed by {@code (}:
     * the arguments (split at top-level commas) replace the parameters, then the result is
     * scanned again for macros, as C does ({@code #} and {@code ##} are not supported).
     */
    public Lexer(Source source, Diagnostics diags, Map<String, String> macros,
            Map<String, Preprocessor.FunctionMacro> functions) {
        this.source = source;
        this.s = source.text();
        this.diags = diags;
        this.macros = macros;
        this.functions = functions;
        this.values = new MacroValues(macros, diags);
    }

    /**
     * Where a macro's own text is made a source of the script's diagnostics, for an error inside
     * it (current bpftrace's "Macro recursion", placed in the macro's text).
     */
    void attachMacroTexts(ToIntFunction<Source> attach) {
        values.attachWith(attach);
    }

    /** The current offset. */
    public int position() {
        return pos;
    }

    /** A saved reading position: the offset and the rest of a macro expansion being read. */
    public record Mark(int offset, List<Token> pending) {}

    /** The current reading position, to {@link #restore} after looking ahead. */
    public Mark mark() {
        return new Mark(pos, List.copyOf(expanded));
    }

    /** Goes back to a position from {@link #mark}. */
    public void restore(Mark m) {
        pos = m.offset();
        expanded.clear();
        expanded.addAll(m.pending());
    }

    /** Moves to an offset (to re-read after a lookahead was dropped). */
    public void reset(int offset) {
        pos = offset;
        expanded.clear();
    }

    /** Skips white space, comments and preprocessor lines ({@code #include ...}) at line starts. */
    public void skipTrivia() {
        for (;;) {
            if (pos >= s.length()) {
                return;
            }
            char c = s.charAt(pos);
            if (Character.isWhitespace(c)) {
                pos++;
            } else if (s.startsWith("//", pos)) {
                while (pos < s.length() && s.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (s.startsWith("/*", pos)) {
                int end = s.indexOf("*/", pos + 2);
                if (end < 0) {
                    diags.error(new Span(pos, s.length()), "unterminated comment");
                    pos = s.length();
                } else {
                    pos = end + 2;
                }
            } else {
                return;
            }
        }
    }

    /**
     * Where the text from {@code pos} goes on after white space and comments (an unterminated
     * block comment runs to the end); reports nothing and moves nothing.
     */
    static int afterTrivia(String s, int pos) {
        for (;;) {
            if (pos >= s.length()) {
                return pos;
            }
            if (Character.isWhitespace(s.charAt(pos))) {
                pos++;
            } else if (s.startsWith("//", pos)) {
                int nl = s.indexOf('\n', pos);
                pos = nl < 0 ? s.length() : nl;
            } else if (s.startsWith("/*", pos)) {
                int end = s.indexOf("*/", pos + 2);
                pos = end < 0 ? s.length() : end + 2;
            } else {
                return pos;
            }
        }
    }

    /** True at a {@code #} that starts a line (a preprocessor directive or a shebang). */
    public boolean atDirective() {
        skipTrivia();
        if (pos >= s.length() || s.charAt(pos) != '#') {
            return false;
        }
        return pos == 0 || s.charAt(pos - 1) == '\n' || s.substring(s.lastIndexOf('\n', pos - 1) + 1, pos).isBlank();
    }

    /**
     * Reads a C definition at the top level ({@code struct NAME { ... };}, also {@code union} and
     * {@code enum}) and returns its text, or returns null (and moves nothing) if none starts here.
     * An unterminated one is an error at its start.
     */
    public String cDefinition() {
        skipTrivia();
        int start = pos;
        String kw = s.startsWith("struct", pos) ? "struct" : s.startsWith("union", pos) ? "union"
                : s.startsWith("enum", pos) ? "enum" : null;
        if (kw == null || identEnd(pos) != pos + kw.length()) {
            return null;
        }
        int i = pos + kw.length();
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        i = identEnd(i);
        // attributes may come between the name and the body: struct Foo __attribute__((packed)) { ... }
        int afterName = afterAttributes(i, false);
        if (afterName >= 0) {
            i = afterName;
        } // else no body follows: not a definition
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        if (i >= s.length() || s.charAt(i) != '{') {
            return null;
        }
        int depth = 0;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '/' && s.startsWith("//", i)) {
                // comments in the body may hold braces
                int eol = s.indexOf('\n', i);
                i = eol < 0 ? s.length() - 1 : eol;
            } else if (c == '/' && s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() - 1 : end + 1;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                break;
            }
        }
        if (i >= s.length()) {
            diags.error(new Span(start, s.length()), "unterminated " + kw + " definition");
            pos = s.length();
            return "";
        }
        i++;
        // GCC attributes after the body (__attribute__((packed))) belong to the definition
        int afterBody = afterAttributes(i, true);
        if (afterBody < 0) {
            pos = s.length();
            return "";
        }
        i = afterBody;
        int j = afterBlanks(i);
        if (j < s.length() && s.charAt(j) == ';') {
            i = j + 1;
        }
        pos = i;
        return s.substring(start, i);
    }

    /** Where the unterminated {@code __attribute__} that {@link #afterAttributes} gave up on starts. */
    private int unterminatedAttributeAt;

    /**
     * The index after the GCC {@code __attribute__((...))} groups that follow {@code i} (blanks and
     * comments between them), or {@code i} when none does; -1 when one is not closed, its start
     * then in {@link #unterminatedAttributeAt}. After a definition's body ({@code afterBody}) the
     * word must be followed by {@code ((} and the parentheses balance, else -1 after current
     * bpftrace's syntax error.
     */
    private int afterAttributes(int i, boolean afterBody) {
        for (;;) {
            int j = afterBlanks(i);
            if (!s.startsWith("__attribute__", j) || identEnd(j) != j + "__attribute__".length()) {
                return i;
            }
            int k = afterBlanks(j + "__attribute__".length());
            if (afterBody && !s.startsWith("((", k)) {
                diags.error(ExprParser.bpftraceSpan(s, k), "syntax: __attribute__ syntax error, expected '(('");
                return -1;
            }
            if (k >= s.length() || s.charAt(k) != '(') {
                return i;
            }
            int open = k;
            int d = 0;
            for (; k < s.length(); k++) {
                if (s.charAt(k) == '(') {
                    d++;
                } else if (s.charAt(k) == ')' && --d == 0) {
                    break;
                }
            }
            if (k >= s.length()) {
                unterminatedAttributeAt = j;
                if (afterBody) {
                    diags.error(new Span(open, open + 1), "syntax: __attribute__ syntax error, mismatched '(' and ')'");
                }
                return -1;
            }
            i = k + 1;
        }
    }

    /** The first index at or after {@code i} that is not white space or a comment. */
    private int afterBlanks(int i) {
        for (;;) {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (s.startsWith("/*", i)) {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? s.length() : e + 2;
            } else if (s.startsWith("//", i)) {
                int e = s.indexOf('\n', i);
                i = e < 0 ? s.length() : e;
            } else {
                return i;
            }
        }
    }

    /** Skips to the end of the line (of a directive) and returns its text. */
    public String skipLine() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) != '\n') {
            pos++;
        }
        return s.substring(start, pos);
    }

    /**
     * Reads one attach point's raw text: up to white space, a comma, a brace or the {@code /} of a
     * predicate, with quoted parts kept whole. Returns null (and moves nothing) if there is none.
     */
    public Token attachPoint() {
        skipTrivia();
        int start = pos;
        int i = pos;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) != '"') {
                    end += s.charAt(end) == '\\' ? 2 : 1; // \" inside the quotes does not end them
                }
                i = Math.min(s.length(), end + 1);
                continue;
            }
            if (Character.isWhitespace(c) || c == ',' || c == '{' || c == '}' || c == '\0') {
                break; // a NUL byte is in no attach point (nor any file name it could give)
            }
            if (c == '/' && (i == start || s.charAt(i - 1) == ' ')) {
                break;
            }
            i++;
        }
        if (i == start) {
            return null;
        }
        pos = i;
        return new Token(TokenKind.IDENT, s.substring(start, i), 0, new Span(start, i));
    }

    /** The next ordinary token ({@link TokenKind#EOF} at the end). */
    public Token next() {
        if (!expanded.isEmpty()) {
            return expanded.poll();
        }
        Token t = nextRaw();
        if (t.kind() == TokenKind.IDENT && macros.containsKey(t.text())) {
            if (!values.check(t.text(), t.span())) {
                return t; // refused (reported): the name is left as it is
            }
            expand(t.text(), t.span(), new HashSet<>(), expanded);
            return next();
        }
        if (t.kind() == TokenKind.IDENT && functions.containsKey(t.text())) {
            int save = pos;
            if (nextRaw().kind() == TokenKind.LPAREN) {
                List<Token> call = new ArrayList<>(List.of(t, new Token(TokenKind.LPAREN,
                        "(", 0, t.span())));
                int depth = 1;
                while (depth > 0) {
                    Token a = nextRaw();
                    if (a.kind() == TokenKind.EOF) {
                        diags.error(t.span(), "unterminated argument list invoking macro " + t.text());
                        return a;
                    }
                    depth += a.kind() == TokenKind.LPAREN ? 1 : a.kind() == TokenKind.RPAREN ? -1 : 0;
                    call.add(a);
                }
                rescan(call, t.span(), new HashSet<>(), expanded);
                return next();
            }
            pos = save;
        }
        return t;
    }

    /**
     * Appends {@code tokens} to {@code out} with the macros among them expanded (object-like ones,
     * and function-like ones followed by their arguments), except those in {@code active}.
     */
    private void rescan(List<Token> tokens, Span use, Set<String> active,
            ArrayDeque<Token> out) {
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.kind() != TokenKind.IDENT || active.contains(t.text())) {
                out.add(t);
                continue;
            }
            if (macros.containsKey(t.text())) {
                expand(t.text(), t.span(), active, out);
                continue;
            }
            Preprocessor.FunctionMacro f = functions.get(t.text());
            if (f == null || i + 1 >= tokens.size() || tokens.get(i + 1).kind() != TokenKind.LPAREN) {
                out.add(t);
                continue;
            }
            // the arguments, split at the commas outside parentheses
            List<List<Token>> args = new ArrayList<>();
            List<Token> arg = new ArrayList<>();
            int depth = 0;
            int j = i + 1;
            for (; j < tokens.size(); j++) {
                Token a = tokens.get(j);
                if (a.kind() == TokenKind.LPAREN && depth++ == 0) {
                    continue;
                }
                if (a.kind() == TokenKind.RPAREN && --depth == 0) {
                    break;
                }
                if (a.kind() == TokenKind.COMMA && depth == 1) {
                    args.add(arg);
                    arg = new ArrayList<>();
                    continue;
                }
                arg.add(a);
            }
            if (j >= tokens.size()) {
                diags.error(use, "unterminated argument list invoking macro " + t.text());
                return;
            }
            if (!arg.isEmpty() || !args.isEmpty()) {
                args.add(arg);
            }
            if (args.size() != f.params().size()) {
                diags.error(use, "macro \"" + t.text() + "\" passed " + args.size() + " arguments, but takes "
                        + f.params().size());
                i = j;
                continue;
            }
            if (active.size() > 64) {
                diags.error(use, "Macro recursion limit reached: " + t.text());
                return;
            }
            Diagnostics local = new Diagnostics();
            Lexer sub = new Lexer(new Source(t.text(), f.body()), local);
            List<Token> body = new ArrayList<>();
            for (Token b = sub.nextRaw(); b.kind() != TokenKind.EOF; b = sub.nextRaw()) {
                int k = b.kind() == TokenKind.IDENT ? f.params().indexOf(b.text()) : -1;
                if (k >= 0) {
                    body.addAll(args.get(k));
                } else {
                    body.add(new Token(b.kind(), b.text(), b.value(), use));
                }
            }
            if (local.hasErrors()) {
                diags.error(use, "invalid expansion of macro " + t.text() + " (" + f.body() + "): "
                        + local.list().getFirst().message());
            }
            active.add(t.text());
            rescan(body, use, active, out);
            active.remove(t.text());
            i = j;
        }
    }

    /**
     * Appends the tokens of macro {@code name} to {@code out}, expanding the macros in it except
     * those being expanded already (as C does); every token gets the span of the use.
     */
    private void expand(String name, Span use, Set<String> active, ArrayDeque<Token> out) {
        if (active.size() > 64) {
            diags.error(use, "Macro recursion limit reached: " + name);
            return;
        }
        Diagnostics local = new Diagnostics();
        Lexer sub = new Lexer(new Source(name, macros.get(name)), local);
        List<Token> body = new ArrayList<>();
        for (Token t = sub.nextRaw(); t.kind() != TokenKind.EOF; t = sub.nextRaw()) {
            body.add(new Token(t.kind(), t.text(), t.value(), use));
        }
        if (local.hasErrors()) {
            diags.error(use, "invalid expansion of macro " + name + " (" + macros.get(name) + "): "
                    + local.list().getFirst().message());
        }
        active.add(name);
        rescan(body, use, active, out);
        active.remove(name);
    }

    private Token nextRaw() {
        skipTrivia();
        int start = pos;
        if (pos >= s.length()) {
            return new Token(TokenKind.EOF, "", 0, new Span(pos, pos));
        }
        char c = s.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            pos = identEnd(pos);
            return tok(TokenKind.IDENT, start);
        }
        if (c == '$') {
            if (pos + 1 < s.length() && s.charAt(pos + 1) == '#') {
                pos += 2;
                return tok(TokenKind.PARAM_COUNT, start);
            }
            if (pos + 1 < s.length() && Character.isDigit(s.charAt(pos + 1))) {
                int i = pos + 1;
                while (i < s.length() && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                pos = i;
                String digits = s.substring(start + 1, pos);
                long n = digits.length() > 18 ? 0 : Long.parseLong(digits);
                if (n < 1) {
                    // as current bpftrace: $0, and numbers no long holds, are no parameters
                    diags.error(new Span(start, pos), "syntax: param " + s.substring(start, pos)
                            + " is out of integer range [1, " + Long.MAX_VALUE + "]");
                }
                return new Token(TokenKind.PARAM, s.substring(start, pos), n, new Span(start, pos));
            }
            int end = identEnd(pos + 1);
            if (end == pos + 1 || !(Character.isLetter(s.charAt(pos + 1)) || s.charAt(pos + 1) == '_')) {
                // a $ without a name: the parser reports it where it meets it (current bpftrace's words)
                pos++;
                return new Token(TokenKind.VAR, "$", 0, new Span(start, pos));
            }
            pos = end;
            return tok(TokenKind.VAR, start);
        }
        if (c == '@') {
            // a map's name starts as an identifier does (@2 is the bare @, then 2: current and 0.17)
            pos++;
            if (pos < s.length() && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos = identEnd(pos);
            }
            return tok(TokenKind.MAP, start);
        }
        if (Character.isDigit(c)) {
            return number(start);
        }
        if (c == '"') {
            return string(start);
        }
        if (c == '\'') {
            return charLiteral(start);
        }
        for (String p : PUNCT) {
            if (s.startsWith(p, pos)) {
                pos += p.length();
                return tok(PUNCT_KIND[indexOf(p)], start);
            }
        }
        // a character of no token: the parser reports it where it meets it (current bpftrace's words)
        pos++;
        return new Token(TokenKind.OTHER, String.valueOf(c), 0, new Span(start, pos));
    }

    private static final String[] PUNCT = {
        "<<=", ">>=", "...", "->", "..", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<=", ">=", "==",
        "!=", "<<", ">>", "&&", "||", "{", "}", "(", ")", "[", "]", ";", ",", ":", "?", ".", "=", "+", "-", "*", "/",
        "%", "&", "|", "^", "~", "!", "<", ">"
    };
    private static final TokenKind[] PUNCT_KIND = new TokenKind[PUNCT.length];

    static {
        for (int i = 0; i < PUNCT.length; i++) {
            String p = PUNCT[i];
            TokenKind k = null;
            for (TokenKind t : TokenKind.values()) {
                if (p.equals(t.text())) {
                    k = t;
                }
            }
            PUNCT_KIND[i] = p.equals("...") ? TokenKind.DOTDOT : k;
        }
    }

    private static int indexOf(String p) {
        for (int i = 0; i < PUNCT.length; i++) {
            if (PUNCT[i].equals(p)) {
                return i;
            }
        }
        throw new IllegalStateException(p);
    }

    private int identEnd(int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    private Token tok(TokenKind kind, int start) {
        return new Token(kind, s.substring(start, pos), 0, new Span(start, pos));
    }

    /**
     * An integer literal, scanned and valued as current bpftrace does: decimal digits (a leading
     * {@code 0} and octal digits: octal), {@code 0x} hexadecimal (bpf4j also reads {@code 0b}
     * binary), {@code _} between digits, an exponent ({@code 1e6}: a coefficient of 1 to 9), and a
     * suffix ({@code u}, {@code l}, {@code ul}, {@code ll}, {@code ull}, or a time unit {@code ns},
     * {@code us}, {@code ms}, {@code s}, {@code m}, {@code h}, {@code d}). Errors in its words.
     */
    private Token number(int start) {
        int i = start;
        boolean prefixed = s.startsWith("0x", i) || s.startsWith("0X", i) || s.startsWith("0b", i)
                || s.startsWith("0B", i);
        if (prefixed) {
            int radix = Character.toLowerCase(s.charAt(i + 1)) == 'x' ? 16 : 2;
            i += 2;
            while (i < s.length() && (Character.digit(s.charAt(i), radix) >= 0 || s.charAt(i) == '_')) {
                i++;
            }
            trailingUnderscore(i);
        } else {
            i = digits(i);
            if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
                i = digits(i + 1);
            }
            if (i < s.length()) {
                char c = s.charAt(i);
                char d = i + 1 < s.length() ? s.charAt(i + 1) : 0;
                if ((c == 'n' || c == 'u' || c == 'm') && d == 's') {
                    i += 2;
                } else if (c == 's' || c == 'm' || c == 'h' || c == 'd') {
                    i++;
                } else if (c == 'u' || c == 'U' || c == 'l' || c == 'L') {
                    i++;
                    int most = c == 'u' || c == 'U' ? 2 : 1;
                    for (int k = 0; k < most && i < s.length() && (s.charAt(i) == 'l' || s.charAt(i) == 'L'); k++) {
                        i++;
                    }
                }
            }
        }
        String num = s.substring(start, i);
        if (!prefixed && i < s.length() && (Character.isLetter(s.charAt(i)) || s.charAt(i) == '_')) {
            int bad = i;
            i = identEnd(i);
            diags.error(new Span(bad, i), "syntax: invalid integer suffix '" + s.substring(bad, i) + "'");
        }
        pos = i;
        Span span = new Span(start, pos);
        long value = 0;
        try {
            value = integerValue(num);
        } catch (IllegalArgumentException e) {
            diags.error(span, "syntax: " + e.getMessage());
        }
        return new Token(TokenKind.INT, s.substring(start, pos), value, span);
    }

    /** Past digits and {@code _} from {@code i}; a {@code _} at their end is an error. */
    private int digits(int i) {
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        trailingUnderscore(i);
        return i;
    }

    private void trailingUnderscore(int end) {
        if (s.charAt(end - 1) == '_') {
            diags.error(new Span(end - 1, end), "syntax: trailing underscore in integer literal");
        }
    }

    private static final BigInteger U64 = BigInteger.ONE.shiftLeft(64).subtract(
            BigInteger.ONE);

    /**
     * The value of an integer literal as current bpftrace computes it (a {@code long} holding the
     * unsigned 64-bit value); an IllegalArgumentException holds its error message.
     */
    public static long integerValue(String num) {
        String n = num.replace("_", "");
        int radix = 10;
        if (n.length() >= 2 && (n.startsWith("0x") || n.startsWith("0X"))) {
            radix = 16;
            n = n.substring(2);
        } else if (n.length() >= 2 && (n.startsWith("0b") || n.startsWith("0B"))) {
            radix = 2;
            n = n.substring(2);
        } else if (n.length() >= 2 && n.charAt(0) == '0' && n.charAt(1) >= '0' && n.charAt(1) <= '7') {
            radix = 8;
            n = n.substring(1);
        }
        int i = 0;
        while (i < n.length() && Character.digit(n.charAt(i), radix) >= 0) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("invalid integer: " + num);
        }
        BigInteger v = new BigInteger(n.substring(0, i), radix);
        if (v.compareTo(U64) > 0) {
            throw new IllegalArgumentException("overflow error, maximum value is " + U64 + ": " + num);
        }
        if (i + 1 < n.length() && (n.charAt(i) == 'e' || n.charAt(i) == 'E') && n.charAt(i + 1) >= '1'
                && n.charAt(i + 1) <= '9') {
            if (v.signum() <= 0 || v.compareTo(BigInteger.TEN) >= 0) {
                throw new IllegalArgumentException("coefficient part of scientific literal must be 1-9: " + num);
            }
            int e = i + 1;
            while (e < n.length() && Character.isDigit(n.charAt(e))) {
                e++;
            }
            String exp = n.substring(i + 1, e);
            if (exp.length() > 2 || v.multiply(BigInteger.TEN.pow(Integer.parseInt(exp))).compareTo(U64) > 0) {
                throw new IllegalArgumentException("overflow error, maximum value is " + U64 + ": " + num);
            }
            v = v.multiply(BigInteger.TEN.pow(Integer.parseInt(exp)));
            i = e;
        }
        String suffix = n.substring(i);
        BigInteger max = switch (suffix) {
            case "", "ul", "ull", "ns", "us", "ms", "s", "m", "h", "d" -> U64;
            case "u" -> BigInteger.valueOf(0xffff_ffffL);
            case "l", "ll" -> BigInteger.valueOf(Long.MAX_VALUE);
            default -> throw new IllegalArgumentException("invalid trailing bytes: " + num);
        };
        long scale = switch (suffix) {
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "d" -> 86_400_000_000_000L;
            default -> 1;
        };
        BigInteger big = BigInteger.valueOf(scale);
        if (v.compareTo(max.divide(big)) > 0) {
            throw new IllegalArgumentException("overflow error, maximum value is " + max + ": " + num);
        }
        return v.multiply(big).longValue();
    }

    private Token string(int start) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = start + 1;
        while (true) {
            if (i >= s.length() || s.charAt(i) == '\n') {
                // current bpftrace places it where reading goes on: the next thing after the line's end
                int at = i;
                while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
                    at++;
                }
                diags.error(ExprParser.bpftraceSpan(s, at), "syntax: unterminated string");
                break;
            }
            char c = s.charAt(i);
            if (c == '"') {
                i++;
                break;
            }
            if (c == '\\' && i + 1 < s.length()) {
                char e = s.charAt(i + 1);
                i += 2;
                switch (e) {
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case 'r' -> out.write('\r');
                    case '\\' -> out.write('\\');
                    case '"' -> out.write('"');
                    case '\'' -> out.write('\'');
                    case 'x' -> {
                        int j = i;
                        while (j < s.length() && j < i + 2 && Character.digit(s.charAt(j), 16) >= 0) {
                            j++;
                        }
                        if (j == i) {
                            diags.error(ExprParser.bpftraceSpan(s, i), "syntax: invalid hex escape sequence");
                        } else {
                            out.write(Integer.parseInt(s.substring(i, j), 16));
                        }
                        i = j;
                    }
                    default -> {
                        if (e >= '0' && e <= '7') {
                            int j = i - 1;
                            int end = Math.min(s.length(), j + 3);
                            int k = j;
                            while (k < end && s.charAt(k) >= '0' && s.charAt(k) <= '7') {
                                k++;
                            }
                            int octal = Integer.parseInt(s.substring(j, k), 8);
                            if (octal > 0xff) {
                                diags.error(new Span(j - 1, k), "syntax: octal escape sequence out of range '\\"
                                        + s.substring(j, k) + "'");
                            }
                            out.write(octal & 0xff);
                            i = k;
                        } else {
                            diags.error(ExprParser.bpftraceSpan(s, i - 1), "syntax: invalid escape character '\\"
                                    + e + "'");
                        }
                    }
                }
                continue;
            }
            if (c <= 0xff) {
                out.write(c); // the script's text holds one char per byte
            } else {
                byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
            i++;
        }
        pos = i;
        return new Token(TokenKind.STRING, out.toString(StandardCharsets.ISO_8859_1), 0, new Span(start, pos));
    }

    private Token charLiteral(int start) {
        int end = s.indexOf('\'', start + 1);
        if (end == start + 2) {
            pos = end + 1;
            return new Token(TokenKind.INT, s.substring(start, pos), s.charAt(start + 1), new Span(start, pos));
        }
        pos = start + 1;
        return new Token(TokenKind.OTHER, "'", 0, new Span(start, pos));
    }

    /** The source being read. */
    public Source source() {
        return source;
    }
}
