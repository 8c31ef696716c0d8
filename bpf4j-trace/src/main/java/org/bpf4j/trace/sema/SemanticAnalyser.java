package org.bpf4j.trace.sema;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.Resolved;

/**
 * The type checker. Like bpftrace's semantic analyser it makes passes over the whole program until
 * the map types stop changing (a map may be read in one probe before the probe that assigns it),
 * then a final pass that reports errors, in bpftrace's words, all at once.
 */
public final class SemanticAnalyser {
    private final Diagnostics diags;
    private final List<String> params;
    IdentityHashMap<Expr, Type> types = new IdentityHashMap<>();
    final TreeMap<String, MapInfo> maps = new TreeMap<>();
    private Probe probe;
    /** The program being typed (its imported C functions are callable). */
    Program program;
    private boolean finalPass;
    private boolean changed;
    private final Calls calls;
    final AggregationTypes aggregationTypes;
    final Statements statements = new Statements(this);
    /** The script's functions ({@code fn}). */
    final Subprogs subprogs = new Subprogs(this);
    final BuiltinTypes builtins;
    private final Operators operators;
    final ProbeArgs probeArgs;
    private final boolean unsafe;
    private final Settings settings;
    final boolean child;
    final KernelTypes kernel;
    final IdentityHashMap<Expr, Integer> pointees = new IdentityHashMap<>();
    final IdentityHashMap<Expr, KernelField> kernelFields = new IdentityHashMap<>();
    final IdentityHashMap<Expr, Long> constants = new IdentityHashMap<>();
    /** The operand types of the {@code typeinfo(EXPR)} calls (see {@link TypeInfos}). */
    final IdentityHashMap<Expr.Call, Type> typeinfos = new IdentityHashMap<>();
    /** What each {@code typeinfo(EXPR)} call locks once its record is put in (see {@link TypeLocks}), by call. */
    final IdentityHashMap<Expr.Call, String> typeinfoLocks = new IdentityHashMap<>();
    /** The types earlier rounds' {@code typeinfo} calls were resolved with, which assignments may not change. */
    TypeLocks locks = new TypeLocks();
    /** The branch each {@code if comptime} whose condition needed the types takes (see {@link Comptime}). */
    final IdentityHashMap<Stmt.If, Boolean> comptimeChoices = new IdentityHashMap<>();
    /** Builtins the code generator compiles as another expression ({@code ppid}: {@code curtask->real_parent->tgid}). */
    final IdentityHashMap<Expr, Expr> rewrites = new IdentityHashMap<>();
    /** The script's options ({@code --name=value} after {@code --}) that {@code getopt} declares and reads. */
    ProgramOptions options = new ProgramOptions(this, Map.of());
    final KernelStructs structs = new KernelStructs(this);
    private final MapTyping mapTyping = new MapTyping(this);
    /** Written type names and casts to them. */
    private final WrittenTypes writtenTypes = new WrittenTypes(this);
    /** Values of enum types (printed by name with %s and print()). */
    final EnumSymbols enums;
    private int errorTally;
    /**
     * The {@code *p} being typed as the base of a field ({@code (*p).f}), which a struct too large to
     * be a value may be: only the field is read.
     */
    Expr.Unary fieldOfDeref;
    /** Fields whose value is a struct embedded in another ({@code curtask->se}), by BTF id. */
    final IdentityHashMap<Expr, Integer> embedded = new IdentityHashMap<>();
    /** Arrays (of arrays) of structs that lie in memory ({@code $c->w}), by the BTF id of the struct. */
    final IdentityHashMap<Expr, Integer> elementStructs = new IdentityHashMap<>();
    /**
     * Maps that some statement assigns an integer that is not another map's aggregation (an
     * aggregation may be copied only into such a map, as current bpftrace).
     */
    final Set<String> integerMaps = new HashSet<>();
    /** Expressions whose error was reported (errors that would follow from them are not). */
    final Set<Expr> failed = Collections.newSetFromMap(new IdentityHashMap<>());

    private SemanticAnalyser(Diagnostics diags, List<String> params, AttachPoints.Expansion expansion,
            boolean unsafe, boolean child, KernelTypes kernel, Settings settings) {
        this.settings = settings;
        this.kernel = kernel;
        this.enums = new EnumSymbols(kernel);
        this.child = child;
        this.diags = diags;
        this.params = params;
        this.calls = new Calls(this);
        this.aggregationTypes = new AggregationTypes(this, calls);
        this.builtins = new BuiltinTypes(this);
        this.operators = new Operators(this);
        this.probeArgs = new ProbeArgs(this, expansion);
        this.unsafe = unsafe;
    }

    /** The config variables of the run. */
    Settings settings() {
        return settings;
    }

    /** The size of strings without an explicit size ({@code max_strlen}). */
    int strlen() {
        return settings.strlen();
    }

    /** Whether unsafe functions ({@code system}) may be used ({@code --unsafe}). */
    boolean unsafe() {
        return unsafe;
    }

