package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.parse.Lexer;
import org.bpf4j.trace.fmt.Syntax.*;

/**
 * The expressions of {@link FormatParser}: current bpftrace's ternary, precedence climbing over
 * its binary operators, prefix and postfix operators, and primaries (literals, calls, maps,
 * variables, parenthesised expressions, casts, tuples, records, {@code if}, {@code sizeof},
 * {@code offsetof}, {@code typeinfo}, {@code comptime}, blocks).
 */
final class ExpressionParser {
    private ExpressionParser() {}

    private record BinaryOp(String op, int prec) {}

    static Expr expression(StatementParser p) {
        return ternary(p);
    }

    private static Expr ternary(StatementParser p) {
        Expr e = binary(p, 0, unary(p));
        int sp = p.pos;
        p.consumeLayout();
        if (p.peek() != '?') {
            p.pos = sp;
            return e;
        }
        p.advance();
        p.consumeLayout();
        if (p.peek() == ':') {
            p.advance();
            Expr other = ternary(p);
            return new If(e.begin(), p.pos, e, e, other);
        }
        Expr then = ternary(p);
        p.expect(':');
        Expr other = ternary(p);
        return new If(e.begin(), p.pos, e, then, other);
    }

    private static BinaryOp peekBinary(StatementParser p) {
        char c = p.peek();
        if (c == '\0') {
            return null;
        }
        char n = p.peek(1);
        if (n == '=' && "+-*/%&|^".indexOf(c) >= 0) {
            return null;
        }
        if ((c == '<' || c == '>') && n == c && p.peek(2) == '=') {
            return null;
        }
        String two = "" + c + n;
        switch (two) {
            case "||": return new BinaryOp("||", 1);
            case "&&": return new BinaryOp("&&", 2);
            case "==": return new BinaryOp("==", 6);
            case "!=": return new BinaryOp("!=", 6);
            case "<=": return new BinaryOp("<=", 7);
            case ">=": return new BinaryOp(">=", 7);
            case "<<": return new BinaryOp("<<", 8);
            case ">>": return new BinaryOp(">>", 8);
            default: break;
        }
        return switch (c) {
            case '|' -> new BinaryOp("|", 3);
            case '^' -> new BinaryOp("^", 4);
            case '&' -> new BinaryOp("&", 5);
            case '<' -> new BinaryOp("<", 7);
            case '>' -> new BinaryOp(">", 7);
            case '+' -> n == '+' ? null : new BinaryOp("+", 9);
            case '-' -> n == '-' ? null : new BinaryOp("-", 9);
            case '*' -> new BinaryOp("*", 10);
            case '/' -> p.charAt(p.scanLayout(p.pos + 1)) == '{' ? null : new BinaryOp("/", 10);
            case '%' -> new BinaryOp("%", 10);
            default -> null;
        };
    }

    static Expr binary(StatementParser p, int minPrec, Expr left) {
        while (true) {
            int sp = p.pos;
            p.consumeLayout();
            BinaryOp op = peekBinary(p);
            if (op == null || op.prec() < minPrec) {
                p.pos = sp;
                return left;
            }
            p.advance(op.op().length());
            Expr right = binary(p, op.prec() + 1, unary(p));
            left = new Binop(left.begin(), p.pos, left, op.op(), right);
        }
    }

    static Expr unary(StatementParser p) {
        p.consumeLayout();
        int begin = p.pos;
        char c = p.peek();
        if ((c == '+' || c == '-') && p.peek(1) == c) {
            p.advance(2);
            Expr e = unary(p);
            if (!(e instanceof Var) && !(e instanceof MapRef) && !(e instanceof MapAccess)) {
                p.error("increment/decrement requires a variable or map", e.begin(), e.end());
            }
            return new Unop(begin, p.pos, e, c == '+' ? "++" : "--", false);
        }
        if (c == '&') {
            p.advance();
            p.consumeLayout();
            if (p.peek() == '$') {
                Var v = p.variable();
                return new VarAddr(begin, p.pos, v);
            }
            if (p.peek() == '@') {
                int at = p.pos;
                String name = p.consumeMap();
                return new MapAddr(begin, p.pos, new MapRef(at, p.pos, name));
            }
            p.error("address-of operator (&) can only be used on a map or variable");
            Expr e = unary(p);
            return new Unop(begin, p.pos, e, "", false);
        }
        String op;
        if (c == '*') {
            op = "*";
        } else if (c == '!' && p.peek(1) != '=') {
            op = "!";
        } else if (c == '~') {
            op = "~";
        } else if (c == '-' && p.peek(1) != '-') {
            op = "-";
        } else {
            return postfix(p, primary(p));
        }
        p.advance();
        Expr e = unary(p);
        return new Unop(begin, p.pos, e, op, false);
    }

