package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

/**
 * The tokens and expressions of the {@link Parser}: reading tokens with one of look-ahead, and the
 * expression grammar (operators by precedence, casts, types, postfix operators, primaries). A
 * statement inside an expression (a block expression) is read by the subclass.
 */
abstract sealed class ExprParser permits Parser {
    static final Set<String> INT_TYPES = Set.of("int8", "int16", "int32", "int64", "uint8", "uint16",
            "uint32", "uint64", "bool", "string", "char", "short", "int", "long", "void", "unsigned", "signed",
            "u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64", "inet", "buffer");

    final Lexer lexer;
    final Diagnostics diags;
    Token la;
    Token prev;
    boolean inPredicate;

    /** Ends parsing at the first syntax error (reported before it is thrown). */
    static final class SyntaxError extends RuntimeException {
        SyntaxError() {
            super(null, null, false, false);
        }
    }

    ExprParser(Lexer lexer, Diagnostics diags) {
        this.lexer = lexer;
        this.diags = diags;
    }

    /** A block expression ({@code { let $a = 1; $a + 1 }}) at its {@code {}. */
    abstract Expr blockExpression(Token open);

    /** An {@code if} used as a value ({@code if (c) { a } else { b }}) at its {@code if}. */
    abstract Expr ifExpression();

    // ---- tokens ----

    Token peek() {
        if (la == null) {
            la = lexer.next();
        }
        return la;
    }

    Token take() {
        Token t = peek();
        la = null;
        prev = t;
        return t;
    }

    boolean at(TokenKind k) {
        return peek().kind() == k;
    }

    /** True if the token after the next one is {@code =} (not {@code ==}). */
    boolean peekSecondIsAssign() {
        String text = lexer.source().text();
        int i = peek().span().end();
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i < text.length() && text.charAt(i) == '=' && (i + 1 >= text.length() || text.charAt(i + 1) != '=');
    }

    boolean atIdent(String name) {
        return at(TokenKind.IDENT) && peek().text().equals(name);
    }

    boolean accept(TokenKind k) {
        if (at(k)) {
            take();
            return true;
        }
        return false;
    }

    /**
     * Takes a token of kind {@code k}, or reports current bpftrace's {@code syntax: expected 'X'}
     * (for a name: {@code expected identifier}) at the next token and stops.
     */
    Token expect(TokenKind k) {
        return expect(k, what(k));
    }

    /** Takes a token of kind {@code k}, or reports {@code syntax: expected WHAT} at the next token and stops. */
    Token expect(TokenKind k, String what) {
        if (!at(k)) {
            throw expected(what);
        }
        return take();
    }

    /**
     * Takes a closing token ({@code )}, {@code ]}, {@code :}), or reports it missing and reads on
     * without it, as current bpftrace does (so that the statement's own check may follow: {@code
     * f(1 2)} gives "expected ')'" then "expected ';'" at the {@code 2}).
     */
    boolean close(TokenKind k) {
        if (accept(k)) {
            return true;
        }
        syntaxError(peek(), "expected " + what(k));
        return false;
    }

    /** How current bpftrace names a token it expected. */
    static String what(TokenKind k) {
        return switch (k) {
            case IDENT -> "identifier";
            case VAR -> "variable";
            case MAP -> "map";
            case INT -> "integer";
            case STRING -> "string";
            case EOF -> "end of input";
            default -> "'" + k.text() + "'";
        };
    }

    /** Reports {@code syntax: MESSAGE} at the next token; the error to throw to stop. */
    SyntaxError stop(String message) {
        syntaxError(peek(), message);
        return new SyntaxError();
    }

    /** Reports {@code syntax: expected WHAT} at the next token; the error to throw to stop. */
    SyntaxError expected(String what) {
        syntaxError(peek(), "expected " + what);
        return new SyntaxError();
    }

