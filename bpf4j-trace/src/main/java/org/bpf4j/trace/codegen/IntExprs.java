package org.bpf4j.trace.codegen;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.PossibleCpus;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;
import org.bpf4j.trace.sema.Builtins;
import org.bpf4j.trace.sema.ConstantFolding;
import org.bpf4j.trace.sema.KernelField;
import org.bpf4j.trace.sema.Registers;
import org.bpf4j.trace.sema.SemanticAnalyser;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * Integer expressions: each leaves its value in r0 (64 bits, already truncated or sign-extended
 * to its type) and may clobber r1-r5. Operands waiting for the other side are kept in stack slots.
 */
final class IntExprs {
    private final ProbeCompiler pc;
    private final Asm asm;

    IntExprs(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    void eval(Expr e) {
        if ((e instanceof Expr.Binary || e instanceof Expr.Unary) && (pc.typed.rewrite(e) instanceof Expr.IntLit
                || pc.typed.rewrite(e) instanceof Expr.BoolLit)) {
            eval(pc.typed.rewrite(e)); // operators over literals, folded as current bpftrace folds them
            return;
        }
        if (pc.typed.rewrite(e) instanceof Expr.TupleIndex ti) {
            eval(ti); // a record's field ($r.a), a tuple's element by [] ($t[1])
            return;
        }
        if (e instanceof Expr.Builtin && pc.typed.constant(e) != null) {
            asm.movImm(0, pc.typed.constant(e)); // an enumerator
            return;
        }
        switch (e) {
            case Expr.IntLit i -> asm.movImm(0, i.value());
            case Expr.BoolLit b -> asm.movImm(0, b.value() ? 1 : 0);
            case Expr.Builtin b -> builtin(b);
            case Expr.Var v -> asm.load(Size.DW, 0, asm.frameBase, pc.varSlots.get(v.name()));
            case Expr.Param p -> {
                if (p.number() < 0) {
                    asm.movImm(0, pc.typed.params().size());
                } else if (p.number() > pc.typed.params().size()) {
                    asm.movImm(0, 0);
                } else {
                    Long v = SemanticAnalyser.parseParam(pc.typed.params().get(p.number() - 1));
                    asm.movImm(0, v == null ? 0 : v);
                }
            }
            case Expr.MapRef m -> pc.aggregations.readInt(m);
            case Expr.Call c -> new Calls(pc).intCall(c);
            case Expr.Binary b -> binary(b);
            case Expr.Unary u when u.op() == UnOp.ADDR && u.operand() instanceof Expr.MapRef m ->
                asm.loadMap(0, pc.mapIndex(m.name())); // &@map: the map itself
            case Expr.Unary u when u.op() == UnOp.ADDR && u.operand() instanceof Expr.Var v ->
                asm.stackAddr(0, pc.varSlots.get(v.name())); // where the variable is kept
            case Expr.Unary u -> {
                eval(u.operand());
                switch (u.op()) {
                    case NEG -> asm.emit(new Instruction.Neg(true, 0));
                    case BNOT -> asm.aluImm(AluOp.XOR, 0, -1);
                    case LNOT -> boolOf(JumpOp.JEQ);
                    case DEREF -> {
                        Type.Int pointee = pc.type(u) instanceof Type.Int t ? t : Type.INT64;
                        new Buffers(pc).loadPointee(pointee, new Buffers(pc).user(u.operand()));
                    }
                    case ADDR -> pc.unsupported(u.span(), "the " + u.op().symbol() + " operator");
                }
            }
            case Expr.IncDec i -> incDec(i);
            case Expr.Ternary t -> {
                Asm.Label otherwise = asm.label();
                Asm.Label end = asm.label();
                eval(t.cond());
                asm.jumpImm(JumpOp.JEQ, 0, 0, otherwise);
                eval(t.then());
                asm.jump(end);
                asm.bind(otherwise);
                eval(t.otherwise());
                asm.bind(end);
            }
            case Expr.TupleIndex ti -> {
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(8);
                pc.rawValue(ti, tmp);
                asm.load(Size.DW, 0, asm.frameBase, tmp);
                pc.frame.release(m);
            }
            case Expr.Cast c when pc.type(c.operand()) instanceof Type.Array arr -> {
                // (uint32)pton(...): the array's bytes read as the integer
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(ProbeCompiler.storedSize(arr));
                pc.zero(tmp, ProbeCompiler.storedSize(arr));
                pc.valueInto(c.operand(), arr, tmp);
                asm.load(Size.DW, 0, asm.frameBase, tmp);
                pc.frame.release(m);
                narrow((Type.Int) pc.type(c));
            }
            case Expr.Cast c when pc.type(c.operand()) instanceof Type.Str str && pc.type(c) instanceof Type.Int to
                    && to.isPointer() -> {
                // (int32 *)"abc": the string is kept in its hidden variable, and the pointer is its address
                int slot = pc.varSlots.get(TypedProgram.castStorage(c));
                pc.zero(slot, str.size());
                pc.strings.into(c.operand(), str.size(), slot);
                asm.stackAddr(0, slot);
            }
            case Expr.Cast c when pc.type(c.operand()) instanceof Type.Str str -> {
                // (bool)"text": true when the string is not empty (its first byte is not NUL)
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(str.size());
                pc.strings.into(c.operand(), str.size(), tmp);
                asm.load(Size.B, 0, asm.frameBase, tmp);
                pc.frame.release(m);
                boolOf(JumpOp.JNE);
            }
            case Expr.Cast c -> {
                eval(c.operand());
                if (pc.type(c.operand()) instanceof Type.Int from && from.isPointer()
                        && pc.type(c) instanceof Type.Int to && !to.isPointer() && to.bits() < 64 && !to.bool()) {
                    // a pointer cut to a narrower integer ((int8)&$s): a 32-bit move makes it a plain
                    // number first, as verifiers refuse shifts of pointers
                    asm.emit(new Instruction.Alu(false, AluOp.MOV, 0, Operand.reg(0)));
                }
                if (pc.type(c.operand()) instanceof Type.Int from && !from.isPointer() && from.bits() < 64
                        && pc.type(c) instanceof Type.Int to && to.isPointer()) {
                    // an integer narrower than a pointer becomes one zero-extended, as LLVM's inttoptr in
                    // current bpftrace: (uint8 *)-1, the literal an int8, is 0xff
                    if (from.bits() == 32) {
                        asm.emit(new Instruction.Alu(false, AluOp.MOV, 0, Operand.reg(0)));
                    } else {
                        asm.aluImm(AluOp.AND, 0, (1 << from.bits()) - 1);
                    }
                }
                if (((Type.Int) pc.type(c)).bool()) {
                    boolOf(JumpOp.JNE); // (bool)x is x != 0
                } else {
                    narrow((Type.Int) pc.type(c));
                }
            }
            case Expr.SizeofType s -> asm.movImm(0, pc.typed.constant(s) != null ? pc.typed.constant(s) : sizeOfName(s.type()));
            case Expr.Offsetof o -> asm.movImm(0, pc.typed.constant(o));
            case Expr.TypeArg t -> throw new IllegalStateException("a type as a value (the type checker refuses it)");
            case Expr.StrLit s -> pc.unsupported(s.span(), "a string as an integer");
            case Expr.Field f when f.base() instanceof Expr.Builtin b && b.name().equals("args") ->
                new ContextReads(pc).argsInt(f);
            case Expr.Field f when pc.typed.kernelField(f) != null -> kernelField(f, pc.typed.kernelField(f));
            case Expr.Field f when pc.type(f.base()) instanceof Type.Record r -> {
                // A field of a record value: the record in a slot, then the field's bytes.
                Type.RecordField rf = r.fields().stream().filter(x -> x.name().equals(f.field())).findFirst()
                        .orElseThrow();
                Type.Int t = (Type.Int) rf.type();
                int m = pc.frame.mark();
                int tmp = pc.frame.alloc(r.size());
                pc.rawValue(f.base(), tmp);
                if (rf.isBitField()) {
                    Size unit = switch (rf.loadSize()) {
                        case 1 -> Size.B;
                        case 2 -> Size.H;
                        case 4 -> Size.W;
                        default -> Size.DW;
                    };
                    asm.load(unit, 0, asm.frameBase, tmp + rf.offset());
                    pc.frame.release(m);
                    // the field's bits to the top, then back down; zero-extended even in a signed field,
                    // as current bpftrace masks bit fields (a short b:8 holding 217 reads 217, not -39)
                    asm.aluImm(AluOp.LSH, 0, 64 - rf.bitShift() - rf.bitWidth());
                    asm.aluImm(AluOp.RSH, 0, 64 - rf.bitWidth());
                    return;
                }
                Size size = switch (t.size()) {
                    case 1 -> Size.B;
                    case 2 -> Size.H;
                    case 4 -> Size.W;
                    default -> Size.DW;
                };
                asm.load(size, 0, asm.frameBase, tmp + rf.offset());
                pc.frame.release(m);
                if (t.signed() && t.size() < 8) {
                    asm.aluImm(AluOp.LSH, 0, 64 - 8 * t.size());
                    asm.aluImm(AluOp.ARSH, 0, 64 - 8 * t.size());
                }
            }
            case Expr.Field f -> pc.unsupported(f.span(), "field access");
            case Expr.Index i when pc.typed.kernelField(i) != null -> kernelField(i, pc.typed.kernelField(i));
            case Expr.Index i -> index(i);
            case Expr.Tuple t -> pc.unsupported(t.span(), "a tuple as an integer");
        }
    }

    /** {@code p[i]} on a pointer, {@code a[i]} on an array: the element, into r0. */
    private void index(Expr.Index i) {
        Type.Int element = (Type.Int) pc.type(i);
        Type bt = pc.type(i.base());
        if (bt instanceof Type.Str st && !(i.index() instanceof Expr.IntLit)) {
            character(i, st);
            return;
        }
        if (bt instanceof Type.Array || bt instanceof Type.Str) {
            // an element of an array value, a character of a string value: the value in a slot, then the element
            int k = (int) ((Expr.IntLit) i.index()).value();
            int m = pc.frame.mark();
            int tmp = pc.frame.alloc(ProbeCompiler.storedSize(bt));
            pc.rawValue(i.base(), tmp);
            Size size = switch (element.size()) {
                case 1 -> Size.B;
                case 2 -> Size.H;
                case 4 -> Size.W;
                default -> Size.DW;
            };
            asm.load(size, 0, asm.frameBase, tmp + k * element.size());
            pc.frame.release(m);
            if (element.signed() && element.size() < 8) {
                int shift = 64 - 8 * element.size();
                asm.aluImm(AluOp.LSH, 0, shift);
                asm.aluImm(AluOp.ARSH, 0, shift);
            }
            return;
        }
        elementAddress(i, element.size(), () -> eval(i.base()));
        new Buffers(pc).loadPointee(element, new Buffers(pc).user(i.base()));
    }

    /**
     * {@code $s[$i]}, a character of a string value at an index known only when the probe runs: the
     * index (first) and the string in frame slots, then the byte at the slot plus the index, read
     * through a pointer whose offset the bound check limits to the string; 0 past its end.
     */
    private void character(Expr.Index i, Type.Str st) {
        int m = pc.frame.mark();
        int index = pc.frame.alloc(8);
        int tmp = pc.frame.alloc(st.size());
        eval(i.index());
        asm.store(Size.DW, asm.frameBase, index, 0);
        pc.rawValue(i.base(), tmp);
        Asm.Label end = asm.label();
        asm.movImm(0, 0);
        asm.load(Size.DW, 1, asm.frameBase, index);
        asm.jumpImm(JumpOp.JGE, 1, st.size(), end);
        asm.stackAddr(2, tmp);
        asm.alu(AluOp.ADD, 2, 1);
        asm.load(Size.B, 0, 2, 0);
        asm.aluImm(AluOp.LSH, 0, 56);
        asm.aluImm(AluOp.ARSH, 0, 56);
        asm.bind(end);
        pc.frame.release(m);
    }

    /**
     * r0 = the address of element {@code i.index()} of {@code elementSize} bytes: the index is
     * evaluated first (and kept in a frame slot), then {@code base} leaves the start address in r0.
     */
    private void elementAddress(Expr.Index i, int elementSize, Runnable base) {
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        eval(i.index());
        asm.store(Size.DW, asm.frameBase, tmp, 0);
        if (pc.type(i.base()) instanceof Type.Array arr && arr.count() > 0 && !(i.index() instanceof Expr.IntLit)) {
            // as current bpftrace: an index past the array warns while the script runs, and is read
            Asm.Label inside = asm.label();
            asm.jumpImm(JumpOp.JLE, 0, arr.count() - 1, inside);
            runtimeWarning("Array access out of bounds. This can lead to unexpected results.", i.span());
            asm.bind(inside);
        }
        base.run();
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        pc.frame.release(m);
        if (elementSize > 1) {
            asm.aluImm(AluOp.MUL, 1, elementSize);
        }
        asm.alu(AluOp.ADD, 0, 1);
    }

    /** The size of a written type: pointers 8, integers by width, strings by length, arrays by their elements. */
    static long sizeOfName(TypeName n) {
        return ConstantFolding.sizeOfName(n);
    }

    /**
     * r0 = the address of a value that lies in memory ({@code typed.kernelField(e)} is not null): a
     * struct's field, or an element of an array that lies in memory (its address plus the index
     * times the element's size; the verifier needs no bound, the read is a probe read).
     */
    void address(Expr e) {
        if (e instanceof Expr.Field f) {
            kernelFieldAddress(f, pc.typed.kernelField(f));
            return;
        }
        if (e instanceof Expr.Unary u && u.op() == UnOp.DEREF) {
            eval(u.operand()); // *p as the base of a field ((*p).f): the struct lies where p points
            return;
        }
        Expr.Index i = (Expr.Index) e;
        elementAddress(i, pc.type(i).size(), () -> address(i.base()));
    }

    /** r0 = the address of kernel field {@code f}: its base pointer plus the field's offset. */
    void kernelFieldAddress(Expr.Field f, KernelField k) {
        KernelField outer = pc.typed.kernelField(f.base());
        if (outer != null && outer.struct()) {
            address(f.base()); // a field of an embedded struct, or of a struct in an array
        } else {
            eval(f.base());
        }
        if (k.offset() != 0) {
            asm.aluImm(AluOp.ADD, 0, (int) k.offset());
        }
    }

    /** Reads an integer or pointer field of a kernel struct with bpf_probe_read_kernel, as bpftrace does. */
    private void kernelField(Expr f, KernelField k) {
        if (pc.iteratorContextField(f)) {
            iteratorContextField(k);
            return;
        }
        if (k.struct()) {
            pc.unsupported(f.span(), "a struct as a value");
            return;
        }
        address(f);
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        asm.storeImm(Size.DW, asm.frameBase, tmp, 0);
        asm.mov(3, 0);
        asm.stackAddr(1, tmp);
        asm.movImm(2, k.size());
        asm.call(k.user() ? "probe_read_user" : "probe_read_kernel");
        pc.checkHelper(k.user() ? "probe_read_user" : "probe_read_kernel", f.span(), false);
        if (k.bitSize() > 0) {
            // A bit field: the bytes that hold it, shifted down and masked (zero-extended even when
            // signed, as current bpftrace: a short b:8 holding 217 reads 217, not -39).
            asm.load(Size.DW, 0, asm.frameBase, tmp);
            pc.frame.release(m);
            asm.aluImm(AluOp.LSH, 0, 64 - k.bitShift() - k.bitSize());
            asm.aluImm(AluOp.RSH, 0, 64 - k.bitSize());
            return;
        }
        new Buffers(pc).loadInt(tmp, m, k.size(), k.signed());
    }

    /**
     * A field of an iterator's context ({@code ctx.task}): a load from the context, as the kernel
     * requires (a pointer to a kernel object, typed by the kernel's verifier), and, as current
     * bpftrace, the probe returns 0 at once when the value is 0 (the iterator's last call, with
     * no object; also a {@code ctx.fd} of 0).
     */
    private void iteratorContextField(KernelField k) {
        Size size = switch (k.size()) {
            case 1 -> Size.B;
            case 2 -> Size.H;
            case 4 -> Size.W;
            default -> Size.DW;
        };
        asm.load(size, 0, ProbeCompiler.CTX, (int) k.offset());
        Asm.Label present = asm.label();
        asm.jumpImm(JumpOp.JNE, 0, 0, present);
        pc.forLoops.leaveProbe();
        asm.bind(present);
        if (k.signed() && k.size() < 8) {
            narrow(new Type.Int(8 * k.size(), true));
        }
    }

    /** Truncates or sign-extends r0 to an integer type. */
    void narrow(Type.Int t) {
        if (t.bits() == 64) {
            return;
        }
        int shift = 64 - t.bits();
        asm.aluImm(AluOp.LSH, 0, shift);
        asm.aluImm(t.signed() ? AluOp.ARSH : AluOp.RSH, 0, shift);
    }

    /** r0 = (r0 op 0) ? 1 : 0. */
    private void boolOf(JumpOp op) {
        boolOf(op, 0);
    }

    /** r0 = 1 if {@code r0 op imm} holds, else 0 (r1 clobbered). */
    void boolOf(JumpOp op, int imm) {
        Asm.Label yes = asm.label();
        asm.mov(1, 0);
        asm.movImm(0, 1);
        asm.jumpImm(op, 1, imm, yes);
        asm.movImm(0, 0);
        asm.bind(yes);
    }

    private void builtin(Expr.Builtin b) {
        String n = b.name();
        switch (n) {
            case "pid", "tid" -> pc.pid(n.equals("tid"), false, b.span());
            case "uid" -> {
                asm.call("get_current_uid_gid");
                narrow(Type.UINT32);
            }
            case "gid" -> {
                asm.call("get_current_uid_gid");
                asm.aluImm(AluOp.RSH, 0, 32);
            }
            case "nsecs" -> asm.call("ktime_get_ns");
            case "elapsed" -> {
                asm.call("ktime_get_ns");
                asm.loadMapValue(1, pc.globalsIndex, 0);
                asm.load(Size.DW, 1, 1, 0);
                asm.alu(AluOp.SUB, 0, 1);
            }
            case "cpid" -> {
                asm.loadMapValue(1, pc.globalsIndex, 0);
                asm.load(Size.DW, 0, 1, 8);
            }
            case "usermode" -> {
                String provider = pc.attachPoint.provider();
                if (provider.equals("BEGIN") || provider.equals("END")) {
                    asm.movImm(0, 1); // the tracer's own probes run in user mode
                } else {
                    asm.load(Size.DW, 0, ProbeCompiler.CTX, Registers.offset("cs"));
                    asm.aluImm(AluOp.AND, 0, 3);
                    Asm.Label user = asm.label();
                    Asm.Label done = asm.label();
                    asm.jumpImm(JumpOp.JEQ, 0, 3, user);
                    asm.movImm(0, 0);
                    asm.jump(done);
                    asm.bind(user);
                    asm.movImm(0, 1);
                    asm.bind(done);
                }
            }
            case "cpu" -> asm.call("get_smp_processor_id");
            case "numaid" -> asm.call("get_numa_node_id");
            case "cgroup" -> asm.call("get_current_cgroup_id");
            case "rand" -> asm.call("get_prandom_u32");
            case "jiffies" -> asm.call("jiffies64");
            case "ncpus" -> asm.movImm(0, PossibleCpus.count());
            case "curtask" -> asm.call("get_current_task");
            case "ctx" -> {
                if (pc.inCallback) {
                    // a callback's r6 is not the probe's context (as args and argN there)
                    pc.unsupported(b.span(), "ctx inside a for loop over a map or over a range with bounds known only "
                            + "at run time");
                }
                asm.mov(0, ProbeCompiler.CTX);
            }
            case "ppid", "leader_tid", "has_cpid" -> {
                eval(pc.typed.rewrite(b)); // ppid: a field chain; leader_tid, has_cpid: the call
                narrow(Type.UINT32);
            }
            case "retval" -> {
                new ContextReads(pc).retval(b.span());
                if (pc.type(b) instanceof Type.Int t && !t.isPointer()) {
                    narrow(t); // an fexit's int return value is typed by its prototype
                }
            }
            default -> {
                if (Builtins.isArg(n)) {
                    int i = Integer.parseInt(n.substring(n.indexOf("arg") + 3));
                    if (n.startsWith("s")) {
                        new ContextReads(pc).stackArg(i, b.span());
                    } else {
                        new ContextReads(pc).arg(i, b.span());
                    }
                } else {
                    pc.unsupported(b.span(), "the " + n + " builtin on this backend");
                }
            }
        }
    }

    /**
     * {@code ==} or {@code !=} of two values of a symbol type ({@code func == func()}, {@code
     * probe == probe}): their first 8 bytes, the address or the probe's id (a usym's process id
     * after it is the probe's own on both sides).
     */
    private void symbolCompare(Expr.Binary b, Type t) {
        int m = pc.frame.mark();
        int left = pc.frame.alloc(t.size());
        int right = pc.frame.alloc(t.size());
        pc.rawValue(b.left(), left);
        pc.rawValue(b.right(), right);
        asm.load(Size.DW, 0, asm.frameBase, left);
        asm.load(Size.DW, 2, asm.frameBase, right);
        pc.frame.release(m);
        Asm.Label equal = asm.label();
        Asm.Label end = asm.label();
        asm.jump(JumpOp.JEQ, 0, 2, equal);
        asm.movImm(0, b.op() == BinOp.NE ? 1 : 0);
        asm.jump(end);
        asm.bind(equal);
        asm.movImm(0, b.op() == BinOp.NE ? 0 : 1);
        asm.bind(end);
    }

    private void binary(Expr.Binary b) {
        if (pc.typed.rewrite(b) instanceof Expr.Binary scaled) {
            binary(scaled); // struct pointer arithmetic, the count scaled by the struct's size
            return;
        }
        if (b.op() == BinOp.LAND || b.op() == BinOp.LOR) {
            Asm.Label shortCut = asm.label();
            Asm.Label end = asm.label();
            eval(b.left());
            asm.jumpImm(b.op() == BinOp.LAND ? JumpOp.JEQ : JumpOp.JNE, 0, 0, shortCut);
            eval(b.right());
            boolOf(JumpOp.JNE);
            asm.jump(end);
            asm.bind(shortCut);
            asm.movImm(0, b.op() == BinOp.LAND ? 0 : 1);
            asm.bind(end);
            return;
        }
        Type lt = pc.type(b.left());
        Type rt = pc.type(b.right());
        if (lt instanceof Type.Tuple tl && rt instanceof Type.Tuple tr) {
            new TupleEquality(pc).compare(b, tl, tr);
            return;
        }
        if (lt instanceof Type.Str || rt instanceof Type.Str) {
            pc.strings.compare(b);
            return;
        }
        if (lt instanceof Type.Ksym || lt instanceof Type.Usym || lt instanceof Type.ProbeName) {
            symbolCompare(b, lt);
            return;
        }
        if (lt instanceof Type.Buf || rt instanceof Type.Buf || lt instanceof Type.Array) {
            bufCompare(b, lt, rt);
            return;
        }
        boolean signed = lt instanceof Type.Int li && rt instanceof Type.Int ri
                && org.bpf4j.trace.sema.SemanticAnalyser.comparisonSigned(li, ri);
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        eval(b.left());
        asm.store(Size.DW, asm.frameBase, tmp, 0);
        eval(b.right());
        asm.mov(2, 0);
        asm.load(Size.DW, 0, asm.frameBase, tmp);
        pc.frame.release(m);
        if (b.op().comparison()) {
            JumpOp op = switch (b.op()) {
                case EQ -> JumpOp.JEQ;
                case NE -> JumpOp.JNE;
                case LT -> signed ? JumpOp.JSLT : JumpOp.JLT;
                case GT -> signed ? JumpOp.JSGT : JumpOp.JGT;
                case LE -> signed ? JumpOp.JSLE : JumpOp.JLE;
                case GE -> signed ? JumpOp.JSGE : JumpOp.JGE;
                default -> throw new IllegalStateException();
            };
            Asm.Label yes = asm.label();
            asm.mov(1, 0);
            asm.movImm(0, 1);
            asm.jump(op, 1, 2, yes);
            asm.movImm(0, 0);
            asm.bind(yes);
            return;
        }
        AluOp op = switch (b.op()) {
            case ADD -> AluOp.ADD;
            case SUB -> AluOp.SUB;
            case MUL -> AluOp.MUL;
            case DIV -> AluOp.DIV;
            case MOD -> AluOp.MOD;
            case BAND -> AluOp.AND;
            case BOR -> AluOp.OR;
            case BXOR -> AluOp.XOR;
            case SHL -> AluOp.LSH;
            case SHR -> AluOp.RSH;
            default -> throw new IllegalStateException();
        };
        if ((op == AluOp.ADD || op == AluOp.SUB) && lt instanceof Type.Int li && li.isPointer()
                && !(rt instanceof Type.Int ri && ri.isPointer())) {
            int scale = li.pointee() instanceof Type.Int pe && pe.size() > 1 ? pe.size() : 1;
            if (op == AluOp.SUB) {
                // pointer - n as pointer + (-n): the kernel refuses any subtraction from a stack
                // pointer ("subtraction from stack pointer prohibited"), as of &$x
                asm.aluImm(AluOp.MUL, 2, -scale);
                op = AluOp.ADD;
            } else if (scale > 1) {
                asm.aluImm(AluOp.MUL, 2, scale);
            }
        } else if (op == AluOp.ADD && rt instanceof Type.Int ri && ri.isPointer() && !(lt instanceof Type.Int li
                && li.isPointer()) && ri.pointee() instanceof Type.Int pe && pe.size() > 1) {
            asm.aluImm(AluOp.MUL, 0, pe.size());
        }
        if ((op == AluOp.DIV || op == AluOp.MOD) && !(pc.typed.constant(b.right()) instanceof Long k && k != 0)
                && !(b.right() instanceof Expr.IntLit lit && lit.value() != 0)) {
            checkedDivide(b, op);
        } else {
            asm.alu(op, 0, 2);
        }
        if (lt instanceof Type.Int li && li.bool() && rt instanceof Type.Int ri && ri.bool()) {
            asm.aluImm(AluOp.AND, 0, 1); // arithmetic on two bools is a bool, of one bit as current bpftrace's i1
        }
    }

    /**
     * r0 = r0 / r2 (or %) where r2 may be 0: as current bpftrace, the result is then 1 and the
     * program sends a warning with the operator's place.
     */
    private void checkedDivide(Expr.Binary b, AluOp op) {
        Asm.Label nonZero = asm.label();
        Asm.Label end = asm.label();
        asm.jumpImm(JumpOp.JNE, 2, 0, nonZero);
        runtimeWarning("Divide or modulo by 0 detected. This can lead to unexpected results. 1 is being used as the "
                + "result.", b.span());
        asm.movImm(0, 1);
        asm.jump(end);
        asm.bind(nonZero);
        asm.alu(op, 0, 2);
        asm.bind(end);
    }

    /** Sends a warning of the running program (current bpftrace's runtime error) with its place; clobbers r0-r5. */
    void runtimeWarning(String message, Span span) {
        int m = pc.frame.mark();
        int off = pc.eventSlot(16);
        asm.movImm(1, Events.RUNTIME_WARNING);
        asm.store(Size.DW, asm.frameBase, off, 1);
        asm.movImm(1, pc.events.addRuntimeWarning(new Events.RuntimeWarning(message, span)));
        asm.store(Size.DW, asm.frameBase, off + 8, 1);
        pc.output(off, 16);
        pc.frame.release(m);
    }

    /**
     * {@code ==} / {@code !=} of two buffers (their lengths and bytes) or two arrays (their bytes)
     * into r0, compared 8 bytes at a time in zero-padded slots.
     */
    private void bufCompare(Expr.Binary b, Type lt, Type rt) {
        int m = pc.frame.mark();
        int ls = ProbeCompiler.storedSize(lt);
        int rs = ProbeCompiler.storedSize(rt);
        int l = pc.frame.alloc(ls);
        int r = pc.frame.alloc(rs);
        pc.zero(l, ls);
        pc.zero(r, rs);
        pc.rawValue(b.left(), l);
        pc.rawValue(b.right(), r);
        Asm.Label differ = asm.label();
        int n = Math.max(ls, rs);
        for (int k = 0; k < n; k += 8) {
            if (k < ls) {
                asm.load(Size.DW, 1, asm.frameBase, l + k);
            } else {
                asm.movImm(1, 0);
            }
            if (k < rs) {
                asm.load(Size.DW, 2, asm.frameBase, r + k);
            } else {
                asm.movImm(2, 0);
            }
            asm.jump(JumpOp.JNE, 1, 2, differ);
        }
        pc.frame.release(m);
        asm.equality(b.op() == BinOp.EQ, differ);
    }

    private void incDec(Expr.IncDec i) {
        int delta = i.increment() ? 1 : -1;
        if (pc.type(i.target()) instanceof Type.Int t && t.isPointer() && t.pointee() instanceof Type.Int pe) {
            delta *= pe.size(); // pointer arithmetic
        } else if (pc.type(i.target()) instanceof Type.Int t && t.isPointer() && t.pointee() instanceof Type.StructRef r) {
            delta *= r.size(); // p++ steps over a struct
        }
        switch (i.target()) {
            case Expr.Var v -> {
                int slot = pc.varSlots.get(v.name());
                asm.load(Size.DW, 0, asm.frameBase, slot);
                asm.mov(3, 0);
                asm.aluImm(AluOp.ADD, 3, delta);
                narrowReg3((Type.Int) pc.type(i.target()));
                asm.store(Size.DW, asm.frameBase, slot, 3);
                if (i.prefix()) {
                    asm.mov(0, 3);
                }
            }
            case Expr.MapRef m -> pc.aggregations.incDec(m, delta, i.prefix());
            default -> pc.unsupported(i.span(), "++/-- on this expression");
        }
    }

    private void narrowReg3(Type.Int t) {
        if (t.bits() == 64) {
            return;
        }
        int shift = 64 - t.bits();
        asm.aluImm(AluOp.LSH, 3, shift);
        asm.aluImm(t.signed() ? AluOp.ARSH : AluOp.RSH, 3, shift);
    }
}