    static Expr postfix(StatementParser p, Expr e) {
        while (true) {
            int sp = p.pos;
            p.consumeLayout();
            int begin = e.begin();
            char c = p.peek();
            if (c == '.') {
                if (p.peek(1) == '.') {
                    return e;
                }
                p.advance();
                p.consumeLayout();
                if (StatementParser.digit(p.peek())) {
                    Long n = StatementParser.unsigned(p.consumeIntegerText());
                    e = new TupleIndex(begin, p.pos, e, n == null ? 0 : n);
                    continue;
                }
                String field = p.consumeIdentifier("expected field name after '.'");
                if (field == null) {
                    return e;
                }
                e = new Field(begin, p.pos, e, field);
                continue;
            }
            if (c == '-' && p.peek(1) == '>') {
                p.advance(2);
                String field = p.consumeIdentifier("expected field name after '->'");
                if (field == null) {
                    return e;
                }
                e = new Field(begin, p.pos, e, field);
                continue;
            }
            if (c == '[') {
                p.advance();
                Expr index = expression(p);
                p.expect(']');
                e = new Index(begin, p.pos, e, index);
                continue;
            }
            if ((c == '+' || c == '-') && p.peek(1) == c) {
                if (!(e instanceof Var) && !(e instanceof MapRef) && !(e instanceof MapAccess)) {
                    int at = p.pos;
                    p.advance(2);
                    p.error("increment/decrement requires a variable or map", at, p.pos);
                    return e;
                }
                p.advance(2);
                e = new Unop(begin, p.pos, e, c == '+' ? "++" : "--", true);
                continue;
            }
            p.pos = sp;
            return e;
        }
    }

