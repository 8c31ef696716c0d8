package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.bpf4j.trace.fmt.Syntax.*;

/**
 * Reads a script into {@link Syntax} as current bpftrace's recursive-descent parser does (its
 * grammar, where each node begins and ends, what it records as comments and blank lines, its
 * syntax errors), for the formatter. Nothing is expanded, resolved or checked beyond the syntax:
 * C text is kept as written, macros and imports stay as they are.
 */
final class FormatParser extends StatementParser {
    FormatParser(String in) {
        super(in);
    }

    /** The script (its top-level items in the order written); see {@link #errors}. */
    Script script() {
        List<Root> items = new ArrayList<>();
        String header = null;
        consumeLayout();
        if (peek() == '#' && peek(1) == '!') {
            int begin = pos;
            while (!atEnd() && peek() != '\n') {
                advance();
            }
            if (peek() == '\n') {
                advance();
            }
            header = in.substring(begin, pos);
            consumeLayout();
        }
        consumeLayout();
        while (!atEnd() && !hasErrors()) {
            if (peek() == '#' && peek(1) != '!') {
                items.add(preprocessorLine());
                consumeLayout();
                continue;
            }
            String kw = peekKeyword();
            if ((kw.equals("struct") || kw.equals("union") || kw.equals("enum")) && looksLikeCDefinition()) {
                items.add(cDefinition());
                consumeLayout();
                continue;
            }
            break;
        }
        boolean config = false;
        while (!atEnd() && !hasErrors()) {
            String kw = peekKeyword();
            if (kw.equals("config")) {
                if (!config) {
                    Config c = config();
                    if (c != null) {
                        items.add(c);
                    }
                    config = true;
                } else {
                    skipConfig("duplicate config block");
                }
                consumeLayout();
                continue;
            }
            if (kw.equals("import")) {
                RootImport imp = rootImport();
                if (imp != null) {
                    items.add(imp);
                }
                consumeLayout();
                continue;
            }
            break;
        }
        while (!atEnd() && !hasErrors()) {
            consumeLayout();
            if (atEnd()) {
                break;
            }
            int before = pos;
            String kw = peekKeyword();
            if (peek() == '#' && peek(1) != '!') {
                int begin = pos;
                items.add(preprocessorLine());
                error("C definitions must appear before probes and functions", begin, pos);
            } else if ((kw.equals("struct") || kw.equals("union") || kw.equals("enum")) && looksLikeCDefinition()) {
                int begin = pos;
                items.add(cDefinition());
                error("C definitions must appear before probes and functions", begin, pos);
            } else if (kw.equals("config")) {
                skipConfig("config must appear before probes and functions");
            } else if (kw.equals("import")) {
                int begin = pos;
                match("import");
                error("root imports must appear before probes and functions", begin, pos);
                while (!atEnd() && peek() != ';' && peek() != '\n') {
                    advance();
                }
                match(';');
            } else if (kw.equals("macro")) {
                add(items, macro());
            } else if (kw.equals("fn")) {
                add(items, subprog());
            } else if (kw.equals("let")) {
                int p = scanLayout(scanLayout(pos) + 3);
                if (charAt(p) == '@') {
                    add(items, mapDecl());
                } else {
                    error("root-level let statements need to be map declarations, e.g. let @a = hash(2);");
                    advance();
                }
            } else {
                add(items, probe());
            }
            if (pos == before) {
                error("unexpected input");
                advance();
            }
            consumeLayout();
        }
        items.sort(Comparator.comparingInt(Root::begin).thenComparingInt(Root::end));
        return new Script(header, items);
    }

    private static void add(List<Root> items, Root item) {
        if (item != null) {
            items.add(item);
        }
    }

    private CText preprocessorLine() {
        int begin = pos;
        while (!atEnd() && peek() != '\n') {
            advance();
        }
        String line = in.substring(begin, pos).stripTrailing();
        int end = pos;
        if (peek() == '\n') {
            advance();
        }
        return new CText(begin, end, line);
    }

