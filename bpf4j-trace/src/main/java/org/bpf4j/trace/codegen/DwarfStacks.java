package org.bpf4j.trace.codegen;

import java.util.List;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.Kernel;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.sema.Registers;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.symbols.EhFrame;

/**
 * {@code dw_ustack}: the user stack unwound in the kernel from the {@code .eh_frame} rules of the
 * target processes (tables user space fills before attaching, see {@link CompiledScript#dwarfRowsIndex()}),
 * so that programs built without frame pointers get their whole stack.
 *
 * <p>The value has the layout of {@code ustack}'s: an id (and, when the script takes {@code len()}
 * of a stack, the number of frames in the high half) and the pid. The frames go to the
 * {@code dw_stacks} hash map under an id made of a hash of the frames with bit 30 set, which is how
 * user space tells them from the stack map's ids. A process without tables gets the frame-pointer
 * stack of {@code ustack} and a runtime warning, as in current bpftrace.
 *
 * <p>The walk is a loop over the frames (r9 counts them: it is free outside the callbacks of for
 * loops); each frame's row is found by a branch-free binary search (unrolled, one step per bit of
 * {@link CompiledScript#DWARF_ROWS}) over the process's rows, read in place from the table's one
 * element. The CFA is rsp or rbp plus the row's offset, the PLT expression, the word at rsp or
 * rbp plus the offset, plus the row's constant, or, where the registers are known (the interrupted
 * frame, from its saved registers, and a frame a signal frame saved every register of; elsewhere
 * the walk ends there), another register plus the offset, or the word at rsp or rbp plus the
 * offset plus a register times a scale; the return address is at CFA-8 (or, where the registers
 * are known, in a register) and rbp, when the row says where, at CFA plus its offset. A return address in the
 * {@code [uprobes]} page is a pending uretprobe's: the original is taken from the kernel.
 */
final class DwarfStacks {
    private static final int COUNTER = 9;
    /**
     * The general registers a CFA_REG or RA_REG row may name, in the order of the kernel's
     * {@code struct sigcontext} (r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp), which a signal
     * frame saved them in: one read restores them all.
     */
    private static final int REGS = 16;
    /** The {@code struct pt_regs} word (see {@link Registers}) of each register of the walk's array. */
    private static final String[] SIGCONTEXT_ORDER = {"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15", "di",
        "si", "bp", "bx", "dx", "ax", "cx", "sp"};
    /** Bit 62 of a frame's ip: its registers are known (the interrupted frame's, a signal frame's). */
    private static final int KNOWN_BIT = 62;
    private static final int ROW = Asm.FAR;
    private static final int STEPS = Integer.numberOfTrailingZeros(CompiledScript.DWARF_ROWS);
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long FNV_BASIS = 0xcbf29ce484222325L;

    /** The message of current bpftrace's runtime warning for a process without unwind tables. */
    static final String NO_DWARF = "No DWARF unwind data available for this process. "
            + "Use -p or --dwarf-pid to specify target PIDs.";

    private final ProbeCompiler pc;
    private final Asm asm;

