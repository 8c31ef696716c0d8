package org.bpf4j.trace.codegen;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.UnOp;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Registers;
import org.bpf4j.trace.sema.SemanticAnalyser;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * Compiles one attach point of a probe to eBPF. Integer expressions are computed into r0 (with r1-r5
 * as scratch); other values (strings, tuples) are written into stack slots. r6 holds the context.
 * Every stack byte the program uses is zeroed on entry, so the verifier sees it initialised.
 */
final class ProbeCompiler {
    static final int CTX = 6;
    /** Context layout of probes fired from Java: arg i at 8 * i, retval after 16 arguments. */
    static final int RETVAL_OFFSET = 8 * 16;
    /** Offset in the globals of the time (ktime) of the first exit(), 0 before. */
    static final int EXIT_TIME_OFFSET = 16;
    /**
     * How long after exit() the probes keep running: bpftrace's probes run until its user space has
     * read the exit event and detached them, typically within this time; bpf4j's user space may take
     * longer (a JVM on a loaded machine), so the programs stop themselves then.
     */
    static final int EXIT_GRACE_NANOS = 500_000;
    /** Offset in the globals of the count of events the ring buffer (or queue) had no room for. */
    public static final int LOST_OFFSET = 24;

    final TypedProgram typed;
    final Events events;
    final Map<String, Integer> mapIndex;
    final int ringIndex;
    final int globalsIndex;
    final Diagnostics diags;
    final Probe probe;
    final AttachPoint attachPoint;
    final Asm asm = new Asm();
    final Frame frame;
    /** The frame slots of the variables in scope: the probe's, or those of the function being inlined. */
    Map<String, Integer> varSlots = new HashMap<>();
    /** The function whose call is being inlined ({@link FunctionCalls}), null in the probe's own body. */
    FunctionCalls.Frame function;
    /** How many loop callbacks deep the code being generated is (0: the program's own code). */
    int callbackDepth;
    /** The enclosing loops' {break, continue} labels. */
    final Deque<Asm.Label[]> loops = new ArrayDeque<>();
    /** Callbacks (bodies of for loops run by helpers), generated after the program's exit. */
    final List<Runnable> deferred = new ArrayList<>();
    /** The imported C functions this program calls: each one's code, placed once after the program's. */
    final Map<String, Asm.Label> cFunctions = new HashMap<>();
    boolean inCallback;
    final Aggregations aggregations;
    final Strings strings;
    final Loops forLoops;
    final Transport transport;
    /** The tracer's PID namespace when it is not the initial one: pid and tid are then seen from it. */
    final Optional<PidNamespace> pidNamespace;
    /**
     * Bytes of the frame kept in the scratch buffer (this CPU's element) instead of the stack (0: the frame is
     * all on the stack). A program whose frame does not fit in 512 bytes is compiled again with a
     * split {@link Frame}: its large slots there, addressed from {@link Asm#SCRATCH} (r7) as the stack is
     * from r10, its integers and other small slots on the stack.
     */
    final int scratchFrame;
    private boolean needsScratchFrame;

    /**
     * The most frame bytes the scratch buffer holds. Offsets past 32 KiB go through {@link Asm#FAR};
     * the bound keeps the programs' copies of such values within the verifier's instruction limits.
     */
    static final int SCRATCH_FRAME_LIMIT = 256 * 1024;
    /** The stack slot of a split frame's scratch pointer, where a loop's callback finds it. */
    static final int SCRATCH_POINTER_SLOT = -16;
    /** The stack slot of the scratch buffer's lookup key (this CPU's number) on entry. */
    private static final int SCRATCH_KEY_SLOT = -8;

    ProbeCompiler(TypedProgram typed, Events events, Map<String, Integer> mapIndex, int ringIndex, int globalsIndex,
            Diagnostics diags, Probe probe, AttachPoint attachPoint, Transport transport,
            Optional<PidNamespace> pidNamespace) {
        this(typed, events, mapIndex, ringIndex, globalsIndex, diags, probe, attachPoint, transport, pidNamespace, 0);
    }

    ProbeCompiler(TypedProgram typed, Events events, Map<String, Integer> mapIndex, int ringIndex, int globalsIndex,
            Diagnostics diags, Probe probe, AttachPoint attachPoint, Transport transport,
            Optional<PidNamespace> pidNamespace, int scratchFrame) {
        this.pidNamespace = pidNamespace;
        this.scratchFrame = scratchFrame;
        this.frame = new Frame(scratchFrame > 0);
        this.transport = transport;
        this.typed = typed;
        this.events = events;
        this.mapIndex = mapIndex;
        this.ringIndex = ringIndex;
        this.globalsIndex = globalsIndex;
        this.diags = diags;
        this.probe = probe;
        this.attachPoint = attachPoint;
        this.aggregations = new Aggregations(this);
        this.strings = new Strings(this);
        this.forLoops = new Loops(this);
    }

