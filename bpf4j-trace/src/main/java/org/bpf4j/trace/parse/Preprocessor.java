package org.bpf4j.trace.parse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;

/**
 * The C preprocessor lines of a script, handled without a C compiler, as bpftrace handles them
 * when the kernel has BTF: {@code #include} is accepted (types come from the kernel's BTF; the
 * object-like macros of the header, if the machine has it, are read by {@link HeaderMacros}),
 * {@code #define NAME value} defines an object-like macro that the lexer expands where the name
 * is used, {@code #undef}, and the conditionals {@code #if}/{@code #ifdef}/{@code #ifndef}/
 * {@code #elif}/{@code #else}/{@code #endif} select lines ({@code BPFTRACE_HAVE_BTF} is defined
 * on the kernel backend when BTF can be read).
 *
 * <p>The result is the script's text with every directive and every line a conditional left out
 * replaced by spaces (newlines kept), so offsets, lines and columns of what remains are unchanged.
 */
public final class Preprocessor {
    /**
     * What preprocessing gives.
     *
     * @param text the text to parse (same length as the source)
     * @param directives the {@code #include} and {@code #define} lines in effect, as written
     * @param macros object-like macros by name: the replacement text
     * @param functions function-like macros by name ({@code #define MAX(a, b) ((a) > (b) ? (a) : (b))})
     * @param lines where each preprocessor line is (active or not, the first line's {@code #!} aside):
     *     from its {@code #} to the start of the next line, in order
     */
    public record Result(String text, List<String> directives, Map<String, String> macros,
            Map<String, FunctionMacro> functions, List<Span> lines) {
        public Result {
            directives = List.copyOf(directives);
            macros = Map.copyOf(macros);
            functions = Map.copyOf(functions);
            lines = List.copyOf(lines);
        }
    }

    /** A function-like macro: its parameter names and its replacement text. */
    public record FunctionMacro(List<String> params, String body) {
        public FunctionMacro {
            params = List.copyOf(params);
        }
    }

    /** The macro bpftrace defines when the kernel has BTF (tools test it with {@code #ifndef}). */
    public static final String HAVE_BTF = "BPFTRACE_HAVE_BTF";

    private final Source source;
    private final Diagnostics diags;
    private final HeaderMacros headers;
    private final Map<String, String> macros = new LinkedHashMap<>();
    private final Set<String> functionLike = new HashSet<>();
    private final Map<String, FunctionMacro> functionBodies = new HashMap<>();
    private final List<String> directives = new ArrayList<>();
    /** Where each preprocessor line is ({@link Result#lines}). */
    private final List<Span> lines = new ArrayList<>();

    /** One open conditional: whether its parent is active, whether a branch was taken, whether the current one is. */
    private static final class Cond {
        final boolean parentActive;
        boolean taken;
        boolean active;
        boolean sawElse;
        final Span span;

        Cond(boolean parentActive, boolean active, Span span) {
            this.parentActive = parentActive;
            this.active = parentActive && active;
            this.taken = this.active;
            this.span = span;
        }
    }

    private Preprocessor(Source source, HeaderMacros headers, Diagnostics diags) {
        this.source = source;
        this.headers = headers;
        this.diags = diags;
    }

    /**
     * Preprocesses a script.
     *
     * @param predefined macros defined before the first line (name to value)
     * @param headers where {@code #include}d headers' macros come from
     */
    public static Result run(Source source, Map<String, String> predefined, HeaderMacros headers, Diagnostics diags) {
        return run(source, predefined, List.of(), headers, diags);
    }

    /**
     * As {@link #run(Source, Map, HeaderMacros, Diagnostics)}, with headers included before the
     * first line ({@code --include FILE}, as if the script began with {@code #include <FILE>}).
     */
    public static Result run(Source source, Map<String, String> predefined, List<String> includes, HeaderMacros headers,
            Diagnostics diags) {
        Preprocessor p = new Preprocessor(source, headers, diags);
        p.macros.putAll(predefined);
        for (String h : includes) {
            p.include("#include <" + h + ">", "<" + h + ">", Span.NONE);
        }
        return p.process();
    }

