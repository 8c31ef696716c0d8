package org.bpf4j.trace.sema;

import java.util.Objects;
import java.util.Set;
import org.bpf4j.trace.ast.Expr;

/**
 * Type rules of the aggregation functions assigned to maps ({@code count}, {@code sum}, {@code min},
 * {@code max}, {@code avg}, {@code stats}, {@code hist}, {@code lhist}, {@code tseries}), for
 * {@link SemanticAnalyser}: their arguments, the literal parameters kept in the map's {@link Type.Agg},
 * and bpftrace's messages.
 */
final class AggregationTypes {
    /** The reductions of {@code tseries(n, interval, count, "agg")}. */
    private static final Set<String> SERIES_REDUCTIONS = Set.of("avg", "max", "min", "sum");

    private final SemanticAnalyser a;
    private final Calls calls;

    AggregationTypes(SemanticAnalyser a, Calls calls) {
        this.a = a;
        this.calls = calls;
    }

    /** The value type of an aggregation assigned to a map. */
    Type aggregation(Expr.Call c) {
        Type.AggKind kind = Builtins.AGGREGATIONS.get(c.name());
        for (Expr x : c.args()) {
            a.type(x);
        }
        switch (kind) {
            case COUNT -> {
                calls.nargs(c, 0);
                return new Type.Agg(kind, false, 0, 0, 0);
            }
            case SUM, MIN, MAX, AVG, STATS -> {
                if (!calls.nargs(c, 1)) {
                    return new Type.Agg(kind, true, 0, 0, 0);
                }
                Type.Int i = intArgument(c);
                boolean signed = i == null || i.signed();
                return new Type.Agg(kind, signed, 0, 0, 0);
            }
            case HIST -> {
                if (!calls.nargsBetween(c, 1, 2)) {
                    return new Type.Agg(kind, false, 0, 0, 0);
                }
                intArgument(c);
                int bits = 0;
                if (c.args().size() == 2) {
                    Long b = literal(c.args().get(1));
                    if (b == null) {
                        // current bpftrace's type checker's words for an argument that must be a literal
                        Type t = a.type(c.args().get(1));
                        a.error(c.span(), "hist() expects a int literal (" + (t instanceof Type.Int ? "int"
                                : SemanticAnalyser.kindName(t)) + " provided)");
                    } else if (b < 0 || b > 5) {
                        a.error(c.span(), "hist: bits " + b + " must be 0..5");
                    } else {
                        bits = b.intValue();
                    }
                }
                return new Type.Agg(kind, false, 0, 0, 0, bits, null);
            }
            case LHIST -> {
                return linear(c, kind);
            }
            case TSERIES -> {
                a.unstableTseries(c.span());
                return series(c);
            }
        }
        throw new IllegalStateException();
    }

    /** The type of the first argument if it is an integer; else an error and null. */
    private Type.Int intArgument(Expr.Call c) {
        Type t = a.type(c.args().getFirst());
        if (t instanceof Type.Int i) {
            return i;
        }
        a.error(c.span(), c.name() + "() only supports integer arguments (" + SemanticAnalyser.kindName(t)
                + " provided)");
        return null;
    }

    private Type linear(Expr.Call c, Type.AggKind kind) {
        if (!calls.nargs(c, 4)) {
            return new Type.Agg(kind, false, 0, 1, 1);
        }
        Type t = a.type(c.args().getFirst());
        if (!(t instanceof Type.Int)) {
            a.error(c.span(), "lhist() only supports integer arguments (" + SemanticAnalyser.kindName(t)
                    + " provided)");
        }
        Long min = literal(c.args().get(1));
        Long max = literal(c.args().get(2));
        Long step = literal(c.args().get(3));
        // as current bpftrace: a negative number is not a (non-negative) integer literal
        if (min == null || min < 0) {
            a.error(c.span(), "lhist: invalid min value (must be non-negative literal)");
            return new Type.Agg(kind, false, 0, 1, 1);
        }
        if (max == null || max < 0) {
            a.error(c.span(), "lhist: invalid max value (must be non-negative literal)");
            return new Type.Agg(kind, false, 0, 1, 1);
        }
        if (step == null || step < 0) {
            a.error(c.span(), "lhist: invalid step value");
            return new Type.Agg(kind, false, 0, 1, 1);
        }
        // current bpftrace's checks, each reported
        if (step < 1) {
            a.error(c.span(), "lhist() step must be >= 1 (" + step + " provided)");
        } else if ((max - min) / step > 1000) {
            a.error(c.span(), "lhist() too many buckets, must be <= 1000 (would need " + (max - min) / step + ")");
        }
        if (min > max) {
            a.error(c.span(), "lhist() min must be less than max (provided min " + min + " and max " + max + ")");
        }
        if ((max - min) < step) {
            a.error(c.span(), "lhist() step is too large for the given range (provided step " + step
                    + " for range " + (max - min) + ")");
        }
        return new Type.Agg(kind, false, min, max, Math.max(1, step));
    }