    /**
     * Types a program. Errors and warnings go to {@code diags}; the result is empty if there were errors.
     *
     * @param params the positional parameters ({@code $1} first)
     */
    public static Optional<TypedProgram> analyse(Program program, List<String> params, Diagnostics diags) {
        return analyse(program, params, AttachPoints.Expansion.empty(program), false, true, diags);
    }

    /**
     * Types a program whose attach points were expanded; tracepoint fields are typed from their
     * formats. Errors and warnings go to {@code diags}; the result is empty if there were errors.
     *
     * @param params the positional parameters ({@code $1} first)
     * @param unsafe whether unsafe functions may be used ({@code --unsafe})
     * @param child whether a command runs under {@code -c} (else {@code cpid} is an error)
     */
    public static Optional<TypedProgram> analyse(Program program, List<String> params,
            AttachPoints.Expansion expansion, boolean unsafe, boolean child, Diagnostics diags) {
        return analyse(program, params, expansion, unsafe, child, KernelTypes.none(), diags);
    }

    /**
     * As {@link #analyse(Program, List, AttachPoints.Expansion, boolean, boolean, Diagnostics)},
     * with the kernel's types for {@code curtask}, struct pointers, {@code sizeof} and
     * {@code offsetof} ({@link KernelTypes#none()} on the VM backend).
     */
    public static Optional<TypedProgram> analyse(Program program, List<String> params,
            AttachPoints.Expansion expansion, boolean unsafe, boolean child, KernelTypes kernel, Diagnostics diags) {
        return analyse(program, params, expansion, unsafe, child, kernel, System.getenv(), diags);
    }

    /**
     * As {@link #analyse(Program, List, AttachPoints.Expansion, boolean, boolean, KernelTypes, Diagnostics)},
     * with the environment whose {@code BPFTRACE_*} variables override the script's config block
     * ({@link Settings}).
     */
    public static Optional<TypedProgram> analyse(Program program, List<String> params,
            AttachPoints.Expansion expansion, boolean unsafe, boolean child, KernelTypes kernel, Map<String, String> env,
            Diagnostics diags) {
        return analyse(program, params, Map.of(), expansion, unsafe, child, kernel, env, diags);
    }

    /**
     * As {@link #analyse(Program, List, AttachPoints.Expansion, boolean, boolean, KernelTypes, Map, Diagnostics)},
     * with the named program arguments that {@code getopt()} reads (name to value; a null value for
     * {@code --name} without one).
     */
    public static Optional<TypedProgram> analyse(Program written, List<String> params, Map<String, String> namedArgs,
            AttachPoints.Expansion expansion, boolean unsafe, boolean child, KernelTypes kernel, Map<String, String> env,
            Diagnostics diags) {
        int before = diags.errorCount();
        Settings settings = Settings.resolve(written.config(), env, diags);
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        return analyse(ConfigRecord.apply(written, settings, env), settings, params, namedArgs, expansion, unsafe, child,
                kernel, diags);
    }

    private static Optional<TypedProgram> analyse(Program program, Settings settings, List<String> params,
            Map<String, String> namedArgs, AttachPoints.Expansion expansion, boolean unsafe, boolean child,
            KernelTypes kernel, Diagnostics diags) {
        return analyse(program, settings, params, namedArgs, expansion, unsafe, child, kernel, diags, 0,
                new TypeLocks());
    }

    /** At most this many rounds of typing, folding and pruning (current bpftrace stops at 50). */
    private static final int MAX_ROUNDS = 50;

    private static Optional<TypedProgram> analyse(Program written, Settings settings, List<String> params,
            Map<String, String> namedArgs, AttachPoints.Expansion expansion, boolean unsafe, boolean child,
            KernelTypes kernel, Diagnostics diags, int round, TypeLocks locks) {
        int before = diags.errorCount();
        Program program = Comptime.fold(written);
        SemanticAnalyser a = new SemanticAnalyser(diags, params, expansion, unsafe, child, kernel, settings);
        a.locks = locks;
        a.unstableDwUstack = settings.other("unstable_dw_ustack");
        a.unstableTseries = settings.other("unstable_tseries");
        a.options = new ProgramOptions(a, namedArgs);
        for (int pass = 0; pass < 10; pass++) {
            a.changed = false;
            a.run(program);
            if (!a.changed) {
                break;
            }
        }
        if (!a.typeinfos.isEmpty() && round < MAX_ROUNDS) {
            // typeinfo(EXPR): each call becomes its record of constants, and the program is folded
            // and typed again
            for (var e : a.typeinfos.entrySet()) {
                locks.lock(a.typeinfoLocks.get(e.getKey()), e.getValue());
            }
            return analyse(TypeInfos.apply(program, a.typeinfos), settings, params, namedArgs, expansion, unsafe, child,
                    kernel, diags, round + 1, locks);
        }
        if (!a.comptimeChoices.isEmpty() && round < MAX_ROUNDS) {
            // if comptime decided by the types: the branches not taken go, and the rest is typed again
            return analyse(Comptime.prune(program, a.comptimeChoices), settings, params, namedArgs, expansion, unsafe,
                    child, kernel, diags, round + 1, locks);
        }
        a.finalPass = true;
        a.run(program);
        Reachability.check(program, diags);
        Declarations.apply(a, program, a.maps, diags);
        if (diags.errorCount() == before) {
            a.options.check(diags);
        }
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        return Optional.of(new TypedProgram(program, a.types, Collections.unmodifiableMap(
                new LinkedHashMap<>(a.maps)), a.statements.variables(), params, expansion, a.kernelFields, a.constants, a.rewrites,
                settings, a.enums.tables(), a.subprogs.scopes()));
    }