    private Result process() {
        String s = source.text();
        char[] out = s.toCharArray();
        Deque<Cond> conds = new ArrayDeque<>();
        boolean inComment = false;
        int pos = 0;
        while (pos < s.length()) {
            int lineEnd = s.indexOf('\n', pos);
            if (lineEnd < 0) {
                lineEnd = s.length();
            }
            boolean active = conds.isEmpty() || conds.peek().active;
            int first = pos;
            while (first < lineEnd && (s.charAt(first) == ' ' || s.charAt(first) == '\t')) {
                first++;
            }
            if (!inComment && first < lineEnd && s.charAt(first) == '#') {
                // a directive, with its continuation lines
                int end = lineEnd;
                while (end > first && end < s.length() && s.charAt(end - 1) == '\\') {
                    int next = s.indexOf('\n', end + 1);
                    end = next < 0 ? s.length() : next;
                }
                String text = s.substring(first, end);
                blank(out, pos, end);
                if (first == 0 && text.startsWith("#!")) {
                    pos = end + 1;
                    continue;
                }
                lines.add(new Span(first, Math.min(end + 1, s.length())));
                directive(text.replace("\\\n", " "), new Span(first, Math.min(end, lineEnd)), conds, active);
                pos = end + 1;
                continue;
            }
            if (!active) {
                blank(out, pos, lineEnd);
            } else {
                inComment = scanComments(s, pos, lineEnd, inComment);
            }
            pos = lineEnd + 1;
        }
        if (!conds.isEmpty()) {
            diags.error(conds.peek().span, "unterminated conditional directive");
        }
        Map<String, FunctionMacro> fns = new LinkedHashMap<>();
        for (String f : functionLike) {
            if (functionBodies.containsKey(f)) {
                fns.put(f, functionBodies.get(f));
            }
        }
        return new Result(new String(out), directives, macros, fns, lines);
    }

    /** Whether a block comment is still open at the end of the line. */
    private static boolean scanComments(String s, int from, int to, boolean inComment) {
        for (int i = from; i < to; i++) {
            if (inComment) {
                if (s.startsWith("*/", i)) {
                    inComment = false;
                    i++;
                }
            } else if (s.charAt(i) == '"') {
                int e = i + 1;
                while (e < to && s.charAt(e) != '"') {
                    e += s.charAt(e) == '\\' ? 2 : 1;
                }
                i = e;
            } else if (s.startsWith("//", i)) {
                return false;
            } else if (s.startsWith("/*", i)) {
                inComment = true;
                i++;
            }
        }
        return inComment;
    }

    private static void blank(char[] out, int from, int to) {
        for (int i = from; i < Math.min(to, out.length); i++) {
            if (out[i] != '\n') {
                out[i] = ' ';
            }
        }
    }

    private void directive(String text, Span span, Deque<Cond> conds, boolean active) {
        String body = stripComments(text.substring(1)).strip();
        int nameEnd = 0;
        while (nameEnd < body.length() && Character.isLetter(body.charAt(nameEnd))) {
            nameEnd++;
        }
        String name = body.substring(0, nameEnd);
        String rest = body.substring(nameEnd).strip();
        switch (name) {
            case "ifdef", "ifndef" -> {
                String m = identifier(rest);
                if (active && m.isEmpty()) {
                    diags.error(span, "macro name missing after #" + name);
                }
                boolean defined = macros.containsKey(m) || functionLike.contains(m);
                conds.push(new Cond(active, name.equals("ifdef") == defined, span));
            }
            case "if" -> conds.push(new Cond(active, active && evaluate(rest, span) != 0, span));
            case "elif" -> {
                Cond c = conds.peek();
                if (c == null || c.sawElse) {
                    diags.error(span, c == null ? "#elif without #if" : "#elif after #else");
                    return;
                }
                c.active = c.parentActive && !c.taken && evaluate(rest, span) != 0;
                c.taken |= c.active;
            }
            case "else" -> {
                Cond c = conds.peek();
                if (c == null || c.sawElse) {
                    diags.error(span, c == null ? "#else without #if" : "#else after #else");
                    return;
                }
                c.sawElse = true;
                c.active = c.parentActive && !c.taken;
                c.taken = true;
            }
            case "endif" -> {
                if (conds.isEmpty()) {
                    diags.error(span, "#endif without #if");
                    return;
                }
                conds.pop();
            }
            default -> {
                if (!active) {
                    return;
                }
                switch (name) {
                    case "define" -> define(text, rest, span);
                    case "undef" -> {
                        macros.remove(identifier(rest));
                        functionLike.remove(identifier(rest));
                    }
                    case "include" -> include(text, rest, span);
                    case "error" -> diags.error(span, "#error " + rest);
                    case "warning" -> diags.warning(span, "#warning " + rest);
                    case "pragma", "line", "" -> {
                        // no effect here
                    }
                    default -> diags.error(span, "invalid preprocessing directive #" + name);
                }
            }
        }
    }

