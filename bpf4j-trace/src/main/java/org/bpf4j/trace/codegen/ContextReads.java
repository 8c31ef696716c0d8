package org.bpf4j.trace.codegen;

import java.util.List;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.probe.UsdtArgument;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.probe.TracepointFormat;
import org.bpf4j.trace.sema.Type;

/**
 * Code that reads what a probe's context holds: {@code argN} and {@code retval} (from x86_64's
 * {@code struct pt_regs} for uprobes, the argument array for raw tracepoints, the argument specs
 * of USDT sites, the Java firing layout for {@code java} probes) and tracepoint fields
 * ({@code args.FIELD}, from the tracefs format). Results go to r0; r1-r5 are clobbered.
 */
final class ContextReads {
    /** Offsets in x86_64's {@code struct pt_regs} of the argument registers di, si, dx, cx, r8, r9. */
    private static final int[] PT_REGS_ARGS = {112, 104, 96, 88, 72, 64};
    private static final int PT_REGS_AX = 80;
    private static final int PT_REGS_SP = 152;

    private final ProbeCompiler pc;
    private final Asm asm;

    ContextReads(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    private Resolved resolved() {
        return pc.typed.expansion().resolved().get(pc.attachPoint);
    }

    /** r0 = argument {@code i} ({@code signed} for {@code sargN}, which reads stack slots in bpftrace). */
    void arg(int i, Span span) {
        if (pc.inCallback) {
            pc.unsupported(span, "arg" + i + " inside a for loop over a map or over a range with bounds known only at run time");
            return;
        }
        switch (pc.attachPoint.provider()) {
            case "java" -> {
                if (i >= 16) {
                    pc.unsupported(span, "arg" + i + " (more than 16 arguments)");
                    return;
                }
                asm.load(Size.DW, 0, ProbeCompiler.CTX, 8 * i);
            }
            // an fentry/fexit program's context is the function's arguments, 8 bytes each, as a raw tracepoint's
            case "rawtracepoint", "kfunc", "kretfunc", "fentry", "fexit" -> asm.load(Size.DW, 0, ProbeCompiler.CTX, 8 * i);
            case "uprobe", "kprobe" -> {
                if (i < PT_REGS_ARGS.length) {
                    asm.load(Size.DW, 0, ProbeCompiler.CTX, PT_REGS_ARGS[i]);
                    return;
                }
                // Further arguments are on the stack, above the return address.
                asm.load(Size.DW, 3, ProbeCompiler.CTX, PT_REGS_SP);
                asm.aluImm(AluOp.ADD, 3, 8 * (i - PT_REGS_ARGS.length + 1));
                readUser(8);
            }
            case "usdt" -> usdtArg(i, span);
            default -> pc.unsupported(span, "arg" + i + " in a " + pc.attachPoint.provider() + " probe");
        }
    }

    /** r0 = the stack slot {@code i} above the return address ({@code sargN}) of a uprobe. */
    void stackArg(int i, Span span) {
        if (!pc.attachPoint.provider().equals("uprobe") && !pc.attachPoint.provider().equals("kprobe")) {
            pc.unsupported(span, "sarg" + i + " in a " + pc.attachPoint.provider() + " probe");
            return;
        }
        asm.load(Size.DW, 3, ProbeCompiler.CTX, PT_REGS_SP);
        asm.aluImm(AluOp.ADD, 3, 8 * (i + 1));
        readUser(8);
    }

    /** r0 = the return value. */
    void retval(Span span) {
        if (pc.inCallback) {
            pc.unsupported(span, "retval inside a for loop over a map or over a range with bounds known only at run time");
            return;
        }
        switch (pc.attachPoint.provider()) {
            case "java" -> asm.load(Size.DW, 0, ProbeCompiler.CTX, ProbeCompiler.RETVAL_OFFSET);
            case "uretprobe", "kretprobe" -> asm.load(Size.DW, 0, ProbeCompiler.CTX, PT_REGS_AX);
            case "kretfunc", "fexit" -> {
                // fexit: the return value's slot follows the arguments'; a function the CHECK
                // target did not look up (programs checked, never loaded) is taken as having none
                int params = resolved() instanceof Resolved.Fentry fe ? fe.function().entry().params().size() : 0;
                asm.load(Size.DW, 0, ProbeCompiler.CTX, 8 * params);
            }
            default -> pc.unsupported(span, "retval in a " + pc.attachPoint.provider() + " probe");
        }
    }

    /** r0 = {@code size} bytes of user memory at the address in r3 (zero if unreadable), zero-extended. */
    private void readUser(int size) {
        int m = pc.frame.mark();
        int tmp = pc.frame.alloc(8);
        asm.storeImm(Size.DW, asm.frameBase, tmp, 0);
        asm.stackAddr(1, tmp);
        asm.movImm(2, size);
        asm.call("probe_read_user");
        asm.load(Size.DW, 0, asm.frameBase, tmp);
        pc.frame.release(m);
    }

    private void usdtArg(int i, Span span) {
        if (!(resolved() instanceof Resolved.Usdt u)) {
            pc.unsupported(span, "arg" + i + " here");
            return;
        }
        List<UsdtProbe> sites = u.sites();
        for (UsdtProbe s : sites) {
            if (i >= s.arguments().size()) {
                pc.diags.error(span, "usdt probe " + u.provider() + ":" + u.name() + " has " + s.arguments().size()
                        + " arguments; arg" + i + " does not exist");
                return;
            }
        }
        for (UsdtProbe s : sites) {
            if (s.arguments().get(i) instanceof UsdtArgument.Unsupported bad) {
                pc.diags.error(span, "usdt probe " + u.provider() + ":" + u.name() + ": arg" + i + " ('"
                        + bad.text() + "') cannot be read: " + bad.reason());
                return;
            }
        }
        boolean same = sites.stream().map(s -> s.arguments().get(i)).distinct().count() == 1;
        if (same) {
            usdtSpec(sites.getFirst().arguments().get(i));
            return;
        }
        // Sites differ: the attach cookie is the site's index.
        int m = pc.frame.mark();
        int site = pc.frame.alloc(8);
        asm.mov(1, ProbeCompiler.CTX);
        asm.call("get_attach_cookie");
        asm.store(Size.DW, asm.frameBase, site, 0);
        Asm.Label end = asm.label();
        for (int k = 0; k < sites.size(); k++) {
            Asm.Label next = asm.label();
            asm.load(Size.DW, 0, asm.frameBase, site);
            asm.jumpImm(JumpOp.JNE, 0, k, next);
            usdtSpec(sites.get(k).arguments().get(i));
            asm.jump(end);
            asm.bind(next);
        }
        asm.movImm(0, 0);
        asm.bind(end);
        pc.frame.release(m);
    }

    private void usdtSpec(UsdtArgument a) {
        switch (a) {
            case UsdtArgument.Constant c -> asm.movImm(0, c.value());
            case UsdtArgument.Register r -> asm.load(Size.DW, 0, ProbeCompiler.CTX, r.ptRegsOffset());
            case UsdtArgument.Memory mem -> {
                asm.load(Size.DW, 3, ProbeCompiler.CTX, mem.ptRegsOffset());
                if (mem.offset() != 0) {
                    asm.aluImm(AluOp.ADD, 3, (int) mem.offset());
                }
                readUser(a.size());
            }
            case UsdtArgument.Indexed x -> {
                asm.load(Size.DW, 3, ProbeCompiler.CTX, UsdtArgument.ptRegsOffset(x.index(), x.text()));
                if (UsdtArgument.is32Bit(x.index())) {
                    asm.aluImm(AluOp.LSH, 3, 32);
                    asm.aluImm(AluOp.RSH, 3, 32);
                }
                if (x.scale() > 1) {
                    asm.aluImm(AluOp.LSH, 3, Integer.numberOfTrailingZeros(x.scale()));
                }
                if (!x.base().isEmpty()) {
                    asm.load(Size.DW, 4, ProbeCompiler.CTX, x.ptRegsOffset());
                    asm.alu(AluOp.ADD, 3, 4);
                }
                if (x.offset() != 0) {
                    asm.aluImm(AluOp.ADD, 3, (int) x.offset());
                }
                readUser(a.size());
            }
            case UsdtArgument.Unsupported bad -> throw new IllegalStateException("unreadable USDT argument "
                    + bad.text() + " survived the check");
        }
        if (a.size() < 8 || a.signed()) {
            int shift = 64 - 8 * a.size();
            if (shift > 0) {
                asm.aluImm(AluOp.LSH, 0, shift);
                asm.aluImm(a.signed() ? AluOp.ARSH : AluOp.RSH, 0, shift);
            }
        }
    }

    private TracepointFormat.Field field(Expr.Field f) {
        if (!(resolved() instanceof Resolved.Tracepoint t)) {
            throw new IllegalStateException("args." + f.field() + " outside a tracepoint survived type checking");
        }
        return t.format().field(f.field()).orElseThrow();
    }

    /** r0 = an integer field of the tracepoint record (the address of the data of a {@code __data_loc} field). */
    void argsInt(Expr.Field f) {
        if (pc.inCallback) {
            pc.unsupported(f.span(), "args inside a for loop over a map or over a range with bounds known only at run time");
            return;
        }
        if (resolved() instanceof Resolved.Uprobe || resolved() instanceof Resolved.RawTracepoint
                || resolved() instanceof Resolved.Fentry) {
            // A parameter from the binary's DWARF (the argument register) or a raw tracepoint's
            // argument from the kernel's BTF (its slot of the context), seen as its type.
            arg(pc.typed.constant(f).intValue(), f.span());
            if (pc.type(f) instanceof Type.Int t && !t.isPointer()) {
                new IntExprs(pc).narrow(t);
            }
            return;
        }
        TracepointFormat.Field fd = field(f);
        switch (fd.kind()) {
            case DATA_LOC -> {
                asm.load(Size.W, 0, ProbeCompiler.CTX, fd.offset());
                asm.aluImm(AluOp.AND, 0, 0xffff);
                asm.alu(AluOp.ADD, 0, ProbeCompiler.CTX);
            }
            case POINTER -> asm.load(Size.DW, 0, ProbeCompiler.CTX, fd.offset());
            default -> {
                Size size = switch (fd.size()) {
                    case 1 -> Size.B;
                    case 2 -> Size.H;
                    case 4 -> Size.W;
                    default -> Size.DW;
                };
                asm.load(size, 0, ProbeCompiler.CTX, fd.offset());
                if (fd.signed() && fd.size() < 8) {
                    int shift = 64 - 8 * fd.size();
                    asm.aluImm(AluOp.LSH, 0, shift);
                    asm.aluImm(AluOp.ARSH, 0, shift);
                }
            }
        }
    }

    /** Whether {@code args.NAME} is a field of a tracepoint's record (not a uprobe's or raw tracepoint's argument). */
    boolean isTracepointField(Expr.Field f) {
        return resolved() instanceof Resolved.Tracepoint;
    }

    /** Copies the {@code size} bytes of a field of the tracepoint record (an integer array) to {@code off}. */
    void argsBytes(Expr.Field f, int size, int off) {
        if (pc.inCallback) {
            pc.unsupported(f.span(), "args inside a for loop over a map or over a range with bounds known only at run time");
            return;
        }
        TracepointFormat.Field fd = field(f);
        asm.stackAddr(1, off);
        asm.movImm(2, Math.min(size, fd.size()));
        asm.mov(3, ProbeCompiler.CTX);
        asm.aluImm(AluOp.ADD, 3, fd.offset());
        asm.call("probe_read_kernel");
    }

    /** Copies a {@code char[N]} field of the tracepoint record into a string slot of {@code size} bytes. */
    void argsString(Expr.Field f, int size, int off) {
        TracepointFormat.Field fd = field(f);
        pc.strings.zero(off, size);
        asm.stackAddr(1, off);
        asm.movImm(2, Math.min(size, fd.size()));
        if (size <= fd.size()) {
            asm.movImm(2, size - 1);
        }
        asm.mov(3, ProbeCompiler.CTX);
        asm.aluImm(AluOp.ADD, 3, fd.offset());
        asm.call("probe_read_kernel");
    }

    /**
     * Reads a NUL-terminated string of at most {@code limit} bytes (with the NUL) at the address in
     * r0 into a zeroed slot of {@code size} bytes at {@code off}. A limit one past the slot (that of
     * {@link Strings#readLimit} for a size that is a multiple of 8) lets the helper write the NUL of
     * a string cut there into the word after the slot, which r8 keeps over the call and puts back
     * whole (so the verifier keeps what it knew of it, such as a loop's counter). Where there is
     * no such word in the frame, the string is read into a larger slot and copied. No branch on
     * what the helper returned: such reads sit in loops the verifier walks, where each branch adds
     * to its bounded stack of pending states.
     */
    void stringAt(int limit, int size, int off) {
        int after = off + Type.align8(size);
        boolean past = limit > Type.align8(size);
        boolean keepAfter = past && after < 0 && after % 8 == 0 && after == (short) after;
        int m = pc.frame.mark();
        int to = past && !keepAfter ? pc.frame.alloc(limit) : off;
        if (ProbeCompiler.zeroCallsHelper(Type.align8(size))) {
            int pointer = pc.frame.alloc(8); // kept over the zeroing helper's call
            asm.store(Size.DW, asm.frameBase, pointer, 0);
            pc.strings.zero(to, size);
            asm.load(Size.DW, 3, asm.frameBase, pointer);
        } else {
            asm.mov(3, 0);
            pc.strings.zero(to, size); // the helper writes the byte past it
        }
        if (keepAfter) {
            asm.load(Size.DW, Asm.FAR, asm.frameBase, after);
        }
        asm.stackAddr(1, to);
        asm.movImm(2, limit);
        asm.call("probe_read_str");
        if (keepAfter) {
            asm.store(Size.DW, asm.frameBase, after, Asm.FAR);
        } else if (to != off) {
            pc.copy(asm.frameBase, to, off, Type.align8(size));
        }
        pc.frame.release(m);
    }

    /** The type of a tracepoint field that holds a string. */
    static boolean isString(Type t) {
        return t instanceof Type.Str;
    }
}
