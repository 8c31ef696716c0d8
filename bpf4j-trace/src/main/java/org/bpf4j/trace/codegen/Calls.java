package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.EndianOp;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.trace.ast.CFunction;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.sema.Builtins;
import org.bpf4j.trace.sema.FormatString;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Registers;
import org.bpf4j.trace.sema.SemanticAnalyser;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.symbols.KernelSymbols;

/** Code for calls: printf, print, time, exit, clear, zero, delete as statements; the rest as values. */
final class Calls {
    private final ProbeCompiler pc;
    private final Asm asm;

    Calls(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** A call whose value is not used. */
    void statement(Expr.Call c) {
        if (FunctionCalls.isCall(pc, c)) {
            new FunctionCalls(pc).statement(c); // the script's function, whatever its name
            return;
        }
        switch (c.name()) {
            case "printf", "system", "cat", "errorf", "warnf" -> printf(c);
            case "debugf" -> debugf(c);
            case "join" -> join(c);
            case "static_assert", "fail", "assert_str" -> {
                // checked when compiling (sema.StdlibCalls): no code
            }
            case "signal", "signal_thread" -> {
                Expr arg = c.args().getFirst();
                if (arg instanceof Expr.StrLit name) {
                    asm.movImm(1, Builtins.signalNumber(name.value()));
                } else {
                    pc.intExpr(arg);
                    asm.mov(1, 0);
                }
                asm.call(c.name().equals("signal") ? "send_signal" : "send_signal_thread");
            }
            case "print" -> print(c);
            case "time" -> {
                String fmt = c.args().isEmpty() ? "%H:%M:%S\n" : ((Expr.StrLit) c.args().getFirst()).value();
                int off = pc.eventSlot(16);
                event(off, Events.TIME, pc.events.addTime(fmt));
                pc.output(off, 16);
            }
            case "exit" -> {
                // As bpftrace, an event: the probes keep running until user space reads it and
                // detaches them (what they print meanwhile is dropped, what they count is kept);
                // the time of the first exit() bounds that (ProbeCompiler.EXIT_GRACE_NANOS)
                Asm.Label timed = asm.label();
                asm.loadMapValue(1, pc.globalsIndex, 0);
                asm.load(Size.DW, 2, 1, ProbeCompiler.EXIT_TIME_OFFSET);
                asm.jumpImm(JumpOp.JNE, 2, 0, timed);
                asm.call("ktime_get_ns");
                asm.loadMapValue(1, pc.globalsIndex, 0);
                asm.store(Size.DW, 1, ProbeCompiler.EXIT_TIME_OFFSET, 0);
                asm.bind(timed);
                int off = pc.eventSlot(16);
                asm.storeImm(Size.DW, asm.frameBase, off, (int) Events.EXIT);
                if (c.args().isEmpty()) {
                    asm.storeImm(Size.DW, asm.frameBase, off + 8, 0);
                } else {
                    pc.intExpr(c.args().getFirst());
                    asm.store(Size.DW, asm.frameBase, off + 8, 0);
                }
                pc.output(off, 16);
                pc.forLoops.leaveProbe(); // from a loop's callback too
            }
            case "clear", "zero" -> {
                Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
                int off = pc.eventSlot(16);
                event(off, c.name().equals("clear") ? Events.CLEAR : Events.ZERO, pc.mapIndex(m.name()));
                pc.output(off, 16);
            }
            case "delete" -> delete(c);
            default -> {
                if (pc.typed.program().function(c.name()).isPresent()) {
                    cFunction(c, pc.typed.program().function(c.name()).get());
                    return;
                }
                Type t = pc.type(c);
                if (t instanceof Type.Int) {
                    intCall(c);
                } else if (!(t instanceof Type.None)) {
                    pc.valueInto(c, t, pc.frame.alloc(ProbeCompiler.storedSize(t)));
                } else {
                    pc.unsupported(c.span(), c.name() + "()");
                }
            }
        }
    }

    private void event(int off, long id, long arg) {
        asm.storeImm(Size.DW, asm.frameBase, off, (int) id);
        asm.movImm(1, arg);
        asm.store(Size.DW, asm.frameBase, off + 8, 1);
    }

    private void printf(Expr.Call c) {
        if (c.name().equals("printf") && pc.isIterator() && !pc.inCallback && pc.function == null) {
            seqPrintf(c);
            return;
        }
        List<Expr> args = c.args().subList(1, c.args().size());
        List<Type> types = new ArrayList<>();
        for (Expr a : args) {
            Type t = pc.type(a);
            types.add(t instanceof Type.Int i ? (i.bool() ? new Type.Int(64, false) : new Type.Int(64, i.signed())) : t);
        }
        Type.Tuple layout = new Type.Tuple(types);
        FormatString fmt = FormatString.parse(((Expr.StrLit) c.args().getFirst()).value());
        Map<Integer, Map<Long, String>> enums = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            Map<Long, String> e = pc.typed.enumValues(args.get(i));
            if (e != null) {
                enums.put(i, e);
            }
        }
        int id = pc.events.addPrintf(new Events.Printf(fmt, layout, c.name(), enums, c.span(), c.expandedFrom()));
        int size = 8 + layout.size();
        int off = pc.eventSlot(size);
        asm.movImm(1, Events.PRINTF_BASE + id);
        asm.store(Size.DW, asm.frameBase, off, 1);
        for (int i = 0; i < args.size(); i++) {
            pc.valueInto(args.get(i), layout.elements().get(i), off + 8 + layout.offset(i));
        }
        pc.output(off, size);
    }

