package org.bpf4j.trace.ast;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Prints syntax trees: as source text that parses back to the same tree ({@link #source}), and as
 * an indented tree in the style of {@code bpftrace -d} ({@link #tree}).
 */
public final class AstPrinter {
    private AstPrinter() {}

    /** A range's bound as the grammar takes it: a primary expression, so others in parentheses ((1 + 1)..10). */
    private static String rangeBound(Expr e) {
        boolean primary = e instanceof Expr.IntLit l && l.value() >= 0 || e instanceof Expr.Var || e instanceof Expr.Param
                || e instanceof Expr.MapRef || e instanceof Expr.Call || e instanceof Expr.Builtin
                || e instanceof Expr.StrLit || e instanceof Expr.BoolLit;
        return primary ? source(e) : "(" + source(e) + ")";
    }

    /** The program as source: one probe per paragraph, binary operations fully parenthesised. */
    public static String source(Program program) {
        StringBuilder sb = new StringBuilder();
        for (String d : program.directives()) {
            sb.append(d).append('\n');
        }
        for (Subprog f : program.subprogs()) {
            sb.append(signature(f)).append('\n');
            block(sb, f.body(), 0);
            sb.append('\n');
        }
        for (Probe p : program.probes()) {
            sb.append(String.join(",", p.attachPoints().stream().map(AttachPoint::raw).toList()));
            p.predicate().ifPresent(e -> sb.append(" /").append(source(e)).append("/"));
            sb.append('\n');
            block(sb, p.body(), 0);
            sb.append('\n');
        }
        return sb.toString();
    }

    /** {@code fn NAME($a: TYPE, ...): TYPE}, a function's head as written. */
    public static String signature(Subprog f) {
        return "fn " + f.name() + "(" + String.join(", ", f.params().stream()
                .map(p -> p.var().name() + ": " + p.type()).toList()) + "): " + f.result();
    }

    private static void block(StringBuilder sb, List<Stmt> body, int depth) {
        sb.append("{\n");
        for (Stmt s : body) {
            sb.append("  ".repeat(depth + 1));
            stmt(sb, s, depth + 1);
            sb.append('\n');
        }
        sb.append("  ".repeat(depth)).append('}');
    }

    private static void stmt(StringBuilder sb, Stmt s, int depth) {
        switch (s) {
            case Stmt.ExprStmt e -> sb.append(source(e.expr())).append(';');
            case Stmt.AssignVar a -> {
                if (a.let()) {
                    sb.append("let ");
                }
                sb.append(a.var().name());
                a.declared().ifPresent(t -> sb.append(": ").append(t));
                a.value().ifPresent(v -> sb.append(" = ").append(source(v)));
                sb.append(';');
            }
            case Stmt.AssignMap a -> sb.append(source(a.map())).append(" = ").append(source(a.value())).append(';');
            case Stmt.If i -> {
                sb.append("if (").append(source(i.cond())).append(") ");
                block(sb, i.then(), depth);
                if (!i.otherwise().isEmpty()) {
                    sb.append(" else ");
                    block(sb, i.otherwise(), depth);
                }
            }
            case Stmt.While w -> {
                sb.append("while (").append(source(w.cond())).append(") ");
                block(sb, w.body(), depth);
            }
            case Stmt.Unroll u -> {
                sb.append("unroll (").append(source(u.count())).append(") ");
                block(sb, u.body(), depth);
            }
            case Stmt.ForMap f -> {
                sb.append("for (").append(f.var().name()).append(" : ").append(f.map().name()).append(") ");
                block(sb, f.body(), depth);
            }
            case Stmt.ForRange f -> {
                sb.append("for (").append(f.var().name()).append(" : ").append(rangeBound(f.from())).append("..")
                        .append(rangeBound(f.to())).append(") ");
                block(sb, f.body(), depth);
            }
            case Stmt.Jump j -> {
                sb.append(j.kind().name().toLowerCase(Locale.ROOT));
                j.value().ifPresent(v -> sb.append(' ').append(source(v)));
                sb.append(';');
            }
        }
    }

    /** An expression as source. */
    /** The base of a postfix operator: parenthesised when it binds less tightly (a cast, a unary...). */
    private static String postfixBase(Expr base) {
        String b = source(base);
        return base instanceof Expr.Cast || base instanceof Expr.Unary || base instanceof Expr.Binary
                || base instanceof Expr.Ternary ? "(" + b + ")" : b;
    }

    public static String source(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.unsigned() ? Long.toUnsignedString(i.value()) : Long.toString(i.value());
            case Expr.StrLit s -> quote(s.value());
            case Expr.BoolLit b -> Boolean.toString(b.value());
            case Expr.Builtin b -> b.name();
            case Expr.Var v -> v.name();
            case Expr.Param p -> p.number() < 0 ? "$#" : "$" + p.number();
            case Expr.MapRef m -> m.name() + (m.keys().isEmpty() ? "" : "[" + join(m.keys(), AstPrinter::source) + "]");
            case Expr.Call c -> c.name() + "(" + join(c.args(), AstPrinter::source) + ")";
            case Expr.Binary b -> "(" + source(b.left()) + " " + b.op().symbol() + " " + source(b.right()) + ")";
            // & takes a variable or map as written (current bpftrace's parser refuses &(...))
            case Expr.Unary u when u.op() == UnOp.ADDR && (u.operand() instanceof Expr.Var
                    || u.operand() instanceof Expr.MapRef) -> "&" + source(u.operand());
            case Expr.Unary u -> u.op().symbol() + "(" + source(u.operand()) + ")";
            case Expr.IncDec i -> i.prefix() ? (i.increment() ? "++" : "--") + source(i.target())
                    : source(i.target()) + (i.increment() ? "++" : "--");
            case Expr.Ternary t -> "(" + source(t.cond()) + " ? " + source(t.then()) + " : " + source(t.otherwise()) + ")";
            case Expr.Field f -> postfixBase(f.base()) + (f.arrow() ? "->" : ".") + f.field();
            case Expr.TupleIndex t -> postfixBase(t.base()) + "." + t.index();
            case Expr.Index i -> postfixBase(i.base()) + "[" + source(i.index()) + "]";
            case Expr.Cast c -> "(" + c.type() + ")(" + source(c.operand()) + ")";
            case Expr.Tuple t when !t.names().isEmpty() -> {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < t.elements().size(); i++) {
                    parts.add(t.names().get(i) + "=" + source(t.elements().get(i)));
                }
                yield "(" + String.join(", ", parts) + ")";
            }
            case Expr.Tuple t -> "(" + join(t.elements(), AstPrinter::source) + ")";
            case Expr.SizeofType s -> "sizeof(" + s.type() + ")";
            case Expr.Offsetof o -> "offsetof(" + o.type() + ", " + String.join(".", o.fields()) + ")";
            case Expr.TypeArg t -> t.type().typeOf() != null ? t.type().toString() : "typeof(" + t.type() + ")";
        };
    }

    private static <T> String join(List<T> items, Function<T, String> f) {
        return String.join(", ", items.stream().map(f).toList());
    }

    /** A string literal with C escapes. */
    public static String quote(String value) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /**
     * The program as an indented tree, one node per line, in the style of bpftrace's AST dump;
     * {@code types} gives the text after {@code ::} for an expression (or null for none).
     */
    public static String tree(Program program, Function<Expr, String> types) {
        StringBuilder sb = new StringBuilder("Program\n");
        for (Subprog f : program.subprogs()) {
            line(sb, 1, "subprog: " + f.name() + " :: " + f.result());
            for (Subprog.Param p : f.params()) {
                line(sb, 2, p.var().name() + " :: " + p.type());
            }
            for (Stmt s : f.body()) {
                tree(sb, s, 2, types);
            }
        }
        for (Probe p : program.probes()) {
            for (AttachPoint ap : p.attachPoints()) {
                line(sb, 1, ap.name());
            }
            p.predicate().ifPresent(e -> {
                line(sb, 2, "pred");
                tree(sb, e, 3, types);
            });
            for (Stmt s : p.body()) {
                tree(sb, s, 2, types);
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, int depth, String text) {
        sb.append(" ".repeat(depth)).append(text).append('\n');
    }

    private static void tree(StringBuilder sb, Stmt s, int d, Function<Expr, String> types) {
        switch (s) {
            case Stmt.ExprStmt e -> tree(sb, e.expr(), d, types);
            case Stmt.AssignVar a -> {
                line(sb, d, a.let() ? "let" : "=");
                tree(sb, a.var(), d + 1, types);
                a.value().ifPresent(v -> tree(sb, v, d + 1, types));
            }
            case Stmt.AssignMap a -> {
                line(sb, d, "=");
                tree(sb, a.map(), d + 1, types);
                tree(sb, a.value(), d + 1, types);
            }
            case Stmt.If i -> {
                line(sb, d, "if");
                tree(sb, i.cond(), d + 1, types);
                line(sb, d + 1, "then");
                i.then().forEach(x -> tree(sb, x, d + 2, types));
                if (!i.otherwise().isEmpty()) {
                    line(sb, d + 1, "else");
                    i.otherwise().forEach(x -> tree(sb, x, d + 2, types));
                }
            }
            case Stmt.While w -> {
                line(sb, d, "while(");
                tree(sb, w.cond(), d + 1, types);
                line(sb, d + 1, ")");
                w.body().forEach(x -> tree(sb, x, d + 2, types));
            }
            case Stmt.Unroll u -> {
                line(sb, d, "unroll " + source(u.count()));
                u.body().forEach(x -> tree(sb, x, d + 1, types));
            }
            case Stmt.ForMap f -> {
                line(sb, d, "for");
                tree(sb, f.var(), d + 1, types);
                tree(sb, f.map(), d + 1, types);
                line(sb, d + 1, "stmts");
                f.body().forEach(x -> tree(sb, x, d + 2, types));
            }
            case Stmt.ForRange f -> {
                line(sb, d, "for");
                tree(sb, f.var(), d + 1, types);
                line(sb, d + 1, "range");
                tree(sb, f.from(), d + 2, types);
                tree(sb, f.to(), d + 2, types);
                line(sb, d + 1, "stmts");
                f.body().forEach(x -> tree(sb, x, d + 2, types));
            }
            case Stmt.Jump j -> {
                line(sb, d, j.kind().name().toLowerCase(Locale.ROOT));
                j.value().ifPresent(v -> tree(sb, v, d + 1, types));
            }
        }
    }

    private static void tree(StringBuilder sb, Expr e, int d, Function<Expr, String> types) {
        String t = types.apply(e);
        String suffix = t == null ? "" : " :: " + t;
        switch (e) {
            case Expr.IntLit i -> line(sb, d, "int: " + (i.unsigned() ? Long.toUnsignedString(i.value())
                    : Long.toString(i.value())) + suffix);
            case Expr.StrLit s -> line(sb, d, "string: " + s.value().replace("\n", "\\n") + suffix);
            case Expr.BoolLit b -> line(sb, d, "bool: " + b.value() + suffix);
            case Expr.Builtin b -> line(sb, d, "builtin: " + b.name() + suffix);
            case Expr.Var v -> line(sb, d, "variable: " + v.name() + suffix);
            case Expr.Param p -> line(sb, d, "param: " + (p.number() < 0 ? "$#" : "$" + p.number()) + suffix);
            case Expr.MapRef m -> {
                line(sb, d, "map: " + m.name() + suffix);
                m.keys().forEach(k -> tree(sb, k, d + 1, types));
            }
            case Expr.Call c -> {
                line(sb, d, "call: " + c.name() + suffix);
                c.args().forEach(a -> tree(sb, a, d + 1, types));
            }
            case Expr.Binary b -> {
                line(sb, d, b.op().symbol() + suffix);
                tree(sb, b.left(), d + 1, types);
                tree(sb, b.right(), d + 1, types);
            }
            case Expr.Unary u -> {
                line(sb, d, u.op().symbol() + suffix);
                tree(sb, u.operand(), d + 1, types);
            }
            case Expr.IncDec i -> {
                line(sb, d, (i.increment() ? "++" : "--") + (i.prefix() ? " (pre)" : " (post)") + suffix);
                tree(sb, i.target(), d + 1, types);
            }
            case Expr.Ternary t2 -> {
                line(sb, d, "?:" + suffix);
                tree(sb, t2.cond(), d + 1, types);
                tree(sb, t2.then(), d + 1, types);
                tree(sb, t2.otherwise(), d + 1, types);
            }
            case Expr.Field f -> {
                line(sb, d, (f.arrow() ? "->" : ".") + suffix);
                tree(sb, f.base(), d + 1, types);
                line(sb, d + 1, f.field());
            }
            case Expr.TupleIndex t2 -> {
                line(sb, d, "." + suffix);
                tree(sb, t2.base(), d + 1, types);
                line(sb, d + 1, Integer.toString(t2.index()));
            }
            case Expr.Index i -> {
                line(sb, d, "[]" + suffix);
                tree(sb, i.base(), d + 1, types);
                tree(sb, i.index(), d + 1, types);
            }
            case Expr.Cast c -> {
                line(sb, d, "(" + c.type() + ")" + suffix);
                tree(sb, c.operand(), d + 1, types);
            }
            case Expr.Tuple t2 when !t2.names().isEmpty() -> {
                line(sb, d, "record:" + suffix);
                for (int i = 0; i < t2.elements().size(); i++) {
                    line(sb, d + 1, t2.names().get(i) + " =");
                    tree(sb, t2.elements().get(i), d + 2, types);
                }
            }
            case Expr.Tuple t2 -> {
                line(sb, d, "tuple:" + suffix);
                t2.elements().forEach(x -> tree(sb, x, d + 1, types));
            }
            case Expr.SizeofType s -> line(sb, d, "sizeof: " + s.type() + suffix);
            case Expr.Offsetof o -> line(sb, d, "offsetof: " + o.type() + ", " + String.join(".", o.fields()) + suffix);
            case Expr.TypeArg ta -> line(sb, d, "typeof: " + ta.type() + suffix);
        }
    }
}
