package org.bpf4j.trace.codegen;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.Kernel;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.FormatString;
import org.bpf4j.trace.sema.KernelField;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;

/**
 * Code for the functions of current bpftrace's standard library that the checker types in
 * {@code sema.StdlibCalls}. Those it computed when compiling ({@code is_str}, {@code has_cpid},
 * {@code strcap} of a string) are constants; the rest are unrolled over the values' sizes, with no
 * variable stack offsets, so that both verifiers accept them.
 */
final class StdlibCode {
    /** The functions with an integer value compiled here. */
    static final Set<String> INT_FUNCTIONS = Set.of("find", "strstr", "memcmp", "has_cpid", "leader_tid", "is_err",
            "is_array", "is_integer", "is_literal", "is_ptr", "is_str", "is_unsigned_integer", "strcap",
            "default_str_length", "kfunc_exist", "kfunc_allowed", "comptime", "is_scalar");

    /** The functions checked when compiling, which leave no code. */
    static final Set<String> COMPILE_TIME = Set.of("static_assert", "fail", "assert_str");

    private final ProbeCompiler pc;
    private final Asm asm;

    StdlibCode(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** A call with an integer value, into r0. */
    void intCall(Expr.Call c) {
        Long known = pc.typed.constant(c);
        if (known != null) {
            asm.movImm(0, known);
            return;
        }
        switch (c.name()) {
            case "leader_tid", "strcap" -> pc.intExpr(pc.typed.rewrite(c));
            case "is_err" -> {
                // the kernel's IS_ERR: the last 4095 values of the address space are -errno
                pc.intExpr(c.args().getFirst());
                asm.aluImm(AluOp.ADD, 0, 4095); // -4095..-1 to 0..4094, the rest above
                new IntExprs(pc).boolOf(JumpOp.JLT, 4095);
            }
            case "strstr" -> {
                Expr.Call read = strings(c);
                pc.strings.search(read.args().get(0), read.args().get(1), true);
            }
            case "memcmp" -> memcmp(c);
            case "find" -> find(c);
            default -> pc.unsupported(c.span(), c.name() + "() as a value");
        }
    }

    /**
     * {@code memcmp(left, right, count)} into r0: 0 if the first {@code count} bytes of both values
     * (in their layout: an integer's bytes in its width, little-endian) are equal, else the
     * difference of the first unequal bytes as signed chars, as bpftrace's C does.
     */
    private void memcmp(Expr.Call c) {
        Expr left = c.args().get(0);
        Expr right = c.args().get(1);
        Type lt = pc.type(left);
        Type rt = pc.type(right);
        int m = pc.frame.mark();
        int l = pc.frame.alloc(ProbeCompiler.storedSize(lt));
        int r = pc.frame.alloc(ProbeCompiler.storedSize(rt));
        int count = pc.frame.alloc(8);
        pc.valueInto(left, lt, l);
        pc.valueInto(right, rt, r);
        pc.intExpr(c.args().get(2));
        asm.store(Size.DW, asm.frameBase, count, 0);
        int n = Math.min(bytes(lt), bytes(rt));
        Asm.Label same = asm.label();
        Asm.Label differ = asm.label();
        Asm.Label end = asm.label();
        asm.load(Size.DW, 3, asm.frameBase, count);
        for (int k = 0; k < n; k++) {
            asm.jumpImm(JumpOp.JLE, 3, k, same); // count reached
            asm.load(Size.B, 1, asm.frameBase, l + k);
            asm.load(Size.B, 2, asm.frameBase, r + k);
            asm.jump(JumpOp.JNE, 1, 2, differ);
        }
        asm.bind(same);
        asm.movImm(0, 0);
        asm.jump(end);
        asm.bind(differ);
        // (int)(signed char)l - (int)(signed char)r
        asm.aluImm(AluOp.LSH, 1, 56);
        asm.aluImm(AluOp.ARSH, 1, 56);
        asm.aluImm(AluOp.LSH, 2, 56);
        asm.aluImm(AluOp.ARSH, 2, 56);
        asm.mov(0, 1);
        asm.alu(AluOp.SUB, 0, 2);
        asm.bind(end);
        pc.frame.release(m);
    }

    /** The call with its string arguments: itself, or with {@code str(p)} for a pointer (the checker's rewrite). */
    private Expr.Call strings(Expr.Call c) {
        return pc.typed.rewrite(c) instanceof Expr.Call read ? read : c;
    }

    /** The bytes of a value {@code memcmp} compares: an integer's width, else the value's layout. */
    private static int bytes(Type t) {
        return t instanceof Type.Int i ? i.bits() / 8 : t instanceof Type.Tuple tu ? tu.size() : t.size();
    }

    /**
     * {@code find(@m, key, $v)} into r0: one lookup; if the key is there its value is copied into
     * {@code $v} (converted to the variable's type as an assignment converts it) and r0 is 1.
     */
    private void find(Expr.Call c) {
        Expr.MapRef keyed = (Expr.MapRef) pc.typed.rewrite(c);
        Expr.Var var = (Expr.Var) c.args().get(2);
        MapInfo info = pc.mapInfo(keyed.name());
        Type value = info.value();
        Type vt = pc.typed.variables(pc.probe).get(var.name());
        int slot = pc.varSlots.get(var.name());
        int m = pc.frame.mark();
        int key = pc.aggregations.key(keyed, info);
        asm.loadMap(1, pc.mapIndex(keyed.name()));
        asm.stackAddr(2, key);
        asm.call("map_lookup_elem");
        pc.frame.release(m);
        Asm.Label end = asm.label();
        asm.jumpImm(JumpOp.JEQ, 0, 0, end);
        switch (vt) {
            case Type.Int i -> {
                if (value instanceof Type.Int from) {
                    new MapLayout(pc).load(from, 0, 0, 0); // an int8 value: its byte, sign-extended
                    if (from.bits() > i.bits() || from.signed() != i.signed()) {
                        new IntExprs(pc).narrow(i);
                    }
                } else {
                    asm.load(Size.DW, 0, 0, 0); // an aggregation: this CPU's count or sum
                }
                asm.store(Size.DW, asm.frameBase, slot, 0);
            }
            default -> {
                // the value in the frame's layout, then as the variable's type
                int tmp = pc.frame.alloc(ProbeCompiler.storedSize(value));
                new MapLayout(pc).unpack(value, 0, 0, tmp);
                switch (vt) {
                    case Type.Str s when value instanceof Type.Str from ->
                        pc.strings.copy(asm.frameBase, tmp, from.size(), slot, s.size());
                    case Type.Tuple t when value instanceof Type.Tuple from && !from.equals(t) ->
                        pc.convert(from, tmp, t, slot);
                    default -> {
                        // the same type, or a longer one (a buffer variable widens): the value, then zeros
                        int n = Math.min(ProbeCompiler.storedSize(vt), ProbeCompiler.storedSize(value));
                        pc.copy(asm.frameBase, tmp, slot, n);
                        pc.zero(slot + n, ProbeCompiler.storedSize(vt) - n);
                    }
                }
                pc.frame.release(m);
            }
        }
        asm.movImm(0, 1);
        asm.bind(end);
    }

    /**
     * {@code str_concat(a, b)} as a string of {@code size} bytes at {@code off}: {@code b} is moved
     * right by the length of {@code a} (one fixed shift per bit of the length, so no stack offset
     * depends on the data) and merged with {@code a}, whose bytes from its NUL on are zero.
     */
    void strConcat(Expr.Call call, int size, int off) {
        Expr.Call c = strings(call);
        Type.Str s1 = (Type.Str) pc.type(c.args().get(0));
        Type.Str s2 = (Type.Str) pc.type(c.args().get(1));
        int cap = Type.align8(s1.size() + s2.size() - 1);
        int m = pc.frame.mark();
        int a = pc.frame.alloc(s1.size());
        int b = pc.frame.alloc(s2.size());
        int moved = pc.frame.alloc(cap);
        int joined = pc.frame.alloc(cap);
        int length = pc.frame.alloc(8);
        pc.strings.into(c.args().get(0), s1.size(), a);
        pc.strings.into(c.args().get(1), s2.size(), b);
        pc.strings.lengthAt(a, s1.size());
        asm.store(Size.DW, asm.frameBase, length, 0);
        pc.strings.copy(asm.frameBase, b, s2.size(), moved, cap);
        for (int shift = Integer.highestOneBit(Math.max(1, s1.size() - 1)); shift > 0; shift >>= 1) {
            Asm.Label skip = asm.label();
            asm.load(Size.DW, 2, asm.frameBase, length);
            asm.aluImm(AluOp.AND, 2, shift);
            asm.jumpImm(JumpOp.JEQ, 2, 0, skip);
            shiftRight(moved, cap, shift);
            asm.bind(skip);
        }
        pc.strings.copy(asm.frameBase, a, s1.size(), joined, cap);
        for (int k = 0; k < cap; k += 8) {
            asm.load(Size.DW, 1, asm.frameBase, joined + k);
            asm.load(Size.DW, 2, asm.frameBase, moved + k);
            asm.alu(AluOp.OR, 1, 2);
            asm.store(Size.DW, asm.frameBase, joined + k, 1);
        }
        pc.strings.copy(asm.frameBase, joined, cap, off, size);
        pc.frame.release(m);
    }

    /** Moves the {@code size} bytes at {@code off} up by {@code shift}, zero below; whole words when it can. */
    private void shiftRight(int off, int size, int shift) {
        Size unit = shift % 8 == 0 ? Size.DW : Size.B;
        int step = unit == Size.DW ? 8 : 1;
        for (int k = size - step; k >= shift; k -= step) {
            asm.load(unit, 1, asm.frameBase, off + k - shift);
            asm.store(unit, asm.frameBase, off + k, 1);
        }
        for (int k = 0; k < Math.min(shift, size); k += step) {
            asm.storeImm(unit, asm.frameBase, off + k, 0);
        }
    }

    /**
     * {@code comm(pid)}, as current bpftrace's standard library: {@code bpf_task_from_pid(pid)}
     * (a kfunc), the task's {@code comm} read, the reference released; {@code "N/A"} when there
     * is no such task.
     */
    void commOfPid(Expr.Call c, int size, int off) {
        KernelField k = pc.typed.kernelField(c);
        Btf btf = Kernel.system().vmlinuxBtf().orElseThrow();
        int fromPid = btf.typeIdByName("bpf_task_from_pid", 12);
        int release = btf.typeIdByName("bpf_task_release", 12);
        if (fromPid <= 0 || release <= 0) {
            pc.unsupported(c.span(), "comm(pid) on a kernel without the bpf_task_from_pid kfunc");
            return;
        }
        pc.strings.zero(off, size);
        int m = pc.frame.mark();
        int task = pc.frame.alloc(8);
        int pid = pc.frame.alloc(8);
        pc.intExpr(c.args().getFirst());
        asm.emit(new Instruction.Alu(false, AluOp.MOV, 1, Operand.reg(0))); // (s32)pid
        asm.store(Size.DW, asm.frameBase, pid, 1);
        asm.emit(new Instruction.Call(CallKind.KFUNC, fromPid, (short) 0));
        Asm.Label found = asm.label();
        Asm.Label done = asm.label();
        asm.jumpImm(JumpOp.JNE, 0, 0, found);
        // the standard library's warnf("No such process (pid=%d)", $pid), then "N/A"
        int id = pc.events.addPrintf(new Events.Printf(FormatString.parse(
                "No such process (pid=%d)"), new Type.Tuple(List.of(new Type.Int(64, true))), "warnf", Map.of(),
                c.span(), List.of()));
        int ev = pc.eventSlot(16);
        asm.movImm(1, Events.PRINTF_BASE + id);
        asm.store(Size.DW, asm.frameBase, ev, 1);
        asm.load(Size.W, 1, asm.frameBase, pid);
        asm.aluImm(AluOp.LSH, 1, 32);
        asm.aluImm(AluOp.ARSH, 1, 32);
        asm.store(Size.DW, asm.frameBase, ev + 8, 1);
        pc.output(ev, 16);
        pc.strings.literal(ProbeCompiler.bytes("N/A"), size, off);
        asm.jump(done);
        asm.bind(found);
        asm.store(Size.DW, asm.frameBase, task, 0);
        asm.mov(3, 0);
        asm.aluImm(AluOp.ADD, 3, (int) k.offset());
        asm.stackAddr(1, off);
        asm.movImm(2, Math.min(size - 1, k.size()));
        asm.call("probe_read_kernel");
        asm.load(Size.DW, 1, asm.frameBase, task);
        asm.emit(new Instruction.Call(CallKind.KFUNC, release, (short) 0));
        asm.bind(done);
        pc.frame.release(m);
    }
}