    /**
     * {@code printf} in an iterator, as current bpftrace compiles it: {@code bpf_seq_printf} into
     * the iterator's seq file ({@code ctx->meta->seq}), which the reader gets in order; the kernel
     * formats it. The format is in the read-only map of iterator formats ({@link Events#iterFormat});
     * the arguments are 64-bit values, strings passed as the address of a NUL-terminated copy.
     */
    private void seqPrintf(Expr.Call c) {
        Expr.StrLit fmt = (Expr.StrLit) c.args().getFirst();
        List<Expr> args = c.args().subList(1, c.args().size());
        int m = pc.frame.mark();
        byte[] text = ProbeCompiler.bytes(fmt.value());
        int fmtOff = pc.events.iterFormat(text);
        int data = args.isEmpty() ? 0 : pc.frame.alloc(8 * args.size());
        for (int i = 0; i < args.size(); i++) {
            Type t = pc.type(args.get(i));
            if (t instanceof Type.Str s) {
                int slot = pc.frame.alloc(Type.align8(s.size() + 1));
                asm.storeImm(Size.DW, asm.frameBase, slot + Type.align8(s.size() + 1) - 8, 0); // the NUL after a full string
                pc.valueInto(args.get(i), s, slot);
                asm.stackAddr(1, slot);
                asm.store(Size.DW, asm.frameBase, data + 8 * i, 1);
            } else if (t instanceof Type.Int x) {
                pc.valueInto(args.get(i), new Type.Int(64, x.signed()), data + 8 * i);
            } else {
                pc.unsupported(args.get(i).span(), "a " + t.display() + " argument of printf in an iterator (the kernel "
                        + "formats integers and strings)");
            }
        }
        asm.load(Size.DW, 1, ProbeCompiler.CTX, 0); // ctx->meta
        asm.load(Size.DW, 1, 1, 0); // meta->seq
        asm.loadMapValue(2, Events.ITER_FORMATS_MAP, fmtOff);
        asm.movImm(3, text.length + 1);
        if (args.isEmpty()) {
            asm.movImm(4, 0);
        } else {
            asm.stackAddr(4, data);
        }
        asm.movImm(5, 8 * args.size());
        asm.call("seq_printf");
        pc.frame.release(m);
    }

    /**
     * {@code debugf(fmt, ...)}: {@code bpf_trace_printk} with the format (NUL-terminated) and the
     * arguments: integers as 64-bit values, strings as the address of their copy on the frame.
     */
    private void debugf(Expr.Call c) {
        Expr.StrLit fmt = (Expr.StrLit) c.args().getFirst();
        List<Expr> args = c.args().subList(1, c.args().size());
        int m = pc.frame.mark();
        int fmtSize = ProbeCompiler.bytes(fmt.value()).length + 1;
        int fmtOff = pc.frame.alloc(fmtSize);
        pc.valueInto(fmt, new Type.Str(fmtSize), fmtOff);
        int[] slots = new int[args.size()];
        for (int i = 0; i < args.size(); i++) {
            Type t = pc.type(args.get(i));
            if (t instanceof Type.Str s) {
                slots[i] = pc.frame.alloc(s.size());
                pc.valueInto(args.get(i), s, slots[i]);
            } else {
                slots[i] = pc.frame.alloc(8);
                pc.valueInto(args.get(i), new Type.Int(64, t instanceof Type.Int x && x.signed()), slots[i]);
            }
        }
        asm.stackAddr(1, fmtOff);
        asm.movImm(2, fmtSize);
        for (int i = 0; i < args.size(); i++) {
            if (pc.type(args.get(i)) instanceof Type.Str) {
                asm.stackAddr(3 + i, slots[i]);
            } else {
                asm.load(Size.DW, 3 + i, asm.frameBase, slots[i]);
            }
        }
        asm.call("trace_printk");
        pc.frame.release(m);
    }

