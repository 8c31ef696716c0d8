package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.ConfigEntry;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.MapDecl;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

/**
 * Recursive-descent parser of the bpftrace language (the current grammar, which includes the older
 * spellings). Like bpftrace's bison parser it stops at the first syntax error, which it reports in
 * bison's words ({@code syntax error, unexpected X, expecting Y}); lexical errors before it are
 * reported too.
 */
public final class Parser {
    private static final Set<String> INT_TYPES = Set.of("int8", "int16", "int32", "int64", "uint8", "uint16",
            "uint32", "uint64", "bool", "string", "char", "short", "int", "long", "void", "unsigned", "signed",
            "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "inet", "buffer");

    private final Lexer lexer;
    private final Diagnostics diags;
    private Token la;
    private Token prev;
    private boolean inPredicate;

    private static final class SyntaxError extends RuntimeException {
        SyntaxError() {
            super(null, null, false, false);
        }
    }

    private final List<String> directives = new ArrayList<>();

    private Parser(Source source, Diagnostics diags) {
        this(source, diags, java.util.Map.of());
    }

    private Parser(Source source, Diagnostics diags, java.util.Map<String, String> macros) {
        this(source, diags, macros, java.util.Map.of());
    }

    private Parser(Source source, Diagnostics diags, java.util.Map<String, String> macros,
            java.util.Map<String, Preprocessor.FunctionMacro> functions) {
        this.lexer = new Lexer(source, diags, macros, functions);
        this.diags = diags;
    }

    /**
     * Parses a script, after {@linkplain Preprocessor preprocessing} it with no predefined macros
     * and only the built-in header constants. Errors go to {@code diags}; the result is empty if
     * there were any.
     */
    public static Optional<Program> parse(Source source, Diagnostics diags) {
        return parse(source, diags, java.util.Map.of(), HeaderMacros.builtin());
    }

    /**
     * Parses a script after {@linkplain Preprocessor preprocessing} it.
     *
     * @param predefined macros defined before the first line ({@link Preprocessor#HAVE_BTF})
     * @param headers where included headers' macros come from
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, java.util.Map<String, String> predefined,
            HeaderMacros headers) {
        return parse(source, diags, predefined, List.of(), headers);
    }

    /**
     * Parses a script after {@linkplain Preprocessor preprocessing} it, with headers included
     * before its first line ({@code --include}).
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, java.util.Map<String, String> predefined,
            List<String> includes, HeaderMacros headers) {
        int before = diags.errorCount();
        Preprocessor.Result pre = Preprocessor.run(source, predefined, includes, headers, diags);
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        Parser p = new Parser(new Source(source.name(), pre.text()), diags, pre.macros(), pre.functions());
        p.directives.addAll(pre.directives());
        try {
            Program program = p.program();
            return diags.errorCount() == before ? Optional.of(program) : Optional.empty();
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }

    /** Parses a lone expression (for tests and tools); errors go to {@code diags}. */
    public static Optional<Expr> parseExpression(Source source, Diagnostics diags) {
        Parser p = new Parser(source, diags);
        int before = diags.errorCount();
        try {
            Expr e = p.expr();
            p.expect(TokenKind.EOF);
            return diags.errorCount() == before ? Optional.of(e) : Optional.empty();
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }

    // ---- tokens ----

    private Token peek() {
        if (la == null) {
            la = lexer.next();
        }
        return la;
    }

    private Token take() {
        Token t = peek();
        la = null;
        prev = t;
        return t;
    }

    private boolean at(TokenKind k) {
        return peek().kind() == k;
    }

    /** True if the token after the next one is {@code =} (not {@code ==}). */
    private boolean peekSecondIsAssign() {
        String text = lexer.source().text();
        int i = peek().span().end();
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < text.length() && text.charAt(i) == '=' && (i + 1 >= text.length() || text.charAt(i + 1) != '=');
    }

    private boolean atIdent(String name) {
        return at(TokenKind.IDENT) && peek().text().equals(name);
    }

    private boolean accept(TokenKind k) {
        if (at(k)) {
            take();
            return true;
        }
        return false;
    }

    private Token expect(TokenKind k) {
        if (!at(k)) {
            throw unexpected(k.describe().length() == 1 && !k.describe().equals("(") && !k.describe().equals(")")
                    && !k.describe().equals("}") && !k.describe().equals("{") && !k.describe().equals(":")
                    ? "\"" + k.describe() + "\"" : k.describe());
        }
        return take();
    }

    private SyntaxError unexpected(String expecting) {
        Token t = peek();
        String what = t.kind() == TokenKind.IDENT ? "identifier" : t.kind().describe();
        diags.error(t.span(), "syntax error, unexpected " + what + (expecting == null ? "" : ", expecting " + expecting));
        return new SyntaxError();
    }

    // ---- program ----

    private Program program() {
        List<Probe> probes = new ArrayList<>();
        List<MapDecl> maps = new ArrayList<>();
        List<ConfigEntry> config = new ArrayList<>();
        List<Macros.Definition> macros = new ArrayList<>();
        for (;;) {
            if (lexer.atDirective()) {
                directives.add(lexer.skipLine());
                continue;
            }
            lexer.skipTrivia();
            if (lexer.position() >= lexer.source().text().length()) {
                break;
            }
            String definition = lexer.cDefinition();
            if (definition != null) {
                if (!definition.isEmpty()) {
                    directives.add(definition);
                }
                continue;
            }
            if (probes.isEmpty() && maps.isEmpty() && config.isEmpty()
                    && lexer.source().text().substring(lexer.position()).matches("(?s)config\\s*=\\s*\\{.*")) {
                configBlock(config);
                continue;
            }
            if (lexer.source().text().substring(lexer.position()).matches("(?s)let\\s*@.*")) {
                if (!probes.isEmpty()) {
                    diags.error(peek().span(), "syntax error, unexpected let, map declarations must come before probes");
                    throw new SyntaxError();
                }
                maps.add(mapDecl());
                continue;
            }
            if (lexer.source().text().substring(lexer.position()).matches("(?s)macro\\s+[A-Za-z_].*")) {
                macros.add(macroDefinition());
                continue;
            }
            probes.add(probe());
        }
        if (probes.isEmpty()) {
            Token t = peek();
            diags.error(t.span(), "syntax error, unexpected end of file");
            throw new SyntaxError();
        }
        macros.addAll(blockExpressions);
        try {
            probes = LoopScopes.apply(Macros.expand(probes, macros, diags));
        } catch (Macros.Stop e) {
            throw new SyntaxError();
        }
        return new Program(directives, probes, maps, config);
    }

    /** {@code config = { KEY = VALUE; ... }} before everything else. */
    private void configBlock(List<ConfigEntry> config) {
        take(); // config
        expect(TokenKind.ASSIGN);
        expect(TokenKind.LBRACE);
        while (!accept(TokenKind.RBRACE)) {
            Token key = expect(TokenKind.IDENT);
            expect(TokenKind.ASSIGN);
            Token v = take();
            switch (v.kind()) {
                // the entry's span runs from the key to the value's end, as current bpftrace shows it
                case INT -> config.add(new ConfigEntry(key.text(), Long.toString(v.value()), true,
                        new Span(key.span().begin(), v.span().end())));
                case STRING, IDENT -> config.add(new ConfigEntry(key.text(), v.text(), false,
                        new Span(key.span().begin(), v.span().end())));
                default -> {
                    diags.error(v.span(), "syntax error, unexpected " + v.kind().describe()
                            + ", expecting integer or string or identifier");
                    throw new SyntaxError();
                }
            }
            if (!at(TokenKind.RBRACE)) {
                expect(TokenKind.SEMI);
            }
        }
    }

    /**
     * {@code macro NAME(PARAMS) { BODY }} (or {@code macro NAME { BODY }}) at the top level: the
     * parameters are {@code $var}, {@code @map} or a bare name; the body's last statement, written
     * without {@code ;}, is its value if it is an expression.
     */
    private Macros.Definition macroDefinition() {
        Token macro = take();
        Token name = expect(TokenKind.IDENT);
        List<Macros.Param> params = new ArrayList<>();
        if (accept(TokenKind.LPAREN)) {
            while (!accept(TokenKind.RPAREN)) {
                if (!params.isEmpty()) {
                    expect(TokenKind.COMMA);
                }
                Token p = take();
                Macros.Kind kind = switch (p.kind()) {
                    case VAR -> Macros.Kind.VARIABLE;
                    case MAP -> Macros.Kind.MAP;
                    case IDENT -> Macros.Kind.EXPRESSION;
                    default -> {
                        diags.error(p.span(), "syntax error, unexpected " + p.kind().describe()
                                + ", expecting variable, map or identifier");
                        throw new SyntaxError();
                    }
                };
                params.add(new Macros.Param(kind, p.text(), p.span()));
            }
        }
        List<Stmt> body = new ArrayList<>();
        Optional<Expr> value = valueBlock(body);
        Span span = macro.span().to(prev.span());
        la = null;
        lexer.reset(prev.span().end());
        return new Macros.Definition(name.text(), params, body, value, span);
    }

    /**
     * A block whose last statement, written without {@code ;}, may be its value (a macro's body, a
     * block expression): reads from {@code {} to {@code }}, the statements into {@code body}.
     */
    private Optional<Expr> valueBlock(List<Stmt> body) {
        expect(TokenKind.LBRACE);
        Optional<Expr> value = Optional.empty();
        while (!at(TokenKind.RBRACE)) {
            if (accept(TokenKind.SEMI)) {
                continue;
            }
            if (at(TokenKind.EOF)) {
                throw unexpected("}");
            }
            Stmt s = statement();
            if (endsWithBlock(s)) {
                body.add(s);
                continue;
            }
            if (accept(TokenKind.SEMI)) {
                body.add(s);
            } else if (at(TokenKind.RBRACE) && s instanceof Stmt.ExprStmt e) {
                value = Optional.of(e.expr());
            } else if (at(TokenKind.RBRACE)) {
                body.add(s);
            } else {
                throw unexpected("}");
            }
        }
        take();
        return value;
    }

    /**
     * Current bpftrace's block expressions ({@code { let $a = 1; $a + 1 }}): each becomes a macro
     * without parameters that {@link Macros} expands in place (its statements before the statement
     * that uses it, its variables and maps those of the probe).
     */
    private final List<Macros.Definition> blockExpressions = new ArrayList<>();

    /** {@code let @name = KIND(N);} at the top level. */
    private MapDecl mapDecl() {
        Token let = take();
        Token map = expect(TokenKind.MAP);
        expect(TokenKind.ASSIGN);
        Token kind = expect(TokenKind.IDENT);
        expect(TokenKind.LPAREN);
        Token n = expect(TokenKind.INT);
        expect(TokenKind.RPAREN);
        Span kindSpan = kind.span().to(prev.span());
        expect(TokenKind.SEMI);
        return new MapDecl(map.text(), kind.text(), n.value(), let.span().to(prev.span()), kindSpan);
    }

    private Probe probe() {
        List<AttachPoint> points = new ArrayList<>();
        int start = lexer.position();
        for (;;) {
            Token ap = lexer.attachPoint();
            if (ap == null) {
                throw unexpected(null);
            }
            points.add(attachPoint(ap));
            lexer.skipTrivia();
            String rest = lexer.source().text().substring(lexer.position());
            if (rest.startsWith(",")) {
                lexer.reset(lexer.position() + 1);
                continue;
            }
            break;
        }
        Optional<Expr> pred = Optional.empty();
        if (accept(TokenKind.SLASH)) {
            inPredicate = true;
            Expr e = expr();
            inPredicate = false;
            expect(TokenKind.SLASH);
            pred = Optional.of(e);
        }
        if (!at(TokenKind.LBRACE)) {
            throw unexpected("{");
        }
        List<Stmt> body = block();
        Span span = new Span(start, prev.span().end());
        la = null;
        lexer.reset(prev.span().end());
        return new Probe(points, pred, body, span);
    }

    private AttachPoint attachPoint(Token t) {
        return AttachPointText.parse(t.text(), t.span());
    }

    /** The full name of a provider written in short form ({@code i} → {@code interval}). */
    public static String expandProvider(String p) {
        return AttachPointText.expandProvider(p);
    }

    // ---- statements ----

    private List<Stmt> block() {
        expect(TokenKind.LBRACE);
        List<Stmt> stmts = new ArrayList<>();
        while (!at(TokenKind.RBRACE)) {
            if (accept(TokenKind.SEMI)) {
                continue;
            }
            if (at(TokenKind.EOF)) {
                throw unexpected("}");
            }
            Stmt s = statement();
            stmts.add(s);
            if (endsWithBlock(s)) {
                continue;
            }
            if (!accept(TokenKind.SEMI) && !at(TokenKind.RBRACE)) {
                throw unexpected("}");
            }
        }
        take();
        return stmts;
    }

    /** Whether a statement ends with its own block, so no {@code ;} need follow it. */
    private static boolean endsWithBlock(Stmt s) {
        return s instanceof Stmt.If || s instanceof Stmt.While || s instanceof Stmt.Unroll
                || s instanceof Stmt.ForMap || s instanceof Stmt.ForRange;
    }

    private Stmt statement() {
        Token t = peek();
        if (t.kind() == TokenKind.IDENT) {
            switch (t.text()) {
                case "if" -> {
                    return ifStmt();
                }
                case "while" -> {
                    take();
                    Expr cond = parenthesised();
                    List<Stmt> body = block();
                    return new Stmt.While(cond, body, t.span().to(prev.span()));
                }
                case "unroll" -> {
                    take();
                    Expr n = parenthesised();
                    List<Stmt> body = block();
                    return new Stmt.Unroll(n, body, t.span().to(prev.span()));
                }
                case "for" -> {
                    return forStmt();
                }
                case "break", "continue", "return" -> {
                    take();
                    if (t.text().equals("return") && !at(TokenKind.SEMI) && !at(TokenKind.RBRACE)) {
                        // current bpftrace: "return EXPR" in a probe; a probe's value is not used by
                        // any probe type bpf4j attaches, so the expression is parsed and dropped
                        expr();
                    }
                    return new Stmt.Jump(Stmt.JumpKind.valueOf(t.text().toUpperCase(java.util.Locale.ROOT)), t.span());
                }
                case "let" -> {
                    take();
                    Token v = expect(TokenKind.VAR);
                    Expr.Var var = new Expr.Var(v.text(), v.span());
                    Optional<TypeName> type = Optional.empty();
                    if (accept(TokenKind.COLON)) {
                        type = Optional.of(typeName());
                    }
                    Optional<Expr> value = Optional.empty();
                    Span op = t.span();
                    if (at(TokenKind.ASSIGN)) {
                        op = take().span();
                        value = Optional.of(expr());
                    }
                    return new Stmt.AssignVar(var, value, true, type, t.span().to(prev.span()), op);
                }
                case "_" -> {
                    if (peekSecondIsAssign()) {
                        // current bpftrace: "_ = expr" evaluates expr and discards its value
                        take();
                        take();
                        Expr e = expr();
                        return new Stmt.ExprStmt(e, t.span().to(prev.span()));
                    }
                }
                default -> { }
            }
        }
        Expr target = expr();
        if (at(TokenKind.ASSIGN) || compound(peek().kind()) != null) {
            Token op = take();
            Expr value = expr();
            BinOp bin = compound(op.kind());
            if (bin != null) {
                value = new Expr.Binary(bin, target, value, target.span().to(value.span()), op.span());
            }
            Span span = target.span().to(value.span());
            return switch (target) {
                case Expr.Var v -> new Stmt.AssignVar(v, Optional.of(value), false, Optional.empty(), span, op.span());
                case Expr.MapRef m -> new Stmt.AssignMap(m, value, span);
                default -> {
                    diags.error(op.span(), "syntax error, unexpected " + op.kind().describe() + ", expecting ; or }");
                    throw new SyntaxError();
                }
            };
        }
        return new Stmt.ExprStmt(target, target.span());
    }

    private static BinOp compound(TokenKind k) {
        return switch (k) {
            case PLUS_ASSIGN -> BinOp.ADD;
            case MINUS_ASSIGN -> BinOp.SUB;
            case MUL_ASSIGN -> BinOp.MUL;
            case DIV_ASSIGN -> BinOp.DIV;
            case MOD_ASSIGN -> BinOp.MOD;
            case BAND_ASSIGN -> BinOp.BAND;
            case BOR_ASSIGN -> BinOp.BOR;
            case BXOR_ASSIGN -> BinOp.BXOR;
            case SHL_ASSIGN -> BinOp.SHL;
            case SHR_ASSIGN -> BinOp.SHR;
            default -> null;
        };
    }

    private Expr parenthesised() {
        expect(TokenKind.LPAREN);
        Expr e = expr();
        expect(TokenKind.RPAREN);
        return e;
    }

    private Stmt ifStmt() {
        Token t = take();
        // current bpftrace also takes a condition without parentheses: if $x > 1 { ... }
        Expr cond = at(TokenKind.LPAREN) ? parenthesised() : expr();
        List<Stmt> then = block();
        List<Stmt> otherwise = List.of();
        if (atIdent("else")) {
            take();
            if (atIdent("if")) {
                otherwise = List.of(ifStmt());
            } else {
                otherwise = block();
            }
        }
        return new Stmt.If(cond, then, otherwise, t.span().to(prev.span()));
    }

    private Stmt forStmt() {
        Token t = take();
        boolean paren = accept(TokenKind.LPAREN);
        Token v = expect(TokenKind.VAR);
        Expr.Var var = new Expr.Var(v.text(), v.span());
        expect(TokenKind.COLON);
        Stmt result;
        if (at(TokenKind.MAP)) {
            Expr m = postfix();
            if (!(m instanceof Expr.MapRef map) || !map.keys().isEmpty()) {
                diags.error(m.span(), "syntax error, unexpected [, expecting )");
                throw new SyntaxError();
            }
            if (paren) {
                expect(TokenKind.RPAREN);
            }
            List<Stmt> body = block();
            result = new Stmt.ForMap(var, map, body, t.span().to(prev.span()));
        } else {
            Expr from = binary(1);
            expect(TokenKind.DOTDOT);
            Expr to = binary(1);
            if (paren) {
                expect(TokenKind.RPAREN);
            }
            List<Stmt> body = block();
            result = new Stmt.ForRange(var, from, to, body, t.span().to(prev.span()));
        }
        return result;
    }

    // ---- expressions ----

    private Expr expr() {
        return ternary();
    }

    private Expr ternary() {
        Expr cond = binary(1);
        if (accept(TokenKind.QUES)) {
            if (accept(TokenKind.COLON)) {
                Expr otherwise = ternary();
                return new Expr.Ternary(cond, cond, otherwise, cond.span().to(otherwise.span()));
            }
            Expr then = ternary();
            expect(TokenKind.COLON);
            Expr otherwise = ternary();
            return new Expr.Ternary(cond, then, otherwise, cond.span().to(otherwise.span()));
        }
        return cond;
    }

    private BinOp binop(Token t) {
        BinOp op = switch (t.kind()) {
            case LOR -> BinOp.LOR;
            case LAND -> BinOp.LAND;
            case PIPE -> BinOp.BOR;
            case CARET -> BinOp.BXOR;
            case AMP -> BinOp.BAND;
            case EQ -> BinOp.EQ;
            case NE -> BinOp.NE;
            case LT -> BinOp.LT;
            case GT -> BinOp.GT;
            case LE -> BinOp.LE;
            case GE -> BinOp.GE;
            case SHL -> BinOp.SHL;
            case SHR -> BinOp.SHR;
            case PLUS -> BinOp.ADD;
            case MINUS -> BinOp.SUB;
            case STAR -> BinOp.MUL;
            case SLASH -> BinOp.DIV;
            case PERCENT -> BinOp.MOD;
            default -> null;
        };
        if (op == BinOp.DIV && inPredicate && endsPredicate(t)) {
            return null;
        }
        return op;
    }

    /** A {@code /} followed by a {@code {} ends a predicate. */
    private boolean endsPredicate(Token slash) {
        String text = lexer.source().text();
        int i = slash.span().end();
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < text.length() && text.charAt(i) == '{';
    }

    private Expr binary(int minPrec) {
        Expr left = unary();
        for (;;) {
            BinOp op = binop(peek());
            if (op == null || op.precedence() < minPrec) {
                return left;
            }
            Token opToken = take();
            Expr right = binary(op.precedence() + 1);
            left = new Expr.Binary(op, left, right, left.span().to(right.span()), opToken.span());
        }
    }

    private Expr unary() {
        Token t = peek();
        UnOp op = switch (t.kind()) {
            case MINUS -> UnOp.NEG;
            case BANG -> UnOp.LNOT;
            case TILDE -> UnOp.BNOT;
            case STAR -> UnOp.DEREF;
            case AMP -> UnOp.ADDR;
            default -> null;
        };
        if (op != null) {
            take();
            Expr operand = unary();
            if (op == UnOp.NEG && operand instanceof Expr.IntLit lit && !lit.unsigned()) {
                return new Expr.IntLit(-lit.value(), t.span().to(operand.span()));
            }
            return new Expr.Unary(op, operand, t.span().to(operand.span()));
        }
        if (t.kind() == TokenKind.INC || t.kind() == TokenKind.DEC) {
            take();
            Expr target = unary();
            return new Expr.IncDec(t.kind() == TokenKind.INC, true, target, t.span().to(target.span()));
        }
        if (t.kind() == TokenKind.LPAREN && isCast()) {
            take();
            TypeName type = typeName();
            expect(TokenKind.RPAREN);
            Expr operand = unary();
            return new Expr.Cast(type, operand, t.span().to(operand.span()));
        }
        return postfix();
    }

    /** At a {@code (}: true if a type name and {@code )} follow. Looks ahead without consuming. */
    private boolean isCast() {
        Lexer.Mark save = lexer.mark();
        Token savedLa = la;
        la = null;
        try {
            Token a = lexer.next();
            if (a.kind() != TokenKind.IDENT) {
                return false;
            }
            if (a.text().equals("struct") || a.text().equals("union") || a.text().equals("enum")
                    || a.text().equals("typeof")) {
                return true;
            }
            Token b = lexer.next();
            if (!INT_TYPES.contains(a.text())) {
                // a typedef of BTF (current bpftrace): (uint64_t)x, (size_t *)p; (name) is a cast only
                // when an operand follows it, and (name *) only when nothing but stars and ) follow
                if (b.kind() == TokenKind.STAR) {
                    Token c = lexer.next();
                    while (c.kind() == TokenKind.STAR) {
                        c = lexer.next();
                    }
                    return c.kind() == TokenKind.RPAREN;
                }
                if (b.kind() != TokenKind.RPAREN) {
                    return false;
                }
                Token c = lexer.next();
                return c.kind() == TokenKind.INT || c.kind() == TokenKind.VAR || c.kind() == TokenKind.MAP
                        || c.kind() == TokenKind.LPAREN || c.kind() == TokenKind.IDENT;
            }
            return b.kind() == TokenKind.RPAREN || b.kind() == TokenKind.STAR || b.kind() == TokenKind.LBRACKET
                    || b.kind() == TokenKind.IDENT;
        } finally {
            lexer.restore(save);
            la = savedLa;
        }
    }

    private TypeName typeName() {
        Token t = expect(TokenKind.IDENT);
        String name = t.text();
        if (name.equals("typeof") && at(TokenKind.LPAREN)) {
            return typeOf();
        }
        if (name.equals("struct") || name.equals("union") || name.equals("enum")) {
            name = name + " " + expect(TokenKind.IDENT).text();
        } else if (name.equals("unsigned") || name.equals("signed")) {
            if (at(TokenKind.IDENT) && INT_TYPES.contains(peek().text())) {
                name = name + " " + take().text();
            }
        }
        int pointers = 0;
        while (accept(TokenKind.STAR)) {
            pointers++;
        }
        return new TypeName(name, pointers, arrayLength(-1));
    }

    /**
     * {@code typeof(TYPE)} (that type) or {@code typeof(EXPR)} (the expression's type), after the
     * word, then the {@code *}s and {@code [N]} of a type (current bpftrace).
     */
    private TypeName typeOf() {
        expect(TokenKind.LPAREN);
        TypeName inner;
        if (isTypeInside()) {
            inner = typeName();
        } else {
            inner = new TypeName("typeof", 0, -1, expr());
        }
        expect(TokenKind.RPAREN);
        int pointers = inner.pointers();
        while (accept(TokenKind.STAR)) {
            pointers++;
        }
        return new TypeName(inner.name(), pointers, arrayLength(inner.arrayLength()), inner.typeOf());
    }

    /**
     * The {@code [N]} of an array type, {@code []} (current bpftrace: the size comes from the cast
     * operand) as 0, or {@code none} when no bracket follows.
     */
    private int arrayLength(int none) {
        if (!accept(TokenKind.LBRACKET)) {
            return none;
        }
        if (accept(TokenKind.RBRACKET)) {
            return 0;
        }
        int length = (int) expect(TokenKind.INT).value();
        expect(TokenKind.RBRACKET);
        return length;
    }

    /** Inside typeof(: true if a type follows (a type word, struct/union/enum, or a name and *). */
    private boolean isTypeInside() {
        if (!at(TokenKind.IDENT)) {
            return false;
        }
        String w = peek().text();
        if (INT_TYPES.contains(w) || w.equals("struct") || w.equals("union") || w.equals("enum") || w.equals("typeof")) {
            return true;
        }
        Lexer.Mark save = lexer.mark(); // just after the name (peeked)
        try {
            return lexer.next().kind() == TokenKind.STAR; // size_t * (a name alone is read as an expression)
        } finally {
            lexer.restore(save);
        }
    }

    private Expr postfix() {
        Expr e = primary();
        for (;;) {
            if (accept(TokenKind.DOT)) {
                Token f = take();
                if (f.kind() == TokenKind.INT) {
                    e = new Expr.TupleIndex(e, (int) f.value(), e.span().to(f.span()));
                } else if (f.kind() == TokenKind.IDENT) {
                    e = new Expr.Field(e, f.text(), false, e.span().to(f.span()));
                } else {
                    la = f;
                    throw unexpected(null);
                }
            } else if (accept(TokenKind.ARROW)) {
                Token f = expect(TokenKind.IDENT);
                e = new Expr.Field(e, f.text(), true, e.span().to(f.span()));
            } else if (at(TokenKind.LBRACKET) && !(e instanceof Expr.MapRef m && m.keys().isEmpty())) {
                // an element of a value: $a[1], @m[k][1] (a scalar map's [ ] are its keys)
                take();
                Expr index = expr();
                Token close = expect(TokenKind.RBRACKET);
                e = new Expr.Index(e, index, e.span().to(close.span()));
            } else if (at(TokenKind.INC) || at(TokenKind.DEC)) {
                Token t = take();
                e = new Expr.IncDec(t.kind() == TokenKind.INC, false, e, e.span().to(t.span()));
            } else {
                return e;
            }
        }
    }

    /** A record {@code (name = value, ...)} after its {@code (} (current bpftrace). */
    private Expr record(Token open) {
        List<Expr> values = new ArrayList<>();
        List<String> names = new ArrayList<>();
        do {
            Token name = expect(TokenKind.IDENT);
            if (names.contains(name.text())) {
                diags.error(name.span(), "Named argument list already contains name: " + name.text());
                throw new SyntaxError();
            }
            names.add(name.text());
            expect(TokenKind.ASSIGN);
            values.add(expr());
        } while (accept(TokenKind.COMMA));
        expect(TokenKind.RPAREN);
        return new Expr.Tuple(values, names, open.span().to(prev.span()));
    }

    private Expr primary() {
        Token t = peek();
        switch (t.kind()) {
            case INT -> {
                take();
                return new Expr.IntLit(t.value(), t.value() < 0, t.span()); // above INT64_MAX: a uint64
            }
            case STRING -> {
                take();
                return new Expr.StrLit(t.text(), t.span());
            }
            case VAR -> {
                take();
                return new Expr.Var(t.text(), t.span());
            }
            case PARAM -> {
                take();
                return new Expr.Param((int) t.value(), t.span());
            }
            case PARAM_COUNT -> {
                take();
                return new Expr.Param(-1, t.span());
            }
            case MAP -> {
                take();
                List<Expr> keys = List.of();
                Span span = t.span();
                if (accept(TokenKind.LBRACKET)) {
                    keys = exprList(TokenKind.RBRACKET);
                    span = span.to(prev.span());
                }
                return new Expr.MapRef(t.text(), keys, span);
            }
            case LBRACE -> {
                List<Stmt> body = new ArrayList<>();
                Optional<Expr> value = valueBlock(body);
                String name = Macros.BLOCK_PREFIX + blockExpressions.size();
                Span span = t.span().to(prev.span());
                blockExpressions.add(new Macros.Definition(name, List.of(), body, value, span));
                return new Expr.Call(name, List.of(), span);
            }
            case LPAREN -> {
                take();
                if (at(TokenKind.IDENT) && peekSecondIsAssign()) {
                    return record(t);
                }
                Expr first = expr();
                if (accept(TokenKind.COMMA)) {
                    List<Expr> elems = new ArrayList<>();
                    elems.add(first);
                    elems.addAll(exprList(TokenKind.RPAREN));
                    return new Expr.Tuple(elems, t.span().to(prev.span()));
                }
                expect(TokenKind.RPAREN);
                return first;
            }
            case IDENT -> {
                take();
                String name = t.text();
                if (name.startsWith(BUILTIN_PREFIX) && name.length() > BUILTIN_PREFIX.length()) {
                    // current bpftrace: __builtin_comm is the builtin comm, whatever a macro is called
                    name = name.substring(BUILTIN_PREFIX.length());
                }
                if (name.equals("true") || name.equals("false")) {
                    return new Expr.BoolLit(name.equals("true"), t.span());
                }
                if (at(TokenKind.LPAREN)) {
                    take();
                    if (name.equals("sizeof") && isTypeAhead()) {
                        TypeName type = typeName();
                        expect(TokenKind.RPAREN);
                        return new Expr.SizeofType(type, t.span().to(prev.span()));
                    }
                    if (name.equals("offsetof") && isTypeAhead()) {
                        TypeName type = typeName();
                        expect(TokenKind.COMMA);
                        List<String> fields = new ArrayList<>();
                        fields.add(expect(TokenKind.IDENT).text());
                        while (at(TokenKind.DOT)) {
                            take();
                            fields.add(expect(TokenKind.IDENT).text());
                        }
                        expect(TokenKind.RPAREN);
                        return new Expr.Offsetof(type, fields, t.span().to(prev.span()));
                    }
                    List<Expr> args = exprList(TokenKind.RPAREN);
                    if (args.isEmpty() && CALLABLE_BUILTINS.contains(name)) {
                        // current bpftrace: a builtin may be called, comm() is comm
                        return new Expr.Builtin(name, t.span().to(prev.span()));
                    }
                    return new Expr.Call(name, args, t.span().to(prev.span()));
                }
                return new Expr.Builtin(name, t.span());
            }
            default -> throw unexpected(null);
        }
    }

    private static final String BUILTIN_PREFIX = "__builtin_";

    /** Builtins that current bpftrace also lets be called without arguments ({@code comm()}). */
    private static final java.util.Set<String> CALLABLE_BUILTINS = java.util.Set.of("pid", "tid", "uid", "gid",
            "nsecs", "elapsed", "cpu", "numaid", "rand", "comm", "probe", "jiffies", "cgroup", "curtask", "retval",
            "ncpus", "cpid", "ppid", "pcomm", "leader_comm", "func", "usermode", "probetype", "args");

    private boolean isTypeAhead() {
        return at(TokenKind.IDENT) && (INT_TYPES.contains(peek().text()) || peek().text().equals("struct")
                || peek().text().equals("union") || peek().text().equals("enum"));
    }

    private List<Expr> exprList(TokenKind close) {
        List<Expr> list = new ArrayList<>();
        if (accept(close)) {
            return list;
        }
        for (;;) {
            list.add(expr());
            if (accept(close)) {
                return list;
            }
            if (!at(TokenKind.COMMA)) {
                throw unexpected(close.describe() + " or \",\"");
            }
            take();
        }
    }
}