    /** The register frame slots are addressed from outside callbacks: r10 (a split frame's scratch part: r7). */
    int topFrameBase() {
        return 10;
    }

    /** The program, or null after reporting an error. */
    CompiledScript.ProbeProgram compile() {
        try {
            return generate();
        } catch (Asm.TooLarge e) {
            diags.error(probe.span(), "the probe's program is too large: " + e.getMessage()
                    + ", the kernel's limit");
            return null;
        }
    }

    private CompiledScript.ProbeProgram generate() {
        int before = diags.errorCount();
        for (Map.Entry<String, Type> v : typed.variables(probe).entrySet()) {
            varSlots.put(v.getKey(), frame.alloc(storedSize(v.getValue())));
        }
        asm.mov(CTX, 1);
        Asm.Label end = asm.label();
        if (scratchFrame > 0) {
            events.noteScratch(scratchFrame);
            scratchLookup(SCRATCH_KEY_SLOT, end);
            asm.mov(Asm.SCRATCH, 0);
            asm.aluImm(AluOp.ADD, Asm.SCRATCH, scratchFrame);
            asm.store(Size.DW, 10, SCRATCH_POINTER_SLOT, Asm.SCRATCH);
            zeroAt(Asm.SCRATCH, -scratchFrame, scratchFrame);
        }
        if (!attachPoint.provider().equals("END") && !isIterator()) {
            // after exit(), a probe runs for a short while only, as bpftrace's until it detaches them
            // (an iterator runs to its end, as bpftrace's: exit() is an event read afterwards)
            Asm.Label running = asm.label();
            asm.loadMapValue(1, globalsIndex, 0);
            asm.load(Size.DW, 1, 1, EXIT_TIME_OFFSET);
            asm.jumpImm(JumpOp.JEQ, 1, 0, running);
            asm.call("ktime_get_ns");
            asm.loadMapValue(1, globalsIndex, 0);
            asm.load(Size.DW, 1, 1, EXIT_TIME_OFFSET);
            asm.alu(AluOp.SUB, 0, 1);
            asm.jumpImm(JumpOp.JGT, 0, EXIT_GRACE_NANOS, end);
            asm.bind(running);
        }
        if (probe.predicate().isPresent()) {
            int m = frame.mark();
            intExpr(probe.predicate().get());
            frame.release(m);
            asm.jumpImm(JumpOp.JEQ, 0, 0, end);
        }
        block(probe.body());
        asm.bind(end);
        asm.movImm(0, 0);
        asm.exit();
        for (int i = 0; i < deferred.size(); i++) {
            deferred.get(i).run();
        }
        if (scratchFrame == 0 && frame.max() > Frame.LIMIT && diags.errorCount() == before
                && frame.max() <= SCRATCH_FRAME_LIMIT) {
            needsScratchFrame = true; // compiled again with a split frame
            return null;
        }
        if ((frame.max() > Frame.LIMIT || frame.scratchMax() > scratchFrame) && diags.errorCount() == before) {
            diags.error(probe.span(), "the probe needs " + frame.max() + " bytes of stack, more than the "
                    + SCRATCH_FRAME_LIMIT + " bytes bpf4j trace keeps in its scratch buffer");
        }
        if (diags.errorCount() != before) {
            return null;
        }
        Code body;
        try {
            body = asm.build();
        } catch (UnsupportedFeatureException e) {
            // a jump longer than eBPF's 16-bit offsets: the kernel could not take such a program either
            diags.error(probe.span(), "the probe's program is too large: " + e.getMessage());
            return null;
        }
        List<Instruction> all = new ArrayList<>();
        for (int off = 8; off <= frame.max(); off += 8) {
            all.add(new Instruction.Store(Size.DW, 10, (short) -off, Operand.imm(0)));
        }
        all.addAll(body.instructions());
        String name = attachPoint.name();
        return new CompiledScript.ProbeProgram(attachPoint, name, Code.of(all), frame.max());
    }

    /**
     * {@code r0 = } this CPU's element of the scratch buffer (an array with one element per CPU,
     * indexed by {@code bpf_get_smp_processor_id()}; the number is stored as the key at {@code keyOff}
     * of the frame); jumps to {@code onNull} if there is none. Clobbers r1-r5.
     */
    void scratchLookup(int keyOff, Asm.Label onNull) {
        asm.call("get_smp_processor_id");
        asm.store(Size.W, asm.frameBase, keyOff, 0);
        asm.loadMap(1, globalsIndex + 1);
        asm.stackAddr(2, keyOff);
        asm.call("map_lookup_elem");
        asm.jumpImm(JumpOp.JEQ, 0, 0, onNull);
    }