    /** An integer literal's value, or a positional parameter's (print's top and div). */
    private long literal(Expr e) {
        return e instanceof Expr.IntLit i ? i.value() : pc.typed.constant(e);
    }

    private void print(Expr.Call c) {
        Expr first = c.args().getFirst();
        if (first instanceof Expr.MapRef m && m.keys().isEmpty()) {
            int off = pc.eventSlot(32);
            event(off, Events.PRINT_MAP, pc.mapIndex(m.name()));
            long top = c.args().size() > 1 ? literal(c.args().get(1)) : 0;
            long div = c.args().size() > 2 ? literal(c.args().get(2)) : 0;
            asm.movImm(1, top);
            asm.store(Size.DW, asm.frameBase, off + 16, 1);
            asm.movImm(1, div);
            asm.store(Size.DW, asm.frameBase, off + 24, 1);
            pc.output(off, 32);
            return;
        }
        Type t = pc.type(first);
        if (t instanceof Type.Int i && !i.isPointer()) {
            t = i.widened(); // a pointer stays one: printed in hex, as current bpftrace prints pointers
        }
        int size = 16 + ProbeCompiler.storedSize(t);
        int off = pc.eventSlot(size);
        event(off, Events.PRINT_VALUE, pc.events.addPrintValue(t, pc.typed.enumValues(first)));
        pc.valueInto(first, t, off + 16);
        pc.output(off, size);
    }

    /** {@code strftime(fmt, nsecs)} as a timestamp value at {@code off}: [format index][nsecs]. */
    void strftime(Expr.Call c, int off) {
        String fmt = ((Expr.StrLit) c.args().getFirst()).value();
        asm.movImm(1, pc.events.addStrftime(fmt));
        asm.store(Size.DW, asm.frameBase, off, 1);
        pc.intExpr(c.args().get(1));
        asm.store(Size.DW, asm.frameBase, off + 8, 0);
    }

    /**
     * {@code join(argv[, delim])}: reads up to {@link Events#JOIN_ARGS} strings through the array of
     * user pointers into the scratch buffer (after the frame kept there, if any), stopping at a null
     * pointer, and sends the buffer as one event.
     */
    private void join(Expr.Call c) {
        int size = 16 + Events.JOIN_ARGS * Events.JOIN_ARG_SIZE;
        int queue = pc.transport.queueValueSize();
        if (queue > 0 && queue < size) {
            pc.unsupported(c.span(), "join() with events through a queue map");
            return;
        }
        pc.events.noteScratch(pc.scratchFrame + size);
        pc.events.noteSize(size);
        String delim = c.args().size() == 2 ? ((Expr.StrLit) c.args().get(1)).value() : " ";
        int m = pc.frame.mark();
        int buf = pc.frame.alloc(8);
        int argv = pc.frame.alloc(8);
        int tmp = pc.frame.alloc(8);
        pc.intExpr(c.args().getFirst());
        asm.store(Size.DW, asm.frameBase, argv, 0);
        asm.storeImm(Size.DW, asm.frameBase, tmp, 0);
        Asm.Label end = asm.label();
        pc.scratchLookup(tmp, end);
        if (pc.scratchFrame > 0) {
            asm.aluImm(AluOp.ADD, 0, pc.scratchFrame); // after the frame kept there
        }
        asm.store(Size.DW, asm.frameBase, buf, 0);
        asm.movImm(1, Events.JOIN);
        asm.store(Size.DW, 0, 0, 1);
        asm.movImm(1, pc.events.addJoinDelimiter(delim));
        asm.store(Size.DW, 0, 8, 1);
        Asm.Label done = asm.label();
        for (int i = 0; i < Events.JOIN_ARGS; i++) {
            int at = 16 + i * Events.JOIN_ARG_SIZE;
            asm.stackAddr(1, tmp);
            asm.movImm(2, 8);
            asm.load(Size.DW, 3, asm.frameBase, argv);
            if (i > 0) {
                asm.aluImm(AluOp.ADD, 3, 8 * i);
            }
            asm.call("probe_read_user");
            asm.load(Size.DW, 3, asm.frameBase, tmp);
            asm.load(Size.DW, 1, asm.frameBase, buf);
            asm.storeImm(Size.B, 1, at, 0);
            asm.jumpImm(JumpOp.JEQ, 3, 0, done);
            asm.aluImm(AluOp.ADD, 1, at);
            asm.movImm(2, Events.JOIN_ARG_SIZE);
            asm.call("probe_read_user_str");
        }
        asm.bind(done);
        asm.loadMap(1, pc.ringIndex);
        asm.load(Size.DW, 2, asm.frameBase, buf);
        if (queue > 0) {
            asm.movImm(3, 0);
            asm.call("map_push_elem");
        } else {
            asm.movImm(3, size);
            asm.movImm(4, 0);
            asm.call("ringbuf_output");
        }
        asm.bind(end);
        pc.frame.release(m);
    }

