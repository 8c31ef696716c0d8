package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.ConfigEntry;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.MapDecl;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.TypeName;

/**
 * The top-level items of the {@link Parser}: probes, user functions ({@code fn}), macro definitions,
 * map declarations, the config block and {@code import} lines (with current bpftrace's rules for
 * imports inside blocks), and its placement rule for C definitions and preprocessor lines. It reads
 * through its parser's tokens; the parser decides which item comes next and reads the statements
 * and expressions.
 */
final class TopLevelItems {
    private final Parser parser;

    TopLevelItems(Parser parser) {
        this.parser = parser;
    }

    /**
     * {@code fn NAME($a: TYPE, ...): TYPE { BODY }} at the top level (current bpftrace's grammar: the
     * parameters are variables with a type each, the result type is required, {@code void} for none).
     */
    Subprog subprog() {
        Token fn = parser.take();
        Token name = parser.peek();
        if (name.kind() != TokenKind.IDENT) {
            parser.diags.error(name.span(), "syntax: expected function name");
            throw new ExprParser.SyntaxError();
        }
        parser.take();
        parser.expect(TokenKind.LPAREN);
        List<Subprog.Param> params = new ArrayList<>();
        if (!parser.at(TokenKind.RPAREN)) {
            for (;;) {
                if (!parser.at(TokenKind.VAR)) {
                    parser.diags.error(parser.peek().span(), "syntax: expected variable in function argument");
                    throw new ExprParser.SyntaxError();
                }
                Token v = parser.take();
                parser.expect(TokenKind.COLON);
                TypeName type = parser.typeName();
                params.add(new Subprog.Param(new Expr.Var(v.text(), v.span()), type,
                        v.span().to(parser.prev.span())));
                if (!parser.accept(TokenKind.COMMA)) {
                    break;
                }
            }
        }
        parser.expect(TokenKind.RPAREN);
        parser.expect(TokenKind.COLON);
        TypeName result = parser.typeName();
        List<Stmt> body = parser.block();
        Span span = fn.span().to(parser.prev.span());
        parser.la = null;
        parser.lexer.reset(parser.prev.span().end());
        return new Subprog(name.text(), params, result, body, span, fn.span().to(name.span()));
    }

    /**
     * {@code macro NAME(PARAMS) { BODY }} (or {@code macro NAME { BODY }}) at the top level: the
     * parameters are {@code $var}, {@code @map} or a bare name; the body's last statement, written
     * without {@code ;}, is its value if it is an expression.
     */
    Macros.Definition macroDefinition() {
        Token macro = parser.take();
        Token name = parser.expect(TokenKind.IDENT, "macro name");
        List<Macros.Param> params = new ArrayList<>();
        if (parser.accept(TokenKind.LPAREN) && !parser.accept(TokenKind.RPAREN)) {
            for (;;) {
                Token p = parser.peek();
                Macros.Kind kind = switch (p.kind()) {
                    case VAR -> Macros.Kind.VARIABLE;
                    case MAP -> Macros.Kind.MAP;
                    case IDENT -> Macros.Kind.EXPRESSION;
                    default -> throw parser.stop("expected macro argument ($var, @map, or identifier)");
                };
                if (p.text().equals("$")) {
                    throw parser.stop("expected identifier after '$'");
                }
                if (kind == Macros.Kind.EXPRESSION && Parser.parserBuiltin(p.text())) {
                    throw parser.stop("builtin '" + p.text() + "' can't be used as a macro argument");
                }
                params.add(new Macros.Param(kind, parser.take().text(), p.span()));
                if (!parser.accept(TokenKind.COMMA)) {
                    parser.expect(TokenKind.RPAREN);
                    break;
                }
            }
        }
        List<Stmt> body = new ArrayList<>();
        Optional<Expr> value = parser.valueBlock(body);
        Span span = macro.span().to(parser.prev.span());
        parser.la = null;
        parser.lexer.reset(parser.prev.span().end());
        return new Macros.Definition(name.text(), params, body, value, span, macro.span().to(name.span()));
    }