    /** After {@link #compile()} returned null without an error: the frame must go to the scratch buffer. */
    boolean needsScratchFrame() {
        return needsScratchFrame;
    }

    /** Whether this probe is an iterator ({@code iter:NAME}). */
    boolean isIterator() {
        return attachPoint.provider().equals("iter");
    }

    /** Whether {@code e} is a field of an iterator's context ({@code ctx.task}), read from the context itself. */
    boolean iteratorContextField(Expr e) {
        return isIterator() && e instanceof Expr.Field f && f.base() instanceof Expr.Builtin b
                && b.name().equals("ctx") && typed.kernelField(f) != null && !inCallback;
    }

    /** The deepest the frame went, in bytes (of a plain frame, all of it; of a split frame, its stack part). */
    int frameBytes() {
        return frame.max();
    }

    /** The deepest the scratch part of a split frame went, in bytes. */
    int scratchBytes() {
        return frame.scratchMax();
    }

    void unsupported(Span span, String what) {
        diags.error(span, what + " is not supported by bpf4j trace yet");
    }

    Type type(Expr e) {
        return typed.typeOf(e);
    }

    /** The variables in scope with their types: the probe's, or those of the function being inlined. */
    Map<String, Type> variables() {
        return typed.variables(function != null ? function.scope() : probe);
    }

    /** Bytes a value of a type takes in a stack slot, map or event: integers take 8. */
    static int storedSize(Type t) {
        return switch (t) {
            case Type.Int i -> 8;
            case Type.Tuple tu -> tu.size();
            default -> Type.align8(t.size());
        };
    }

    // ---- statements ----