    /**
     * Reports a syntax error in current bpftrace's words ({@code syntax: MESSAGE}) at a token, placed
     * as current bpftrace places it: over a name, a number (with the letters and dots that follow its
     * digits), a {@code $}/{@code @} and the name after it, or else one character (nothing at the
     * end of the input).
     */
    void syntaxError(Token t, String message) {
        diags.error(bpftraceSpan(lexer.source().text(), t.span().begin()), "syntax: " + message);
    }

    /** Current bpftrace's extent of the "token" that starts at {@code at}, for its syntax errors. */
    static Span bpftraceSpan(String text, int at) {
        if (at >= text.length()) {
            return new Span(text.length(), text.length());
        }
        char c = text.charAt(at);
        int end = at + 1;
        if (Character.isLetter(c) || c == '_' || c == '$' || c == '@') {
            while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                end++;
            }
        } else if (Character.isDigit(c)) {
            while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '.')) {
                end++;
            }
        }
        return new Span(at, end);
    }

    // ---- expressions ----

    Expr expr() {
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
            close(TokenKind.COLON);
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

    /** A {@code /} followed by a {@code {} (comments between them too) ends a predicate. */
    private boolean endsPredicate(Token slash) {
        // current bpftrace: a '/' followed by '{' after white space and comments (its scan_layout)
        String text = lexer.source().text();
        int i = Lexer.afterTrivia(text, slash.span().end());
        return i < text.length() && text.charAt(i) == '{';
    }

    Expr binary(int minPrec) {
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

    Expr unary() {
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
            if (op == UnOp.ADDR && !at(TokenKind.VAR) && !at(TokenKind.MAP)) {
                // current bpftrace reports it and reads the operand on
                syntaxError(peek(), "address-of operator (&) can only be used on a map or variable");
            }
            Expr operand = unary();
            if (op == UnOp.NEG && operand instanceof Expr.IntLit lit && !lit.unsigned()) {
                return new Expr.IntLit(-lit.value(), t.span().to(operand.span()));
            }
            return new Expr.Unary(op, operand, t.span().to(operand.span()));
        }
        if (t.kind() == TokenKind.INC || t.kind() == TokenKind.DEC) {
            take();
            Expr target = unary();
            if (!incrementable(target)) {
                diags.error(target.span(), "syntax: increment/decrement requires a variable or map");
            }
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
    boolean isCast() {
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
                // any other name is a typedef (current bpftrace: of BTF or the script; (uint64_t)x,
                // (size_t *)p), unless current bpftrace's parser takes it for a builtin ((pid) - 1,
                // (arg0) * 2). (name *) is a cast only when nothing but stars and ) follow
                if (Parser.parserBuiltin(a.text())) {
                    return false;
                }
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
                // (name) is a cast when an operand follows (current bpftrace's can_start_expression):
                // (size_t)-1, (mytype)*p, (T)&$x, (T)--$x. '+' starts no operand there: (T)+x adds.
                // A '-', '*' or '&' after the name of one of bpf4j's builtin variables, which current
                // bpftrace reads as a cast to an unknown type (its builtins are macros of its
                // standard library), is a binary operator as in bpftrace 0.17: (cpu) - 1
                Token c = lexer.next();
                boolean sign = c.kind() == TokenKind.MINUS || c.kind() == TokenKind.DEC
                        || c.kind() == TokenKind.STAR || c.kind() == TokenKind.AMP;
                if (sign) {
                    return !CALLABLE_BUILTINS.contains(a.text());
                }
                return c.kind() == TokenKind.INT || c.kind() == TokenKind.VAR || c.kind() == TokenKind.MAP
                        || c.kind() == TokenKind.LPAREN || c.kind() == TokenKind.IDENT
                        || c.kind() == TokenKind.STRING || c.kind() == TokenKind.PARAM
                        || c.kind() == TokenKind.PARAM_COUNT || c.kind() == TokenKind.TILDE
                        || c.kind() == TokenKind.BANG;
            }
            return b.kind() == TokenKind.RPAREN || b.kind() == TokenKind.STAR || b.kind() == TokenKind.LBRACKET
                    || b.kind() == TokenKind.IDENT;
        } finally {
            lexer.restore(save);
            la = savedLa;
        }
    }

    TypeName typeName() {
        Token t = expect(TokenKind.IDENT, "type name");
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
        int length = arrayLength(-1);
        int arrayPointers = 0;
        while (length >= 0 && accept(TokenKind.STAR)) {
            arrayPointers++; // current bpftrace: int32[4]* is a pointer to an array of 4 int32
        }
        return new TypeName(name, pointers, length, null, arrayPointers);
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
            // a block's value ({ @x }) is read as any value: typeof of a map alone is special (TypeName)
            inner = new TypeName(at(TokenKind.LBRACE) ? TypeName.TYPEOF_BLOCK : "typeof", 0, -1, expr());
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

    Expr postfix() {
        Expr e = primary();
        for (;;) {
            if (accept(TokenKind.DOT)) {
                if (at(TokenKind.INT)) {
                    Token f = take();
                    e = new Expr.TupleIndex(e, (int) f.value(), e.span().to(f.span()));
                } else if (at(TokenKind.IDENT)) {
                    Token f = take();
                    e = new Expr.Field(e, f.text(), false, e.span().to(f.span()));
                } else {
                    syntaxError(peek(), "expected field name after '.'");
                    return e;
                }
            } else if (accept(TokenKind.ARROW)) {
                if (!at(TokenKind.IDENT)) {
                    syntaxError(peek(), "expected field name after '->'");
                    return e;
                }
                Token f = take();
                e = new Expr.Field(e, f.text(), true, e.span().to(f.span()));
            } else if (at(TokenKind.LBRACKET) && !(e instanceof Expr.MapRef m && m.keys().isEmpty())) {
                // an element of a value: $a[1], @m[k][1] (a scalar map's [ ] are its keys)
                take();
                Expr index = expr();
                close(TokenKind.RBRACKET);
                e = new Expr.Index(e, index, e.span().to(prev.span()));
            } else if (at(TokenKind.INC) || at(TokenKind.DEC)) {
                Token t = take();
                if (!incrementable(e)) {
                    // current bpftrace reports it at the operator and reads on without it
                    diags.error(t.span(), "syntax: increment/decrement requires a variable or map");
                    return e;
                }
                e = new Expr.IncDec(t.kind() == TokenKind.INC, false, e, e.span().to(t.span()));
            } else {
                return e;
            }
        }
    }

    /** Whether {@code ++}/{@code --} may apply: to a variable or a map (current bpftrace's parser's rule). */
    private static boolean incrementable(Expr e) {
        return e instanceof Expr.Var || e instanceof Expr.MapRef;
    }

    /** A record {@code (name = value, ...)} after its {@code (} (current bpftrace). */
    private Expr record(Token open) {
        List<Expr> values = new ArrayList<>();
        List<String> names = new ArrayList<>();
        do {
            Token name = expect(TokenKind.IDENT);
            expect(TokenKind.ASSIGN);
            Expr value = expr();
            if (names.contains(name.text())) {
                // current bpftrace places it from the name to the value's end, and reads on
                diags.error(name.span().to(prev.span()), "syntax: Named argument list already contains name: "
                        + name.text());
            }
            names.add(name.text());
            values.add(value);
        } while (accept(TokenKind.COMMA));
        close(TokenKind.RPAREN);
        return new Expr.Tuple(values, names, open.span().to(prev.span()));
    }

    Expr primary() {
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
                if (t.text().equals("$")) {
                    // a $ without a name: current bpftrace reports it and reads on from the same place
                    syntaxError(t, "expected identifier after '$'");
                    return new Expr.Var(t.text(), new Span(t.span().begin(), t.span().begin()));
                }
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
                    if (at(TokenKind.RBRACKET)) {
                        throw expected("expression"); // @m[] is no map access (current and 0.17)
                    }
                    keys = exprList(TokenKind.RBRACKET);
                    span = span.to(prev.span());
                }
                return new Expr.MapRef(t.text(), keys, span);
            }
            case LBRACE -> {
                return blockExpression(t);
            }
            case LPAREN -> {
                take();
                if (at(TokenKind.IDENT) && peekSecondIsAssign()) {
                    return record(t);
                }
                if (accept(TokenKind.RPAREN)) {
                    return new Expr.Tuple(List.of(), t.span().to(prev.span())); // current bpftrace's empty tuple
                }
                Expr first = expr();
                if (accept(TokenKind.COMMA)) {
                    List<Expr> elems = new ArrayList<>();
                    elems.add(first);
                    // as current bpftrace, a comma may end the elements: (1,), (1, 2,)
                    while (!accept(TokenKind.RPAREN)) {
                        elems.add(expr());
                        if (!at(TokenKind.RPAREN) && !at(TokenKind.COMMA)) {
                            close(TokenKind.RPAREN);
                            break;
                        }
                        accept(TokenKind.COMMA);
                    }
                    return new Expr.Tuple(elems, t.span().to(prev.span()));
                }
                close(TokenKind.RPAREN);
                return first;
            }
            case IDENT -> {
                if (t.text().equals("if")) {
                    return ifExpression();
                }
                take();
                String name = t.text();
                if (name.startsWith(BUILTIN_PREFIX) && name.length() > BUILTIN_PREFIX.length()) {
                    // current bpftrace: __builtin_comm is the builtin comm, whatever a macro is called
                    name = name.substring(BUILTIN_PREFIX.length());
                }
                if (name.equals("true") || name.equals("false")) {
                    return new Expr.BoolLit(name.equals("true"), t.span());
                }
                if (name.equals("comptime")) {
                    // current bpftrace: comptime takes a unary expression (comptime 1, comptime !x,
                    // comptime (a + b)); the value must be known when compiling
                    Expr operand = unary();
                    return new Expr.Call(name, List.of(operand), t.span().to(prev.span()));
                }
                if (name.equals("typeof") && at(TokenKind.LPAREN)) {
                    // current bpftrace: a type as a macro's argument (the macro uses it as a type)
                    TypeName type = typeOf();
                    return new Expr.TypeArg(type, t.span().to(prev.span()));
                }
                if (at(TokenKind.LPAREN)) {
                    take();
                    if (name.equals("sizeof") && (isTypeAhead() || namedPointerAhead())) {
                        TypeName type = typeName();
                        close(TokenKind.RPAREN);
                        return new Expr.SizeofType(type, t.span().to(prev.span()));
                    }
                    if (name.equals("offsetof") && isTypeAhead()) {
                        TypeName type = typeName();
                        close(TokenKind.COMMA);
                        List<String> fields = new ArrayList<>();
                        fields.add(expect(TokenKind.IDENT).text());
                        while (at(TokenKind.DOT)) {
                            take();
                            fields.add(expect(TokenKind.IDENT).text());
                        }
                        close(TokenKind.RPAREN);
                        return new Expr.Offsetof(type, fields, t.span().to(prev.span()));
                    }
                    List<Expr> args = name.equals("offsetof") ? offsetofArgs() : exprList(TokenKind.RPAREN);
                    if (name.equals("sizeof") && args.size() == 1 && args.getFirst() instanceof Expr.TypeArg ta) {
                        // current bpftrace: sizeof(typeof(int32)), sizeof(typeof($x))
                        return new Expr.SizeofType(ta.type(), t.span().to(prev.span()));
                    }
                    // (a name first may be a macro's type parameter: offsetof(t, f), expanded later; a
                    // block's statements would run where the macros expand it)
                    List<String> path = name.equals("offsetof") && args.size() == 2
                            && !(args.getFirst() instanceof Expr.Builtin)
                            && !(args.getFirst() instanceof Expr.Call b && b.name().startsWith(Macros.BLOCK_PREFIX))
                            ? Macros.fieldPath(args.get(1)) : null;
                    if (path != null) {
                        // current bpftrace: offsetof(typeof(struct S), f), and of an expression's struct
                        // (offsetof(*$p, f)); the expression is never run
                        TypeName type = args.getFirst() instanceof Expr.TypeArg ta ? ta.type()
                                : new TypeName("typeof", 0, -1, args.getFirst());
                        return new Expr.Offsetof(type, path, t.span().to(prev.span()));
                    }
                    if (args.isEmpty() && CALLABLE_BUILTINS.contains(name)) {
                        // current bpftrace: a builtin may be called, comm() is comm
                        return new Expr.Builtin(name, t.span().to(prev.span()));
                    }
                    return new Expr.Call(name, args, t.span().to(prev.span()));
                }
                return new Expr.Builtin(name, t.span());
            }
            default -> {
                // current bpftrace reports it and reads on from the same token
                syntaxError(t, "expected expression");
                return new Expr.IntLit(0, false, new Span(t.span().begin(), t.span().begin()));
            }
        }
    }

    private static final String BUILTIN_PREFIX = "__builtin_";

    /** Builtins that current bpftrace also lets be called without arguments ({@code comm()}). */
    private static final Set<String> CALLABLE_BUILTINS = Set.of("pid", "tid", "uid", "gid",
            "nsecs", "elapsed", "cpu", "numaid", "rand", "comm", "probe", "jiffies", "cgroup", "curtask", "retval",
            "ncpus", "cpid", "ppid", "pcomm", "leader_comm", "func", "usermode", "probetype", "args", "config");

    /**
     * At a name followed by {@code *}s and {@code )}: a pointer to a type of that name
     * ({@code sizeof(t *)}, where {@code t} is a typedef or a macro's type argument).
     */
    private boolean namedPointerAhead() {
        if (!at(TokenKind.IDENT)) {
            return false;
        }
        Lexer.Mark save = lexer.mark(); // just after the name (peeked)
        try {
            Token c = lexer.next();
            if (c.kind() != TokenKind.STAR) {
                return false;
            }
            while (c.kind() == TokenKind.STAR) {
                c = lexer.next();
            }
            return c.kind() == TokenKind.RPAREN;
        } finally {
            lexer.restore(save);
        }
    }

    private boolean isTypeAhead() {
        return at(TokenKind.IDENT) && (INT_TYPES.contains(peek().text()) || peek().text().equals("struct")
                || peek().text().equals("union") || peek().text().equals("enum"));
    }

    /**
     * The arguments of {@code offsetof(...)} after its {@code (}, up to its {@code )}: as current bpftrace,
     * what follows the comma is a field path whose names may be keywords ({@code offsetof(*$p, if)}),
     * given as the {@link Expr.Builtin}/{@link Expr.Field} chain {@link Macros#fieldPath} reads.
     */
    private List<Expr> offsetofArgs() {
        if (at(TokenKind.RPAREN)) {
            return exprList(TokenKind.RPAREN);
        }
        List<Expr> args = new ArrayList<>();
        args.add(expr());
        if (!at(TokenKind.COMMA)) {
            close(TokenKind.RPAREN);
            return args;
        }
        take();
        if (!at(TokenKind.IDENT)) {
            args.addAll(exprList(TokenKind.RPAREN));
            return args;
        }
        Token f = take();
        Expr path = new Expr.Builtin(f.text(), f.span());
        while (accept(TokenKind.DOT)) {
            Token g = expect(TokenKind.IDENT);
            path = new Expr.Field(path, g.text(), false, path.span().to(g.span()));
        }
        args.add(path);
        close(TokenKind.RPAREN);
        return args;
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
                close(close);
                return list;
            }
            take();
        }
    }
}