    private void run(Program program) {
        this.program = program;
        types = new IdentityHashMap<>();
        subprogs.check(program.subprogs(), scope -> {
            probe = scope;
            statements.probe(scope);
            return statements;
        });
        for (Probe p : program.probes()) {
            probe = p;
            statements.probe(p);
            for (AttachPoint ap : p.attachPoints()) {
                AttachPointChecks.check(this, ap);
            }
            p.predicate().ifPresent(e -> {
                Type t = type(e);
                if (!(t instanceof Type.Int)) {
                    // current bpftrace's words, at the predicate with its slashes (its if's condition)
                    error(p.predicateSpan(), "Invalid condition: " + kindName(t));
                }
            });
            statements.block(p.body());
            statements.endProbe();
        }
    }

    /** {@code unstable_dw_ustack} of the config block: warn (the default), error or enable. */
    private String unstableDwUstack = "warn";
    private boolean warnedDwUstack;

    /**
     * A use of {@code dw_ustack}, an unstable feature of current bpftrace: an error with
     * {@code unstable_dw_ustack=error}, once a warning (without a place, as bpftrace) unless enabled.
     */
    void unstableDwUstack(Span span) {
        if (!System.getProperty("os.arch").equals("amd64")) {
            error(span, "dw_ustack is not available in this build (requires x86_64)");
        } else if (unstableDwUstack.equals("error")) {
            error(span, "dw_ustack (DWARF stack unwinding) feature is not enabled by default. To enable this "
                    + "unstable feature, set the config flag to enable. unstable_dw_ustack=enable");
        } else if (unstableDwUstack.equals("warn") && finalPass && !warnedDwUstack) {
            warnedDwUstack = true;
            diags.warning(Span.NONE, "Script is using an unstable feature: dw_ustack (DWARF stack unwinding). To "
                    + "prevent this warning you must explicitly enable it in the config e.g. unstable_dw_ustack=enable");
        }
    }

    /** {@code unstable_tseries} of the config block: warn (the default), error or enable. */
    String unstableTseries = "warn";
    private boolean warnedTseries;

    /**
     * A use of {@code tseries}, an unstable feature of current bpftrace: an error with
     * {@code unstable_tseries=error}, once a warning (without a place, as bpftrace) unless enabled.
     */
    void unstableTseries(Span span) {
        if (unstableTseries.equals("error")) {
            error(span, "tseries feature is not enabled by default. To enable this unstable feature, set the config "
                    + "flag to enable. unstable_tseries=enable");
        } else if (unstableTseries.equals("warn") && finalPass && !warnedTseries) {
            warnedTseries = true;
            diags.warning(Span.NONE, "Script is using an unstable feature: tseries. To prevent this warning you must "
                    + "explicitly enable it in the config e.g. unstable_tseries=enable");
        }
    }

    // ---- reporting ----

    void error(Span span, String message) {
        errorTally++;
        if (finalPass) {
            diags.error(span, message);
        }
    }

    void warning(Span span, String message) {
        if (finalPass) {
            diags.warning(span, message);
        }
    }

    /** A context of the error just reported (a place it refers to, as current bpftrace's). */
    void context(Span span, String message) {
        if (finalPass) {
            diags.context(span, message);
        }
    }

    /** A hint after the error just reported (its {@code HINT:} line). */
    void hint(String message) {
        if (finalPass) {
            diags.hint(message);
        }
    }

    /** bpftrace's name of a type's kind, as some messages show it. */
    static String kindName(Type t) {
        return switch (t) {
            case Type.Int i -> "integer";
            case Type.Str s -> "string";
            case Type.Tuple x -> "tuple";
            case Type.Buf x -> "buffer";
            case Type.MacAddr x -> "macaddr";
            case Type.Array x -> "array";
            case Type.Record x -> "record";
            case Type.Agg a -> a.display();
            case Type.ProbeName x -> "probe";
            case Type.Timestamp x -> "timestamp";
            case Type.Ksym x -> "ksym";
            case Type.Usym x -> "usym";
            case Type.Deferred x -> x.display();
            case Type.Inet x -> "inet";
            case Type.Stack x -> x.user() ? "ustack" : "kstack";
            case Type.StructRef x -> "record";
            case Type.None x -> "none";
        };
    }

    Probe probe() {
        return probe;
    }

    /** The position of the probe being checked in the program (the same in every round). */
    int probeIndex() {
        for (int k = 0; k < program.probes().size(); k++) {
            if (program.probes().get(k) == probe) {
                return k;
            }
        }
        return -1;
    }