    /** {@code ksym(addr)} or {@code usym(addr)} at {@code off}: the address, and for usym the process id. */
    void symbol(Expr.Call c, int off) {
        pc.intExpr(c.args().getFirst());
        asm.store(Size.DW, asm.frameBase, off, 0);
        if (c.name().equals("usym")) {
            pc.pid(false, false, c.span());
            asm.store(Size.DW, asm.frameBase, off + 8, 0);
        }
    }

    /**
     * {@code ntop([af,] addr)} at {@code off}: the family (AF_INET without one), then 16 address
     * bytes: an integer's 4 bytes in memory order, or the bytes of a 4- or 16-byte array.
     */
    void ntop(Expr.Call c, int off) {
        Expr addr = c.args().getLast();
        if (c.args().size() == 2) {
            pc.intExpr(c.args().getFirst());
            asm.store(Size.DW, asm.frameBase, off, 0);
        } else {
            Type at = pc.type(addr);
            asm.storeImm(Size.DW, asm.frameBase, off, (at instanceof Type.Str || at instanceof Type.Array)
                    && at.size() == 16 ? 10 : 2);
        }
        if (pc.type(addr) instanceof Type.Array arr) {
            asm.storeImm(Size.DW, asm.frameBase, off + 8, 0);
            asm.storeImm(Size.DW, asm.frameBase, off + 16, 0);
            pc.rawValue(addr, off + 8);
            return;
        }
        if (pc.type(addr) instanceof Type.Str s) {
            pc.strings.into(addr, 16, off + 8);
            return;
        }
        pc.intExpr(addr);
        asm.store(Size.W, asm.frameBase, off + 8, 0);
        asm.storeImm(Size.W, asm.frameBase, off + 12, 0);
        asm.storeImm(Size.DW, asm.frameBase, off + 16, 0);
    }

    /** A call with an integer value, into r0. */
    /** {@code delete(@m[k])} or {@code delete(@m, k)}; r0 is map_delete_elem's result. */
    private void delete(Expr.Call c) {
        Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
        var info = pc.mapInfo(m.name());
        boolean oneTuple = info.keys().size() == 1 && info.keys().getFirst() instanceof Type.Tuple;
        int key = c.args().size() == 2
                ? pc.aggregations.key(m, c.args().get(1) instanceof Expr.Tuple t && !oneTuple ? t.elements()
                        : List.of(c.args().get(1)), info)
                : pc.aggregations.key(m, info);
        pc.aggregations.delete(pc.mapIndex(m.name()), key);
        // not checked (no warning at any level): current bpftrace's delete() is a library function
        // whose result (false for a missing key) is the script's to look at
    }