    private void define(String text, String rest, Span span) {
        String m = identifier(rest);
        if (m.isEmpty()) {
            diags.error(span, "macro name missing after #define");
            return;
        }
        directives.add(text.strip());
        if (rest.length() > m.length() && rest.charAt(m.length()) == '(') {
            functionLike.add(m);
            macros.remove(m);
            int close = rest.indexOf(')', m.length());
            if (close < 0) {
                diags.error(span, "missing ')' in the parameter list of macro " + m);
                return;
            }
            List<String> params = new ArrayList<>();
            for (String p : rest.substring(m.length() + 1, close).split(",")) {
                if (!p.isBlank()) {
                    params.add(p.strip());
                }
            }
            if (params.stream().anyMatch(p -> identifier(p).length() != p.length())) {
                diags.error(span, "invalid parameter list of macro " + m + " (bpf4j expands named parameters only)");
                return;
            }
            functionBodies.put(m, new FunctionMacro(params, stripComments(rest.substring(close + 1)).strip()));
            return;
        }
        macros.put(m, rest.substring(m.length()).strip());
        functionLike.remove(m);
    }

    private void include(String text, String rest, Span span) {
        directives.add(text.strip());
        String header;
        if (rest.startsWith("<") && rest.indexOf('>') > 1) {
            header = rest.substring(1, rest.indexOf('>'));
        } else if (rest.startsWith("\"") && rest.indexOf('"', 1) > 1) {
            header = rest.substring(1, rest.indexOf('"', 1));
        } else {
            diags.error(span, "#include expects \"FILENAME\" or <FILENAME>");
            return;
        }
        if (!headers.accepts(header)) {
            diags.error(span, "'" + header + "' file not found");
            return;
        }
        for (Map.Entry<String, String> e : headers.macros(header).entrySet()) {
            macros.putIfAbsent(e.getKey(), e.getValue());
        }
    }

    private static String identifier(String s) {
        int i = 0;
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i > 0 && !Character.isDigit(s.charAt(0)) ? s.substring(0, i) : "";
    }

