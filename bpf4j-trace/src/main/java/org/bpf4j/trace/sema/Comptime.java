package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.UnOp;

/**
 * Current bpftrace's compile-time conditions, which it folds before and between its type
 * checking rounds (its {@code fold_literals} pass): {@code if comptime COND { A } else { B }}
 * becomes the branch the condition chooses, so that the other is never type-checked nor compiled
 * ({@code if (comptime false) { @a[1] = 1; }} beside a scalar {@code @a}); {@code comptime LITERAL}
 * is the literal; a string literal as a condition ({@code / "str" /}) is true when not empty.
 * Inside {@code comptime}, the comparisons of literals are folded, with the records that
 * {@code typeinfo(EXPR)} becomes once the types settle ({@link TypeInfos}):
 * {@code typeinfo($x).full_type == "int64"}, {@code typeinfo($x) != typeinfo(1)}.
 * A condition that needs the types ({@code comptime is_scalar(@a)}) is decided by the type checker
 * ({@link Statements}), which checks only the branch it takes and then has it pruned here.
 */
final class Comptime {
    private Comptime() {}

    /** The program with its literal compile-time conditions folded and their branches chosen. */
    static Program fold(Program program) {
        return rewrite(program, new Folder(null));
    }

    /** The program with the {@code if comptime} statements the type checker decided replaced by their branch. */
    static Program prune(Program program, IdentityHashMap<Stmt.If, Boolean> choices) {
        return rewrite(program, new Folder(choices));
    }

    private static Program rewrite(Program program, Folder f) {
        List<Probe> probes = new ArrayList<>();
        for (Probe p : program.probes()) {
            probes.add(new Probe(p.attachPoints(), p.predicate().map(f::condition), f.stmts(p.body()), p.span(), p.predicateSpan()));
        }
        List<Subprog> subprogs = new ArrayList<>();
        for (Subprog fn : program.subprogs()) {
            subprogs.add(fn.withBody(f.stmts(fn.body())));
        }
        return program.withProbes(probes).withSubprogs(subprogs);
    }

    /** Whether {@code c} is a {@code comptime EXPR} (parsed as a call). */
    static boolean isComptime(Expr e) {
        return e instanceof Expr.Call c && c.name().equals("comptime") && c.args().size() == 1;
    }

    private static final class Folder extends AstRewriter {
        private final IdentityHashMap<Stmt.If, Boolean> choices;

        Folder(IdentityHashMap<Stmt.If, Boolean> choices) {
            this.choices = choices;
        }

        /** A condition: a string literal is true when not empty. */
        Expr condition(Expr e) {
            Expr r = expr(e);
            return r instanceof Expr.StrLit s ? new Expr.BoolLit(!s.value().isEmpty(), s.span()) : r;
        }

        @Override
        public List<Stmt> stmts(List<Stmt> ss) {
            List<Stmt> out = new ArrayList<>();
            for (Stmt s : ss) {
                if (s instanceof Stmt.If i && isComptime(i.cond())) {
                    Boolean chosen = choices != null ? choices.get(i) : known(expr(i.cond()));
                    if (chosen != null) {
                        // the branch taken, in place of the if (the other is dropped unchecked)
                        out.addAll(stmts(chosen ? i.then() : i.otherwise()));
                        continue;
                    }
                }
                out.add(stmt(s));
            }
            return out;
        }

        @Override
        public Stmt stmt(Stmt s) {
            if (s instanceof Stmt.If i) {
                return new Stmt.If(condition(i.cond()), stmts(i.then()), stmts(i.otherwise()), i.span());
            }
            return super.stmt(s);
        }

        @Override
        public Expr expr(Expr e) {
            if (e instanceof Expr.Ternary t && isComptime(t.cond()) && choices == null) {
                Boolean chosen = known(expr(t.cond()));
                if (chosen != null) {
                    return expr(chosen ? t.then() : t.otherwise());
                }
            }
            return super.expr(e);
        }

        @Override
        public Expr call(Expr.Call c) {
            if (isComptime(c) && choices == null) {
                Expr operand = foldLiterals(expr(c.args().getFirst()));
                if (isLiteral(operand)) {
                    return operand; // comptime of a literal is the literal
                }
                return new Expr.Call(c.name(), List.of(operand), c.span(), c.expandedFrom());
            }
            return super.call(c);
        }
    }