    /** Whether this is the pass that reports errors (the last). */
    boolean finalPass() {
        return finalPass;
    }

    /** Whether an error has been reported so far (before this analysis, or in its final pass). */
    boolean errorsReported() {
        return diags.errorCount() > 0;
    }

    /** How many errors were found so far in this pass (reported or not). */
    int errorTally() {
        return errorTally;
    }

    /** How many expressions were reported as having no type at all (unknown names, untyped variables). */
    private int untypedTally;

    /**
     * Reports an expression current bpftrace leaves without a type (an unknown identifier, a
     * variable whose type could not be resolved): an assignment of it is an error too.
     */
    void untypedError(Span span, String message) {
        untypedTally++;
        error(span, message);
    }

    int untypedTally() {
        return untypedTally;
    }

    /** Whether pointers made in the current probe point to user memory (uprobes, USDT), as bpftrace decides. */
    boolean userSpace() {
        if (probe == null || probe.attachPoints().isEmpty()) {
            return false;
        }
        String p = probe.attachPoints().getFirst().provider();
        return p.equals("uprobe") || p.equals("uretprobe") || p.equals("usdt");
    }

    /** Records a value the checker computed ({@code uaddr}, {@code cgroupid}). */
    void constant(Expr e, long value) {
        constants.put(e, value);
    }

    /**
     * The value and size of a symbol of the binary a uprobe or USDT attach point is in, or null if
     * the attach point has no binary or the binary lacks the symbol.
     */
    long[] userSymbol(AttachPoint ap, String name) {
        Path binary = switch (probeArgs.resolved(ap)) {
            case Resolved.Uprobe u -> u.binary();
            case Resolved.Usdt u -> u.binary();
            case null, default -> null;
        };
        if (binary == null) {
            return null;
        }
        try {
            var sym = NativeElf.read(binary).symbol(name);
            return sym.isEmpty() || sym.get().value() == 0 ? null : new long[] {sym.get().value(), sym.get().size()};
        } catch (RuntimeException e) {
            return null;
        }
    }

    List<String> params() {
        return params;
    }

    /** The buffer of the larger capacity (a variable or ternary holding either; map keys must match). */
    static Type.Buf longer(Type.Buf x, Type.Buf y) {
        return x.capacity() >= y.capacity() ? x : y;
    }

    /** The wider of two compatible types (strings grow, tuples element-wise), or null. */
    static Type unify(Type a, Type b) {
        if (a instanceof Type.Str x && b instanceof Type.Str y) {
            return x.size() >= y.size() ? x : y;
        }
        if (a instanceof Type.Int x && b instanceof Type.Int y) {
            return IntTypes.promote(x, y);
        }
        if (a instanceof Type.Tuple x && b instanceof Type.Tuple y) {
            if (x.elements().size() != y.elements().size() || x.isRecord() != y.isRecord()
                    || !new HashSet<>(x.names()).equals(new HashSet<>(y.names()))) {
                return null;
            }
            List<Type> out = new ArrayList<>();
            for (int i = 0; i < x.elements().size(); i++) {
                // a record's fields match by name: (a=1, b=2) and (b=3, a=4) are the same record
                int j = x.isRecord() ? y.names().indexOf(x.names().get(i)) : i;
                Type u = unify(x.elements().get(i), y.elements().get(j));
                if (u == null) {
                    return null;
                }
                out.add(u);
            }
            return new Type.Tuple(out, x.names());
        }
        return a.equals(b) ? a : null;
    }


    /** Types a map used as a value: known map, matching keys. */
    Type mapRead(Expr.MapRef ref) {
        return mapTyping.read(ref);
    }

    /**
     * If {@code e} reads a map of values no expression reads (hist, lhist, tseries, stats: current
     * bpftrace's map types), types its keys and returns the map's aggregation type, for the
     * expression using it to report its own error (current bpftrace's, such as "cannot exist inside
     * a tuple"); else null, and {@code e} is not typed.
     */
    Type.Agg aggregateRead(Expr e) {
        if (e instanceof Expr.MapRef m && maps.get(m.name()) != null
                && maps.get(m.name()).value() instanceof Type.Agg g && readType(g) == null) {
            enums.readMap(m);
            mapTyping.read(m, true);
            types.put(m, g);
            return g;
        }
        return null;
    }

    /**
     * Whether a comparison of integers of these types compares signed: as current bpftrace, with
     * the sign of the type that holds both ({@code (uint8)200 < (int8)-1} compares two int16s).
     */
    public static boolean comparisonSigned(Type.Int l, Type.Int r) {
        return Operators.comparisonSigned(l, r);
    }

    /** Whether an aggregation is one of current bpftrace's multi-key map types (hist, lhist, tseries). */
    static boolean multiKey(Type.Agg g) {
        return g.kind() == Type.AggKind.HIST || g.kind() == Type.AggKind.LHIST || g.kind() == Type.AggKind.TSERIES;
    }

    /** The key element types of a map reference; integers are stored as 64 bits. */
    List<Type> mapKeys(Expr.MapRef ref) {
        return mapTyping.keys(ref);
    }