    void block(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            int m = frame.mark();
            stmt(s);
            frame.release(m);
        }
    }

    private void stmt(Stmt s) {
        switch (s) {
            case Stmt.ExprStmt e -> {
                if (e.expr() instanceof Expr.Ternary t && type(t) instanceof Type.None) {
                    // cond ? printf(...) : printf(...): an if/else of statements
                    Asm.Label otherwise = asm.label();
                    Asm.Label end = asm.label();
                    int m = frame.mark();
                    intExpr(t.cond());
                    frame.release(m);
                    asm.jumpImm(JumpOp.JEQ, 0, 0, otherwise);
                    stmt(new Stmt.ExprStmt(t.then(), e.span()));
                    asm.jump(end);
                    asm.bind(otherwise);
                    stmt(new Stmt.ExprStmt(t.otherwise(), e.span()));
                    asm.bind(end);
                } else if (e.expr() instanceof Expr.Call c) {
                    new Calls(this).statement(c);
                } else if (type(e.expr()) instanceof Type.Int) {
                    intExpr(e.expr());
                } else {
                    valueInto(e.expr(), type(e.expr()), frame.alloc(storedSize(type(e.expr()))));
                }
            }
            case Stmt.AssignVar a when !varSlots.containsKey(a.var().name()) -> {
                // `let $x;` never assigned (the checker warned): no type, no storage, no code
            }
            case Stmt.AssignVar a -> {
                Type vt = variables().get(a.var().name());
                if (vt == null) {
                    break; // `let $x;` never assigned nor read: no variable (the parser warned)
                }
                int slot = varSlots.get(a.var().name());
                if (a.value().isPresent()) {
                    valueInto(a.value().get(), vt, slot);
                } else {
                    for (int off = 0; off < storedSize(vt); off += 8) {
                        asm.storeImm(Size.DW, asm.frameBase, slot + off, 0);
                    }
                }
            }
            case Stmt.AssignMap a -> aggregations.assign(a);
            case Stmt.If i -> {
                Asm.Label otherwise = asm.label();
                Asm.Label end = asm.label();
                int m = frame.mark();
                intExpr(i.cond());
                frame.release(m);
                asm.jumpImm(JumpOp.JEQ, 0, 0, otherwise);
                block(i.then());
                asm.jump(end);
                asm.bind(otherwise);
                block(i.otherwise());
                asm.bind(end);
            }
            case Stmt.While w -> {
                Asm.Label top = asm.label();
                Asm.Label end = asm.label();
                asm.bind(top);
                int m = frame.mark();
                intExpr(w.cond());
                frame.release(m);
                asm.jumpImm(JumpOp.JEQ, 0, 0, end);
                loops.push(new Asm.Label[] {end, top});
                block(w.body());
                loops.pop();
                asm.jump(top);
                asm.bind(end);
            }
            case Stmt.Unroll u -> {
                long n = SemanticAnalyser.constantOf(u.count(), typed.params());
                for (long k = 0; k < n; k++) {
                    block(u.body());
                }
            }
            case Stmt.ForRange f -> forLoops.forRange(f);
            case Stmt.ForMap f -> forLoops.forMap(f);
            case Stmt.Jump j -> {
                switch (j.kind()) {
                    case RETURN -> {
                        if (function != null) {
                            new FunctionCalls(this).ret(j);
                        } else if (j.value().isEmpty()) {
                            forLoops.leaveProbe();
                        } else {
                            intExpr(j.value().get()); // the probe's return value, in r0
                            forLoops.leave();
                        }
                    }
                    case BREAK -> asm.jump(loops.peek()[0]);
                    case CONTINUE -> asm.jump(loops.peek()[1]);
                }
            }
        }
    }

    /**
     * {@code len(@m)} into r0: the number of elements {@code bpf_for_each_map_elem} visits with a
     * callback that only goes on (current bpftrace counts them the same way).
     */
    void mapLength(Expr.MapRef m) {
        Asm.Label fn = asm.label();
        asm.loadMap(1, mapIndex(m.name()));
        asm.loadFunction(2, fn);
        asm.movImm(3, 0);
        asm.movImm(4, 0);
        asm.call("for_each_map_elem");
        deferred.add(() -> {
            asm.bind(fn);
            asm.movImm(0, 0);
            asm.exit();
        });
    }

    // ---- values ----

    /**
     * Writes the value of {@code e} into the stack slot at {@code off}, laid out as type {@code dst}
     * (which may be wider than the expression's own type: longer strings, tuples of them).
     */
    void valueInto(Expr e, Type dst, int off) {
        Type src = type(e);
        switch (dst) {
            case Type.Int i -> {
                intExpr(e);
                if (type(e) instanceof Type.Int from && (from.bits() > i.bits() || from.signed() != i.signed())) {
                    new IntExprs(this).narrow(i);
                }
                asm.store(Size.DW, asm.frameBase, off, 0);
            }
            case Type.Str s -> strings.into(e, s.size(), off);
            case Type.Tuple t -> {
                if (e instanceof Expr.Tuple lit) {
                    for (int k = 0; k < lit.elements().size(); k++) {
                        // a record's fields go to their names' places, evaluated in the order written
                        int at = t.isRecord() && !lit.names().isEmpty() ? t.names().indexOf(lit.names().get(k)) : k;
                        valueInto(lit.elements().get(k), t.elements().get(at), off + t.offset(at));
                    }
                } else if (src.equals(dst)) {
                    int m = frame.mark();
                    int tmp = frame.alloc(storedSize(src));
                    rawValue(e, tmp);
                    copy(asm.frameBase, tmp, off, storedSize(dst));
                    frame.release(m);
                } else {
                    int m = frame.mark();
                    int tmp = frame.alloc(storedSize(src));
                    rawValue(e, tmp);
                    convert((Type.Tuple) src, tmp, t, off);
                    frame.release(m);
                }
            }
            case Type.ProbeName p -> {
                int name = events.addProbeName(attachPoint.name());
                if (typed.expansion().resolved().get(attachPoint) instanceof Resolved.Uprobe u
                        && u.multi()) {
                    // the matches of a wildcard share one program: the attach cookie is the name's index
                    asm.mov(1, CTX);
                    asm.call("get_attach_cookie");
                } else {
                    asm.movImm(0, name);
                }
                asm.store(Size.DW, asm.frameBase, off, 0);
            }
            case Type.Timestamp ts -> {
                if (e instanceof Expr.Call c && c.name().equals("strftime")) {
                    new Calls(this).strftime(c, off);
                } else {
                    rawValue(e, off); // a variable holding a strftime() value
                }
            }
            case Type.Stack st -> {
                if (e instanceof Expr.Builtin || e instanceof Expr.Call c && (c.name().equals("kstack")
                        || c.name().equals("ustack") || c.name().equals("dw_ustack"))) {
                    stackInto(e, st, off);
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Ksym x -> symbolInto(e, "ksym", off);
            case Type.Usym x -> symbolInto(e, "usym", off);
            case Type.Deferred x -> {
                if (e instanceof Expr.Cast c) {
                    intExpr(c.operand()); // (username_t)1000: the integer user space resolves
                    asm.store(Size.DW, asm.frameBase, off, 0);
                } else if (e instanceof Expr.Call c && !c.args().isEmpty()) {
                    intExpr(c.args().getFirst()); // strerror(e), cgroup_path(id): the value user space resolves
                    asm.store(Size.DW, asm.frameBase, off, 0);
                } else if (e instanceof Expr.Call || e instanceof Expr.Builtin) {
                    asm.call("get_current_uid_gid"); // username: the user id
                    asm.aluImm(AluOp.LSH, 0, 32);
                    asm.aluImm(AluOp.RSH, 0, 32);
                    asm.store(Size.DW, asm.frameBase, off, 0);
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Inet x -> {
                if (e instanceof Expr.Call c && c.name().equals("ntop")) {
                    new Calls(this).ntop(c, off);
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Buf b -> {
                if (e instanceof Expr.Call c && c.name().equals("buf")) {
                    new Buffers(this).buf(c, b, off);
                } else {
                    int m = frame.mark();
                    int tmp = frame.alloc(storedSize(src));
                    rawValue(e, tmp);
                    copy(asm.frameBase, tmp, off, storedSize(src));
                    for (int k = storedSize(src); k < storedSize(dst); k += 8) {
                        asm.storeImm(Size.DW, asm.frameBase, off + k, 0);
                    }
                    frame.release(m);
                }
            }
            case Type.MacAddr x -> {
                if (e instanceof Expr.Call c && c.name().equals("macaddr")) {
                    new Buffers(this).macaddr(c, off);
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Array x -> {
                if (e instanceof Expr.Call c && c.name().equals("pton")) {
                    new Buffers(this).pton(c, off);
                } else if (e instanceof Expr.Cast c && type(c.operand()) instanceof Type.Array) {
                    valueInto(c.operand(), x, off); // (uint8[4])pton(...): the same array
                } else if (e instanceof Expr.Cast c && type(c.operand()) instanceof Type.Str s) {
                    zero(off, storedSize(x)); // (int8[])"hello": the string's bytes
                    strings.into(c.operand(), s.size(), off);
                } else if (e instanceof Expr.Cast c) {
                    zero(off, storedSize(x)); // (int8[8])n: the integer's bytes, little-endian
                    intExpr(c.operand());
                    asm.store(Size.DW, asm.frameBase, off, 0);
                } else if (typed.kernelField(e) != null) {
                    zero(off, storedSize(x));
                    new IntExprs(this).address(e);
                    new Buffers(this).read(off, x.size(), typed.kernelField(e).user());
                } else if (e instanceof Expr.Field f && f.base() instanceof Expr.Builtin b && b.name().equals("args")
                        && new ContextReads(this).isTracepointField(f)) {
                    zero(off, storedSize(x));
                    new ContextReads(this).argsBytes(f, x.size(), off); // an integer array of the record
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Record r -> {
                if (typed.kernelField(e) != null && typed.kernelField(e).struct()) {
                    zero(off, storedSize(r));
                    new IntExprs(this).address(e);
                    new Buffers(this).read(off, r.size(), typed.kernelField(e).user());
                } else if (e instanceof Expr.Unary u && u.op() == UnOp.DEREF) {
                    intExpr(u.operand());
                    new Buffers(this).read(off, r.size(), new Buffers(this).user(u.operand()));
                } else if (e instanceof Expr.Builtin b && b.name().equals("args")) {
                    // a uprobe's parameters: each argument register in its 8-byte slot, at its type's size
                    zero(off, storedSize(r));
                    for (int k = 0; k < r.fields().size(); k++) {
                        Type.RecordField f = r.fields().get(k);
                        new ContextReads(this).arg(k, e.span());
                        asm.store(Size.ofBytes(f.type().size()), asm.frameBase, off + f.offset(), 0);
                    }
                } else {
                    rawValue(e, off);
                }
            }
            case Type.Agg a -> unsupported(e.span(), "an aggregation as a value");
            case Type.StructRef s -> unsupported(e.span(), "a struct as a value");
            case Type.None n -> { }
        }
    }

    /**
     * r0 = the number of frames of a stack value (current bpftrace's {@code len(stack)}): the high
     * half of its first word (see {@link #stackInto}), 0 for a stack that could not be read.
     */
    void stackLength(Expr e, Type.Stack st) {
        int m = frame.mark();
        int off = frame.alloc(storedSize(st));
        valueInto(e, st, off);
        asm.load(Size.DW, 0, asm.frameBase, off);
        Asm.Label none = asm.label();
        Asm.Label done = asm.label();
        asm.jumpImm(JumpOp.JSLT, 0, 0, none);
        asm.aluImm(AluOp.RSH, 0, 32);
        asm.jump(done);
        asm.bind(none);
        asm.movImm(0, 0);
        asm.bind(done);
        frame.release(m);
    }

    /**
     * A stack's id from {@code bpf_get_stackid} (negative if none) and, for a user stack, the pid.
     * When the script takes {@code len()} of a stack, the id's high half holds the number of frames
     * (at most the stack's limit; counted with {@code bpf_get_stack}).
     */
    private void stackInto(Expr e, Type.Stack st, int off) {
        if (inCallback) {
            unsupported(e.span(), st.display() + " inside a for loop over a map or over a range with bounds known only at run time");
            return;
        }
        boolean dwarf = e instanceof Expr.Call c ? c.name().equals("dw_ustack")
                : e instanceof Expr.Builtin b && b.name().equals("dw_ustack");
        if (dwarf) {
            events.noteStacks(); // a process without unwind tables gets ustack's stack
            new DwarfStacks(this).into(st, off, e.span(), () -> stackIdInto(e, st, off));
            return;
        }
        stackIdInto(e, st, off);
    }

    private void stackIdInto(Expr e, Type.Stack st, int off) {
        boolean buildId = st.mode().equals("build_id");
        if (buildId) {
            events.noteBuildIdStacks();
        } else {
            events.noteStacks();
        }
        asm.mov(1, CTX);
        asm.loadMap(2, globalsIndex + (buildId ? 3 + (typed.usesDwarfStacks() ? 3 : 0) : 2));
        asm.movImm(3, st.user() ? 256 : 0);
        asm.call("get_stackid");
        asm.store(Size.DW, asm.frameBase, off, 0);
        if (typed.countsStackFrames()) {
            Asm.Label done = asm.label();
            asm.jumpImm(JumpOp.JSLT, 0, 0, done);
            int m = frame.mark();
            int frames = frame.alloc(8 * st.limit());
            asm.mov(1, CTX);
            asm.stackAddr(2, frames);
            asm.movImm(3, 8 * st.limit());
            asm.movImm(4, st.user() ? 256 : 0); // BPF_F_USER_STACK
            asm.call("get_stack");
            frame.release(m);
            asm.jumpImm(JumpOp.JSLE, 0, 0, done);
            asm.aluImm(AluOp.RSH, 0, 3); // bytes to frames
            asm.aluImm(AluOp.LSH, 0, 32);
            asm.load(Size.DW, 1, asm.frameBase, off);
            asm.alu(AluOp.OR, 1, 0);
            asm.store(Size.DW, asm.frameBase, off, 1);
            asm.bind(done);
        }
        if (st.user()) {
            pid(false, false, e.span()); // the process the frames are resolved in, as the tracer sees it
            asm.store(Size.DW, asm.frameBase, off + 8, 0);
        }
    }

    private void symbolInto(Expr e, String function, int off) {
        if (e instanceof Expr.Call c && c.name().equals(function)) {
            new Calls(this).symbol(c, off);
        } else if (e instanceof Expr.Builtin b && b.name().equals("func")) {
            String provider = attachPoint.provider();
            if (provider.equals("uprobe") || provider.equals("uretprobe")) {
                // the probed function's address, in a uretprobe too (there the instruction pointer
                // is the return address, in the caller), as current bpftrace
                asm.mov(1, CTX);
                asm.call("get_func_ip");
            } else {
                // the instruction pointer of the probed function's entry
                asm.load(Size.DW, 0, CTX, Registers.offset("ip"));
            }
            asm.store(Size.DW, asm.frameBase, off, 0);
            if (function.equals("usym")) {
                pid(false, false, e.span());
                asm.store(Size.DW, asm.frameBase, off + 8, 0);
            }
        } else {
            rawValue(e, off);
        }
    }

    /** Converts a tuple in the stack to a wider tuple type. */
    void convert(Type.Tuple from, int fromOff, Type.Tuple to, int toOff) {
        for (int k = 0; k < from.elements().size(); k++) {
            // a record's field goes to the place of its name (the records may list them in other orders)
            int at = from.isRecord() && to.isRecord() ? to.names().indexOf(from.names().get(k)) : k;
            Type a = from.elements().get(k);
            Type b = to.elements().get(at);
            if (a instanceof Type.Str sa && b instanceof Type.Str sb) {
                strings.copy(asm.frameBase, fromOff + from.offset(k), sa.size(), toOff + to.offset(at), sb.size());
            } else if (a instanceof Type.Tuple ta && b instanceof Type.Tuple tb) {
                convert(ta, fromOff + from.offset(k), tb, toOff + to.offset(at));
            } else {
                copy(asm.frameBase, fromOff + from.offset(k), toOff + to.offset(at), storedSize(b));
            }
        }
    }

    /** Writes an expression's value, in its own type's layout, to a stack slot. */
    void rawValue(Expr e, int off) {
        Type t = type(e);
        switch (e) {
            case Expr.Call c when FunctionCalls.isCall(this, c) -> new FunctionCalls(this).into(c, off);
            case Expr.Var v -> copy(asm.frameBase, varSlots.get(v.name()), off, storedSize(t));
            case Expr.MapRef m -> aggregations.readInto(m, off, storedSize(t));
            case Expr.Field f when type(f.base()) instanceof Type.Record r -> {
                Type.RecordField rf = r.fields().stream().filter(x -> x.name().equals(f.field())).findFirst()
                        .orElseThrow();
                int mk = frame.mark();
                int tmp = frame.alloc(r.size());
                rawValue(f.base(), tmp);
                if (t instanceof Type.Int) {
                    intExpr(f);
                    asm.store(Size.DW, asm.frameBase, off, 0);
                } else {
                    zero(off, storedSize(t));
                    copyBytes(tmp + rf.offset(), off, rf.type().size());
                }
                frame.release(mk);
            }
            case Expr.Index ix when !(t instanceof Type.Int) && typed.kernelField(ix) == null
                    && type(ix.base()) instanceof Type.Array arr && ix.index() instanceof Expr.IntLit lit -> {
                // an element of an array value (an array of arrays or of structs): the array in a slot, then its bytes
                int mk = frame.mark();
                int tmp = frame.alloc(storedSize(arr));
                rawValue(ix.base(), tmp);
                zero(off, storedSize(t));
                copyBytes(tmp + (int) lit.value() * t.size(), off, t.size());
                frame.release(mk);
            }
            case Expr e2 when typed.rewrite(e2) instanceof Expr.TupleIndex ti -> rawValue(ti, off); // $r.a, $t[1]
            case Expr.Unary u when u.op() == UnOp.DEREF && !(t instanceof Type.Int) -> {
                // *p of a pointer to a value kept in memory (&$v): its bytes as the value's layout
                zero(off, storedSize(t));
                intExpr(u.operand());
                new Buffers(this).read(off, storedSize(t), new Buffers(this).user(u.operand()));
            }
            case Expr.TupleIndex ti -> {
                Type.Tuple bt = (Type.Tuple) type(ti.base());
                int mk = frame.mark();
                int tmp = frame.alloc(storedSize(bt));
                rawValue(ti.base(), tmp);
                copy(asm.frameBase, tmp + bt.offset(ti.index()), off, storedSize(t));
                frame.release(mk);
            }
            case Expr.Ternary tr -> {
                Asm.Label otherwise = asm.label();
                Asm.Label end = asm.label();
                intExpr(tr.cond());
                asm.jumpImm(JumpOp.JEQ, 0, 0, otherwise);
                valueInto(tr.then(), t, off);
                asm.jump(end);
                asm.bind(otherwise);
                valueInto(tr.otherwise(), t, off);
                asm.bind(end);
            }
            default -> valueInto(e, t, off);
        }
    }

    /** Zeroes {@code bytes} (a multiple of 8) of the frame at {@code off}. */
    void zero(int off, int bytes) {
        zeroAt(asm.frameBase, off, bytes);
    }

    /**
     * Blocks of more bytes than this are zeroed and copied by a helper rather than word by word,
     * so that programs holding strings of kilobytes stay small (a jump reaches at most 32K
     * instructions) and quick to verify. In a split frame, only the scratch part holds such blocks.
     */
    static final int UNROLLED_BLOCK = 512;

    /** Whether {@link #zeroAt} of {@code bytes} calls a helper (and so clobbers r0-r5). */
    static boolean zeroCallsHelper(int bytes) {
        return bytes > UNROLLED_BLOCK;
    }

    /**
     * Zeroes {@code bytes} (a multiple of 8) at {@code base + off}: word by word, or a large block
     * with the kernel's memset, as current bpftrace does above 512 bytes:
     * {@code bpf_probe_read_kernel} from NULL fails and zeroes its destination (clobbers r0-r5 then).
     */
    void zeroAt(int base, int off, int bytes) {
        if (!zeroCallsHelper(bytes)) {
            for (int k = 0; k < bytes; k += 8) {
                asm.storeImm(Size.DW, base, off + k, 0);
            }
            return;
        }
        asm.addr(1, base, off);
        asm.movImm(2, bytes);
        asm.movImm(3, 0);
        asm.call("probe_read_kernel");
    }

    /**
     * Copies {@code bytes} within the frame, from {@code from} to {@code to}, each access as wide
     * as both offsets' alignment allows (the verifier refuses misaligned stack accesses).
     */
    void copyBytes(int from, int to, int bytes) {
        int k = 0;
        while (k < bytes) {
            int w = 8;
            while (w > 1 && (w > bytes - k || Math.floorMod(from + k, w) != 0 || Math.floorMod(to + k, w) != 0)) {
                w /= 2;
            }
            Size s = switch (w) {
                case 8 -> Size.DW;
                case 4 -> Size.W;
                case 2 -> Size.H;
                default -> Size.B;
            };
            asm.load(s, 1, asm.frameBase, from + k);
            asm.store(s, asm.frameBase, to + k, 1);
            k += w;
        }
    }

    /** Copies {@code bytes} (a multiple of 8) from {@code base + from} to the stack at {@code to}. */
    void copy(int base, int from, int to, int bytes) {
        copyTo(asm.frameBase, to, base, from, bytes);
    }

    /**
     * Copies {@code bytes} (a multiple of 8) from {@code base + from} to {@code dst + to}: word by
     * word through r1, or for a block larger than {@link #UNROLLED_BLOCK} with
     * {@code bpf_probe_read_kernel} (both ends are the program's own memory: its frame, a map
     * value), which clobbers r0-r5.
     */
    void copyTo(int dst, int to, int base, int from, int bytes) {
        if (bytes <= UNROLLED_BLOCK) {
            for (int k = 0; k < bytes; k += 8) {
                asm.load(Size.DW, 1, base, from + k);
                asm.store(Size.DW, dst, to + k, 1);
            }
            return;
        }
        if (dst == 3) {
            throw new IllegalStateException("a copy's destination in r3");
        }
        asm.addr(3, base, from);
        asm.addr(1, dst, to);
        asm.movImm(2, bytes);
        asm.call("probe_read_kernel");
    }

    // ---- integers ----

    /** Computes an integer expression into r0; clobbers r0-r5. */
    void intExpr(Expr e) {
        new IntExprs(this).eval(e);
    }

    /** A stack slot for an event of {@code size} bytes (a whole queue value with the queue transport). */
    int eventSlot(int size) {
        return frame.alloc(Math.max(size, transport.queueValueSize()));
    }

    /** Sends an event of {@code size} bytes from the stack slot at {@code off} (from {@link #eventSlot}). */
    void output(int off, int size) {
        events.noteSize(size);
        asm.loadMap(1, ringIndex);
        asm.stackAddr(2, off);
        if (transport.queueValueSize() > 0) {
            asm.movImm(3, 0);
            asm.call("map_push_elem");
        } else {
            asm.movImm(3, size);
            asm.movImm(4, 0);
            asm.call("ringbuf_output");
        }
        // No room: count the event as lost (user space prints bpftrace's "Lost N events").
        Asm.Label sent = asm.label();
        asm.jumpImm(JumpOp.JEQ, 0, 0, sent);
        asm.loadMapValue(1, globalsIndex, 0);
        asm.movImm(2, 1);
        asm.emit(new Instruction.Atomic(Size.DW, AtomicOp.ADD, 1, 2,
                (short) LOST_OFFSET));
        asm.bind(sent);
    }

    /**
     * After a helper call: if it failed (a nonzero result, or for a {@code lookup} a null one),
     * sends a {@link Events#HELPER_ERROR} event naming the call site; r0 keeps the helper's result.
     * As current bpftrace, map updates are checked by default (level 1); memory reads and map
     * lookups, whose failure a script can see in the result, only with {@code -k} (level 2).
     */
    void checkHelper(String helper, Span span, boolean lookup) {
        boolean visible = lookup || helper.startsWith("probe_read");
        if (events.helperChecks() < (visible ? 2 : 1)) {
            return;
        }
        Asm.Label ok = asm.label();
        asm.jumpImm(lookup ? JumpOp.JNE : JumpOp.JEQ, 0, 0, ok);
        int m = frame.mark();
        int off = eventSlot(24);
        asm.store(Size.DW, asm.frameBase, off + 16, 0);
        asm.movImm(1, Events.HELPER_ERROR);
        asm.store(Size.DW, asm.frameBase, off, 1);
        asm.movImm(1, events.addHelperError(new Events.HelperError(helper, span)));
        asm.store(Size.DW, asm.frameBase, off + 8, 1);
        output(off, 24);
        if (lookup) {
            asm.movImm(0, 0); // a failed lookup's null
        } else {
            asm.load(Size.DW, 0, asm.frameBase, off + 16);
        }
        frame.release(m);
        asm.bind(ok);
    }

    /**
     * r0 = the current task's process id ({@code thread}: thread id), as seen from the tracer's PID
     * namespace, or from the initial one ({@code init}, or when the tracer runs there), as
     * current bpftrace's {@code pid(curr_ns|init)}, {@code tid(...)}.
     */
    void pid(boolean thread, boolean init, Span span) {
        if (init || pidNamespace.isEmpty()) {
            asm.call("get_current_pid_tgid");
            if (thread) {
                asm.aluImm(AluOp.LSH, 0, 32);
            }
            asm.aluImm(AluOp.RSH, 0, 32);
            return;
        }
        // struct bpf_pidns_info { u32 pid (the thread's id); u32 tgid; }, zeroed by the kernel on failure
        int m = frame.mark();
        int info = frame.alloc(8);
        asm.movImm(1, pidNamespace.get().dev());
        asm.movImm(2, pidNamespace.get().ino());
        asm.stackAddr(3, info);
        asm.movImm(4, 8);
        asm.call("get_ns_current_pid_tgid");
        checkHelper("get_ns_current_pid_tgid", span, false);
        asm.load(Size.W, 0, asm.frameBase, info + (thread ? 0 : 4));
        frame.release(m);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    int mapIndex(String name) {
        return mapIndex.get(name);
    }

    MapInfo mapInfo(String name) {
        return typed.maps().get(name);
    }
}
