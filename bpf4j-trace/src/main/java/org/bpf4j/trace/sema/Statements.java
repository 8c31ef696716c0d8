package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.TypeName;

/**
 * The type checker's statements and scratch variables ({@code $x}): what each statement requires of
 * its expressions, and the type each variable of a probe takes from its assignments.
 */
final class Statements {
    private final SemanticAnalyser sa;
    private final IdentityHashMap<Probe, Map<String, Type>> variables = new IdentityHashMap<>();
    private Map<String, Type> vars;
    private int loops;
    /** How many {@code for} loops enclose the statement being checked (their bodies run as callbacks). */
    private int forLoops;
    /** How many branches that a known condition skips enclose the statement being checked. */
    private int unreached;
    /** Variables whose value had an error: their uses are not reported again. */
    private final Set<String> poisoned = new HashSet<>();
    /** The poisoned variables assigned a value without a type (unknown identifier, untyped variable). */
    private final Set<String> unresolved = new HashSet<>();
    /** Variables of the current probe that hold a pointer to a kernel struct ({@code $t = curtask}), by BTF id. */
    private final Map<String, Integer> varPointees = new HashMap<>();
    /**
     * Variables declared by {@code let $a;} without a type, in the probe being checked; their type
     * is their first assignment's, kept across passes in {@link #letTypes} (current bpftrace).
     */
    private final Set<String> untypedLets = new HashSet<>();
    /**
     * The types of the variables declared with one ({@code let $a: uint8}) in the probe being
     * checked: as current bpftrace, every assignment is cast to it, and must fit.
     */
    private final Map<String, Type> declaredTypes = new HashMap<>();
    /** The variables read and written in the probe being checked. */
    private final List<Expr.Var> varUses = new ArrayList<>();
    private final IdentityHashMap<Probe, Map<String, Type>> letTypes = new IdentityHashMap<>();
    /** The variables' types at the end of the previous pass, by probe: integers promoted by later assignments. */
    private final IdentityHashMap<Probe, Map<String, Type>> finalVars = new IdentityHashMap<>();
    private Probe probe;

    Statements(SemanticAnalyser sa) {
        this.sa = sa;
    }

    /** Whether the statement being checked is in the body of a {@code for} loop. */
    boolean inForLoop() {
        return forLoops > 0;
    }

    /** Whether the statement being checked is in a branch that a known condition skips. */
    boolean unreached() {
        return unreached > 0;
    }

    /** The variables of each probe with their types. */
    IdentityHashMap<Probe, Map<String, Type>> variables() {
        return variables;
    }

    /** Keeps a string in a hidden variable of the probe (see {@link TypedProgram#castStorage}). */
    void keep(String name, Type.Str t) {
        if (!(vars.get(name) instanceof Type.Str old) || old.size() < t.size()) {
            vars.put(name, t);
        }
    }

    /** Checks a probe's body (its variables start empty). */
    void probe(Probe p) {
        probe = p;
        vars = new LinkedHashMap<>();
        varPointees.clear();
        poisoned.clear();
        unresolved.clear();
        untypedLets.clear();
        declaredTypes.clear();
        variables.put(p, vars);
    }

    /**
     * Ends a probe: a string, tuple or integer variable takes its widest assignment's type; every
     * use reads it so (("hi", 1) printed after ("hellolongstr", 2) is stored in the wider layout; as
     * current bpftrace, $x = 1 and $x = 1000 make $x an int16 everywhere). When a variable's type
     * grew, the analyser makes another pass (uses before the wider assignment take it).
     */
    void endProbe() {
        for (Expr.Var v : varUses) {
            Type last = vars.get(v.name());
            if (last instanceof Type.Tuple || last instanceof Type.Str || last instanceof Type.Buf
                    || last instanceof Type.Int li && !li.isPointer()) {
                sa.types.put(v, last);
            }
        }
        varUses.clear();
        if (!vars.equals(finalVars.put(probe, Map.copyOf(vars)))) {
            sa.changed();
        }
    }

    /** Whether {@code v} is declared ({@code let $v;}) and never given a type. */
    boolean untyped(Expr.Var v) {
        return vars.get(v.name()) == null && untypedLets.contains(v.name());
    }