    /**
     * Checks in the final pass that the literal keys of {@code @m[keys]} fit the map's key types
     * (current bpftrace casts them to those types: {@code @x[-1] = 1; @x[10223372036854775807]} is refused).
     */
    void literalKeys(Expr.MapRef ref) {
        MapInfo m = maps.get(ref.name());
        if (!finalPass || m == null || m.keys().size() != ref.keys().size()) {
            return;
        }
        for (int i = 0; i < ref.keys().size(); i++) {
            if (types.get(ref.keys().get(i)) instanceof Type.Int key) {
                IntTypes.warnImplicitCast(this, ref.keys().get(i), key, m.keys().get(i));
            }
            Type.Int misfit = LiteralFolding.misfit(this, ref.keys().get(i), m.keys().get(i));
            if (misfit != null) {
                error(ref.span(), "Type mismatch for " + ref.name() + ": trying to assign key of type '" + misfit.display()
                        + "' when map already has a key type '" + m.keys().get(i).display() + "'");
            }
        }
    }

    /** Records that {@code @m[keys]} holds {@code value}, widening the map's types as assignments do. */
    void declareMap(Expr.MapRef ref, List<Type> keys, Type value, Span span) {
        mapTyping.declare(ref, keys, value, span, value);
    }

    /**
     * As {@link #declareMap(Expr.MapRef, List, Type, Span)}, with the value's type as current
     * bpftrace shows it in messages ({@code shown}: an integer not widened to 64 bits).
     */
    void declareMap(Expr.MapRef ref, List<Type> keys, Type value, Span span, Type shown) {
        mapTyping.declare(ref, keys, value, span, shown);
    }

    /** The type a map value reads as in an expression, or null if it cannot be read. */
    static Type readType(Type stored) {
        return MapTyping.readType(stored);
    }

    /** Notes that a pass changed what is known (another pass follows). */
    void changed() {
        changed = true;
    }

    /** Records that {@code e} (a record's field, a tuple's {@code [i]}) is element {@code k} of {@code base}. */
    private void elementOf(Expr e, Expr base, int k, Type.Tuple tu) {
        Expr.TupleIndex ti = new Expr.TupleIndex(base, k, e.span());
        types.put(ti, tu.elements().get(k));
        rewrites.put(e, ti);
    }

    MapInfo map(String name) {
        return maps.get(name);
    }

    // ---- expressions ----

    /** Types an expression and records the type. */
    Type type(Expr e) {
        Type t = structs.carry(e, compute(e));
        if (t instanceof Type.Int i && !i.isPointer() && !i.bool() && i.enumerators() == null && enums.isEnum(e)) {
            Map<Long, String> names = enums.table(e);
            if (names != null) {
                t = i.withEnumerators(names); // printed by name in maps, tuples and print()
            }
        }
        types.put(e, t);
        return t;
    }

    /** Types a positional parameter that is not given without the warning {@link #type} writes for it. */
    Type typeQuietly(Expr.Param p) {
        types.put(p, Type.INT64);
        return Type.INT64;
    }

    /**
     * Types an operand that a string is expected for: there the {@code probe} builtin is a string
     * (current bpftrace's {@code probe} is one), as long as the probe's longest name; the code
     * generator writes the name of the attach point it compiles. Elsewhere {@code probe} stays an
     * index of a name printed in user space (one program for the matches of a wildcard).
     */
    Type stringOperand(Expr e) {
        Type t = type(e);
        if (t instanceof Type.ProbeName && probe != null) {
            int longest = probe.attachPoints().stream().mapToInt(ap -> ap.name().length()).max().orElse(0);
            t = new Type.Str(longest + 1);
            types.put(e, t);
        }
        return t;
    }

