package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.fmt.Syntax.*;

/**
 * Reads a script into {@link Syntax} as current bpftrace's recursive-descent parser does (its
 * grammar, where each node begins and ends, what it records as comments and blank lines, its
 * syntax errors), for the formatter. Nothing is expanded, resolved or checked beyond the syntax:
 * C text is kept as written, macros and imports stay as they are.
 */
final class FormatParser extends Reader {
    private static final Set<String> BUILTINS = Set.of("args", "ctx", "kstack", "nsecs", "pid", "tid", "ustack",
            "__builtin_comm", "__builtin_cpid", "__builtin_cpu", "__builtin_dw_ustack", "__builtin_elapsed",
            "__builtin_func", "__builtin_ncpus", "__builtin_probe", "__builtin_retval", "__builtin_usermode");

    /** The names current bpftrace knows as types without {@code struct} ({@code ident_to_builtin_type}). */
    private static final Set<String> BUILTIN_TYPES = Set.of("bool", "int8", "int16", "int32", "int64", "uint8",
            "uint16", "uint32", "uint64", "void", "min_t", "max_t", "sum_t", "count_t", "avg_t", "stats_t", "umin_t",
            "umax_t", "usum_t", "uavg_t", "ustats_t", "timestamp", "macaddr_t", "cgroup_path_t", "string", "buffer",
            "inet", "username_t");

    FormatParser(String in) {
        super(in);
    }

    static boolean builtin(String name) {
        if (BUILTINS.contains(name)) {
            return true;
        }
        return name.length() >= 4 && name.startsWith("arg") && name.substring(3).chars().allMatch(c -> c >= '0' && c <= '9')
                || name.length() >= 5 && name.startsWith("sarg") && name.substring(4).chars().allMatch(c -> c >= '0' && c <= '9');
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
        items.sort(java.util.Comparator.comparingInt(Root::begin).thenComparingInt(Root::end));
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

    /** The value of an integer literal as current bpftrace computes it, or null if it is not one. */
    static Long unsigned(String text) {
        try {
            return org.bpf4j.trace.parse.Lexer.integerValue(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
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

    private String importName() {
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

    Var variable() {
        int begin = pos;
        String name = consumeVariable();
        return new Var(begin, pos, name);
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

    // Blocks and statements

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

    private TypeOf typeAnnotation(boolean typeOnly) {
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