    DwarfStacks(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /**
     * Writes the stack value of {@code dw_ustack} at {@code off}; {@code fallback} writes
     * {@code ustack}'s (for a process without tables).
     */
    void into(Type.Stack st, int off, Span span, Runnable fallback) {
        int rows = pc.globalsIndex + 3;
        int pids = rows + 1;
        int stacks = rows + 2;
        int limit = Math.max(1, Math.min(st.limit(), Events.STACK_MAP_FRAMES));
        int m = pc.frame.mark();
        int ip = pc.frame.alloc(8);
        int sp = pc.frame.alloc(8);
        int bp = pc.frame.alloc(8);
        int start = pc.frame.alloc(8);
        int count = pc.frame.alloc(8);
        int hash = pc.frame.alloc(8);
        int n = pc.frame.alloc(8);
        int cfa = pc.frame.alloc(8);
        int rbpOff = pc.frame.alloc(8);
        int tmp = pc.frame.alloc(8);
        int extra = pc.frame.alloc(8);
        int flags = pc.frame.alloc(8);
        int regs = pc.frame.alloc(8 * REGS);
        UprobeOffsets uo = UprobeOffsets.KERNEL;
        int task = uo == null ? 0 : pc.frame.alloc(8);
        int xol = uo == null ? 0 : pc.frame.alloc(8);
        int ri = uo == null ? 0 : pc.frame.alloc(8);
        int scan = uo == null ? 0 : pc.frame.alloc(8);
        int riStack = uo == null ? 0 : pc.frame.alloc(8);
        int frames = pc.frame.alloc(8 * Events.STACK_MAP_FRAMES);
        Asm.Label found = asm.label();
        Asm.Label noData = asm.label();
        Asm.Label end = asm.label();

        // the process's rows: its slot in the table of target processes
        pc.pid(false, false, span);
        asm.mov(1, 0);
        asm.loadMapValue(0, pids, 0);
        for (int k = 0; k < CompiledScript.DWARF_PIDS; k++) {
            Asm.Label next = asm.label();
            asm.load(Size.W, 2, 0, 16 * k);
            asm.jump(JumpOp.JNE, 2, 1, next);
            asm.load(Size.W, 3, 0, 16 * k + 4);
            asm.load(Size.W, 4, 0, 16 * k + 8);
            asm.jump(found);
            asm.bind(next);
        }
        asm.jump(noData);
        asm.bind(found);
        asm.jumpImm(JumpOp.JEQ, 4, 0, noData);
        asm.store(Size.DW, asm.frameBase, start, 3);
        asm.store(Size.DW, asm.frameBase, count, 4);

        String provider = pc.attachPoint.provider();
        boolean userContext = provider.equals("uprobe") || provider.equals("uretprobe") || provider.equals("usdt");
        // the interrupted frame's registers, in struct sigcontext's order (a CFA_REG or RA_REG row's
        // register); in other probes the task's user registers, saved where it entered the kernel
        // (as current bpftrace), read first into the frames' array (zeroed after)
        int from = ProbeCompiler.CTX;
        if (!userContext) {
            asm.call("get_current_task_btf");
            asm.mov(1, 0);
            asm.call("task_pt_regs");
            asm.mov(3, 0);
            asm.stackAddr(1, frames);
            asm.movImm(2, 8 * (Registers.offset("sp") / 8 + 1));
            asm.call("probe_read_kernel");
            asm.stackAddr(COUNTER, frames);
            from = COUNTER;
        }
        for (int k = 0; k < REGS; k++) {
            asm.load(Size.DW, 1, from, Registers.offset(SIGCONTEXT_ORDER[k]));
            asm.store(Size.DW, asm.frameBase, regs + 8 * k, 1);
        }
        for (String r : new String[] {"ip", "sp", "bp"}) {
            asm.load(Size.DW, 1, from, Registers.offset(r));
            asm.store(Size.DW, asm.frameBase, r.equals("ip") ? ip : r.equals("sp") ? sp : bp, 1);
        }
        pc.zero(frames, 8 * Events.STACK_MAP_FRAMES);
        asm.movImm(1, FNV_BASIS);
        asm.store(Size.DW, asm.frameBase, hash, 1);
        asm.storeImm(Size.DW, asm.frameBase, n, 0);

        if (uo != null) {
            xolBase(uo, task, xol, ri);
        }
        Asm.Label head = asm.label();
        Asm.Label done = asm.label();
        Asm.Label fail = asm.label();
        Asm.Label rbpKept = asm.label();
        asm.movImm(COUNTER, 0);
        asm.bind(head);
        // the frame: recorded, hashed (FNV-1a over the words), counted; bit 63 of ip marks a signal
        // frame's interrupted instruction and bit 62 a frame whose registers the signal frame
        // restored (no user address has them), cleared here. A caller's frame is recorded at its
        // return address minus 1 (in its call, as current bpftrace records it; a call that does not
        // return can end its function): 1 is subtracted where r9 > 0
        asm.load(Size.DW, 1, asm.frameBase, ip);
        asm.aluImm(AluOp.LSH, 1, 2);
        asm.aluImm(AluOp.RSH, 1, 2);
        asm.movImm(2, 0);
        asm.alu(AluOp.SUB, 2, COUNTER);
        asm.aluImm(AluOp.RSH, 2, 63);
        asm.alu(AluOp.SUB, 1, 2);
        // (the frame's stack or, for a split frame's large slot, its scratch part)
        recordFrame(frames, hash, n);
        asm.jumpImm(JumpOp.JGE, COUNTER, limit, done);
        // the address looked up: a return address is past its call (which may end the function)
        // (not a signal frame's interrupted instruction, marked by bit 63: branch-free, a flag's
        // two values would double the verifier's states at each frame)
        asm.load(Size.DW, 3, asm.frameBase, ip);
        Asm.Label first = asm.label();
        asm.jumpImm(JumpOp.JEQ, COUNTER, 1, first);
        asm.mov(2, 3);
        asm.aluImm(AluOp.RSH, 2, 63);
        asm.aluImm(AluOp.SUB, 3, 1);
        asm.alu(AluOp.ADD, 3, 2);
        asm.aluImm(AluOp.LSH, 3, 2);
        asm.aluImm(AluOp.RSH, 3, 2);
        asm.bind(first);
        // binary search: r1 = lo, r2 = len; the last row at or before r3
        asm.load(Size.DW, 1, asm.frameBase, start);
        asm.load(Size.DW, 2, asm.frameBase, count);
        for (int s = 0; s < STEPS; s++) {
            asm.mov(4, 2);
            asm.aluImm(AluOp.RSH, 4, 1); // half
            asm.mov(5, 1);
            asm.alu(AluOp.ADD, 5, 4); // mid
            rowAt(5, rows);
            asm.load(Size.DW, 0, ROW, 0);
            asm.mov(ROW, 3);
            asm.alu(AluOp.SUB, ROW, 0);
            asm.aluImm(AluOp.ARSH, ROW, 63); // -1 when the row starts after the address
            asm.aluImm(AluOp.XOR, ROW, -1); // -1 when it starts at or before
            asm.alu(AluOp.XOR, 5, 1);
            asm.alu(AluOp.AND, 5, ROW);
            asm.alu(AluOp.XOR, 1, 5); // lo = mid if so
            // len = len - half (= half + len % 2) if so, else half
            asm.aluImm(AluOp.AND, 2, 1);
            asm.alu(AluOp.AND, 2, ROW);
            asm.alu(AluOp.ADD, 2, 4);
        }
        rowAt(1, rows);
        asm.load(Size.DW, 0, ROW, 0);
        asm.jump(JumpOp.JGT, 0, 3, fail); // before the process's first row
        asm.load(Size.B, 4, ROW, 14);
        // the kind's flags: RBP_AT_RBP (rbp saved at rbp plus the row's offset, DRAP, rather than at
        // the CFA plus it) in bit 1, REGISTERS (a signal frame that saved every register) in bit 0
        asm.mov(2, 4);
        asm.aluImm(AluOp.RSH, 2, 6);
        asm.store(Size.DW, asm.frameBase, flags, 2);
        asm.aluImm(AluOp.AND, 4, 0x3f);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.END, done);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.STOP, fail);
        // the row's fields into registers first (a far frame access goes through ROW's register)
        asm.load(Size.H, 0, ROW, 12);
        asm.load(Size.W, 5, ROW, 8);
        asm.load(Size.B, 2, ROW, 15);
        asm.store(Size.DW, asm.frameBase, extra, 2);
        asm.aluImm(AluOp.LSH, 0, 48);
        asm.aluImm(AluOp.ARSH, 0, 48);
        asm.store(Size.DW, asm.frameBase, rbpOff, 0);
        asm.aluImm(AluOp.LSH, 5, 32);
        asm.aluImm(AluOp.ARSH, 5, 32);
        Asm.Label plt = asm.label();
        Asm.Label fromSp = asm.label();
        Asm.Label cfaDone = asm.label();
        Asm.Label raRead = asm.label();
        Asm.Label fromReg = asm.label();
        Asm.Label raReg = asm.label();
        Asm.Label derefSp = asm.label();
        Asm.Label derefBp = asm.label();
        Asm.Label deref = asm.label();
        Asm.Label derefIndex = asm.label();
        Asm.Label signal = asm.label();
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_PLT, plt);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_SIGNAL, signal);
        // rbp in a register (REGISTERS on another kind): followed where the registers are known
        Asm.Label rbpChecked = asm.label();
        asm.load(Size.DW, 1, asm.frameBase, flags);
        asm.aluImm(AluOp.AND, 1, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, rbpChecked);
        registersKnown(ip, fail);
        asm.bind(rbpChecked);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_REG, fromReg);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.RA_REG, raReg);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_DEREF_RSP, derefSp);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_DEREF_RBP, derefBp);
        asm.jumpImm(JumpOp.JEQ, 4, EhFrame.CFA_DEREF_INDEX, derefIndex);
        asm.jumpImm(JumpOp.JNE, 4, EhFrame.CFA_RBP, fromSp);
        asm.load(Size.DW, 0, asm.frameBase, bp);
        asm.alu(AluOp.ADD, 0, 5);
        asm.jump(cfaDone);
        asm.bind(fromSp);
        asm.load(Size.DW, 0, asm.frameBase, sp);
        asm.alu(AluOp.ADD, 0, 5);
        asm.jump(cfaDone);
        asm.bind(signal);
        // a signal frame: the interrupted context's rsp (the CFA), rip and rbp, saved at rsp plus
        // the row's offsets; with REGISTERS every register (struct sigcontext: r8 120 bytes below
        // rsp's place, the walk's order), so that the interrupted frame's registers are known
        asm.store(Size.DW, asm.frameBase, tmp, 5);
        Asm.Label signalCfa = asm.label();
        asm.load(Size.DW, 1, asm.frameBase, flags);
        asm.aluImm(AluOp.AND, 1, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, signalCfa);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.alu(AluOp.ADD, 3, 5);
        asm.aluImm(AluOp.SUB, 3, 8 * (REGS - 1));
        asm.stackAddr(1, regs);
        asm.movImm(2, 8 * REGS);
        asm.call("probe_read_user");
        asm.jumpImm(JumpOp.JNE, 0, 0, fail);
        asm.bind(signalCfa);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.alu(AluOp.ADD, 3, 1);
        readUser(cfa, fail);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.alu(AluOp.ADD, 3, 1);
        asm.load(Size.DW, 1, asm.frameBase, extra);
        asm.alu(AluOp.ADD, 3, 1);
        readUser(tmp, fail);
        Asm.Label signalBp = asm.label();
        asm.load(Size.DW, 1, asm.frameBase, rbpOff);
        asm.jumpImm(JumpOp.JEQ, 1, 0, signalBp);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.alu(AluOp.ADD, 3, 1);
        readUser(bp, fail);
        asm.bind(signalBp);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.jumpImm(JumpOp.JEQ, 1, 0, done);
        // bit 63: the interrupted instruction; bit 62 (REGISTERS): its registers known
        asm.load(Size.DW, 2, asm.frameBase, flags);
        asm.aluImm(AluOp.AND, 2, 1);
        asm.aluImm(AluOp.OR, 2, 2);
        asm.aluImm(AluOp.LSH, 2, KNOWN_BIT);
        asm.alu(AluOp.OR, 1, 2);
        asm.store(Size.DW, asm.frameBase, tmp, 1);
        asm.jump(rbpKept);
        asm.bind(fromReg);
        // another register: known in the interrupted frame and where a signal frame restored it
        registersKnown(ip, fail);
        regsWord(regs, extra, 0);
        asm.alu(AluOp.ADD, 0, 5);
        asm.jump(cfaDone);
        asm.bind(raReg);
        // the CFA from a register (the low half of extra), the return address in another (its high
        // half), where they are known
        registersKnown(ip, fail);
        regsWord(regs, extra, 0);
        asm.alu(AluOp.ADD, 0, 5);
        asm.store(Size.DW, asm.frameBase, cfa, 0);
        regsWord(regs, extra, 4);
        asm.store(Size.DW, asm.frameBase, tmp, 0);
        asm.jump(raRead);
        // the word at rsp or rbp plus the offset, plus the row's constant
        asm.bind(derefSp);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.jump(deref);
        asm.bind(derefBp);
        asm.load(Size.DW, 3, asm.frameBase, bp);
        asm.bind(deref);
        asm.alu(AluOp.ADD, 3, 5);
        readUser(cfa, fail);
        asm.load(Size.DW, 0, asm.frameBase, cfa);
        asm.load(Size.DW, 1, asm.frameBase, extra);
        asm.alu(AluOp.ADD, 0, 1);
        asm.jump(cfaDone);
        asm.bind(derefIndex);
        // *(rsp or rbp + offset + register * scale) + plus, where the registers are known; the
        // row's offset packs offset (bits 0-19), plus (20-27), log2 scale (28-29), rbp (30)
        asm.store(Size.DW, asm.frameBase, tmp, 5);
        registersKnown(ip, fail);
        regsWord(regs, extra, 0);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.aluImm(AluOp.RSH, 1, 28);
        asm.aluImm(AluOp.AND, 1, 3);
        asm.alu(AluOp.LSH, 0, 1);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.aluImm(AluOp.LSH, 1, 44);
        asm.aluImm(AluOp.ARSH, 1, 44);
        asm.alu(AluOp.ADD, 0, 1);
        Asm.Label indexSp = asm.label();
        Asm.Label indexBase = asm.label();
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.aluImm(AluOp.RSH, 1, 30);
        asm.aluImm(AluOp.AND, 1, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, indexSp);
        asm.load(Size.DW, 3, asm.frameBase, bp);
        asm.jump(indexBase);
        asm.bind(indexSp);
        asm.load(Size.DW, 3, asm.frameBase, sp);
        asm.bind(indexBase);
        asm.alu(AluOp.ADD, 3, 0);
        readUser(cfa, fail);
        asm.load(Size.DW, 0, asm.frameBase, cfa);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.aluImm(AluOp.RSH, 1, 20);
        asm.aluImm(AluOp.AND, 1, 0xff);
        asm.alu(AluOp.ADD, 0, 1);
        asm.jump(cfaDone);
        asm.bind(plt);
        // rsp + 8, and 8 more in the second half of the entry (rip & 15 >= threshold)
        asm.load(Size.DW, 0, asm.frameBase, sp);
        asm.aluImm(AluOp.ADD, 0, 8);
        asm.load(Size.DW, 1, asm.frameBase, ip);
        asm.aluImm(AluOp.AND, 1, 15);
        asm.jump(JumpOp.JLT, 1, 5, cfaDone);
        asm.aluImm(AluOp.ADD, 0, 8);
        asm.bind(cfaDone);
        asm.store(Size.DW, asm.frameBase, cfa, 0);
        // the return address at CFA-8
        asm.mov(3, 0);
        asm.aluImm(AluOp.SUB, 3, 8);
        readUser(tmp, fail);
        asm.bind(raRead);
        if (uo != null) {
            recoverUretprobe(uo, task, xol, ri, scan, riStack, cfa, tmp);
        }
        // the caller's rbp: (REGISTERS, checked known above) in the register the row's offset
        // names, chosen without a branch (a branch here tripled the states the verifier keeps);
        // else where the row saved it: at the CFA plus the offset (0: not saved), or (RBP_AT_RBP)
        // at rbp plus it
        regsWord(regs, rbpOff, 0);
        asm.load(Size.DW, 1, asm.frameBase, flags);
        asm.aluImm(AluOp.LSH, 1, 63);
        asm.aluImm(AluOp.ARSH, 1, 63); // all ones with REGISTERS
        asm.alu(AluOp.AND, 0, 1);
        asm.aluImm(AluOp.XOR, 1, -1);
        asm.load(Size.DW, 2, asm.frameBase, bp);
        asm.alu(AluOp.AND, 2, 1);
        asm.alu(AluOp.OR, 0, 2);
        asm.store(Size.DW, asm.frameBase, bp, 0);
        asm.load(Size.DW, 2, asm.frameBase, rbpOff);
        asm.alu(AluOp.AND, 2, 1); // no saved rbp with REGISTERS
        asm.store(Size.DW, asm.frameBase, rbpOff, 2);
        Asm.Label fromCfa = asm.label();
        Asm.Label readBp = asm.label();
        asm.load(Size.DW, 3, asm.frameBase, rbpOff);
        asm.load(Size.DW, 1, asm.frameBase, flags);
        asm.aluImm(AluOp.RSH, 1, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, fromCfa);
        asm.load(Size.DW, 1, asm.frameBase, bp);
        asm.jump(readBp);
        asm.bind(fromCfa);
        asm.jumpImm(JumpOp.JEQ, 3, 0, rbpKept);
        asm.load(Size.DW, 1, asm.frameBase, cfa);
        asm.bind(readBp);
        asm.alu(AluOp.ADD, 3, 1);
        readUser(bp, fail);
        asm.bind(rbpKept);
        asm.load(Size.DW, 1, asm.frameBase, cfa);
        asm.store(Size.DW, asm.frameBase, sp, 1);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        asm.store(Size.DW, asm.frameBase, ip, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, done);
        asm.jump(head);
        // a walk that cannot go on (no row for the address, a rule not followed, memory not
        // readable) ends in a frame of all ones, printed "<unwind failure>" (as current bpftrace);
        // r9 is below the limit here
        asm.bind(fail);
        asm.movImm(1, -1);
        recordFrame(frames, hash, n);
        asm.bind(done);

        // the frames under their id: the hash folded to 30 bits, with bit 30 set
        asm.load(Size.DW, 1, asm.frameBase, hash);
        asm.mov(2, 1);
        asm.aluImm(AluOp.RSH, 2, 32);
        asm.alu(AluOp.XOR, 1, 2);
        asm.aluImm(AluOp.AND, 1, 0x3fffffff);
        asm.aluImm(AluOp.OR, 1, 0x40000000);
        asm.store(Size.DW, asm.frameBase, tmp, 1);
        asm.loadMap(1, stacks);
        asm.stackAddr(2, tmp);
        asm.stackAddr(3, frames);
        asm.movImm(4, 0);
        asm.call("map_update_elem");
        Asm.Label stored = asm.label();
        asm.jumpImm(JumpOp.JEQ, 0, 0, stored);
        asm.movImm(1, -1); // no room: a stack that could not be read
        asm.store(Size.DW, asm.frameBase, off, 1);
        asm.jump(end);
        asm.bind(stored);
        asm.load(Size.DW, 1, asm.frameBase, tmp);
        if (pc.typed.countsStackFrames()) {
            asm.load(Size.DW, 2, asm.frameBase, n);
            asm.aluImm(AluOp.LSH, 2, 32);
            asm.alu(AluOp.OR, 1, 2);
        }
        asm.store(Size.DW, asm.frameBase, off, 1);
        pc.pid(false, false, span);
        asm.store(Size.DW, asm.frameBase, off + 8, 0);
        asm.jump(end);

        asm.bind(noData);
        new IntExprs(pc).runtimeWarning(NO_DWARF, span);
        fallback.run();
        asm.bind(end);
        pc.frame.release(m);
    }

    /**
     * Goes on where the registers of the frame at {@code ip} are known: the interrupted frame's
     * (r9 is 1 at its row), or a frame whose ip has {@link #KNOWN_BIT} (a signal frame restored
     * them); else jumps to {@code fail}. Clobbers r1.
     */
    private void registersKnown(int ip, Asm.Label fail) {
        Asm.Label known = asm.label();
        asm.jumpImm(JumpOp.JEQ, COUNTER, 1, known);
        asm.load(Size.DW, 1, asm.frameBase, ip);
        asm.aluImm(AluOp.RSH, 1, KNOWN_BIT);
        asm.aluImm(AluOp.AND, 1, 1);
        asm.jumpImm(JumpOp.JEQ, 1, 0, fail);
        asm.bind(known);
    }

    /**
     * r0 = the register of the walk's array {@code regs} whose index is four bits of the slot
     * {@code field} (the row's extra or rbp offset), from bit {@code shift}. Clobbers r1, r2.
     */
    private void regsWord(int regs, int field, int shift) {
        asm.load(Size.DW, 1, asm.frameBase, field);
        if (shift > 0) {
            asm.aluImm(AluOp.RSH, 1, shift);
        }
        asm.aluImm(AluOp.AND, 1, REGS - 1);
        asm.aluImm(AluOp.LSH, 1, 3);
        asm.stackAddr(2, regs);
        asm.alu(AluOp.ADD, 2, 1);
        asm.load(Size.DW, 0, 2, 0);
    }

    /** How many pending uretprobes of the task {@link #recoverUretprobe} looks through. */
    private static final int RETURN_INSTANCES = 4;

    /**
     * The offsets of the running kernel's structs that lead from the task to its uretprobe
     * trampoline ({@code task->mm->uprobes_state.xol_area->vaddr}, the start of the
     * {@code [uprobes]} page) and to its pending uretprobes ({@code task->utask->return_instances},
     * a list of {@code return_instance}s, innermost first: {@code stack}, the address of the return
     * address the trampoline replaced, {@code orig_ret_vaddr} and {@code next}); from its BTF.
     */
    record UprobeOffsets(long taskMm, long mmXolArea, long xolVaddr, long taskUtask, long utaskReturnInstances,
            long riStack, long riOrigRet, long riNext) {
        /** This kernel's, or null (no BTF, no uprobes, another layout): then trampolines end the walk. */
        static final UprobeOffsets KERNEL = read();

        private static UprobeOffsets read() {
            try {
                Btf btf = Kernel.system().vmlinuxBtf().orElse(null);
                if (btf == null) {
                    return null;
                }
                long[] o = {
                    offset(btf, "task_struct", "mm"), offset(btf, "mm_struct", "uprobes_state", "xol_area"),
                    offset(btf, "xol_area", "vaddr"), offset(btf, "task_struct", "utask"),
                    offset(btf, "uprobe_task", "return_instances"), offset(btf, "return_instance", "stack"),
                    offset(btf, "return_instance", "orig_ret_vaddr"), offset(btf, "return_instance", "next"),
                };
                for (long v : o) {
                    if (v < 0) {
                        return null;
                    }
                }
                return new UprobeOffsets(o[0], o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }

        /** The byte offset of the 8-byte member at {@code path} in the struct {@code name}, or -1. */
        static long offset(Btf btf, String name, String... path) {
            int id = btf.typeIdByName(name, 4 /* STRUCT */);
            if (id <= 0) {
                return -1;
            }
            long at = 0;
            long size = 0;
            for (String field : path) {
                long[] m = member(btf, id, field, 0);
                if (m == null) {
                    return -1;
                }
                at += m[0];
                id = (int) m[1];
                size = btf.sizeOf(id);
            }
            return at % 8 == 0 && size == 8 ? at / 8 : -1;
        }

        /** {bit offset, type id} of the member {@code name} of struct {@code id}, in anonymous members too. */
        private static long[] member(Btf btf, int id, String name, int depth) {
            List<BtfType.Member> ms = switch (btf.resolve(id)) {
                case BtfType.Struct st -> st.members();
                case BtfType.Union un -> un.members();
                default -> null;
            };
            if (ms == null || depth > 8) {
                return null;
            }
            for (BtfType.Member m : ms) {
                if (m.name().equals(name) && m.bitfieldSize() == 0) {
                    return new long[] {m.bitOffset(), m.type()};
                }
            }
            for (BtfType.Member m : ms) {
                if (m.name().isEmpty()) {
                    long[] f = member(btf, m.type(), name, depth + 1);
                    if (f != null) {
                        return new long[] {f[0] + m.bitOffset(), f[1]};
                    }
                }
            }
            return null;
        }
    }

    /**
     * Frame {@code COUNTER} of the walk is r1: stored at {@code frames[COUNTER]}, folded into the
     * stack's FNV-1a {@code hash}; then {@code n = ++COUNTER}.
     */
    private void recordFrame(int frames, int hash, int n) {
        asm.stackAddr(2, frames);
        asm.mov(3, COUNTER);
        asm.aluImm(AluOp.LSH, 3, 3);
        asm.alu(AluOp.ADD, 2, 3);
        asm.store(Size.DW, 2, 0, 1);
        asm.load(Size.DW, 2, asm.frameBase, hash);
        asm.alu(AluOp.XOR, 2, 1);
        asm.movImm(3, FNV_PRIME);
        asm.alu(AluOp.MUL, 2, 3);
        asm.store(Size.DW, asm.frameBase, hash, 2);
        asm.aluImm(AluOp.ADD, COUNTER, 1);
        asm.store(Size.DW, asm.frameBase, n, COUNTER);
    }

    /**
     * {@code *to = *(u64 *)r3} from user memory (r3 holds the address), or a jump to {@code fail}
     * when it cannot be read: the walk ends there.
     */
    private void readUser(int to, Asm.Label fail) {
        asm.stackAddr(1, to);
        asm.movImm(2, 8);
        asm.call("probe_read_user");
        asm.jumpImm(JumpOp.JNE, 0, 0, fail);
    }

    /**
     * {@code *to = *(u64 *)(*from + off)} from kernel memory; 0 when it cannot be read (the helper
     * zeroes its destination then: no branch, which would multiply the verifier's states).
     */
    private void readKernel(int from, long off, int to) {
        asm.load(Size.DW, 3, asm.frameBase, from);
        asm.aluImm(AluOp.ADD, 3, (int) off);
        asm.stackAddr(1, to);
        asm.movImm(2, 8);
        asm.call("probe_read_kernel"); // (on failure the helper zeroes the destination)
    }

    /**
     * {@code xol} = the start of the task's {@code [uprobes]} page (its uretprobe trampoline), and
     * {@code ri} = the task's first pending return instance; 0 if there are none. Reads through a
     * null pointer fail and give 0, so there is no branch.
     */
    private void xolBase(UprobeOffsets uo, int task, int xol, int ri) {
        asm.call("get_current_task");
        asm.store(Size.DW, asm.frameBase, task, 0);
        readKernel(task, uo.taskMm(), xol);
        readKernel(xol, uo.mmXolArea(), xol);
        readKernel(xol, uo.xolVaddr(), xol);
        readKernel(task, uo.taskUtask(), ri);
        readKernel(ri, uo.utaskReturnInstances(), ri);
    }

    /**
     * A return address ({@code ret}, read at {@code cfa}-8) that a pending uretprobe replaced by its
     * trampoline in the {@code [uprobes]} page is replaced by the original, from the task's
     * return instance whose {@code stack} is that address (as current bpftrace's {@code dw_ustack}
     * and the kernel's own user stacks do); else it stays, and the walk ends at it. The instances
     * are innermost first, as the walk meets their frames: {@code ri}, the cursor (the first
     * instance after the last one matched), makes each frame's search start
     * where the previous one ended, so a recursion of any depth is recovered, and at most
     * {@link #RETURN_INSTANCES} instances are passed over between two matches (the innermost one,
     * in a uretprobe's own probe, whose frame has returned).
     */
    private void recoverUretprobe(UprobeOffsets uo, int task, int xol, int ri, int scan, int stack, int cfa,
            int ret) {
        Asm.Label kept = asm.label();
        asm.load(Size.DW, 2, asm.frameBase, xol);
        asm.jumpImm(JumpOp.JEQ, 2, 0, kept);
        asm.load(Size.DW, 1, asm.frameBase, ret);
        asm.alu(AluOp.SUB, 1, 2);
        asm.jumpImm(JumpOp.JGE, 1, 4096, kept);
        asm.load(Size.DW, 1, asm.frameBase, ri);
        asm.store(Size.DW, asm.frameBase, scan, 1);
        for (int k = 0; k < RETURN_INSTANCES; k++) {
            Asm.Label next = asm.label();
            asm.load(Size.DW, 1, asm.frameBase, scan);
            asm.jumpImm(JumpOp.JEQ, 1, 0, kept);
            // its stack: the address of the return address it replaced (ret's, cfa - 8)
            readKernel(scan, uo.riStack(), stack);
            asm.load(Size.DW, 1, asm.frameBase, stack);
            asm.load(Size.DW, 2, asm.frameBase, cfa);
            asm.aluImm(AluOp.SUB, 2, 8);
            asm.jump(JumpOp.JNE, 1, 2, next);
            readKernel(scan, uo.riOrigRet(), ret);
            readKernel(scan, uo.riNext(), ri); // the cursor: past the match
            asm.jump(kept);
            asm.bind(next);
            readKernel(scan, uo.riNext(), scan);
        }
        // no match: the cursor stays where it was
        asm.bind(kept);
    }

    /** {@code ROW} = the address of row {@code index} (masked to the table) in the table's one element. */
    private void rowAt(int index, int rows) {
        asm.mov(0, index);
        asm.aluImm(AluOp.AND, 0, CompiledScript.DWARF_ROWS - 1);
        asm.aluImm(AluOp.LSH, 0, 4);
        asm.loadMapValue(ROW, rows, 0);
        asm.alu(AluOp.ADD, ROW, 0);
    }
}
