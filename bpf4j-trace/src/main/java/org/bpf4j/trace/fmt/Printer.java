package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.fmt.Layout.Metadata;
import org.bpf4j.trace.fmt.Syntax.*;

/**
 * Lays a {@link Syntax} tree out as current bpftrace's {@code --fmt} does: two spaces of
 * indentation, braces of probes, functions and macros on their own lines, a list (arguments,
 * operands of a chain of {@code &&}) broken where the width (90 columns) needs it, operands that
 * are not simple values in parentheses, comments and blank lines put back where they were.
 * Widths are unsigned, as current bpftrace's (a width that goes below zero is huge).
 */
final class Printer {
    /** Current bpftrace's line width. */
    static final long WIDTH = 90;
    private static final int INDENT = 2;

    private final Metadata meta;
    private final long width;
    private final boolean bare;

    private Printer(Metadata meta, long width, boolean bare) {
        this.meta = meta;
        this.width = width;
        this.bare = bare;
    }

    /** The formatted script. */
    static String print(Script script, Metadata meta) {
        return new Printer(meta, WIDTH, true).script(script).toString();
    }

    private static boolean gt(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    private static boolean lt(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    // the two ways in: an expression (parenthesised unless simple or bare) and a node as it is

    private static Layout expr(Expr e, Metadata m, long w, boolean bare) {
        return new Printer(m, w, bare).expression(e);
    }

    private static Layout expr(Expr e, Metadata m, long w) {
        return expr(e, m, w, false);
    }

    private static Layout node(Syntax n, Metadata m, long w, boolean bare) {
        return new Printer(m, w, bare).visit(n);
    }

    private static Layout node(Syntax n, Metadata m, long w) {
        return node(n, m, w, false);
    }

    static boolean simple(Expr e) {
        return switch (e) {
            case Int x -> true;
            case Str x -> true;
            case Bool x -> true;
            case Param x -> true;
            case ParamCount x -> true;
            case None x -> true;
            case Ident x -> true;
            case Builtin x -> true;
            case Sizeof x -> true;
            case Offsetof x -> true;
            case Typeinfo x -> true;
            case Var x -> true;
            case Index x -> true;
            case TupleIndex x -> true;
            case MapAccess x -> true;
            case Call x -> true;
            case MapRef x -> true;
            case Field x -> true;
            case Comptime c -> simple(c.expr());
            default -> false;
        };
    }

    private static boolean comparison(Syntax e) {
        return e instanceof Binop b && switch (b.op()) {
            case "==", "!=", "<=", ">=", "<", ">" -> true;
            default -> false;
        };
    }

    private static boolean literal(Expr e) {
        return switch (e) {
            case Int x -> true;
            case Str x -> true;
            case Bool x -> true;
            case Tuple t -> t.elems().stream().allMatch(Printer::literal);
            case RecordExpr r -> r.elems().stream().allMatch(n -> literal(n.expr()));
            default -> false;
        };
    }

    private Layout expression(Expr e) {
        Metadata local = meta.before(e.end());
        boolean noParens = bare && !(e instanceof Tuple) || simple(e);
        long localWidth = width - (noParens ? 0 : 2);
        Layout out = new Layout();
        if (!noParens) {
            out.text("(");
        }
        if (e instanceof Block b) {
            Layout block = node(b, local, width - 2, true);
            if (block.lines() > 1 || gt(block.width(), localWidth)) {
                out.text("{").append(block, INDENT).text("}");
            } else {
                out.text("{ ").append(block).text(" }");
            }
        } else {
            out.append(node(e, local, localWidth, true));
        }
        return noParens ? out : out.text(")");
    }

    private Layout statement(Stmt s) {
        if (s instanceof ExprStmt es && es.expr() instanceof None) {
            return new Layout();
        }
        Metadata comments = meta.before(s.begin());
        Layout body = visit(s);
        return new Layout().metadata(comments, 0).append(body);
    }

    /** A list joined by {@code sep}: on one line if it fits, else broken at the first places that make it fit. */
    private <T extends Syntax> Layout list(List<T> items, String sep, Metadata m, long w, boolean bareItems) {
        List<Layout> parts = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < items.size(); i++) {
            T item = items.get(i);
            long itemWidth = i < items.size() - 1 ? w - 1 : w;
            Layout part = item instanceof Expr e ? expr(e, m, itemWidth, bareItems || comparison(e))
                    : node(item, m, itemWidth, bareItems);
            if (i < items.size() - 1) {
                part.text(sep);
            }
            total += part.width();
            parts.add(part);
        }
        Layout out = new Layout();
        if (lt(total, w)) {
            parts.forEach(out::append);
            return out;
        }
        long[] widths = parts.stream().mapToLong(Layout::width).toArray();
        long mask = breaks(widths, w);
        for (int i = 0; i < parts.size(); i++) {
            if (i > 0 && (mask & (1L << (i - 1))) != 0) {
                out.lineBreak();
            }
            out.append(parts.get(i));
        }
        return out;
    }

    /**
     * Where a list breaks (bit {@code i-1}: before item {@code i}): current bpftrace tries every
     * way in the order of this number and keeps the first whose lines all fit (its measure of
     * balance, an integer division, is 0 for any of them), or none.
     */
    static long breaks(long[] widths, long max) {
        int n = widths.length;
        if (n <= 1) {
            return 0;
        }
        if (n <= 20) {
            long best = 0;
            long bestRatio = Long.MAX_VALUE;
            for (long mask = 0; mask < (1L << (n - 1)); mask++) {
                long[] range = lineRange(widths, mask);
                if (gt(range[1], max)) {
                    continue;
                }
                long ratio = range[1] != 0 ? Long.divideUnsigned(range[1] - range[0], range[1]) : 0;
                if (ratio < bestRatio) {
                    bestRatio = ratio;
                    best = mask;
                }
            }
            return best;
        }
        // too many ways to try: the smallest number whose lines fit, found bit by bit from the top
        long all = (1L << (n - 1)) - 1;
        if (gt(lineRange(widths, all)[1], max)) {
            return 0;
        }
        long mask = all;
        for (int bit = n - 2; bit >= 0; bit--) {
            long without = mask & ~(1L << bit);
            if (!gt(lineRange(widths, without)[1], max)) {
                mask = without;
            }
        }
        return mask;
    }

    private static long[] lineRange(long[] widths, long mask) {
        long min = Long.MAX_VALUE;
        long maxW = 0;
        long current = widths[0];
        for (int i = 1; i < widths.length; i++) {
            if ((mask & (1L << (i - 1))) != 0) {
                min = Math.min(min, current);
                maxW = Math.max(maxW, current);
                current = widths[i];
            } else {
                current += widths[i];
            }
        }
        min = Math.min(min, current);
        maxW = Math.max(maxW, current);
        return new long[] {min, maxW};
    }

    // nodes as they are

    private Layout visit(Syntax n) {
        return switch (n) {
            case Int i -> new Layout().text(i.text());
            case Bool b -> new Layout().text(b.value() ? "true" : "false");
            case Param p -> new Layout().text("$" + p.n());
            case ParamCount p -> new Layout().text("$#");
            case Str s -> new Layout().text("\"" + escape(s.value()) + "\"");
            case None x -> new Layout().text("none");
            case Builtin b -> new Layout().text(b.name());
            case Ident i -> new Layout().text(i.name());
            case Var v -> new Layout().text(v.name());
            case VarAddr v -> new Layout().text("&").text(v.var().name());
            case MapRef m -> new Layout().text(m.name());
            case MapAddr m -> new Layout().text("&").text(m.map().name());
            case Call c -> call(c);
            case Sizeof s -> new Layout().text("sizeof(").append(typeArgument(s.of(), width - 8)).text(")");
            case Offsetof o -> new Layout().text("offsetof(").append(typeArgument(o.of(), width)).text(", ")
                    .text(String.join(".", o.fields())).text(")");
            case Typeinfo t -> new Layout().text("typeinfo(").append(typeArgument(t.of(), width - 10)).text(")");
            case TypeArg t -> t.of().expr() != null ? visit(t.of())
                    : new Layout().text("typeof(").append(node(t.of().type(), meta, width - 8, true)).text(")");
            case TypeOf t -> t.expr() != null
                    ? new Layout().text("typeof(").append(exprAsType(t.expr(), width - 8).text(")"))
                    : node(t.type(), meta, width, bare);
            case Type t -> type(t);
            case Comptime c -> new Layout().text("comptime ").append(expr(c.expr(), meta, width - 9));
            case Binop b -> binop(b);
            case Unop u -> unop(u);
            case If i -> ifExpr(i);
            case Field f -> expr(f.expr(), meta, width - (f.field().length() + 1), simple(f.expr())).text(".")
                    .text(f.field());
            case Index a -> index(a);
            case TupleIndex t -> {
                String k = Long.toUnsignedString(t.index());
                yield new Layout().append(expr(t.expr(), meta, width - (k.length() + 1))).text(".").text(k);
            }
            case MapAccess a -> mapAccess(a);
            case Cast c -> {
                Layout head = new Layout().text("(").append(node(c.type(), meta, width)).text(")");
                long rest = width - head.width();
                yield new Layout().append(head).append(expr(c.expr(), meta, rest, simple(c.expr())));
            }
            case Tuple t -> tuple(t);
            case RecordExpr r -> {
                Layout elems = r.elems().size() == 1 ? node(r.elems().getFirst(), meta, width - 2)
                        : list(r.elems(), ", ", meta, width - INDENT, false);
                yield elems.lines() > 1 ? new Layout().text("(").append(elems, INDENT).text(")")
                        : new Layout().text("(").append(elems).text(")");
            }
            case Named a -> new Layout().text(a.name()).text("=")
                    .append(expr(a.expr(), meta, width - a.name().length() - 1));
            case Block b -> block(b);
            case ExprStmt s -> {
                Layout out = expr(s.expr(), meta, width, true);
                yield s.expr() instanceof If || s.expr() instanceof Block ? out : out.text(";");
            }
            case AssignScalar a -> assign(node(a.map(), meta, width), a.map(), a.expr());
            case AssignMap a -> assign(node(a.map(), meta, width), a.map(), a.expr());
            case AssignVar a -> assign(node(a.target(), meta, width, true), a.var(), a.expr());
            case VarDecl d -> {
                Layout out = new Layout().text("let ").append(node(d.var(), meta, width));
                if (d.type() != null) {
                    out.text(" : ").append(node(d.type(), meta, width));
                }
                yield bare ? out : out.text(";");
            }
            case Jump j -> j.value() == null ? new Layout().text(j.word() + ";")
                    // current bpftrace passes `true` where the width goes: a return value is laid out in 1 column
                    : new Layout().text("return ").append(expr(j.value(), meta, 1)).text(";");
            case Unroll u -> {
                Layout body = node(u.block(), meta, width - 2);
                yield new Layout().text("unroll (").append(expr(u.count(), meta, width - 11)).text(") {")
                        .append(body, INDENT).text("}");
            }
            case While w -> {
                Layout cond = expr(w.cond(), meta, width - 8);
                Layout body = node(w.block(), meta, width - 2);
                yield new Layout().text("while ").append(cond).text(" {").append(body, INDENT).text("}");
            }
            case For f -> new Layout().text("for ").append(node(f.var(), meta, width)).text(" : ")
                    .append(node(f.iterable(), meta, width)).text(" {")
                    .append(node(f.block(), meta, width - INDENT), INDENT).text("}");
            case Range r -> new Layout().append(bound(r.start())).text("..").append(bound(r.stop()));
            case Discard d -> new Layout().text("_ = ").append(expr(d.expr(), meta, width, true)).text(";");
            case StmtImport i -> new Layout().text("import \"").text(i.name()).text("\";");
            case RootImport i -> new Layout().text("import \"").text(i.name()).text("\";");
            case CText c -> new Layout().text(c.text());
            case MapDecl d -> new Layout().text("let ").text(d.name()).text(" = ").text(d.type()).text("(")
                    .text(Long.toUnsignedString(d.max())).text(");");
            case Config c -> config(c);
            case ConfigEntry c -> new Layout().text(c.key()).text(" = ").text(configValue(c.value())).text(";");
            case AttachPoint a -> new Layout().text(a.raw());
            case Probe p -> probe(p);
            case Macro m -> macro(m);
            case Subprog s -> subprog(s);
            case SubprogArg a -> new Layout().text(a.var().name()).text(" : ")
                    .append(node(a.type(), meta, width - (a.var().name().length() + 3)));
        };
    }

    /** A ternary ({@code c ? a : b}), or {@code if c { } else if d { } else { }} on one line or several. */
    private Layout ifExpr(If top) {
        if (!(top.left() instanceof Block) && !(top.right() instanceof Block) && !(top.right() instanceof None)) {
            Layout cond = expr(top.cond(), meta, width);
            Layout left = expr(top.left(), meta, width - 2);
            Layout right = expr(top.right(), meta, width - 2);
            if (gt(cond.width() + left.width() + right.width() + 8, width)) {
                return new Layout().append(cond).lineBreak().text("? ").append(left).lineBreak().text(": ")
                        .append(right);
            }
            return new Layout().append(cond).text(" ? ").append(left).text(" : ").append(right);
        }
        List<Layout[]> pairs = new ArrayList<>();
        Layout otherwise = null;
        long total = 0;
        Metadata comments = meta.before(top.begin());
        for (If it = top; it != null; ) {
            // as current bpftrace: the comments up to the first block (of the whole chain) follow the condition
            Metadata condMeta = meta.before(top.left().begin());
            Layout cond = expr(it.cond(), condMeta, width - 5, it.cond() instanceof Comptime);
            cond.metadata(condMeta);
            Layout body = rawBlock(it.left());
            total += cond.width() + 5 + body.width() + 3;
            pairs.add(new Layout[] {cond, body});
            if (it.right() instanceof If next) {
                it = next;
            } else {
                if (!(it.right() instanceof None)) {
                    otherwise = rawBlock(it.right());
                }
                it = null;
            }
        }
        Layout out = new Layout().metadata(comments, 0);
        boolean statement = top.left() instanceof Block b && b.value() instanceof None || top.right() instanceof None;
        boolean multiline = pairs.stream().anyMatch(p -> p[0].lines() > 1 || p[1].lines() > 1);
        if (statement || gt(total, width) || pairs.size() > 1 || multiline
                || otherwise != null && otherwise.lines() > 1) {
            for (int i = 0; i < pairs.size(); i++) {
                out.text(i > 0 ? " else if " : "if ").append(pairs.get(i)[0]).text(" {").append(pairs.get(i)[1], INDENT)
                        .text("}");
            }
            if (otherwise != null) {
                out.text(" else {").append(otherwise, INDENT).text("}");
            }
            return out;
        }
        for (int i = 0; i < pairs.size(); i++) {
            out.text(i > 0 ? " else if " : "if ").append(pairs.get(i)[0]).text(" { ").append(pairs.get(i)[1]).text(" }");
        }
        if (otherwise != null) {
            out.text(" else { ").append(otherwise).text(" }");
        }
        return out;
    }

    private Layout rawBlock(Expr e) {
        return e instanceof Block b ? node(b, meta, width - INDENT, true) : expr(e, meta, width - INDENT, true);
    }

    private Layout bound(Expr e) {
        if (literal(e)) {
            return expr(e, meta, width, true);
        }
        return new Layout().text("(").append(expr(e, meta, width - 4, true)).text(")");
    }

    private static String configValue(Object v) {
        if (v instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (v instanceof Long l) {
            return Long.toUnsignedString(l);
        }
        String s = (String) v;
        String escaped = escape(s);
        return escaped.equals(s) ? s : "\"" + escaped + "\"";
    }

    /** A string's text between quotes: {@code \\}, {@code \"}, {@code \n}, {@code \t}, {@code \r}, else {@code \xNN}. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c == '\\' ? "\\\\" : c == '"' ? "\\\"" : String.valueOf(c));
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\r') {
                sb.append("\\r");
            } else {
                sb.append(String.format("\\x%02x", c & 0xff));
            }
        }
        return sb.toString();
    }

    private Layout type(Type t) {
        return switch (t.kind()) {
            case NAME, STRUCT, UNION, ENUM -> new Layout().text(t.typeName());
            case POINTER -> node(t.inner(), meta, width, bare).text("*");
            case ARRAY -> {
                Layout out = node(t.inner(), meta, width, bare).text("[");
                if (t.size() != 0) {
                    out.text(Long.toUnsignedString(t.size()));
                }
                yield out.text("]");
            }
        };
    }

    /** An expression where a type may be: {@code ident[0]} is parenthesised so it stays an expression. */
    private Layout exprAsType(Expr e, long w) {
        Layout out = expr(e, meta, w, true);
        Expr base = e;
        while (base instanceof Index i) {
            base = i.expr();
        }
        return e instanceof Index && base instanceof Ident ? new Layout().text("(").append(out).text(")") : out;
    }

    private Layout typeArgument(TypeOf of, long w) {
        return of.expr() != null ? exprAsType(of.expr(), w) : node(of.type(), meta, w, true);
    }

    private Layout call(Call c) {
        Layout args = list(c.args(), ", ", meta, width - (c.name().length() + 2), true);
        if (gt(args.width(), width)) {
            return new Layout().text(c.name() + "(").append(args, INDENT).text(")");
        }
        return new Layout().text(c.name() + "(").append(args).text(")");
    }

    private Layout binop(Binop b) {
        List<Expr> chain = new ArrayList<>();
        boolean logical = b.op().equals("&&") || b.op().equals("||");
        flatten(b.left(), b.op(), logical, chain);
        flatten(b.right(), b.op(), logical, chain);
        return list(chain, " " + b.op() + " ", meta, width, false);
    }

    private static void flatten(Expr e, String op, boolean logical, List<Expr> out) {
        if (logical && e instanceof Binop b && b.op().equals(op)) {
            flatten(b.left(), op, true, out);
            flatten(b.right(), op, true, out);
        } else {
            out.add(e);
        }
    }

    private Layout unop(Unop u) {
        Layout operand = expr(u.expr(), meta, width - u.op().length());
        return u.postfix() ? new Layout().append(operand).text(u.op()) : new Layout().text(u.op()).append(operand);
    }

    private Layout index(Index a) {
        Layout base = expr(a.expr(), meta, width - 1);
        Layout index = expr(a.index(), meta, width - INDENT);
        boolean split = gt(base.width() + index.width() + 2, width);
        return new Layout().append(base).text("[").append(index, split ? INDENT : 0).text("]");
    }

    private Layout mapAccess(MapAccess a) {
        Layout key = a.key() instanceof Tuple t && t.elems().size() >= 2 ? node(t, meta, width - INDENT, true)
                : expr(a.key(), meta, width - INDENT, true);
        boolean split = gt(a.map().name().length() + key.width() + 2, width);
        return new Layout().text(a.map().name()).text("[").append(key, split ? INDENT : 0).text("]");
    }

    private Layout tuple(Tuple t) {
        Layout elems = t.elems().size() == 1 ? expr(t.elems().getFirst(), meta, width - 3, true).text(",")
                : list(t.elems(), ", ", meta, width - INDENT, true);
        if (bare) {
            return elems;
        }
        return elems.lines() > 1 ? new Layout().text("(").append(elems, INDENT).text(")")
                : new Layout().text("(").append(elems).text(")");
    }

    /** An assignment: {@code target op= rhs} when the value is the target combined with something. */
    private Layout assign(Layout target, Expr assigned, Expr value) {
        String op = "=";
        Expr rhs = value;
        if (value instanceof Binop b && same(b.left(), assigned)) {
            op = b.op() + "=";
            rhs = b.right();
        }
        Layout right = expr(rhs, meta, width - (target.width() + 2 + op.length()), true);
        boolean align = !(rhs instanceof Block || rhs instanceof If);
        return new Layout().append(target).text(" ").text(op).text(" ").append(right, 0, align).text(";");
    }

    /** Whether two expressions are the same (as current bpftrace compares a map, variable or map access). */
    private static boolean same(Expr a, Expr b) {
        if (a instanceof Var x && b instanceof Var y) {
            return x.name().equals(y.name());
        }
        if (a instanceof MapRef x && b instanceof MapRef y) {
            return x.name().equals(y.name());
        }
        if (a instanceof MapAccess x && b instanceof MapAccess y) {
            return x.map().name().equals(y.map().name()) && text(x.key()).equals(text(y.key()));
        }
        return false;
    }

    private static String text(Expr e) {
        return expr(e, new Metadata(), Long.MAX_VALUE / 4, true).toString();
    }

    Layout block(Block b) {
        Layout out = new Layout();
        for (int i = 0; i < b.stmts().size(); i++) {
            Layout s = new Printer(meta, width, false).statement(b.stmts().get(i));
            if (s.width() > 0 && i > 0) {
                out.lineBreak();
            }
            out.append(s);
        }
        Metadata rest = meta.before(b.end());
        if (!(b.value() instanceof None)) {
            Metadata leading = rest.before(b.value().begin());
            Layout value = expr(b.value(), rest, width, true);
            out.metadata(leading, out.lines() > 0 ? 1 : 0);
            out.append(value);
        }
        return out.metadata(rest);
    }

    private Layout config(Config c) {
        if (c.entries().isEmpty()) {
            return new Layout().text("config = {}");
        }
        Layout body = new Layout();
        for (ConfigEntry e : c.entries()) {
            if (body.lines() > 0) {
                body.lineBreak();
            }
            body.append(node(e, meta, width - INDENT));
        }
        return new Layout().text("config = {").append(body, INDENT).text("}");
    }

    private Layout probe(Probe p) {
        List<Layout> points = new ArrayList<>();
        for (int i = 0; i < p.points().size(); i++) {
            boolean more = i < p.points().size() - 1;
            Layout ap = node(p.points().get(i), meta, more ? width - 1 : width);
            points.add(more ? ap.text(",") : ap);
        }
        Metadata predMeta = new Metadata();
        Metadata blockMeta;
        Layout pred = null;
        Layout body;
        if (p.block().stmts().isEmpty() && p.block().value() instanceof If i && i.left() instanceof Block inner
                && i.right() instanceof None) {
            predMeta = meta.before(i.cond().begin());
            pred = expr(i.cond(), meta, width, true);
            blockMeta = meta.before(inner.begin());
            body = node(inner, meta, width - 2);
        } else {
            blockMeta = meta.before(p.block().begin());
            body = node(p.block(), meta, width - 2);
        }
        Layout out = new Layout();
        for (Layout ap : points) {
            out.append(ap).lineBreak();
        }
        if (pred != null) {
            out.metadata(predMeta).text("/").append(pred).text("/").lineBreak();
        }
        return out.metadata(blockMeta).text("{").append(body, INDENT).text("}");
    }

    private Layout subprog(Subprog s) {
        Metadata blockMeta = meta.before(s.block().begin());
        Layout returns = node(s.returns(), meta, width - (s.name().length() + 7));
        Layout args = list(s.args(), ", ", meta, width - (s.name().length() + 5), false);
        Layout body = node(s.block(), meta, width - INDENT);
        boolean split = args.lines() > 1 || gt(args.width() + returns.width() + 12, width);
        Layout decl = new Layout().text("fn ").text(s.name()).text("(").append(args, split ? INDENT : 0).text(") : ")
                .append(returns);
        return decl.metadata(blockMeta).lineBreak().text("{").append(body, INDENT).text("}");
    }

    private Layout macro(Macro m) {
        Layout args = list(m.args(), ", ", meta, width - 10, true);
        Metadata blockMeta = meta.before(m.block().begin());
        Layout body = node(m.block(), meta, width - INDENT);
        return new Layout().text("macro ").text(m.name()).text("(").append(args).text(")").metadata(blockMeta, 1)
                .text("{").append(body, INDENT).text("}");
    }

    private Layout script(Script s) {
        Layout out = new Layout();
        if (s.header() != null && !s.header().isEmpty()) {
            out.text(s.header()).lineBreak();
        }
        for (Root item : s.items()) {
            Metadata before = meta.before(item.begin());
            Layout body = node(item, meta, width);
            out.metadata(before, 0).append(new Layout().append(body).lineBreak());
        }
        return out.metadata(meta, 0);
    }
}