    void intCall(Expr.Call c) {
        if (FunctionCalls.isCall(pc, c)) {
            new FunctionCalls(pc).intValue(c);
            return;
        }
        if (BtfPointerCalls.handles(c.name())) {
            new BtfPointerCalls(pc).call(c);
            return;
        }
        if (c.name().equals("write_user")) {
            writeUser(c);
            return;
        }
        switch (c.name()) {
            case "delete" -> {
                // current bpftrace: delete() is true if the key was there
                delete(c);
                succeeded();
            }
            case "strncmp" -> pc.strings.strncmp(c.args().get(0), c.args().get(1),
                    (int) (long) SemanticAnalyser.constantOf(c.args().get(2), pc.typed.params()));
            case "strcontains" -> {
                pc.strings.search(c.args().get(0), c.args().get(1), false);
            }
            case "sizeof" -> asm.movImm(0, pc.typed.constant(c) != null ? pc.typed.constant(c)
                    : Type.cSize(pc.type(c.args().getFirst())));
            case "ppid" -> pc.intExpr(pc.typed.rewrite(c));
            case "len" -> {
                if (pc.type(c.args().getFirst()) instanceof Type.Stack st) {
                    pc.stackLength(c.args().getFirst(), st);
                } else {
                    pc.mapLength((Expr.MapRef) c.args().getFirst());
                }
            }
            case "strlen" -> pc.strings.length(c.args().getFirst());
            case "pid", "tid" -> pc.pid(c.name().equals("tid"),
                    ((Expr.Builtin) c.args().getFirst()).name().equals("init"), c.span());
            case "nsecs" -> asm.call(Builtins.CLOCKS.get(((Expr.Builtin) c.args().getFirst()).name()));
            case "bswap" -> {
                pc.intExpr(c.args().getFirst());
                int bits = ((Type.Int) pc.type(c.args().getFirst())).bits();
                if (bits > 8) {
                    asm.emit(new Instruction.Endian(EndianOp.BE, 0, bits));
                }
            }
            case "kaddr" -> asm.movImm(0, pc.typed.constant(c) != null ? pc.typed.constant(c)
                    : KernelSymbols.system().address(((Expr.StrLit) c.args().getFirst()).value()).orElseThrow());
            case "uaddr" -> uaddr(c);
            case "percpu_kaddr" -> percpuAddress(c);
            case "cgroupid", "getopt" -> asm.movImm(0, pc.typed.constant(c));
            case "reg" -> asm.load(Size.DW, 0, ProbeCompiler.CTX,
                    Registers.offset(((Expr.StrLit) c.args().getFirst()).value()));
            case "kptr", "uptr" -> pc.intExpr(c.args().getFirst());
            case "has_key" -> {
                Expr.MapRef m = (Expr.MapRef) c.args().getFirst();
                Expr k = c.args().get(1);
                MapInfo info = pc.mapInfo(m.name());
                boolean oneTuple = info.keys().size() == 1
                        && info.keys().getFirst() instanceof Type.Tuple;
                pc.aggregations.hasKey(m, k instanceof Expr.Tuple t && !oneTuple ? t.elements() : List.of(k));
            }
            default -> {
                if (pc.typed.program().function(c.name()).isPresent()) {
                    cFunction(c, pc.typed.program().function(c.name()).get());
                } else if (StdlibCode.INT_FUNCTIONS.contains(c.name())) {
                    new StdlibCode(pc).intCall(c);
                } else {
                    pc.unsupported(c.span(), c.name() + "() as a value");
                }
            }
        }
    }

    /**
     * A call of a function of imported BPF C: the arguments, each converted to its parameter's
     * type, in r1-r5, then a BPF-to-BPF call of the function's code (placed after the program's,
     * once); r0 its value, converted from the result's type.
     */
    private void cFunction(Expr.Call c, CFunction f) {
        int m = pc.frame.mark();
        int[] slots = new int[c.args().size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = pc.frame.alloc(8);
            pc.intExpr(c.args().get(i));
            extend(f.params().get(i));
            asm.store(Size.DW, asm.frameBase, slots[i], 0);
        }
        for (int i = 0; i < slots.length; i++) {
            asm.load(Size.DW, i + 1, asm.frameBase, slots[i]);
        }
        Asm.Label code = pc.cFunctions.computeIfAbsent(f.name(), k -> {
            Asm.Label l = asm.label();
            pc.deferred.add(() -> {
                asm.bind(l);
                asm.embed(f.code());
            });
            return l;
        });
        asm.callLocal(code);
        f.result().ifPresent(this::extend);
        pc.frame.release(m);
    }

    /** r0 as a value of a C integer type: its low bytes, sign- or zero-extended. */
    private void extend(CFunction.CType t) {
        if (t.size() < 8) {
            int shift = 64 - 8 * t.size();
            asm.aluImm(AluOp.LSH, 0, shift);
            asm.aluImm(t.signed() ? AluOp.ARSH : AluOp.RSH, 0, shift);
        }
    }