    /** {@code tseries(n, interval_ns, num_intervals[, "avg"|"max"|"min"|"sum"])}. */
    private Type series(Expr.Call c) {
        Type.Agg fallback = new Type.Agg(Type.AggKind.TSERIES, true, 0, 0, 0, 0, new Type.Series(1, 1, ""));
        if (!calls.nargsBetween(c, 3, 4)) {
            return fallback;
        }
        Type.Int value = intArgument(c);
        Long interval = literal(c.args().get(1));
        Long intervals = literal(c.args().get(2));
        if (interval == null || interval < 0) {
            a.error(c.span(), "tseries: invalid interval_ns value (must be non-negative literal)");
            return fallback;
        }
        if (intervals == null || intervals < 0) {
            a.error(c.span(), "tseries: invalid num_intervals value (must be non-negative literal)");
            return fallback;
        }
        if (interval <= 0) {
            a.error(c.span(), "tseries() interval_ns must be >= 1 (" + interval + " provided)");
            return fallback;
        }
        if (intervals <= 0) {
            a.error(c.span(), "tseries() num_intervals must be >= 1 (" + intervals + " provided)");
            return fallback;
        }
        if (intervals > 1_000_000) {
            a.error(c.span(), "tseries() num_intervals must be < 1000000 (" + intervals + " provided)");
            return fallback;
        }
        String reduce = "";
        if (c.args().size() == 4) {
            if (!(c.args().get(3) instanceof Expr.StrLit s)) {
                a.error(c.span(), "tseries() only supports a string literal as the aggregation function");
                return fallback;
            }
            if (!SERIES_REDUCTIONS.contains(s.value())) {
                a.error(c.span(), "tseries() expects one of the following aggregation functions: avg, max, min, sum (\""
                        + s.value() + "\" provided)");
                return fallback;
            }
            reduce = s.value();
        }
        boolean signed = value == null || value.signed();
        return new Type.Agg(Type.AggKind.TSERIES, signed, 0, 0, 0, 0, new Type.Series(interval, intervals, reduce));
    }

    /**
     * bpftrace's message when a map gets aggregations of the same kind with other literal parameters
     * (lhist bounds, hist bits, tseries intervals), or null when they agree.
     */
    static String parametersDiffer(Type.Agg old, Type.Agg next) {
        if (old.kind() != next.kind()) {
            return null;
        }
        return switch (old.kind()) {
            case LHIST -> old.lhistMin() != next.lhistMin() || old.lhistMax() != next.lhistMax()
                    || old.lhistStep() != next.lhistStep() ? "Different lhist bounds in a single map unsupported" : null;
            case HIST -> old.bits() != next.bits() ? "Different bits in a single hist unsupported" : null;
            case TSERIES -> !Objects.equals(old.series(), next.series())
                    ? "Different tseries bounds in a single map unsupported" : null;
            default -> null;
        };
    }

    /** The value of an integer literal, or of a positional parameter given as a number (as bpftrace); else null. */
    private Long literal(Expr e) {
        if (e instanceof Expr.Param p && p.number() >= 1 && p.number() <= a.params().size()) {
            return SemanticAnalyser.parseParam(a.params().get(p.number() - 1));
        }
        return e instanceof Expr.IntLit i ? i.value() : null;
    }
}
