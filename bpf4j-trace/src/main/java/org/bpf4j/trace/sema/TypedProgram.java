package org.bpf4j.trace.sema;

import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.probe.AttachPoints;

/**
 * A program with the types the checker gave it: each expression's type, each map's key and value
 * types (in name order, the order bpftrace prints them in), each probe's variables.
 */
public final class TypedProgram {
    private final Program program;
    private final IdentityHashMap<Expr, Type> types;
    private final Map<String, MapInfo> maps;
    private final IdentityHashMap<Probe, Map<String, Type>> variables;
    private final List<String> params;
    private final AttachPoints.Expansion expansion;
    private final IdentityHashMap<Expr, KernelField> kernelFields;
    private final IdentityHashMap<Expr, Long> constants;
    private final IdentityHashMap<Expr, Expr> rewrites;
    private final Settings settings;
    private final IdentityHashMap<Expr, Map<Long, String>> enums;
    private final IdentityHashMap<Subprog, Probe> scopes;

    TypedProgram(Program program, IdentityHashMap<Expr, Type> types, Map<String, MapInfo> maps,
            IdentityHashMap<Probe, Map<String, Type>> variables, List<String> params,
            AttachPoints.Expansion expansion, IdentityHashMap<Expr, KernelField> kernelFields,
            IdentityHashMap<Expr, Long> constants, IdentityHashMap<Expr, Expr> rewrites, Settings settings,
            IdentityHashMap<Expr, Map<Long, String>> enums, IdentityHashMap<Subprog, Probe> scopes) {
        this.scopes = scopes;
        this.settings = settings;
        this.enums = enums;
        this.rewrites = rewrites;
        this.constants = constants;
        this.kernelFields = kernelFields;
        this.expansion = expansion;
        this.program = program;
        this.types = types;
        this.maps = maps;
        this.variables = variables;
        this.params = List.copyOf(params);
    }

    private Boolean countsStackFrames;

    /**
     * Whether the script takes {@code len()} of a stack (current bpftrace: its number of frames):
     * the programs then count the frames of every stack they capture.
     */
    public boolean countsStackFrames() {
        if (countsStackFrames == null) {
            countsStackFrames = types.keySet().stream().anyMatch(e -> e instanceof Expr.Call c
                    && c.name().equals("len") && c.args().size() == 1
                    && types.get(c.args().getFirst()) instanceof Type.Stack);
        }
        return countsStackFrames;
    }

    private Boolean usesDwarfStacks;

    /**
     * Whether the script calls {@code dw_ustack}: the backends then create the unwind tables and
     * the map of the stacks unwound in the kernel (see {@code CompiledScript#dwarfRowsIndex()}).
     */
    public boolean usesDwarfStacks() {
        if (usesDwarfStacks == null) {
            usesDwarfStacks = firstDwarfStack().isPresent();
        }
        return usesDwarfStacks;
    }

    /** The place of the script's first {@code dw_ustack}, if it has one. */
    public Optional<Span> firstDwarfStack() {
        return types.keySet().stream().filter(e -> e instanceof Expr.Call c && c.name().equals("dw_ustack")
                || e instanceof Expr.Builtin b && b.name().equals("dw_ustack")).map(Expr::span)
                .min(Comparator.comparingInt(Span::begin));
    }

    /** The config variables of the run (config block and environment). */
    public Settings settings() {
        return settings;
    }

    /** The syntax tree. */
    public Program program() {
        return program;
    }

    /** The type of an expression of the tree ({@link Type#NONE} if it has none). */
    public Type typeOf(Expr e) {
        Type t = types.get(e);
        return t == null ? Type.NONE : t;
    }

    /** The maps by name, sorted by name. */
    public Map<String, MapInfo> maps() {
        return maps;
    }

    /**
     * The probe without attach points that stands for a function's body: its variables
     * ({@link #variables}: the parameters and the body's) are the function's.
     */
    public Probe scope(Subprog f) {
        return scopes.get(f);
    }

    /** The variables of a probe and their types. */
    public Map<String, Type> variables(Probe p) {
        return variables.getOrDefault(p, Map.of());
    }

    /** What each attach point refers to on the machine (tracepoint formats, USDT sites...). */
    public AttachPoints.Expansion expansion() {
        return expansion;
    }

    /** The positional parameters ($1 is the first). */
    public List<String> params() {
        return params;
    }

    /** The kernel struct field an expression reads ({@code curtask->pid}), or null. */
    public KernelField kernelField(Expr e) {
        return kernelFields.get(e);
    }

    /** The value the checker computed for {@code sizeof(struct X)} or {@code offsetof(...)} from BTF, or null. */
    public Long constant(Expr e) {
        return constants.get(e);
    }

    /**
     * The enumerators by value when {@code e} is of an enum type (current bpftrace prints such a
     * value by name with {@code %s} and {@code print()}), else null.
     */
    public Map<Long, String> enumValues(Expr e) {
        return enums.get(e);
    }

    /**
     * The name of the hidden variable that keeps the string a cast to a pointer points to
     * ({@code (int32 *)"abc"}, as current bpftrace: the address of the string's bytes), among the
     * probe's {@link #variables}; no script variable can have it.
     */
    public static String castStorage(Expr.Cast c) {
        return "$(" + c.span().begin() + ")";
    }

    /** The expression a builtin is compiled as ({@code ppid} reads {@code curtask->real_parent->tgid}), or null. */
    public Expr rewrite(Expr e) {
        return rewrites.get(e);
    }
}