    /** {@code let @name = KIND(N);} at the top level (current bpftrace: the {@code ;} may be left out). */
    MapDecl mapDecl() {
        Token let = parser.take();
        Token map = parser.expect(TokenKind.MAP, "'@' in map declaration");
        parser.expect(TokenKind.ASSIGN);
        Token kind = parser.expect(TokenKind.IDENT, "map type name");
        parser.expect(TokenKind.LPAREN);
        Token n = parser.expect(TokenKind.INT, "positive integer for map declaration max entries");
        parser.expect(TokenKind.RPAREN);
        Span kindSpan = kind.span().to(parser.prev.span());
        parser.accept(TokenKind.SEMI);
        return new MapDecl(map.text(), kind.text(), n.value(), let.span().to(parser.prev.span()), kindSpan);
    }

    Probe probe() {
        List<AttachPoint> points = new ArrayList<>();
        int start = parser.lexer.position();
        for (;;) {
            Token ap = parser.lexer.attachPoint();
            if (ap == null) {
                throw parser.expected("attach point");
            }
            points.add(AttachPointText.parse(ap.text(), ap.span()));
            parser.lexer.skipTrivia();
            String rest = parser.lexer.source().text().substring(parser.lexer.position());
            if (rest.startsWith(",")) {
                parser.lexer.reset(parser.lexer.position() + 1);
                // current bpftrace: a comma may end the list, before the predicate or the block
                parser.lexer.skipTrivia();
                char next = parser.lexer.position() < parser.lexer.source().text().length()
                        ? parser.lexer.source().text().charAt(parser.lexer.position()) : 0;
                if (next == '/' || next == '{') {
                    break;
                }
                continue;
            }
            break;
        }
        Optional<Expr> pred = Optional.empty();
        Span predSpan = Span.NONE;
        if (parser.accept(TokenKind.SLASH)) {
            int slash = parser.prev.span().begin();
            parser.inPredicate = true;
            Expr e = parser.expr();
            parser.inPredicate = false;
            if (!parser.accept(TokenKind.SLASH)) {
                // current bpftrace reads on to the block
                parser.syntaxError(parser.peek(), "expected '/' to close predicate");
            }
            pred = Optional.of(e);
            predSpan = new Span(slash, parser.prev.span().end());
        }
        List<Stmt> body = parser.block();
        Span span = new Span(start, parser.prev.span().end());
        parser.la = null;
        parser.lexer.reset(parser.prev.span().end());
        return new Probe(points, pred, body, span, predSpan);
    }

    /**
     * {@code config = { KEY = VALUE; ... }} before everything else. Its syntax errors are current
     * bpftrace's, which reads on to the closing brace after a missing key, {@code =} or {@code ;}.
     */
    void configBlock(List<ConfigEntry> config) {
        parser.take(); // config
        parser.expect(TokenKind.ASSIGN);
        parser.expect(TokenKind.LBRACE);
        while (!parser.at(TokenKind.RBRACE) && !parser.at(TokenKind.EOF)) {
            if (!parser.at(TokenKind.IDENT)) {
                parser.syntaxError(parser.peek(), "expected config key");
                break;
            }
            Token key = parser.take();
            if (!parser.close(TokenKind.ASSIGN)) {
                break;
            }
            Token v = parser.peek();
            switch (v.kind()) {
                // the entry's span runs from the key to the value's end, as current bpftrace shows it
                case INT -> config.add(new ConfigEntry(key.text(), Long.toString(parser.take().value()), true,
                        new Span(key.span().begin(), v.span().end())));
                case STRING, IDENT -> config.add(new ConfigEntry(key.text(), parser.take().text(), false,
                        new Span(key.span().begin(), v.span().end())));
                default -> parser.syntaxError(v, "expected string, int, boolean, or ident");
            }
            if (!parser.at(TokenKind.RBRACE) && !parser.accept(TokenKind.SEMI)) {
                parser.syntaxError(parser.peek(), "expected ';'");
                while (!parser.at(TokenKind.RBRACE) && !parser.at(TokenKind.EOF)) {
                    parser.take();
                }
                break;
            }
        }
        parser.close(TokenKind.RBRACE);
        if (parser.failed()) {
            throw new ExprParser.SyntaxError();
        }
    }