    private CText cDefinition() {
        int begin = pos;
        StringBuilder def = new StringBuilder();
        while (!atEnd() && peek() != '{') {
            def.append(peek());
            advance();
        }
        int depth = 0;
        while (!atEnd()) {
            char c = peek();
            if (c == '/' && peek(1) == '/') {
                while (!atEnd() && peek() != '\n') {
                    def.append(peek());
                    advance();
                }
                continue;
            }
            if (c == '/' && peek(1) == '*') {
                int start = pos;
                advance(2);
                while (!atEnd() && !(peek() == '*' && peek(1) == '/')) {
                    advance();
                }
                advance(2);
                def.append(in, start, pos);
                continue;
            }
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
            def.append(c);
            advance();
            if (depth == 0) {
                break;
            }
        }
        String text = def.toString().stripTrailing();
        int attr = pos;
        while (match("__attribute__")) {
            consumeLayout();
            if (peek() == '(' && peek(1) == '(') {
                int after = scanBalanced(pos, '(', ')');
                if (after == pos || charAt(after - 1) != ')') {
                    error("__attribute__ syntax error, mismatched '(' and ')'");
                }
                text += in.substring(attr, after);
                attr = pos = after;
            } else {
                error("__attribute__ syntax error, expected '(('");
            }
        }
        if (!text.isEmpty() && !text.endsWith(";")) {
            text += ";";
        }
        consumeLayout();
        if (peek() == ';') {
            advance();
        }
        return new CText(begin, pos, text);
    }

    private boolean looksLikeCDefinition() {
        int p = scanLayout(scanIdentEnd(scanLayout(pos)));
        while (p < in.length()) {
            char c = in.charAt(p);
            if (c == '{') {
                return true;
            }
            if (c == ':' || c == '/' || c == ',' || c == ';') {
                return false;
            }
            if (identStart(c)) {
                p = scanLayout(scanIdentEnd(p));
                continue;
            }
            if (c == '(' || c == '[') {
                char close = c == '(' ? ')' : ']';
                int after = scanBalanced(p, c, close);
                if (after == p || charAt(after - 1) != close) {
                    return false;
                }
                p = scanLayout(after);
                continue;
            }
            return false;
        }
        return false;
    }

    private Config config() {
        int begin = pos;
        if (!expect("config") || !expect('=') || !expect('{')) {
            return null;
        }
        List<ConfigEntry> entries = new ArrayList<>();
        consumeLayout();
        while (peek() != '}' && !atEnd()) {
            int at = pos;
            String key = consumeIdentifier("expected config key");
            if (key == null || !expect('=')) {
                break;
            }
            consumeLayout();
            Object value;
            if (peek() == '"') {
                value = consumeString();
            } else if (checkKeyword("true") || checkKeyword("false")) {
                value = checkKeyword("true");
                match((Boolean) value ? "true" : "false");
            } else if (digit(peek())) {
                String text = consumeIntegerText();
                Long v = unsigned(text);
                if (v == null) {
                    error("invalid integer in config");
                    break;
                }
                value = v;
            } else {
                value = consumeIdentifier("expected string, int, boolean, or ident");
            }
            if (value != null) {
                entries.add(new ConfigEntry(at, pos, key, value));
            }
            consumeLayout();
            if (peek() != '}' && !match(';')) {
                expect(';');
                while (!atEnd() && peek() != '}') {
                    advance();
                }
                break;
            }
            match(';');
            consumeLayout();
        }
        expect('}');
        return new Config(begin, pos, entries);
    }