    private Type compute(Expr e) {
        return switch (e) {
            case Expr.IntLit i -> Type.Int.ofLiteral(i.value(), i.unsigned());
            case Expr.BoolLit b -> Type.Int.bool(8);
            case Expr.StrLit s -> {
                // 0.17's bound (200 bytes), or current bpftrace's (max_strlen) when that is larger
                int limit = Math.max(200, strlen());
                if (s.value().length() + 1 > limit) {
                    error(s.span(), "String is too long (over " + limit + " bytes): " + s.value());
                }
                yield new Type.Str(s.value().length() + 1);
            }
            case Expr.Builtin b -> builtins.builtin(b);
            case Expr.Var v -> statements.read(v);
            case Expr.Param p -> builtins.param(p);
            case Expr.MapRef m -> {
                enums.readMap(m);
                yield mapRead(m);
            }
            case Expr.Call c -> calls.call(c);
            case Expr.Binary b -> operators.binary(b);
            case Expr.Unary u -> operators.unary(u);
            case Expr.IncDec i -> {
                Type t = i.target() instanceof Expr.MapRef m0 && maps.get(m0.name()) == null ? Type.INT64
                        : type(i.target());
                if (!(i.target() instanceof Expr.Var || i.target() instanceof Expr.MapRef)) {
                    error(i.span(), "The " + (i.increment() ? "++" : "--") + " operator must be applied to a map or variable");
                } else if (i.target() instanceof Expr.MapRef m && (integerMaps.add(m.name()) || true)
                        && maps.get(m.name()) == null) {
                    declareMap(m, mapKeys(m), Type.INT64, m.span());
                    yield Type.INT64;
                } else if (!(t instanceof Type.Int)) {
                    error(i.span(), "The " + (i.increment() ? "++" : "--") + " operator can not be used on expressions of type '"
                            + t.display() + "'");
                } else if (i.target() instanceof Expr.Var v && t instanceof Type.Int vi && !vi.isPointer() && !vi.bool()) {
                    // current bpftrace: ++ and -- make the variable a 64-bit integer (uint64 for ++ of an unsigned one)
                    statements.setVar(v, vi.signed() || !i.increment() ? Type.INT64 : Type.UINT64, i.span());
                    yield types.get(v);
                } else if (i.target() instanceof Expr.MapRef m && t instanceof Type.Int mi && !mi.isPointer() && !mi.bool()
                        && maps.get(m.name()).value() instanceof Type.Int) {
                    // current bpftrace: ++ and -- store a 64-bit integer, which the map's value type grows to hold
                    // (@x = (uint8)1; @x++ makes it a uint64, @x-- an int64)
                    declareMap(m, mapKeys(m), mi.signed() || !i.increment() ? Type.INT64 : Type.UINT64, i.span());
                    yield readType(maps.get(m.name()).value());
                } else if (i.target() instanceof Expr.MapRef m && t instanceof Type.Int mi
                        && (maps.get(m.name()).value() instanceof Type.Agg || mi.bool())) {
                    // current bpftrace: the 64-bit integer ++ stores does not fit an aggregation's value or a bool
                    error(i.span(), "Type mismatch for " + m.name() + ": trying to assign value of type '"
                            + (mi.signed() || !i.increment() ? "int64" : "uint64") + "' when map already has a type '"
                            + maps.get(m.name()).value().display() + "'");
                }
                yield t instanceof Type.Int ? t : Type.INT64;
            }
            case Expr.Ternary t -> {
                Type c = type(t.cond());
                Type a = type(t.then());
                Type b = type(t.otherwise());
                if (!(c instanceof Type.Int)) {
                    error(t.span(), "Invalid condition in ternary: " + kindName(c));
                }
                Type u = a instanceof Type.Buf x && b instanceof Type.Buf y ? longer(x, y) : unify(a, b);
                if (u == null) {
                    // a call without a value is current bpftrace's void
                    error(t.span(), "Branches must return the same type or compatible types: have '"
                            + (a instanceof Type.None ? "void" : a.display()) + "' and '"
                            + (b instanceof Type.None ? "void" : b.display()) + "'");
                    yield a;
                }
                if (a instanceof Type.Int ia && b instanceof Type.Int ib && (ia.isPointer() || ib.isPointer()
                        || ia.bool() != ib.bool())) {
                    yield new Type.Int(64, ia.signed() && ib.signed());
                }
                if (finalPass) {
                    // current bpftrace casts each branch to the promoted type (uint64 and int64: int64)
                    IntTypes.warnImplicitCast(this, t.then(), a, u);
                    IntTypes.warnImplicitCast(this, t.otherwise(), b, u);
                }
                // current bpftrace: the branches' promoted type (c ? 1 : 2 is an int8)
                yield u instanceof Type.Int ia && ia.bool() ? Type.Int.bool(64) : u;
            }
            case Expr.Field f when ProbeArgs.isArgs(f.base()) -> {
                int errorsBefore = diags.errorCount();
                Type t = probeArgs.field(f, probe);
                if (t instanceof Type.None && diags.errorCount() != errorsBefore) {
                    failed.add(f); // reported: not again by what uses it (print(args.nope))
                }
                Optional<String> pointee = probeArgs.pointee(f, probe);
                int sid = pointee.isPresent() && kernel.available() && kernel.btf().isPresent()
                        ? kernel.structId(pointee.get().substring(pointee.get().indexOf(' ') + 1)) : -1;
                if (sid >= 0) {
                    // a pointer to a kernel struct (in user memory for system call arguments)
                    pointees.put(f, sid);
                    t = Type.Int.pointer(Type.NONE, probeArgs.userPointer(probe));
                }
                yield t;
            }
            case Expr.Field f -> {
                Expr.Unary deref = f.base() instanceof Expr.Unary u && u.op() == UnOp.DEREF ? u : null;
                Expr.Unary outer = fieldOfDeref;
                fieldOfDeref = deref;
                Type base = type(f.base());
                fieldOfDeref = outer;
                if (deref != null && (base instanceof Type.Record || base instanceof Type.StructRef)
                        && pointees.get(deref.operand()) instanceof Integer ps) {
                    // (*p).f, as current bpftrace: *p is a struct lying where p points, as an embedded
                    // one does; only the field is read
                    boolean user = types.get(deref.operand()) instanceof Type.Int p && p.user();
                    kernelFields.put(deref, new KernelField(0, (int) kernel.sizeOf(ps), false, false, true).inUser(user));
                    embedded.put(deref, ps);
                }
                Integer sid = pointees.get(f.base());
                Integer eid = embedded.get(f.base());
                if (sid != null || eid != null) {
                    Type ft = structs.kernelField(f, sid != null ? sid : eid, sid != null);
                    if (ft instanceof Type.None && !embedded.containsKey(f)) {
                        failed.add(f);
                    }
                    yield ft;
                }
                if (base instanceof Type.Tuple tu && tu.isRecord() && !f.arrow()) {
                    int k = tu.names().indexOf(f.field());
                    if (k < 0) {
                        error(f.span(), "Record does not contain a field named '" + f.field() + "'");
                        failed.add(f); // its uses are not reported again
                        yield Type.NONE;
                    }
                    elementOf(f, f.base(), k, tu);
                    yield tu.elements().get(k);
                }
                if (base instanceof Type.Record r && !f.arrow()) {
                    for (Type.RecordField rf : r.fields()) {
                        if (rf.name().equals(f.field())) {
                            yield rf.type();
                        }
                    }
                    error(f.span(), "Struct/union of type '" + r.name() + "' does not contain a field named '"
                            + f.field() + "'");
                    yield Type.NONE;
                }
                if (failed.contains(f.base())) {
                    failed.add(f);
                    yield Type.NONE;
                }
                error(f.span(), "Can not access field '" + f.field() + "' on expression of type '" + base.display() + "'");
                yield Type.NONE;
            }
            case Expr.TupleIndex t -> {
                Type base = type(t.base());
                if (!(base instanceof Type.Tuple tu)) {
                    error(t.span(), "Can not access index '" + t.index() + "' on expression of type '" + base.display() + "'");
                    yield Type.NONE;
                }
                if (t.index() < 0 || t.index() >= tu.elements().size()) {
                    error(t.span(), "Invalid tuple index: " + t.index() + ". Found " + tu.elements().size()
                            + " elements in tuple.");
                    yield Type.NONE;
                }
                yield tu.elements().get(t.index());
            }
            case Expr.Index i -> {
                Type base = type(i.base());
                Type it = type(i.index());
                if (!(it instanceof Type.Int)) {
                    error(i.span(), "The array index operator [] only accepts literal integer indices.");
                    yield base instanceof Type.Array arr ? arr.element() : Type.INT64;
                }
                if (!(base instanceof Type.Tuple) && !(i.index() instanceof Expr.IntLit)
                        && !(i.index() instanceof Expr.Param) && it instanceof Type.Int ii
                        && ii.pointee() == null && !ii.bool() && ii.signed() && !ii.literal()) {
                    // current bpftrace: an index that is not a literal must be of an unsigned type, or of the
                    // sign-flexible type of a non-negative literal ($i = 1), never of a signed one ($i = -1);
                    // a numeric $N is a literal there
                    error(i.span(), "The array index operator [] only accepts non-negative integer indices. Got: "
                            + ii.display());
                }
                if (base instanceof Type.Int bi && bi.isPointer() && bi.pointee() instanceof Type.Int pt) {
                    yield pt;
                }
                if (base instanceof Type.Tuple tu) {
                    // current bpftrace: $t[i] with a constant i is $t.i
                    Long k = operators.constant(i.index());
                    if (k == null) {
                        error(i.span(), "The array index operator [] on a tuple only accepts constant integer indices.");
                        failed.add(i); // its uses are not reported again
                        yield Type.NONE;
                    }
                    if (k < 0 || k >= tu.elements().size()) {
                        error(i.span(), "Invalid tuple index: " + k + ". Found " + tu.elements().size()
                                + " elements in tuple.");
                        failed.add(i); // its uses are not reported again
                        yield Type.NONE;
                    }
                    elementOf(i, i.base(), k.intValue(), tu);
                    yield tu.elements().get(k.intValue());
                }
                if (base instanceof Type.Str s) {
                    yield structs.character(i, s);
                }
                if (base instanceof Type.Array arr) {
                    if (i.index() instanceof Expr.IntLit lit && (lit.value() < 0 || lit.value() >= arr.count())
                            && !(arr.count() == 0 && arrayInMemory(i.base()))) { // int y[0] in a struct: any index
                        error(i.span(), "the index " + lit.value() + " is out of bounds for array of size " + arr.count());
                    } else if (!(i.index() instanceof Expr.IntLit) && !arrayInMemory(i.base())) {
                        error(i.span(), "The array index operator [] only accepts literal integer indices.");
                    }
                    yield structs.element(i, arr);
                }
                error(i.span(), "The array index operator [] can only be used on arrays and pointers, found "
                        + kindName(base) + ".");
                yield Type.NONE;
            }
            case Expr.Cast c -> writtenTypes.cast(c);
            case Expr.Tuple t -> {
                List<Type> elems = new ArrayList<>();
                for (Expr x : t.elements()) {
                    Type.Agg g = aggregateRead(x);
                    if (g != null) {
                        if (multiKey(g)) {
                            error(x.span(), "Map type " + g.display() + " cannot exist inside a "
                                    + (t.names().isEmpty() ? "tuple." : "record."));
                        } else {
                            error(x.span(), "Can not read " + g.display() + " map " + ((Expr.MapRef) x).name()
                                    + " in an expression");
                        }
                        elems.add(Type.NONE);
                        continue;
                    }
                    elems.add(type(x)); // integers keep their width, as bpftrace's tuples do: ((int8) 1, 2) is (int8,int64)
                }
                yield new Type.Tuple(elems, t.names());
            }
            case Expr.SizeofType s when s.type().pointers() == 0 && isStructName(s.type().name()) -> {
                int sid = structs.kernelStruct(s.type().name(), s.span());
                if (sid >= 0) {
                    constants.put(s, kernel.sizeOf(sid) * Math.max(1, s.type().arrayLength() >= 0 ? s.type().arrayLength() : 1));
                }
                yield Type.UINT64;
            }
            case Expr.Offsetof o -> structs.offsetof(o);
            case Expr.TypeArg t -> {
                error(t.span(), "When used as a call argument, `typeof` builtin only valid for macro calls that are "
                        + "expecting a type parameter");
                yield Type.NONE;
            }
            case Expr.SizeofType s -> {
                // sizeof(typeof(EXPR)): the expression's own type, as current bpftrace
                TypeName n = s.type();
                Type t = n.typeOf() != null && n.pointers() == 0 && n.arrayLength() < 0
                        && !(n.typeOf() instanceof Expr.Builtin b && !Builtins.VARIABLES.containsKey(b.name())
                                && !Builtins.isArg(b.name()) && writtenTypes.typedef(b.name()) != null)
                        ? type(n.typeOf()) : typeOfName(n, s.span());
                if ((s.type().typeOf() != null || s.type().arrayPointers() > 0) && !(t instanceof Type.None)
                        && !(t instanceof Type.StructRef)) {
                    constants.put(s, (long) t.size()); // sizeof(typeof($x)), sizeof(int32[4]*)
                }
                yield Type.UINT64;
            }
        };
    }

