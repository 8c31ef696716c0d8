package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.parse.Lexer;
import org.bpf4j.trace.fmt.Syntax.*;

/**
 * The blocks, statements and types of {@link FormatParser}, as current bpftrace's parser reads
 * them (expressions in {@link ExpressionParser}).
 */
abstract class StatementParser extends Reader {
    /** The names current bpftrace knows as types without {@code struct} ({@code ident_to_builtin_type}). */
    private static final Set<String> BUILTIN_TYPES = Set.of("bool", "int8", "int16", "int32",
            "int64", "uint8", "uint16", "uint32", "uint64", "void", "min_t", "max_t", "sum_t", "count_t", "avg_t",
            "stats_t", "umin_t", "umax_t", "usum_t", "uavg_t", "ustats_t", "timestamp", "macaddr_t", "cgroup_path_t",
            "string", "buffer", "inet", "username_t");

    private static final Set<String> BUILTINS = Set.of("args", "ctx", "kstack", "nsecs", "pid", "tid", "ustack",
            "__builtin_comm", "__builtin_cpid", "__builtin_cpu", "__builtin_dw_ustack", "__builtin_elapsed",
            "__builtin_func", "__builtin_ncpus", "__builtin_probe", "__builtin_retval", "__builtin_usermode");

    StatementParser(String in) {
        super(in);
    }