    /** The truth of a folded {@code comptime} condition when it is a literal, else null. */
    private static Boolean known(Expr cond) {
        return switch (cond) {
            case Expr.BoolLit b -> b.value();
            case Expr.IntLit i -> i.value() != 0;
            case Expr.StrLit s -> !s.value().isEmpty();
            default -> null;
        };
    }

    private static boolean isLiteral(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> true;
            case Expr.BoolLit b -> true;
            case Expr.StrLit s -> true;
            case Expr.Tuple t -> t.elements().stream().allMatch(Comptime::isLiteral);
            case Expr.Cast c -> c.operand() instanceof Expr.IntLit; // typeinfo's (uint64)0
            default -> false;
        };
    }

    /**
     * The comparisons and logic over literals folded, bottom up: fields of literal records,
     * {@code ==}/{@code !=} of strings, booleans and records, {@code !}, {@code &&}, {@code ||}
     * (integer arithmetic is left to the type checker's {@link ConstantFolding}).
     */
    private static Expr foldLiterals(Expr e) {
        return switch (e) {
            case Expr.Field f when !f.arrow() && foldLiterals(f.base()) instanceof Expr.Tuple t && isLiteral(t)
                    && t.names().contains(f.field()) -> t.elements().get(t.names().indexOf(f.field()));
            case Expr.TupleIndex ti when foldLiterals(ti.base()) instanceof Expr.Tuple t && isLiteral(t)
                    && ti.index() >= 0 && ti.index() < t.elements().size() -> t.elements().get(ti.index());
            case Expr.Unary u when u.op() == UnOp.LNOT && known(foldLiterals(u.operand())) instanceof Boolean b
                    && !(foldLiterals(u.operand()) instanceof Expr.IntLit) -> new Expr.BoolLit(!b, u.span());
            case Expr.Binary b when b.op() == BinOp.EQ || b.op() == BinOp.NE -> {
                Expr l = foldLiterals(b.left());
                Expr r = foldLiterals(b.right());
                Boolean same = equal(l, r);
                yield same == null ? new Expr.Binary(b.op(), l, r, b.span(), b.opSpan())
                        : new Expr.BoolLit(same == (b.op() == BinOp.EQ), b.span());
            }
            case Expr.Binary b when b.op() == BinOp.LAND || b.op() == BinOp.LOR -> {
                Expr l = foldLiterals(b.left());
                Expr r = foldLiterals(b.right());
                Boolean lv = l instanceof Expr.BoolLit || l instanceof Expr.StrLit ? known(l) : null;
                Boolean rv = r instanceof Expr.BoolLit || r instanceof Expr.StrLit ? known(r) : null;
                if (lv != null && rv != null) {
                    yield new Expr.BoolLit(b.op() == BinOp.LAND ? lv && rv : lv || rv, b.span());
                }
                yield new Expr.Binary(b.op(), l, r, b.span(), b.opSpan());
            }
            default -> e;
        };
    }

    /**
     * Whether two literals are equal: strings by their text, booleans, records element by
     * element (with the same names); null when either is not such a literal (integers are the
     * type checker's).
     */
    private static Boolean equal(Expr l, Expr r) {
        if (l instanceof Expr.StrLit a && r instanceof Expr.StrLit b) {
            return a.value().equals(b.value());
        }
        if (l instanceof Expr.BoolLit a && r instanceof Expr.BoolLit b) {
            return a.value() == b.value();
        }
        if (l instanceof Expr.Tuple a && r instanceof Expr.Tuple b && isLiteral(a) && isLiteral(b)) {
            if (a.elements().size() != b.elements().size() || !a.names().equals(b.names())) {
                return null;
            }
            for (int k = 0; k < a.elements().size(); k++) {
                Boolean same = equal(a.elements().get(k), b.elements().get(k));
                if (same == null) {
                    Long x = intValue(a.elements().get(k));
                    Long y = intValue(b.elements().get(k));
                    if (x == null || y == null) {
                        return null;
                    }
                    same = Objects.equals(x, y);
                }
                if (!same) {
                    return false;
                }
            }
            return true;
        }
        return null;
    }

    private static Long intValue(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> i.value();
            case Expr.Cast c when c.operand() instanceof Expr.IntLit i -> i.value();
            default -> null;
        };
    }
}