    /** Where current bpftrace places a cast's errors: the written type, {@code (bool)}, up to the operand. */
    static Span castSpan(Expr.Cast c) {
        return c.operand().span().begin() > c.span().begin() ? new Span(c.span().begin(), c.operand().span().begin())
                : c.span();
    }

    /**
     * The value of an integer literal, or of a positional parameter that is a number ({@code $1}
     * with "10"), where bpftrace needs a constant (unroll counts, strncmp sizes); else null.
     */
    public static Long constantOf(Expr e, List<String> params) {
        if (e instanceof Expr.IntLit i) {
            return i.value();
        }
        if (e instanceof Expr.Param p && p.number() >= 1 && p.number() <= params.size()) {
            return parseParam(params.get(p.number() - 1));
        }
        return null;
    }

    /** {@link #constantOf} with this program's parameters. */
    Long constantOf(Expr e) {
        return constantOf(e, params);
    }

    /** A parameter's integer value, or null if it is not an integer. */
    public static Long parseParam(String v) {
        try {
            if (v.startsWith("0x") || v.startsWith("0X")) {
                return Long.parseUnsignedLong(v.substring(2), 16);
            }
            if (v.length() > 1 && v.startsWith("0") && v.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(v.substring(1), 8); // octal, as bpftrace reads 0775
            }
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The type a written type name denotes (see {@link WrittenTypes}). */
    Type typeOfName(TypeName n, Span span) {
        return writtenTypes.typeOfName(n, span);
    }

    // ---- kernel types (BTF) ----

    static boolean isStructName(String name) {
        return name.startsWith("struct ") || name.startsWith("union ");
    }

    /** Whether an array is read from kernel memory (a struct field), so any index can be read. */
    private boolean arrayInMemory(Expr e) {
        return kernelFields.containsKey(e);
    }

    /** Whether {@code e} is a struct embedded in a kernel struct ({@code curtask->se}): bpftrace's "record". */
    boolean isRecord(Expr e) {
        return embedded.containsKey(e);
    }

    /** Whether an error was reported on {@code e} (then errors that follow from its type are not). */
    /** The type of a standard-library function written as an identifier ({@code has_cpid}, {@code leader_tid}). */
    Type stdlibIdentifier(Expr.Builtin b) {
        return calls.stdlibIdentifier(b);
    }

    /** Checks a statement made by a rule of the checker ({@code find}'s assignment of its variable). */
    void statement(Stmt s) {
        statements.stmt(s);
    }

    /**
     * Whether the statement being checked is in a branch of an {@code if} whose condition is known
     * to skip it ({@link ConstantFolding}), where {@code fail()} and {@code static_assert} are no errors.
     */
    boolean unreached() {
        return statements.unreached();
    }

    /** Whether the statement being checked is in the body of a {@code for} loop. */
    boolean inForLoop() {
        return statements.inForLoop();
    }

    boolean failed(Expr e) {
        return failed.contains(e);
    }

}