    /** Whether the parser reads {@code name} as a builtin (not an identifier). */
    static boolean builtin(String name) {
        if (BUILTINS.contains(name)) {
            return true;
        }
        return name.length() >= 4 && name.startsWith("arg") && name.substring(3).chars().allMatch(c -> c >= '0' && c <= '9')
                || name.length() >= 5 && name.startsWith("sarg") && name.substring(4).chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** {@code import "name"} up to its {@code ;}: the name, or null after an error. */
    String importName() {
        if (!expect("import")) {
            return null;
        }
        consumeLayout();
        if (peek() != '"') {
            error("expected string after 'import'");
            return null;
        }
        return consumeString();
    }

    /** {@code $name}. */
    Var variable() {
        int begin = pos;
        String name = consumeVariable();
        return new Var(begin, pos, name);
    }

    /** The value of an integer literal as current bpftrace computes it, or null if it is not one. */
    static Long unsigned(String text) {
        try {
            return Lexer.integerValue(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A block; with {@code trailing}, its last expression without {@code ;} is its value. */
    Block block(boolean trailing) {
        int begin = pos;
        if (!expect('{')) {
            return null;
        }
        List<Stmt> stmts = new ArrayList<>();
        Expr[] value = {null};
        consumeLayout();
        while (peek() != '}' && !atEnd() && !hasErrors()) {
            int before = pos;
            String kw = peekKeyword();
            switch (kw) {
                case "import" -> {
                    int at = pos;
                    String name = importName();
                    if (name != null) {
                        StmtImport imp = new StmtImport(at, pos, name);
                        if (!match(';')) {
                            error("expected ';' after import");
                        } else {
                            stmts.add(imp);
                        }
                    }
                    consumeLayout();
                    continue;
                }
                case "while", "unroll" -> {
                    stmts.add(whileOrUnroll());
                    consumeLayout();
                    continue;
                }
                case "for" -> {
                    stmts.add(forLoop());
                    consumeLayout();
                    continue;
                }
                case "break", "continue" -> {
                    int at = pos;
                    match(kw);
                    stmtEnd();
                    stmts.add(new Jump(at, pos, kw, null));
                    consumeLayout();
                    continue;
                }
                case "return" -> {
                    int at = pos;
                    match("return");
                    consumeLayout();
                    Expr v = null;
                    if (peek() != ';' && peek() != '}') {
                        v = expression();
                    }
                    stmtEnd();
                    stmts.add(new Jump(at, pos, "return", v));
                    consumeLayout();
                    continue;
                }
                default -> { }
            }
            if (peek() == '_') {
                int p = scanLayout(pos + 1);
                if (charAt(p) == '=' && charAt(p + 1) != '=') {
                    int at = pos;
                    advance();
                    consumeLayout();
                    advance();
                    Expr e = expression();
                    int end = pos;
                    stmtEnd();
                    stmts.add(new Discard(at, end, e));
                    consumeLayout();
                    continue;
                }
            }
            if (kw.equals("let")) {
                stmts.add(statement());
            } else if (peek() == '$' || peek() == '@') {
                sigiled(stmts, value);
            } else {
                int at = pos;
                Expr e = expression();
                consumeLayout();
                if (peek() == ';') {
                    advance();
                    stmts.add(new ExprStmt(at, pos, e));
                } else if (peek() == '}') {
                    value[0] = e;
                } else {
                    if (!(e instanceof If) && !(e instanceof Block)) {
                        error("expected ';'");
                    }
                    stmts.add(new ExprStmt(at, pos, e));
                }
            }
            if (pos == before) {
                error("unexpected input in block");
                advance();
            }
            consumeLayout();
        }
        if (hasErrors() || !expect('}')) {
            return null;
        }
        int end = pos;
        if (value[0] != null && trailing) {
            return new Block(begin, end, stmts, value[0]);
        }
        if (value[0] != null) {
            stmts.add(new ExprStmt(begin, end, asStatement(value[0])));
        }
        return new Block(begin, end, stmts, new None(begin, end));
    }

    /** A block's value made a statement: the values of the blocks in it become statements too. */
    private static Expr asStatement(Expr e) {
        if (e instanceof Block b) {
            List<Stmt> stmts = new ArrayList<>();
            for (Stmt s : b.stmts()) {
                stmts.add(s instanceof ExprStmt es ? new ExprStmt(es.begin(), es.end(), asStatement(es.expr())) : s);
            }
            if (!(b.value() instanceof None)) {
                stmts.add(new ExprStmt(b.begin(), b.end(), asStatement(b.value())));
                return new Block(b.begin(), b.end(), stmts, new None(b.begin(), b.end()));
            }
            return new Block(b.begin(), b.end(), stmts, b.value());
        }
        if (e instanceof If i) {
            return new If(i.begin(), i.end(), i.cond(), asStatement(i.left()), asStatement(i.right()));
        }
        return e;
    }

    /** A statement starting with {@code $} or {@code @}, or the block's value. */
    private void sigiled(List<Stmt> stmts, Expr[] value) {
        int begin = pos;
        int errorsBefore = errors.size();
        Stmt stmt = statement();
        int stmtEnd = pos;
        consumeLayout();
        if (!(stmt instanceof ExprStmt) || errors.size() > errorsBefore) {
            stmts.add(stmt);
            return;
        }
        if (peek() == ';') {
            advance();
            stmts.add(stmt);
            return;
        }
        if (peek() == '}') {
            pos = begin;
            Expr e = expression();
            consumeLayout();
            if (peek() == '}') {
                value[0] = e;
                return;
            }
            pos = stmtEnd;
            stmts.add(stmt);
            return;
        }
        error("expected ';'");
        stmts.add(stmt);
    }

    private Stmt whileOrUnroll() {
        int begin = pos;
        boolean isWhile = checkKeyword("while");
        match(isWhile ? "while" : "unroll");
        consumeLayout();
        Expr cond;
        if (peek() == '(') {
            advance();
            cond = expression();
            expect(')');
        } else {
            cond = unary();
        }
        Block block = block(false);
        return isWhile ? new While(begin, pos, cond, block) : new Unroll(begin, pos, cond, block);
    }

    private Stmt forLoop() {
        int begin = pos;
        match("for");
        boolean paren = match('(');
        consumeLayout();
        if (peek() != '$') {
            error("expected variable in for loop");
            return skipLoop();
        }
        Var var = variable();
        if (!expect(':')) {
            return skipLoop();
        }
        consumeLayout();
        Expr first = primary();
        consumeLayout();
        if (peek() == '.' && peek(1) == '.') {
            advance(2);
            Expr stop = primary();
            Range range = new Range(begin, pos, first, stop);
            if (paren && !expect(')')) {
                return skipLoop();
            }
            Block block = block(false);
            return new For(begin, pos, var, range, block);
        }
        if (paren && !expect(')')) {
            return skipLoop();
        }
        if (!(first instanceof MapRef map)) {
            error("expected map or range in for loop");
            return skipLoop();
        }
        Block block = block(false);
        return new For(begin, pos, var, map, block);
    }

    private Stmt skipLoop() {
        while (!atEnd() && peek() != '{' && peek() != '}') {
            advance();
        }
        if (peek() == '{') {
            advance();
            int depth = 1;
            while (!atEnd() && depth > 0) {
                if (peek() == '{') {
                    depth++;
                } else if (peek() == '}') {
                    depth--;
                }
                advance();
            }
        }
        return new ExprStmt(pos, pos, new None(pos, pos));
    }

    private void stmtEnd() {
        consumeLayout();
        if (peek() != '}') {
            expect(';');
        } else {
            match(';');
        }
    }

    private String compoundOp() {
        consumeLayout();
        if (atEnd()) {
            return null;
        }
        char c = peek();
        char n = peek(1);
        if ((c == '<' || c == '>') && n == c && peek(2) == '=') {
            advance(3);
            return c == '<' ? "<<" : ">>";
        }
        if (n == '=' && "+-*/%&|^".indexOf(c) >= 0) {
            advance(2);
            return String.valueOf(c);
        }
        return null;
    }

    private Stmt assignment(Expr lhs, Expr rhs, int begin, int end) {
        if (lhs instanceof MapRef m) {
            return new AssignScalar(begin, end, m, rhs);
        }
        if (lhs instanceof MapAccess m) {
            return new AssignMap(begin, end, m, rhs);
        }
        return new AssignVar(begin, end, lhs, rhs);
    }

    private Stmt assignmentOrExpr(Expr lhs, int begin) {
        consumeLayout();
        if (peek() == '=' && peek(1) != '=') {
            advance();
            Expr rhs = expression();
            int end = pos;
            stmtEnd();
            return assignment(lhs, rhs, begin, end);
        }
        int sp = pos;
        String op = compoundOp();
        if (op != null) {
            Expr rhs = expression();
            Binop binop = new Binop(sp, pos, lhs, op, rhs);
            int end = pos;
            stmtEnd();
            return assignment(lhs, binop, begin, end);
        }
        pos = sp;
        char c = peek();
        if ((c == '+' || c == '-') && peek(1) == c) {
            advance(2);
            return new ExprStmt(begin, pos, new Unop(begin, pos, lhs, c == '+' ? "++" : "--", true));
        }
        Expr post = postfix(lhs);
        consumeLayout();
        if (peek() == '=' && peek(1) != '=') {
            if (post instanceof TupleIndex || post instanceof Field) {
                advance();
                expression();
                error("Tuples and records are immutable once created. "
                        + "Consider creating a new value and assigning it instead.", begin, pos);
                return new ExprStmt(pos, pos, new None(pos, pos));
            }
            advance();
            Expr rhs = expression();
            int end = pos;
            match(';');
            if (post instanceof Var) {
                return new AssignVar(begin, end, post, rhs);
            }
            error("invalid assignment target", begin, end);
            return new ExprStmt(pos, pos, new None(pos, pos));
        }
        Expr e = binary(0, post);
        return new ExprStmt(begin, pos, e);
    }

    private Stmt statement() {
        int begin = pos;
        consumeLayout();
        if (match("let")) {
            consumeLayout();
            if (peek() != '$') {
                error("expected variable after 'let'");
                return new ExprStmt(pos, pos, new None(pos, pos));
            }
            Var var = variable();
            int declEnd = pos;
            TypeOf type = null;
            consumeLayout();
            if (peek() == ':') {
                advance();
                type = typeAnnotation(true);
            }
            consumeLayout();
            if (peek() == '=') {
                advance();
                Expr rhs = expression();
                int end = pos;
                stmtEnd();
                return new AssignVar(begin, end, new VarDecl(begin, declEnd, var, type), rhs);
            }
            int end = pos;
            stmtEnd();
            return new VarDecl(begin, end, var, type);
        }
        if (peek() == '$') {
            if (digit(peek(1)) || peek(1) == '#') {
                Expr e = expression();
                return new ExprStmt(begin, pos, e);
            }
            return assignmentOrExpr(variable(), begin);
        }
        if (peek() == '@') {
            return assignmentOrExpr(mapWithKeys(pos), begin);
        }
        Expr e = expression();
        return new ExprStmt(begin, pos, e);
    }

    // Types

    private Type type(boolean report) {
        int begin = pos;
        String name = consumeIdentifier(report ? "expected type name" : null);
        if (name == null) {
            return null;
        }
        Type t;
        if (name.equals("struct") || name.equals("union") || name.equals("enum")) {
            String tag = consumeIdentifier(report ? "expected identifier" : null);
            if (tag == null) {
                return null;
            }
            Type.Kind kind = name.equals("struct") ? Type.Kind.STRUCT
                    : name.equals("union") ? Type.Kind.UNION : Type.Kind.ENUM;
            t = new Type(begin, pos, kind, tag, null, 0);
        } else {
            t = new Type(begin, pos, Type.Kind.NAME, name, null, 0);
        }
        consumeLayout();
        while (peek() == '*' || peek() == '[') {
            int at = pos;
            if (peek() == '*') {
                advance();
                t = new Type(at, pos, Type.Kind.POINTER, null, t, 0);
            } else {
                advance();
                consumeLayout();
                long size = 0;
                if (peek() != ']') {
                    Long v = unsigned(consumeIntegerText());
                    size = v == null ? 0 : v;
                }
                expect(']');
                t = new Type(at, pos, Type.Kind.ARRAY, null, t, size);
            }
            consumeLayout();
        }
        return t;
    }

    private Integer scanTypeSuffixes(int p, boolean[] sawSuffix) {
        p = scanLayout(p);
        while (true) {
            if (charAt(p) == '*') {
                sawSuffix[0] = true;
                p = scanLayout(p);
                while (charAt(p) == '*') {
                    p = scanLayout(p + 1);
                }
                continue;
            }
            if (charAt(p) == '[') {
                sawSuffix[0] = true;
                int after = scanBalanced(p, '[', ']');
                if (after == p || charAt(after - 1) != ']') {
                    return null;
                }
                p = scanLayout(after);
                continue;
            }
            return p;
        }
    }

    /** A type or a bare identifier followed by one of {@code terminators}; null (nothing consumed) otherwise. */
    private Syntax typeReference(String terminators) {
        int sp = pos;
        consumeLayout();
        if (!identStart(peek())) {
            pos = sp;
            return null;
        }
        int look = scanIdentEnd(pos);
        String ident = in.substring(pos, look);
        if (builtin(ident)) {
            pos = sp;
            return null;
        }
        boolean unknownTypedef = true;
        if (ident.equals("struct") || ident.equals("union") || ident.equals("enum")) {
            look = scanLayout(look);
            if (!identStart(charAt(look))) {
                pos = sp;
                return null;
            }
            look = scanIdentEnd(look);
            unknownTypedef = false;
        } else if (BUILTIN_TYPES.contains(ident)) {
            unknownTypedef = false;
        }
        boolean[] suffix = {false};
        Integer end = scanTypeSuffixes(look, suffix);
        char next = end == null ? '\0' : charAt(scanLayout(end));
        if (end == null || next == '\0' || terminators.indexOf(next) < 0) {
            pos = sp;
            return null;
        }
        if (!unknownTypedef || suffix[0]) {
            return type(true);
        }
        int begin = pos;
        String name = consumeIdentifier(null);
        return new Ident(begin, pos, name);
    }

    private TypeOf typeOf(int begin, Syntax ref) {
        return ref instanceof Type t ? new TypeOf(begin, pos, t, null) : new TypeOf(begin, pos, null, (Expr) ref);
    }

    TypeOf typeAnnotation(boolean typeOnly) {
        consumeLayout();
        int begin = pos;
        if (checkKeyword("typeof")) {
            match("typeof");
            expect('(');
            consumeLayout();
            Syntax ref = typeReference(")");
            if (ref != null) {
                expect(')');
                return typeOf(begin, ref);
            }
            Expr e = expression();
            expect(')');
            return new TypeOf(begin, pos, null, e);
        }
        if (typeOnly) {
            Type t = type(true);
            return t == null ? null : new TypeOf(begin, pos, t, null);
        }
        Syntax ref = typeReference(";,=){}");
        if (ref != null) {
            return typeOf(begin, ref);
        }
        Expr e = expression();
        return new TypeOf(begin, pos, null, e);
    }

    // Expressions: ExpressionParser's
    Expr expression() {
        return ExpressionParser.expression(this);
    }

    Expr binary(int minPrec, Expr left) {
        return ExpressionParser.binary(this, minPrec, left);
    }

    Expr unary() {
        return ExpressionParser.unary(this);
    }

    Expr postfix(Expr e) {
        return ExpressionParser.postfix(this, e);
    }

    Expr primary() {
        return ExpressionParser.primary(this);
    }

    /** The type annotations and references {@link ExpressionParser} needs. */
    TypeOf annotation(boolean typeOnly) {
        return typeAnnotation(typeOnly);
    }

    Type typeOrNull() {
        return type(false);
    }

    /** {@code @map} or {@code @map[keys]} from {@code begin}. */
    Expr mapWithKeys(int begin) {
        String name = consumeMap();
        MapRef map = new MapRef(begin, pos, name);
        consumeLayout();
        if (peek() != '[') {
            return map;
        }
        advance();
        List<Expr> keys = new ArrayList<>();
        keys.add(expression());
        while (match(',')) {
            keys.add(expression());
        }
        expect(']');
        Expr key = keys.size() > 1 ? new Tuple(begin, pos, keys) : keys.getLast();
        return new MapAccess(begin, pos, map, key);
    }
}