    /** {@code import "PATH";} at the top level, or in a block: the path and the span of {@code import "PATH"}. */
    Imports.Decl importLine() {
        Token kw = parser.take();
        if (!parser.at(TokenKind.STRING)) {
            parser.diags.error(parser.peek().span(), "syntax: expected string after 'import'");
            throw new ExprParser.SyntaxError();
        }
        Token path = parser.take();
        if (!parser.at(TokenKind.SEMI)) {
            parser.diags.error(parser.peek().span(), "syntax: expected ';' after import");
            throw new ExprParser.SyntaxError();
        }
        parser.take();
        return new Imports.Decl(path.text(), kw.span().to(path.span()));
    }

    /** The imports read in blocks (kept only where {@code unstable_import_statement} allows them). */
    final List<Imports.Decl> statementImports = new ArrayList<>();

    /** Whether a warning about statement imports was given (once a script, as current bpftrace). */
    private boolean warnedStatementImport;

    /**
     * {@code import "PATH";} inside a block: refused unless the config enables
     * {@code unstable_import_statement} (current bpftrace's rule: these are for its standard library).
     */
    void statementImport() {
        Imports.Decl d = importLine();
        String mode = "error";
        for (ConfigEntry c : parser.rootConfig != null ? parser.rootConfig : parser.currentConfig) {
            if (c.name().equals("unstable_import_statement")) {
                mode = Objects.requireNonNullElse(ConfigEntry.unstable(c.value()), "error");
            }
        }
        if (parser.envImports != null) {
            // as current bpftrace, which loads the environment after the config block; a bad value
            // fails its config pass before import statements are checked: it is reported with the
            // settings (Settings.environmentFailure), and an import the block does not allow is
            // left out without an error of its own
            String env = ConfigEntry.unstable(parser.envImports);
            mode = env != null ? env : mode.equals("error") ? "bad" : mode;
        }
        switch (mode) {
            case "enable" -> statementImports.add(d);
            case "warn" -> {
                if (!warnedStatementImport) {
                    parser.diags.warning(Span.NONE, "Script is using an unstable feature: import statements. To prevent this "
                            + "warning you must explicitly enable it in the config e.g. unstable_import_statement=enable");
                    warnedStatementImport = true;
                }
                statementImports.add(d);
            }
            case "bad" -> { }
            default -> parser.diags.error(d.span(), "Import statements that are not at the top level are primarily for the "
                    + "standard library. If this is functionality you need, please file an issue to explain why.");
        }
    }

    /**
     * Refuses a preprocessor line between {@code from} and {@code to} (the text the parser has just
     * passed over) once the C definitions are over (a config block, an import or a probe has been
     * read), as current bpftrace's parser does: "C definitions must appear before probes and
     * functions", from the {@code #} to the start of the next line.
     */
    void noDirectiveBetween(int from, int to) {
        for (Span d : parser.directiveLines) {
            if (d.begin() >= from && d.begin() < to) {
                parser.diags.error(d, "syntax: C definitions must appear before probes and functions");
                throw new ExprParser.SyntaxError();
            }
        }
    }

    /**
     * A C definition or preprocessor line after a config block or the imports, which current bpftrace
     * refuses: placed over the definition, or over the directive's line up to the next line's start.
     */
    void misplacedDefinition(int at, boolean directive) {
        int end = Math.max(at + 1, parser.lexer.position());
        String text = parser.lexer.source().text();
        if (directive) {
            int nl = text.indexOf('\n', at);
            end = nl < 0 ? text.length() : nl + 1;
        }
        while (!directive && end > at + 1 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        parser.diags.error(new Span(at, end), "syntax: C definitions must appear before probes and functions");
        throw new ExprParser.SyntaxError();
    }
}