    /** The text without comments (a directive's line may end with one). */
    static String stripComments(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("//", i)) {
                break;
            }
            if (s.startsWith("/*", i)) {
                int e = s.indexOf("*/", i + 2);
                if (e < 0) {
                    break;
                }
                b.append(' ');
                i = e + 1;
                continue;
            }
            b.append(s.charAt(i));
        }
        return b.toString();
    }

    // ---- #if expressions: integers, defined(X), macros, ! ~ - + * / % << >> < > <= >= == != & ^ | && || ?: ----

    private String expr;
    private int epos;
    private Span espan;
    private boolean ebad;

    private long evaluate(String text, Span span) {
        expr = text;
        epos = 0;
        espan = span;
        ebad = false;
        long v = ternary(0);
        skipSpace();
        if (!ebad && epos < expr.length()) {
            diags.error(span, "invalid expression in #if: unexpected '" + expr.substring(epos) + "'");
        }
        return v;
    }

    private void skipSpace() {
        while (epos < expr.length() && Character.isWhitespace(expr.charAt(epos))) {
            epos++;
        }
    }

    private boolean eat(String op) {
        skipSpace();
        if (expr.startsWith(op, epos)) {
            // do not take "<" of "<<" or "&" of "&&"
            if (op.length() == 1 && epos + 1 < expr.length() && "<>&|=".indexOf(op.charAt(0)) >= 0
                    && (expr.charAt(epos + 1) == op.charAt(0) || expr.charAt(epos + 1) == '=')) {
                return false;
            }
            epos += op.length();
            return true;
        }
        return false;
    }

    private static final String[][] LEVELS = {
        {"||"}, {"&&"}, {"|"}, {"^"}, {"&"}, {"==", "!="}, {"<=", ">=", "<", ">"}, {"<<", ">>"}, {"+", "-"},
        {"*", "/", "%"}
    };

    private long ternary(int depth) {
        long c = binary(0, depth);
        if (eat("?")) {
            long a = ternary(depth + 1);
            if (!eat(":")) {
                bad("expected ':'");
            }
            long b = ternary(depth + 1);
            return c != 0 ? a : b;
        }
        return c;
    }

    private long binary(int level, int depth) {
        if (level == LEVELS.length) {
            return unary(depth);
        }
        long v = binary(level + 1, depth);
        outer:
        for (;;) {
            for (String op : LEVELS[level]) {
                if (eat(op)) {
                    long r = binary(level + 1, depth);
                    v = switch (op) {
                        case "||" -> v != 0 || r != 0 ? 1 : 0;
                        case "&&" -> v != 0 && r != 0 ? 1 : 0;
                        case "|" -> v | r;
                        case "^" -> v ^ r;
                        case "&" -> v & r;
                        case "==" -> v == r ? 1 : 0;
                        case "!=" -> v != r ? 1 : 0;
                        case "<=" -> v <= r ? 1 : 0;
                        case ">=" -> v >= r ? 1 : 0;
                        case "<" -> v < r ? 1 : 0;
                        case ">" -> v > r ? 1 : 0;
                        case "<<" -> v << r;
                        case ">>" -> v >> r;
                        case "+" -> v + r;
                        case "-" -> v - r;
                        case "*" -> v * r;
                        case "/", "%" -> {
                            if (r == 0) {
                                bad("division by zero");
                                yield 0;
                            }
                            yield op.equals("/") ? v / r : v % r;
                        }
                        default -> throw new IllegalStateException(op);
                    };
                    continue outer;
                }
            }
            return v;
        }
    }

    private long unary(int depth) {
        if (depth > 64) {
            bad("too deeply nested");
            return 0;
        }
        if (eat("!")) {
            return unary(depth + 1) == 0 ? 1 : 0;
        }
        if (eat("~")) {
            return ~unary(depth + 1);
        }
        if (eat("-")) {
            return -unary(depth + 1);
        }
        if (eat("+")) {
            return unary(depth + 1);
        }
        if (eat("(")) {
            long v = ternary(depth + 1);
            if (!eat(")")) {
                bad("expected ')'");
            }
            return v;
        }
        skipSpace();
        if (epos < expr.length() && Character.isDigit(expr.charAt(epos))) {
            int start = epos;
            while (epos < expr.length() && Character.isLetterOrDigit(expr.charAt(epos))) {
                epos++;
            }
            String lit = expr.substring(start, epos).toLowerCase(Locale.ROOT).replaceAll("[ul]+$", "");
            try {
                if (lit.startsWith("0x")) {
                    return Long.parseUnsignedLong(lit.substring(2), 16);
                }
                return lit.length() > 1 && lit.startsWith("0") ? Long.parseLong(lit.substring(1), 8) : Long.parseLong(lit);
            } catch (NumberFormatException e) {
                bad("invalid number '" + expr.substring(start, epos) + "'");
                return 0;
            }
        }
        String id = identifier(expr.substring(epos));
        if (id.isEmpty()) {
            bad(epos < expr.length() ? "unexpected '" + expr.charAt(epos) + "'" : "expression expected");
            return 0;
        }
        epos += id.length();
        if (id.equals("defined")) {
            boolean paren = eat("(");
            skipSpace();
            String m = identifier(expr.substring(epos));
            epos += m.length();
            if (m.isEmpty() || paren && !eat(")")) {
                bad("macro name expected after 'defined'");
            }
            return macros.containsKey(m) || functionLike.contains(m) ? 1 : 0;
        }
        String value = macros.get(id);
        if (value == null || value.isBlank() || depth > 32) {
            return 0; // an undefined name is 0, as in C
        }
        String saved = expr;
        int savedPos = epos;
        expr = value;
        epos = 0;
        long v = ternary(depth + 1);
        expr = saved;
        epos = savedPos;
        return v;
    }

    private void bad(String why) {
        if (!ebad) {
            diags.error(espan, "invalid expression in #if: " + why);
        }
        ebad = true;
        epos = expr.length();
    }
}