    private void skipConfig(String message) {
        int begin = pos;
        match("config");
        error(message, begin, pos);
        consumeLayout();
        if (!match('=')) {
            return;
        }
        consumeLayout();
        if (!match('{')) {
            return;
        }
        int depth = 1;
        while (!atEnd() && depth > 0) {
            char c = peek();
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            }
            if (depth > 0) {
                advance();
            }
        }
        if (!atEnd()) {
            advance();
        }
    }

    private RootImport rootImport() {
        int begin = pos;
        String name = importName();
        if (name == null) {
            return null;
        }
        RootImport imp = new RootImport(begin, pos, name);
        if (!match(';')) {
            error("expected ';' after import");
            return null;
        }
        return imp;
    }

    private Macro macro() {
        int begin = pos;
        if (!expect("macro")) {
            return null;
        }
        String name = consumeIdentifier("expected macro name");
        if (name == null) {
            return null;
        }
        int nameEnd = pos;
        if (!expect('(')) {
            return null;
        }
        List<Expr> args = new ArrayList<>();
        consumeLayout();
        if (peek() != ')') {
            args.add(macroArg());
            while (match(',')) {
                args.add(macroArg());
            }
        }
        if (!expect(')')) {
            return null;
        }
        Block block = block(true);
        return block == null ? null : new Macro(begin, nameEnd, name, args, block);
    }

    private Expr macroArg() {
        consumeLayout();
        int begin = pos;
        if (peek() == '$') {
            return variable();
        }
        if (peek() == '@') {
            String name = consumeMap();
            return new MapRef(begin, pos, name);
        }
        String ident = consumeIdentifier("expected macro argument ($var, @map, or identifier)");
        if (ident == null) {
            return new None(pos, pos);
        }
        if (builtin(ident)) {
            error("builtin '" + ident + "' can't be used as a macro argument", begin, pos);
            return new None(pos, pos);
        }
        return new Ident(begin, pos, ident);
    }

    private Subprog subprog() {
        int begin = pos;
        if (!expect("fn")) {
            return null;
        }
        String name = consumeIdentifier("expected function name");
        if (name == null) {
            return null;
        }
        int nameEnd = pos;
        if (!expect('(')) {
            return null;
        }
        List<SubprogArg> args = new ArrayList<>();
        consumeLayout();
        if (peek() != ')') {
            while (true) {
                consumeLayout();
                int at = pos;
                if (peek() != '$') {
                    error("expected variable in function argument");
                    break;
                }
                Var var = variable();
                if (!expect(':')) {
                    break;
                }
                TypeOf type = typeAnnotation(true);
                if (type == null) {
                    break;
                }
                args.add(new SubprogArg(at, pos, var, type));
                if (!match(',')) {
                    break;
                }
            }
        }
        if (!expect(')') || !expect(':')) {
            return null;
        }
        TypeOf returns = typeAnnotation(true);
        if (returns == null) {
            return null;
        }
        Block block = block(false);
        return block == null ? null : new Subprog(begin, nameEnd, name, args, returns, block);
    }

    private MapDecl mapDecl() {
        int begin = pos;
        if (!expect("let")) {
            return null;
        }
        consumeLayout();
        if (peek() != '@') {
            error("expected '@' in map declaration");
            return null;
        }
        String name = consumeMap();
        if (!expect('=')) {
            return null;
        }
        String type = consumeIdentifier("expected map type name");
        if (type == null || !expect('(')) {
            return null;
        }
        Long max = unsigned(consumeIntegerText());
        if (max == null) {
            error("expected positive integer for map declaration max entries");
            return null;
        }
        if (!expect(')')) {
            return null;
        }
        match(';');
        return new MapDecl(begin, pos, name, type, max);
    }

    private Probe probe() {
        int begin = pos;
        List<AttachPoint> points = new ArrayList<>();
        AttachPoint ap = attachPoint();
        if (ap == null) {
            return null;
        }
        points.add(ap);
        while (match(',')) {
            consumeLayout();
            if (peek() == '/' || peek() == '{') {
                break;
            }
            ap = attachPoint();
            if (ap == null) {
                break;
            }
            points.add(ap);
        }
        int end = points.getLast().end();
        int predBegin = pos;
        Expr pred = predicate();
        int predEnd = pos;
        Block block = block(false);
        if (block == null) {
            return null;
        }
        if (pred != null) {
            If cond = new If(predBegin, predEnd, pred, block, new None(predBegin, predEnd));
            block = new Block(predBegin, predEnd, List.of(), cond);
        }
        return new Probe(begin, end, points, block);
    }

    private AttachPoint attachPoint() {
        consumeLayout();
        int begin = pos;
        StringBuilder raw = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (c == '{' || c == ',') {
                break;
            }
            if (c == '/' && !raw.isEmpty() && raw.indexOf(":") < 0 && peek(1) != '/' && peek(1) != '*') {
                break;
            }
            if (space(c)) {
                break;
            }
            if (c == '"') {
                raw.append(c);
                advance();
                while (!atEnd() && peek() != '"') {
                    if (peek() == '\\') {
                        raw.append(peek());
                        advance();
                        if (!atEnd()) {
                            raw.append(peek());
                            advance();
                        }
                        continue;
                    }
                    raw.append(peek());
                    advance();
                }
                if (!atEnd()) {
                    raw.append(peek());
                    advance();
                }
                continue;
            }
            raw.append(c);
            advance();
        }
        if (raw.isEmpty()) {
            error("expected attach point");
            return null;
        }
        return new AttachPoint(begin, pos, raw.toString());
    }

    private Expr predicate() {
        consumeLayout();
        if (peek() != '/' || peek(1) == '/' || peek(1) == '*') {
            return null;
        }
        advance();
        Expr expr = expression();
        if (!match('/')) {
            error("expected '/' to close predicate");
        }
        return expr;
    }
}