    /** The type of a variable read in an expression. */
    Type read(Expr.Var v) {
        Type t = vars.get(v.name());
        if (t == null) {
            if (untypedLets.contains(v.name()) && !sa.finalPass()) {
                return Type.NONE; // typed by an assignment further on (next pass)
            }
            if (untypedLets.contains(v.name())) {
                sa.untypedError(v.span(), "Could not resolve the type of this variable");
                return Type.NONE;
            }
            if (unresolved.contains(v.name())) {
                // assigned a value without a type: current bpftrace's error at each use
                sa.untypedError(v.span(), "Could not resolve the type of this variable");
                sa.failed.add(v);
            } else if (poisoned.contains(v.name())) {
                sa.failed.add(v);
            } else {
                sa.error(v.span(), "Undefined or undeclared variable: " + v.name());
            }
            return Type.NONE;
        }
        varUses.add(v);
        Integer sid = varPointees.get(v.name());
        if (sid != null) {
            sa.pointees.put(v, sid);
        }
        sa.enums.readVar(v);
        return t;
    }

    void block(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            stmt(s);
        }
    }

    void stmt(Stmt s) {
        switch (s) {
            case Stmt.ExprStmt e -> {
                if (e.expr() instanceof Expr.Call c && Builtins.AGGREGATIONS.containsKey(c.name())) {
                    sa.error(c.span(), c.name() + "() must be assigned directly to a map");
                    return;
                }
                Type t = sa.type(e.expr());
                // current bpftrace's TypeChecker: an expression statement whose value is neither none
                // nor void, unless it is ++ or --; not "_ = expr", which discards it on purpose. Not
                // once an error has been reported: bpftrace's earlier passes stop it before its type
                // checker, and an error in the statement leaves it without a type
                if (!(t instanceof Type.None) && !(e.expr() instanceof Expr.IncDec) && !e.discardsValue()
                        && !sa.errorsReported()) {
                    sa.warning(e.span(), "Return value discarded.");
                }
            }
            case Stmt.AssignVar a -> assignVar(a);
            case Stmt.AssignMap a -> assignMap(a);
            case Stmt.If i when Comptime.isComptime(i.cond()) -> {
                // current bpftrace: only the branch the condition chooses is checked (and compiled,
                // once Comptime prunes the other); neither while the condition is not known yet
                sa.type(i.cond());
                Long known = ConstantFolding.value(sa, i.cond());
                if (known != null) {
                    sa.comptimeChoices.put(i, known != 0);
                    block(known != 0 ? i.then() : i.otherwise());
                } else {
                    sa.comptimeChoices.remove(i);
                }
            }
            case Stmt.If i -> {
                Type t = sa.type(i.cond());
                if (!(t instanceof Type.Int)) {
                    sa.error(i.cond().span(), "Invalid condition in if(): " + SemanticAnalyser.kindName(t));
                }
                // a branch the known condition skips is checked, but fail() there is no error
                Long known = ConstantFolding.value(sa, i.cond());
                unreached += known != null && known == 0 ? 1 : 0;
                block(i.then());
                unreached -= known != null && known == 0 ? 1 : 0;
                unreached += known != null && known != 0 ? 1 : 0;
                block(i.otherwise());
                unreached -= known != null && known != 0 ? 1 : 0;
            }
            case Stmt.While w -> {
                Type t = sa.type(w.cond());
                if (!(t instanceof Type.Int)) {
                    sa.error(w.cond().span(), "Invalid condition in while(): " + SemanticAnalyser.kindName(t));
                }
                loops++;
                block(w.body());
                loops--;
            }
            case Stmt.Unroll u -> {
                Span head = new Span(u.span().begin(), u.count().span().end() + 1);
                // a positional parameter not given is 0, as current bpftrace folds it before this check
                Long n = u.count() instanceof Expr.Param p && p.number() >= 1 && (p.number() > sa.params().size()
                        || sa.params().get(p.number() - 1).isEmpty()) ? Long.valueOf(0) : sa.constantOf(u.count());
                if (n == null) {
                    sa.error(head, "invalid unroll value");
                } else if (n > 100) {
                    sa.error(head, "unroll maximum value is 100");
                } else if (n < 1) {
                    sa.error(head, "unroll minimum value is 1");
                }
                block(u.body());
            }
            case Stmt.ForMap f -> {
                MapInfo m = sa.maps.get(f.map().name());
                if (m == null) {
                    sa.error(f.map().span(), "Undefined map: " + f.map().name());
                    loops++;
                    forLoops++;
                    block(f.body());
                    forLoops--;
                    loops--;
                    return;
                }
                if (m.keys().isEmpty()) {
                    sa.error(f.map().span(), f.map().name() + " has no explicit keys (scalar map), and cannot be used "
                            + "for iteration");
                }
                Type key = m.keys().size() == 1 ? m.keys().getFirst() : new Type.Tuple(m.keys());
                Type value = SemanticAnalyser.readType(m.value());
                if (value == null) {
                    sa.error(f.map().span(), "Loop expression does not support type: " + m.value().display());
                    value = Type.INT64;
                }
                sa.types.put(f.map(), m.value());
                setVar(f.var(), new Type.Tuple(List.of(key, value)), f.var().span());
                loops++;
                forLoops++;
                block(f.body());
                forLoops--;
                loops--;
            }
            case Stmt.ForRange f -> {
                Type from = sa.type(f.from());
                Type to = sa.type(f.to());
                // current bpftrace: at the range, from the loop's start to the range's end
                Span range = new Span(f.span().begin(), f.to().span().end());
                if (!(from instanceof Type.Int)) {
                    sa.error(range, "Loop range requires an integer for the start value");
                }
                if (!(to instanceof Type.Int)) {
                    sa.error(range, "Loop range requires an integer for the end value");
                }
                // as current bpftrace: the variable has the bounds' type (unsigned when both are)
                boolean unsigned = from instanceof Type.Int fi && to instanceof Type.Int ti && !fi.signed() && !ti.signed()
                        && !fi.isPointer() && !ti.isPointer();
                // (sign-flexible, as a literal's, when both are: for ($i : 0..3) may index an array)
                boolean flexible = from instanceof Type.Int fl && fl.literal() && to instanceof Type.Int tl && tl.literal();
                setVar(f.var(), unsigned ? Type.UINT64 : flexible ? new Type.Int(64, true, null, false, false, null, true)
                        : Type.INT64, f.var().span());
                loops++;
                forLoops++;
                block(f.body());
                forLoops--;
                loops--;
            }
            case Stmt.Jump j -> {
                if (j.kind() != Stmt.JumpKind.RETURN && loops == 0) {
                    // current bpftrace's words (its control-flow pass)
                    sa.error(j.span(), "'" + j.kind().name().toLowerCase(Locale.ROOT)
                            + "' statement is not allowed in a " + (sa.subprogs.inFunction() ? "function" : "probe"));
                }
                if (j.kind() == Stmt.JumpKind.RETURN && sa.subprogs.inFunction()) {
                    sa.subprogs.checkReturn(j);
                } else if (j.value().isPresent()) {
                    Type t = sa.type(j.value().get());
                    if (!(t instanceof Type.Int i) || i.bool() || i.pointee() != null) {
                        sa.error(j.span(), "Probe return values can only be integers. Found " + t.display());
                    }
                }
            }
        }
    }

    /** The names of current bpftrace's map value types, which no variable can be declared as. */
    private static final Set<String> MAP_VALUE_TYPES = Set.of("count_t", "sum_t", "usum_t", "min_t", "umin_t", "max_t",
            "umax_t", "avg_t", "uavg_t", "stats_t", "ustats_t", "hist_t", "lhist_t", "tseries_t");

    /**
     * Where a declaration's type is written ({@code let $a: T}, {@code let $a: T = v}): the type's
     * text as it prints, before the {@code =} or at the end (a text written with other spacing: the
     * whole declaration).
     */
    private static Span typeSpan(Stmt.AssignVar a, TypeName t) {
        int end = a.value().isPresent() ? a.opSpan().begin() - 1 : a.span().end();
        int begin = end - t.toString().length();
        return begin > a.var().span().end() && end <= a.span().end() ? new Span(begin, end) : a.span();
    }

    private void assignVar(Stmt.AssignVar a) {
        Type declared = a.declared().map(t -> {
            Span at = typeSpan(a, t);
            if (t.typeOf() == null && t.pointers() == 0 && MAP_VALUE_TYPES.contains(t.name())) {
                sa.error(at, "Invalid variable declaration type: " + t.name()); // current bpftrace's words
                return Type.NONE;
            }
            return sa.typeOfName(t, at);
        }).orElse(null);
        if (declared != null) {
            declaredTypes.put(a.var().name(), declared);
        } else if (!a.let()) {
            declared = declaredTypes.get(a.var().name()); // a later assignment of a declared variable
        }
        if (a.value().isEmpty()) {
            if (declared != null) {
                setVar(a.var(), declared, a.span());
            } else if (a.let()) {
                untypedLets.add(a.var().name());
                Type later = letTypes.computeIfAbsent(sa.probe(), p -> new HashMap<>()).get(a.var().name());
                if (later != null) {
                    setVar(a.var(), later, a.span());
                } // else never assigned: the parser's scope check warned
            }
            return;
        }
        Expr value = a.value().get();
        if (value instanceof Expr.Call c && Builtins.AGGREGATIONS.containsKey(c.name())) {
            sa.error(c.span(), c.name() + "() must be assigned directly to a map");
            return;
        }
        Type.Agg agg = sa.aggregateRead(value);
        if (agg != null) {
            // a map of hist, lhist, tseries or stats values, as current bpftrace words it
            sa.error(a.span(), "Value '" + agg.display() + "' cannot be assigned to a scratch variable.");
            poisoned.add(a.var().name());
            return;
        }
        int tallyBefore = sa.errorTally();
        int untypedBefore = sa.untypedTally();
        Type t = sa.type(value);
        if (t instanceof Type.None) {
            if (voidCall(value) && sa.errorTally() == tallyBefore) {
                sa.error(a.span(), "Value 'void' cannot be assigned to a scratch variable.");
            } else if (value instanceof Expr.Call c && !Builtins.UNSUPPORTED_FUNCTIONS.contains(c.name())
                    && (c.name().equals("printf") || c.name().equals("print") || c.name().equals("exit")
                    || c.name().equals("time") || c.name().equals("delete") || c.name().equals("clear")
                    || c.name().equals("zero") || sa.program.subprog(c.name()).isPresent())) {
                sa.error(a.span(), "Invalid expression for assignment: " + SemanticAnalyser.kindName(t));
            }
            if (sa.untypedTally() > untypedBefore) {
                // as current bpftrace: a value without a type makes the assignment an error too, and
                // each use of the variable
                sa.error(a.span(), "Invalid expression for assignment");
                unresolved.add(a.var().name());
            }
            if (sa.errorTally() > tallyBefore) {
                poisoned.add(a.var().name()); // its uses would only repeat the error
            }
            return;
        }
        if (declared != null) {
            if (declared.getClass() != t.getClass()) {
                sa.error(a.span(), "Type mismatch for " + a.var().name() + ": trying to assign value of type '"
                        + t.display() + "' when variable already has a type '" + declared.display() + "'");
            } else if (!fits(t, declared)) {
                sa.error(a.span(), "Type mismatch for " + a.var().name() + ": trying to assign value of type '"
                        + t.display() + "' when variable already has a type '" + declared.display() + "'");
            }
            t = declared;
        }
        sa.locks.check(sa, TypeLocks.variable(sa.probeIndex(), a.var().name()), a.var().name(), t, a.span());
        setVar(a.var(), t, a.span()); // a mismatch underlines the assignment, as current bpftrace
        if (sa.finalPass()) {
            Type held = declared != null ? declared : vars.get(a.var().name());
            IntTypes.warnImplicitCast(sa, value, sa.types.get(value), held);
        }
        Type.Int misfit = sa.finalPass() ? LiteralFolding.misfit(sa, value, declared != null ? declared
                : vars.get(a.var().name())) : null;
        if (misfit != null) {
            sa.error(a.span(), "Type mismatch for " + a.var().name() + ": trying to assign value of type '"
                    + misfit.display() + "' when variable already has a type '" + vars.get(a.var().name()).display()
                    + "'");
        }
        if (untypedLets.contains(a.var().name())) {
            Type now = vars.get(a.var().name());
            if (!now.equals(letTypes.computeIfAbsent(sa.probe(), p -> new HashMap<>()).put(a.var().name(), now))) {
                sa.changed(); // the declaration (and uses before this assignment) take this type
            }
        }
        sa.enums.assignVar(a.var().name(), value);
        sa.types.put(a.var(), vars.get(a.var().name()));
        Integer sid = sa.pointees.get(value);
        if (sid != null) {
            varPointees.put(a.var().name(), sid);
        } else {
            varPointees.remove(a.var().name());
        }
    }

    void setVar(Expr.Var v, Type t, Span span) {
        Type old = vars.get(v.name());
        Type before = finalVars.getOrDefault(probe, Map.of()).get(v.name());
        if (old == null && before instanceof Type.Int b && t instanceof Type.Int n) {
            // as current bpftrace, a variable has one type, that of all its assignments (the last pass's)
            vars.put(v.name(), IntTypes.promote(b, n));
        } else if (old == null && before != null && widerOf(before, t) != null) {
            // the same for strings, buffers and tuples: uses before a later, wider assignment read
            // the variable in its final layout, so a field of it ($a.1.b.y) has its final type and
            // offset (before: the first assignment's, while the variable was stored in the final one)
            vars.put(v.name(), widerOf(before, t));
        } else if (old == null) {
            vars.put(v.name(), t);
        } else if (old instanceof Type.Int oi && t instanceof Type.Int ni && oi.pointee() instanceof Type.StructRef os
                && ni.pointee() instanceof Type.StructRef ns && !os.name().equals(ns.name())) {
            // current bpftrace: a variable points to one struct ((struct type1 *) then (struct type2 *))
            sa.error(span, "Type mismatch for " + v.name() + ": trying to assign value of type '" + t.display()
                    + "' when variable already has a type '" + old.display() + "'");
        } else if (old instanceof Type.Int oi && t instanceof Type.Int ni) {
            vars.put(v.name(), IntTypes.promote(oi, ni));
        } else if (old instanceof Type.Str os && t instanceof Type.Str ns) {
            if (ns.size() > os.size()) {
                vars.put(v.name(), ns);
            }
        } else if (old instanceof Type.Buf ob && t instanceof Type.Buf nb) {
            vars.put(v.name(), SemanticAnalyser.longer(ob, nb)); // the longest buffer assigned
        } else if (old instanceof Type.Tuple ot && t instanceof Type.Tuple nt) {
            Type u = SemanticAnalyser.unify(ot, nt);
            if (u == null) {
                sa.error(span, "Type mismatch for " + v.name() + ": trying to assign value of type '" + nt.display()
                        + "' when variable already has a type '" + ot.display() + "'");
            } else {
                vars.put(v.name(), u);
            }
        } else if (old.getClass() != t.getClass() || (old instanceof Type.Record || old instanceof Type.StructRef)
                && !old.display().equals(t.display())) { // a struct value of another struct too
            sa.error(span, "Type mismatch for " + v.name() + ": trying to assign value of type '" + t.display()
                    + "' when variable already has a type '" + old.display() + "'");
        }
        sa.types.put(v, vars.get(v.name()));
    }

    /**
     * The type a variable of the previous pass's type {@code before} takes when assigned a {@code t}
     * (the wider string or buffer, the tuple widened element by element), or null if they are not
     * strings, buffers or tuples of the same shape.
     */
    private static Type widerOf(Type before, Type t) {
        if (before instanceof Type.Buf b && t instanceof Type.Buf n) {
            return SemanticAnalyser.longer(b, n);
        }
        if (before instanceof Type.Str && t instanceof Type.Str || before instanceof Type.Tuple && t instanceof Type.Tuple) {
            return SemanticAnalyser.unify(before, t);
        }
        return null;
    }

    /**
     * Whether a value of type {@code t} can be cast to a variable's declared type {@code declared}
     * of the same kind, as current bpftrace's casts allow: a string no longer than the declared
     * one, tuples element by element (integers of any width; a literal that does not fit is
     * checked where it is assigned).
     */
    private static boolean fits(Type t, Type declared) {
        if (t instanceof Type.Str s && declared instanceof Type.Str d) {
            return s.size() <= d.size();
        }
        if (t instanceof Type.Tuple x && declared instanceof Type.Tuple d) {
            if (x.elements().size() != d.elements().size()) {
                return false;
            }
            for (int i = 0; i < x.elements().size(); i++) {
                Type e = x.elements().get(i);
                Type de = d.elements().get(i);
                if (e.getClass() != de.getClass() || !fits(e, de)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The functions that current bpftrace types {@code void}: their calls have no value. */
    private static final Set<String> VOID_FUNCTIONS = Set.of("printf", "print", "exit", "time", "clear", "zero",
            "cat", "join", "debugf", "errorf", "warnf", "system", "signal", "unwatch");

    /** Whether {@code e} calls a function of {@link #VOID_FUNCTIONS}. */
    private static boolean voidCall(Expr e) {
        return e instanceof Expr.Call c && VOID_FUNCTIONS.contains(c.name());
    }

    /**
     * Checks {@code @x = @y} of a map {@code @y} of aggregations, as current bpftrace: a count, sum,
     * min, max or avg is copied as its integer value only into a map that other statements assign
     * integers; other aggregations never. False if the value is not to be typed further (an
     * aggregation that has no integer value; the error was reported).
     */
    private boolean aggregateCopy(Stmt.AssignMap a, Expr.MapRef src, Type.Agg agg) {
        boolean integer = SemanticAnalyser.readType(agg) instanceof Type.Int;
        if (integer && sa.integerMaps.contains(a.map().name())) {
            return true;
        }
        String call = switch (agg.kind()) {
            case COUNT -> "count()";
            case SUM, MIN, MAX, AVG, HIST -> agg.kind().name().toLowerCase(Locale.ROOT) + "(retval)";
            case LHIST -> "lhist(rand %10, 0, 10, 1)";
            case TSERIES -> "tseries(rand %10, 10s, 1)";
            case STATS -> "stats(arg2)";
        };
        sa.error(a.span(), "Map value '" + agg.display() + "' cannot be assigned from one map to another. The function "
                + "that returns this type must be called directly e.g. `" + a.map().name() + " = " + call + ";`.");
        if (integer) {
            sa.hint("Add a cast to integer if you want the value of the aggregate, e.g. `" + a.map().name()
                    + " = (int64)" + src.name() + ";`.");
        }
        return integer;
    }

    private void assignMap(Stmt.AssignMap a) {
        List<Type> keys = sa.mapKeys(a.map());
        Type value;
        Type shown; // the value's type as current bpftrace names it (an integer not widened)
        if (a.value() instanceof Expr.Call c && Builtins.AGGREGATIONS.containsKey(c.name())) {
            value = sa.aggregationTypes.aggregation(c);
            sa.types.put(c, value);
            shown = value;
        } else {
            if (a.value() instanceof Expr.MapRef src && sa.map(src.name()) != null
                    && sa.map(src.name()).value() instanceof Type.Agg agg && !aggregateCopy(a, src, agg)) {
                return;
            }
            int tallyBefore = sa.errorTally();
            value = sa.type(a.value());
            if (value instanceof Type.None && voidCall(a.value()) && sa.errorTally() == tallyBefore) {
                sa.error(a.span(), "Value 'void' cannot be assigned to a map.");
                return;
            }
            if (value instanceof Type.Int && !(a.value() instanceof Expr.MapRef src
                    && sa.map(src.name()) != null && sa.map(src.name()).value() instanceof Type.Agg)) {
                sa.integerMaps.add(a.map().name());
            }
            if (value instanceof Type.None) {
                if (!(a.value() instanceof Expr.Field) && !sa.failed(a.value())) { // its own error was reported
                    sa.error(a.span(), "Invalid expression for assignment: " + SemanticAnalyser.kindName(value));
                }
                return;
            }
            sa.locks.check(sa, TypeLocks.mapValue(a.map().name()), a.map().name(), value, a.span());
            shown = value; // current bpftrace: the map keeps the integer's width and sign (int8 for @x = 1)
        }
        sa.locks.checkKeys(sa, a.map(), keys);
        // current bpftrace reports a mismatch at the aggregation's call, else at the assignment
        sa.declareMap(a.map(), keys, value, value instanceof Type.Agg ? a.value().span() : a.span(), shown);
        Type stored = sa.maps.get(a.map().name()).value();
        if (sa.finalPass() && !(value instanceof Type.Agg)) {
            IntTypes.warnImplicitCast(sa, a.value(), shown, stored);
        }
        Type.Int misfit = sa.finalPass() ? LiteralFolding.misfit(sa, a.value(), stored) : null;
        if (misfit != null) {
            sa.error(a.span(), "Type mismatch for " + a.map().name() + ": trying to assign value of type '"
                    + misfit.display() + "' when map already has a value type '" + stored.display() + "'");
        }
        sa.literalKeys(a.map());
        sa.enums.assignMap(a.map().name(), a.value());
        sa.types.put(a.map(), sa.maps.get(a.map().name()).value());
    }
}