    /**
     * {@code percpu_kaddr("VAR"[, cpu])}: the kernel variable (an ld_imm64 of its BTF id) through
     * {@code bpf_this_cpu_ptr}, or {@code bpf_per_cpu_ptr} for a CPU (null past the last CPU).
     */
    private void percpuAddress(Expr.Call c) {
        int variable = pc.typed.constant(c).intValue();
        if (c.args().size() == 2) {
            pc.intExpr(c.args().get(1));
            asm.mov(2, 0);
        }
        asm.emit(new Instruction.LoadImm64(1, Imm64Kind.VARIABLE_ADDRESS, variable, 0));
        asm.call(c.args().size() == 2 ? "per_cpu_ptr" : "this_cpu_ptr");
    }

    /**
     * {@code write_user(dst, src, len)}: {@code bpf_probe_write_user(dst, src, len) == 0}; a string
     * source is written to the stack first, and the length is capped at its size.
     */
    private void writeUser(Expr.Call c) {
        int m = pc.frame.mark();
        int dst = pc.frame.alloc(8);
        int len = pc.frame.alloc(8);
        pc.intExpr(c.args().get(0));
        asm.store(Size.DW, asm.frameBase, dst, 0);
        pc.intExpr(c.args().get(2));
        Type src = pc.type(c.args().get(1));
        if (src instanceof Type.Str s) {
            Asm.Label fits = asm.label();
            asm.jumpImm(JumpOp.JLE, 0, s.size(), fits);
            asm.movImm(0, s.size());
            asm.bind(fits);
            asm.store(Size.DW, asm.frameBase, len, 0);
            int str = pc.frame.alloc(s.size());
            pc.strings.into(c.args().get(1), s.size(), str);
            asm.stackAddr(2, str);
        } else {
            asm.store(Size.DW, asm.frameBase, len, 0);
            pc.intExpr(c.args().get(1));
            asm.mov(2, 0);
        }
        asm.load(Size.DW, 1, asm.frameBase, dst);
        asm.load(Size.DW, 3, asm.frameBase, len);
        asm.call("probe_write_user");
        succeeded();
        pc.frame.release(m);
    }

    /** {@code r0 = r0 == 0}: a helper's result (0 for success) as a bool. */
    private void succeeded() {
        Asm.Label done = asm.label();
        asm.mov(1, 0);
        asm.movImm(0, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, done);
        asm.movImm(0, 0);
        asm.bind(done);
    }

    /**
     * {@code uaddr("SYM")}: the symbol's address in the probed binary. In a binary loaded where the
     * kernel chooses (PIE, shared library: its lowest segment at 0) the link-time address is moved
     * by the load base, found from the probed place: {@code get_func_ip} minus the place's own
     * link-time address (current bpftrace finds the base by walking the task's mappings).
     */
    private void uaddr(Expr.Call c) {
        long symbol = pc.typed.constant(c);
        Long place = placeAddress();
        if (place == null) {
            asm.movImm(0, symbol);
            return;
        }
        asm.mov(1, ProbeCompiler.CTX);
        asm.call("get_func_ip");
        asm.movImm(1, symbol - place);
        asm.alu(AluOp.ADD, 0, 1);
    }

    /**
     * The link-time address of the place this program probes when its binary is position
     * independent and the place is one (a uprobe on a function, a USDT probe with one call site);
     * null when the binary is loaded at its link-time addresses, or the place is not known.
     */
    private Long placeAddress() {
        try {
            switch (pc.typed.expansion().resolved().get(pc.attachPoint)) {
                case Resolved.Uprobe u when u.symbol() != null && !u.multi() -> {
                    NativeElf elf = NativeElf.read(u.binary());
                    return positionIndependent(elf) ? elf.symbol(u.symbol()).map(x -> x.value() + u.offset())
                            .orElse(null) : null;
                }
                case Resolved.Usdt u when u.sites().size() == 1 -> {
                    return positionIndependent(NativeElf.read(u.binary()))
                            ? u.sites().getFirst().address() : null;
                }
                case null, default -> {
                    return null;
                }
            }
        } catch (RuntimeException e) {
            return null; // the binary cannot be read again: its link-time addresses
        }
    }

    private static boolean positionIndependent(NativeElf elf) {
        return !elf.segments().isEmpty() && elf.segments().stream().mapToLong(NativeElf.Segment::vaddr)
                .min().orElse(1) == 0;
    }
}