    static Expr primary(StatementParser p) {
        p.consumeLayout();
        int begin = p.pos;
        if (p.peek() == '(') {
            return paren(p);
        }
        if (p.match("if")) {
            return ifExpr(p, begin);
        }
        if (p.match("sizeof")) {
            p.expect('(');
            TypeOf of = p.annotation(false);
            p.expect(')');
            return new Sizeof(begin, p.pos, of);
        }
        if (p.match("offsetof")) {
            p.expect('(');
            TypeOf of = p.annotation(false);
            p.expect(',');
            List<String> fields = new ArrayList<>();
            fields.add(orEmpty(p.consumeIdentifier(null)));
            while (true) {
                p.consumeLayout();
                if (!p.match('.')) {
                    break;
                }
                fields.add(orEmpty(p.consumeIdentifier(null)));
            }
            p.expect(')');
            return new Offsetof(begin, p.pos, of, fields);
        }
        if (p.match("typeinfo")) {
            p.expect('(');
            TypeOf of = p.annotation(false);
            p.expect(')');
            return new Typeinfo(begin, p.pos, of);
        }
        if (p.match("comptime")) {
            Expr e = unary(p);
            return new Comptime(begin, p.pos, e);
        }
        if (p.peek() == '{') {
            Block b = p.block(true);
            return b != null ? b : new None(p.pos, p.pos);
        }
        String name = p.consumeIdentifier(null);
        if (name != null) {
            int end = p.pos;
            if (name.equals("true") || name.equals("false")) {
                return new Bool(begin, end, name.equals("true"));
            }
            p.consumeLayout();
            if (p.peek() == '(') {
                return call(p, name, begin);
            }
            if (StatementParser.builtin(name)) {
                return new Builtin(begin, end, name);
            }
            return new Ident(begin, end, name);
        }
        if (p.peek() == '@') {
            return p.mapWithKeys(begin);
        }
        if (p.peek() == '$') {
            if (p.peek(1) == '#') {
                p.advance(2);
                return new ParamCount(begin, p.pos);
            }
            if (StatementParser.digit(p.peek(1))) {
                p.advance();
                int digits = p.pos;
                while (StatementParser.digit(p.peek())) {
                    p.advance();
                }
                String text = p.in.substring(digits, p.pos);
                long n = 0;
                try {
                    n = Long.parseLong(text);
                } catch (NumberFormatException e) {
                    n = -1;
                }
                if (n < 1) {
                    p.error("param $" + text + " is out of integer range [1, " + Long.MAX_VALUE + "]", begin, p.pos);
                }
                return new Param(begin, p.pos, Math.max(n, 0));
            }
            return p.variable();
        }
        if (StatementParser.digit(p.peek())) {
            String text = p.consumeIntegerText();
            try {
                Lexer.integerValue(text);
            } catch (IllegalArgumentException e) {
                p.error(e.getMessage(), begin, p.pos);
            }
            return new Int(begin, p.pos, text);
        }
        if (p.peek() == '"') {
            String s = p.consumeString();
            return new Str(begin, p.pos, s);
        }
        p.error("expected expression");
        return new None(p.pos, p.pos);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static Expr ifExpr(StatementParser p, int begin) {
        p.consumeLayout();
        Expr cond;
        if (p.peek() == '(') {
            p.advance();
            cond = expression(p);
            p.expect(')');
        } else {
            cond = unary(p);
        }
        Block then = p.block(true);
        int sp = p.pos;
        p.consumeLayout();
        Expr other;
        if (p.match("else")) {
            p.consumeLayout();
            if (p.peek() == '{') {
                other = p.block(true);
            } else if (p.checkKeyword("if")) {
                other = primary(p);
            } else {
                p.error("expected '{' or 'if' after 'else'");
                other = new None(p.pos, p.pos);
            }
        } else {
            p.pos = sp;
            other = new None(p.pos, p.pos);
        }
        return new If(begin, p.pos, cond, then == null ? new None(p.pos, p.pos) : then,
                other == null ? new None(p.pos, p.pos) : other);
    }

    private static Expr paren(StatementParser p) {
        int begin = p.pos;
        p.advance();
        p.consumeLayout();
        if (p.peek() == ')') {
            p.advance();
            return new Tuple(begin, p.pos, List.of());
        }
        Expr record = record(p, begin);
        if (record != null) {
            return record;
        }
        Expr cast = cast(p, begin);
        if (cast != null) {
            return cast;
        }
        Expr first = expression(p);
        p.consumeLayout();
        if (p.peek() != ',') {
            p.expect(')');
            return first;
        }
        p.advance();
        p.consumeLayout();
        List<Expr> elems = new ArrayList<>();
        elems.add(first);
        if (p.peek() == ')') {
            p.advance();
            return new Tuple(begin, p.pos, elems);
        }
        elems.add(expression(p));
        while (p.match(',')) {
            p.consumeLayout();
            if (p.peek() == ')') {
                break;
            }
            elems.add(expression(p));
        }
        p.expect(')');
        return new Tuple(begin, p.pos, elems);
    }

    private static Expr record(StatementParser p, int begin) {
        int look = p.scanLayout(p.pos);
        if (!StatementParser.identStart(p.charAt(look))) {
            return null;
        }
        int idEnd = p.scanIdentEnd(look);
        int after = p.scanLayout(idEnd);
        if (p.charAt(after) != '=' || p.charAt(after + 1) == '=' || StatementParser.builtin(p.in.substring(look, idEnd))) {
            return null;
        }
        List<Named> elems = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean failed = false;
        while (true) {
            p.consumeLayout();
            int at = p.pos;
            String name = p.consumeIdentifier("expected identifier");
            if (name == null) {
                failed = true;
                break;
            }
            p.expect('=');
            Expr e = expression(p);
            if (!seen.add(name)) {
                p.error("Named argument list already contains name: " + name, at, p.pos);
            }
            elems.add(new Named(at, p.pos, name, e));
            if (!p.match(',')) {
                break;
            }
        }
        if (failed) {
            int depth = 1;
            while (!p.atEnd() && depth > 0) {
                if (p.peek() == '(') {
                    depth++;
                } else if (p.peek() == ')') {
                    depth--;
                }
                if (depth > 0) {
                    p.advance();
                }
            }
        }
        p.expect(')');
        return new RecordExpr(begin, p.pos, elems);
    }

    private static boolean canStartExpression(StatementParser p) {
        char c = p.charAt(p.scanLayout(p.pos));
        return StatementParser.digit(c) || "$@\"(-!~*&".indexOf(c) >= 0 && c != '\0' || StatementParser.identStart(c);
    }

    private static Expr cast(StatementParser p, int begin) {
        int sp = p.pos;
        TypeOf of;
        if (p.checkKeyword("typeof")) {
            of = p.annotation(false);
        } else {
            p.consumeLayout();
            if (!StatementParser.identStart(p.peek())
                    || StatementParser.builtin(p.in.substring(p.pos, p.scanIdentEnd(p.pos)))) {
                p.pos = sp;
                return null;
            }
            int at = p.pos;
            Type t = p.typeOrNull();
            if (t == null) {
                p.pos = sp;
                return null;
            }
            of = new TypeOf(at, p.pos, t, null);
        }
        p.consumeLayout();
        if (p.peek() != ')') {
            p.pos = sp;
            return null;
        }
        p.advance();
        p.consumeLayout();
        if (!canStartExpression(p)) {
            p.pos = sp;
            return null;
        }
        Expr target = unary(p);
        return new Cast(begin, p.pos, of, target);
    }

    private static Expr call(StatementParser p, String name, int begin) {
        p.expect('(');
        List<Expr> args = new ArrayList<>();
        p.consumeLayout();
        if (p.peek() != ')') {
            args.add(argument(p));
            while (p.match(',')) {
                args.add(argument(p));
            }
        }
        p.expect(')');
        return new Call(begin, p.pos, name, args);
    }

    private static Expr argument(StatementParser p) {
        int begin = p.pos;
        if (p.checkKeyword("typeof")) {
            TypeOf of = p.annotation(false);
            return new TypeArg(begin, p.pos, of);
        }
        return expression(p);
    }
}
