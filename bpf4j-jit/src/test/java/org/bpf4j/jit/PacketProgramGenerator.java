package org.bpf4j.jit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.spec.ProgramType;

/**
 * Random programs over a packet context, for {@link PacketFuzzTest}: XDP, tc and socket-filter
 * programs that load {@code data}/{@code data_end} (and {@code data_meta}) from the context,
 * check bounds and read and write the packet directly, copy packet bytes to the stack and into
 * the {@link FuzzWorld}'s maps, loop over the packet, call the packet helpers (adjusting the head,
 * tail and metadata, loading and storing bytes, checksums, VLAN tags, room, redirects) and reload
 * their pointers afterwards, read and write context fields, take a map value's
 * {@code bpf_spin_lock} around an update, and end with a verdict. Most programs
 * are written as a compiler writes them, so that many pass the verifier; some accesses skip their
 * bounds check or use a pointer a helper made stale, and some helper arguments are wild, so that
 * runs also trap.
 *
 * <p>Registers: R6 the context throughout; R7 {@code data}, R8 {@code data_end}, R9 a counter or
 * {@code data_meta}; R0-R5 scratch.
 *
 * <p>For the kernel ({@link PacketKernelFuzzTest}), {@linkplain #forKernel() a mode} leaves out what
 * Linux refuses by rule rather than by a program's fault, so that more programs reach the
 * comparison: no unchecked or one-past accesses, no direct packet access from a socket filter (its
 * context has no {@code data}) and no packet writes from cgroup_skb, only the helpers and context
 * fields of the program type, helper lengths within the stack buffer, every function called,
 * cgroup_skb verdicts of 0 or 1, and no {@code bpf_xdp_adjust_meta} (this machine's Linux 6.18
 * refuses it to XDP programs, which upstream allows).
 */
final class PacketProgramGenerator {
    private final SplittableRandom rnd;
    private final ProgramType type;
    private final List<Instruction> out = new ArrayList<>();
    /** Labels: index into {@link #out} of each jump waiting for its target, and the label it wants. */
    private final List<int[]> fixups = new ArrayList<>();
    private final List<Integer> labelAt = new ArrayList<>();
    /** Whether R7/R8 hold pointers of the current packet window (no packet-changing helper since). */
    private boolean fresh;
    /** Whether to leave out what Linux refuses by rule ({@link #forKernel()}). */
    private boolean kernel;
    /** Whether each function after the main one has been called. */
    private boolean[] called = new boolean[0];

    PacketProgramGenerator(SplittableRandom rnd, ProgramType type) {
        this.rnd = rnd;
        this.type = type;
    }

    /** This generator in the mode for the kernel (see the class comment). */
    PacketProgramGenerator forKernel() {
        kernel = true;
        return this;
    }

    /** Whether the program may read the packet directly ({@code __sk_buff.data} is not a socket filter's). */
    private boolean direct() {
        return !kernel || type != ProgramType.SOCKET_FILTER;
    }

    /** Whether the program may write the packet directly (cgroup_skb only reads it). */
    private boolean writable() {
        return !kernel || type == ProgramType.XDP || type == ProgramType.SCHED_CLS;
    }

    private boolean xdp() {
        return type == ProgramType.XDP;
    }

    /** The context offsets of data, data_end and data_meta. */
    private int dataOff() {
        return xdp() ? 0 : 76;
    }

    private int dataEndOff() {
        return xdp() ? 4 : 80;
    }

    private int metaOff() {
        return xdp() ? 8 : 140;
    }

    /** The functions after the main one: their labels and whether each is global. */
    private int[] functionLabels = new int[0];
    private boolean[] global = new boolean[0];
    private boolean inFunction;
    private final List<org.bpf4j.verifier.GlobalFunction> globals = new ArrayList<>();

    /**
     * A random program of this generator's type: a main function and, in a quarter of the
     * programs, one or two more that the main one calls with the context (static ones also with a
     * packet pointer), each global (verified on its own, see {@link #globals()}) or static.
     */
    Code generate() {
        int functions = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0;
        functionLabels = new int[functions];
        global = new boolean[functions];
        called = new boolean[functions];
        for (int i = 0; i < functions; i++) {
            functionLabels[i] = newLabel();
            global[i] = rnd.nextBoolean();
        }
        add(mov(6, Operand.reg(1)));
        add(mov(0, Operand.imm(0)));
        zeroStack();
        loadPointers();
        int blocks = 1 + rnd.nextInt(9);
        for (int b = 0; b < blocks; b++) {
            block();
        }
        for (int i = 0; kernel && i < functions; i++) {
            if (!called[i]) {
                // Linux refuses code no path reaches
                callFunction(i);
            }
        }
        verdict();
        inFunction = true;
        for (int i = 0; i < functions; i++) {
            bind(functionLabels[i]);
            add(mov(6, Operand.reg(1)));
            add(mov(0, Operand.imm(0)));
            zeroStack();
            loadPointers();
            if (!global[i] && rnd.nextBoolean() && direct()) {
                // a static function reads the packet through the pointer it was given, after a check
                int skip = newLabel();
                add(mov(3, Operand.reg(2)));
                add(alu(AluOp.ADD, 3, Operand.imm(2)));
                jump(JumpOp.JGT, 3, Operand.reg(8), skip);
                add(new Instruction.Load(Size.H, false, 0, 2, (short) 0));
                bind(skip);
            }
            for (int b = 1 + rnd.nextInt(4); b > 0; b--) {
                block();
            }
            add(alu(AluOp.AND, 0, Operand.imm(0xff)));
            add(new Instruction.Exit());
        }
        return layout();
    }

    /** The global functions of the last program generated (slot, name, a context parameter). */
    List<org.bpf4j.verifier.GlobalFunction> globals() {
        return List.copyOf(globals);
    }

    // ---- emission ----

    private void add(Instruction i) {
        out.add(i);
    }

    private static Instruction mov(int dst, Operand src) {
        return new Instruction.Alu(true, AluOp.MOV, dst, src);
    }

    private static Instruction alu(AluOp op, int dst, Operand src) {
        return new Instruction.Alu(true, op, dst, src);
    }

    private int newLabel() {
        labelAt.add(-1);
        return labelAt.size() - 1;
    }

    private void bind(int label) {
        labelAt.set(label, out.size());
    }

    private void jump(JumpOp op, int dst, Operand src, int label) {
        fixups.add(new int[] {out.size(), label});
        add(new Instruction.Jump(true, op, dst, src, (short) 0));
    }

    private void call(int label) {
        fixups.add(new int[] {out.size(), label});
        add(Instruction.Call.local(0));
    }

    private void jumpTo(int label) {
        fixups.add(new int[] {out.size(), label});
        add(new Instruction.Goto(false, 0));
    }

    private Code layout() {
        int[] slot = new int[out.size() + 1];
        for (int i = 0; i < out.size(); i++) {
            slot[i + 1] = slot[i] + out.get(i).slots();
        }
        for (int[] f : fixups) {
            int target = labelAt.get(f[1]);
            int rel = slot[target] - slot[f[0]] - 1;
            out.set(f[0], switch (out.get(f[0])) {
                case Instruction.Jump j -> new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) rel);
                case Instruction.Goto g -> new Instruction.Goto(g.wide(), rel);
                case Instruction.Call c -> Instruction.Call.local(rel);
                case Instruction.LoadImm64 l -> new Instruction.LoadImm64(l.dst(), Imm64Kind.CODE_ADDRESS, rel, 0);
                default -> throw new IllegalStateException();
            });
        }
        globals.clear();
        for (int i = 0; i < functionLabels.length; i++) {
            if (global[i]) {
                globals.add(new org.bpf4j.verifier.GlobalFunction(slot[labelAt.get(functionLabels[i])], "f" + i,
                        List.of(new org.bpf4j.verifier.GlobalFunction.Param.Context())));
            }
        }
        return Code.of(out);
    }

    // ---- pieces ----

    /**
     * Zeroes the stack bytes the pieces use (the kernel does not clear a program's stack, and a
     * privileged program may read what a helper left unwritten there), so that runs in the kernel
     * and on the VM ({@link PacketKernelFuzzTest}) start from the same bytes.
     */
    private void zeroStack() {
        for (int off = -8; off >= -128; off -= 8) {
            add(new Instruction.Store(Size.DW, 10, (short) off, Operand.imm(0)));
        }
    }

    private void loadPointers() {
        if (!direct()) {
            fresh = false;
            return;
        }
        add(new Instruction.Load(Size.W, false, 7, 6, (short) dataOff()));
        add(new Instruction.Load(Size.W, false, 8, 6, (short) dataEndOff()));
        fresh = true;
    }

    /** A size and an offset for an access inside the first {@code n} bytes. */
    private Size size() {
        return Size.values()[rnd.nextInt(4)];
    }

    private void block() {
        int k = rnd.nextInt(100);
        if (kernel && (k >= 89 && k < 92 || !direct() && (k < 30 || k >= 55 && k < 63 || k >= 79 && k < 84))) {
            // an unchecked access, or (for a socket filter) direct packet access: a helper instead
            helper();
            return;
        }
        if (kernel && k >= 79 && k < 84 && type == ProgramType.CGROUP_SKB) {
            contextField(); // cgroup_skb has no data_meta
            return;
        }
        if (k < 30) {
            checkedAccesses();
        } else if (k < 55) {
            helper();
        } else if (k < 63) {
            packetLoop();
        } else if (k < 71) {
            mapFromPacket();
        } else if (k < 79) {
            contextField();
        } else if (k < 84) {
            metadata();
        } else if (k < 89) {
            if (!fresh || rnd.nextInt(3) == 0) {
                loadPointers();
            }
        } else if (k < 92) {
            uncheckedAccess();
        } else if (k < 96) {
            if (!inFunction && functionLabels.length > 0 && rnd.nextBoolean()) {
                callFunction();
            } else {
                lockedUpdate();
            }
        } else {
            earlyVerdict();
        }
    }

    /** {@code if (data + n > data_end) goto skip;} then reads, arithmetic and writes inside the n bytes. */
    private void checkedAccesses() {
        if (!fresh && rnd.nextInt(4) != 0) {
            loadPointers();
        }
        int n = 1 + rnd.nextInt(rnd.nextInt(8) == 0 ? 1500 : 64);
        int skip = newLabel();
        add(mov(2, Operand.reg(7)));
        add(alu(AluOp.ADD, 2, Operand.imm(n)));
        jump(rnd.nextInt(10) == 0 && !kernel ? JumpOp.JGE : JumpOp.JGT, 2, Operand.reg(8), skip);
        for (int i = 1 + rnd.nextInt(5); i > 0; i--) {
            Size s = size();
            if (kernel && n < s.bytes()) {
                s = Size.B;
            }
            int off = n < s.bytes() ? 0 : rnd.nextInt(n - s.bytes() + 1);
            if (rnd.nextInt(12) == 0 && !kernel) {
                off = n - s.bytes() + 1 + rnd.nextInt(4); // one past the checked bytes
            }
            int r = rnd.nextBoolean() ? 3 : 4;
            switch (writable() ? rnd.nextInt(5) : 0) {
                case 0, 1 -> {
                    add(new Instruction.Load(s, s != Size.DW && rnd.nextInt(6) == 0, r, 7, (short) off));
                    add(alu(AluOp.values()[rnd.nextInt(6)], 0, Operand.reg(r)));
                }
                case 2 -> add(new Instruction.Store(s, 7, (short) off, Operand.imm(rnd.nextInt())));
                case 3 -> {
                    add(new Instruction.Load(s, false, r, 7, (short) off));
                    add(alu(rnd.nextBoolean() ? AluOp.XOR : AluOp.ADD, r, Operand.imm(rnd.nextInt(256))));
                    add(new Instruction.Store(s, 7, (short) off, Operand.reg(r)));
                }
                default -> {
                    // byte-swap a 16-bit field in place, as a NAT rewrites a port
                    if (n >= 2) {
                        int o = rnd.nextInt(n - 1);
                        add(new Instruction.Load(Size.H, false, r, 7, (short) o));
                        add(new Instruction.Endian(org.bpf4j.isa.EndianOp.BE, r, 16));
                        add(new Instruction.Store(Size.H, 7, (short) o, Operand.reg(r)));
                    }
                }
            }
        }
        bind(skip);
    }

    /** A read or write with no bounds check, at an offset that may be past the packet. */
    private void uncheckedAccess() {
        Size s = size();
        int base = rnd.nextInt(4) == 0 ? 9 : 7;
        if (base == 9) {
            add(new Instruction.Load(Size.W, false, 9, 6, (short) metaOff()));
        }
        int off = rnd.nextInt(-16, 256);
        if (rnd.nextBoolean()) {
            add(new Instruction.Load(s, false, 3, base, (short) off));
            add(alu(AluOp.ADD, 0, Operand.reg(3)));
        } else {
            add(new Instruction.Store(s, base, (short) off, Operand.imm(rnd.nextInt())));
        }
    }

    /** A bounded loop summing the packet's bytes, each one checked against data_end. */
    private void packetLoop() {
        if (!fresh) {
            loadPointers();
        }
        int top = newLabel();
        int done = newLabel();
        int limit = 1 + rnd.nextInt(rnd.nextInt(6) == 0 ? 600 : 40);
        add(mov(9, Operand.imm(0)));
        bind(top);
        add(mov(2, Operand.reg(7)));
        add(alu(AluOp.ADD, 2, Operand.reg(9)));
        add(mov(3, Operand.reg(2)));
        add(alu(AluOp.ADD, 3, Operand.imm(1)));
        jump(JumpOp.JGT, 3, Operand.reg(8), done);
        add(new Instruction.Load(Size.B, false, 4, 2, (short) 0));
        add(alu(AluOp.ADD, 0, Operand.reg(4)));
        if (rnd.nextInt(3) == 0 && writable()) {
            add(alu(AluOp.XOR, 4, Operand.imm(0x5a)));
            add(new Instruction.Store(Size.B, 2, (short) 0, Operand.reg(4)));
        }
        add(alu(AluOp.ADD, 9, Operand.imm(1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 16 : 1))));
        jump(JumpOp.JLT, 9, Operand.imm(limit), top);
        bind(done);
    }

    /** Looks a map up with a key from the packet (or a constant) and stores packet bytes into the value. */
    private void mapFromPacket() {
        if (!fresh) {
            loadPointers();
        }
        int skip = newLabel();
        if (direct()) {
            add(mov(2, Operand.reg(7)));
            add(alu(AluOp.ADD, 2, Operand.imm(8)));
            jump(JumpOp.JGT, 2, Operand.reg(8), skip);
            add(new Instruction.Load(Size.B, false, 3, 7, (short) rnd.nextInt(8)));
            add(alu(AluOp.AND, 3, Operand.imm(rnd.nextBoolean() ? 3 : 7)));
            add(new Instruction.Store(Size.W, 10, (short) -4, Operand.reg(3)));
            add(new Instruction.Load(Size.DW, false, 4, 7, (short) 0));
            add(new Instruction.Store(Size.DW, 10, (short) -16, Operand.reg(4)));
        } else {
            // no direct access: a key and a value from the packet's length
            add(new Instruction.Load(Size.W, false, 3, 6, (short) 0));
            add(alu(AluOp.AND, 3, Operand.imm(3)));
            add(new Instruction.Store(Size.W, 10, (short) -4, Operand.reg(3)));
            add(new Instruction.Store(Size.DW, 10, (short) -16, Operand.reg(3)));
        }
        int map = rnd.nextInt(2);
        if (rnd.nextBoolean()) {
            add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, map, 0));
            add(mov(2, Operand.reg(10)));
            add(alu(AluOp.ADD, 2, Operand.imm(-4)));
            add(mov(3, Operand.reg(10)));
            add(alu(AluOp.ADD, 3, Operand.imm(-16)));
            add(mov(4, Operand.imm(0)));
            add(Instruction.Call.helper(2)); // bpf_map_update_elem
        } else {
            add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, map, 0));
            add(mov(2, Operand.reg(10)));
            add(alu(AluOp.ADD, 2, Operand.imm(-4)));
            add(Instruction.Call.helper(1)); // bpf_map_lookup_elem
            jump(JumpOp.JEQ, 0, Operand.imm(0), skip);
            add(new Instruction.Load(Size.DW, false, 3, 0, (short) 0));
            add(alu(AluOp.ADD, 3, Operand.imm(1)));
            add(new Instruction.Store(Size.DW, 0, (short) 0, Operand.reg(3)));
            if (fresh) {
                // the packet pointers survive a map lookup: copy a packet word into the value
                add(mov(2, Operand.reg(7)));
                add(alu(AluOp.ADD, 2, Operand.imm(4)));
                int skip2 = newLabel();
                jump(JumpOp.JGT, 2, Operand.reg(8), skip2);
                add(new Instruction.Load(Size.W, false, 4, 7, (short) 0));
                add(new Instruction.Store(Size.W, 0, (short) (map == 0 ? 0 : 8), Operand.reg(4)));
                bind(skip2);
            }
        }
        add(mov(0, Operand.imm(0)));
        bind(skip);
    }

    /** Calls one of the other functions with the context (and, for a static one, the packet's start in R2). */
    private void callFunction() {
        callFunction(rnd.nextInt(functionLabels.length));
    }

    private void callFunction(int f) {
        called[f] = true;
        if (kernel && !fresh) {
            // else R2 is the context, which the callee compares with data_end: the outcome depends
            // on where the kernel put them (seed 5274037746577934801, program 6530)
            loadPointers();
        }
        add(mov(1, Operand.reg(6)));
        if (!global[f]) {
            add(mov(2, Operand.reg(fresh ? 7 : 6)));
        }
        call(functionLabels[f]);
        fresh = false; // the callee may have changed the packet; the program reloads, or not
        if (rnd.nextInt(3) != 0) {
            loadPointers();
        }
    }

    /**
     * Takes the {@code bpf_spin_lock} of an element of the world's locked array (map 3), counts in
     * the element and releases the lock; now and then with a mistake the kernel's verifier refuses
     * and the VM traps on (another offset as the lock, a helper call or an exit while holding it,
     * no unlock, a lock on the stack).
     */
    private void lockedUpdate() {
        int skip = newLabel();
        add(new Instruction.Store(Size.W, 10, (short) -4, Operand.imm(rnd.nextInt(8) == 0 ? 5 : rnd.nextInt(4))));
        add(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_INDEX, 3, 0));
        add(mov(2, Operand.reg(10)));
        add(alu(AluOp.ADD, 2, Operand.imm(-4)));
        add(Instruction.Call.helper(1));
        jump(JumpOp.JEQ, 0, Operand.imm(0), skip);
        add(mov(9, Operand.reg(0)));
        int mistake = kernel ? 24 : rnd.nextInt(24);
        add(mov(1, Operand.reg(mistake == 0 ? 10 : 9)));
        add(alu(AluOp.ADD, 1, Operand.imm(mistake == 0 ? -24 : mistake == 1 ? 8 : 4)));
        add(Instruction.Call.helper(93));
        if (mistake == 2) {
            add(Instruction.Call.helper(7)); // bpf_get_prandom_u32 while holding the lock
        }
        add(new Instruction.Load(Size.DW, false, 3, 9, (short) 8));
        add(alu(AluOp.ADD, 3, Operand.imm(1)));
        add(new Instruction.Store(Size.DW, 9, (short) 8, Operand.reg(3)));
        if (mistake == 3) {
            add(new Instruction.Exit());
        }
        if (mistake != 4) {
            add(mov(1, Operand.reg(9)));
            add(alu(AluOp.ADD, 1, Operand.imm(4)));
            add(Instruction.Call.helper(94));
        }
        add(mov(0, Operand.imm(0)));
        bind(skip);
    }

    /** Reads (and for tc, writes) a context field, or a random offset of the context. */
    private void contextField() {
        if (rnd.nextInt(6) == 0 && !kernel) {
            int off = rnd.nextInt(-8, 200);
            Size s = size();
            if (rnd.nextBoolean()) {
                add(new Instruction.Load(s, false, 3, 6, (short) off));
                add(alu(AluOp.ADD, 0, Operand.reg(3)));
            } else {
                add(new Instruction.Store(s, 6, (short) off, Operand.imm(rnd.nextInt(100))));
            }
            return;
        }
        // egress_ifindex (20) only for devmap programs, tc_classid (72) only for tc
        int[] fields = xdp() ? (kernel ? new int[] {12, 16} : new int[] {12, 16, 20})
                : kernel && type != ProgramType.SCHED_CLS ? new int[] {0, 4, 8, 16, 32, 36, 40, 48, 52, 68}
                : new int[] {0, 4, 8, 16, 32, 36, 40, 48, 52, 68, 72};
        int off = fields[rnd.nextInt(fields.length)];
        add(new Instruction.Load(Size.W, false, 3, 6, (short) off));
        add(alu(AluOp.ADD, 0, Operand.reg(3)));
        if (!xdp() && rnd.nextBoolean()) {
            // a socket filter writes only cb[], cgroup_skb also mark and priority, tc also tc_index
            int[] writable = !kernel || type == ProgramType.SCHED_CLS ? new int[] {8, 32, 48, 52, 56, 60, 64, 44}
                    : type == ProgramType.CGROUP_SKB ? new int[] {8, 32, 48, 52, 56, 60, 64}
                    : new int[] {48, 52, 56, 60, 64};
            add(new Instruction.Store(Size.W, 6, (short) writable[rnd.nextInt(writable.length)], Operand.reg(0)));
        }
    }

    /** Writes and reads the metadata in front of the packet (XDP after bpf_xdp_adjust_meta). */
    private void metadata() {
        add(new Instruction.Load(Size.W, false, 9, 6, (short) metaOff()));
        add(new Instruction.Load(Size.W, false, 7, 6, (short) dataOff()));
        fresh = false; // R8 is not reloaded: checks below use the stale data_end or reload
        int skip = newLabel();
        add(mov(2, Operand.reg(9)));
        add(alu(AluOp.ADD, 2, Operand.imm(4)));
        jump(JumpOp.JGT, 2, Operand.reg(7), skip);
        add(new Instruction.Load(Size.W, false, 3, 9, (short) 0));
        add(alu(AluOp.ADD, 3, Operand.imm(1)));
        add(new Instruction.Store(Size.W, 9, (short) 0, Operand.reg(3)));
        add(alu(AluOp.ADD, 0, Operand.reg(3)));
        bind(skip);
        loadPointers();
    }

    private int smallLen() {
        if (kernel) {
            return 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 64 : 32); // within the 64-byte stack buffer
        }
        return switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextInt(-4, 2);
            case 1 -> rnd.nextInt(64, 2000);
            default -> 1 + rnd.nextInt(32);
        };
    }

    private int delta() {
        return switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(-400, 400);
            case 1 -> rnd.nextInt();
            default -> 4 * rnd.nextInt(-10, 11);
        };
    }

    private void stackBuffer(int reg, int off) {
        add(mov(reg, Operand.reg(10)));
        add(alu(AluOp.ADD, reg, Operand.imm(off)));
    }

    /** A packet helper with the context in R1 and plausible (or wild) arguments. */
    private void helper() {
        boolean changes = true;
        add(mov(1, Operand.reg(6)));
        if (xdp()) {
            int pick = rnd.nextInt(8);
            if (kernel && pick == 2) {
                pick = 1; // this machine's Linux 6.18 refuses bpf_xdp_adjust_meta to XDP programs (upstream allows it)
            }
            switch (pick) {
                case 0 -> { // bpf_xdp_adjust_head
                    add(mov(2, Operand.imm(delta())));
                    add(Instruction.Call.helper(44));
                }
                case 1 -> { // bpf_xdp_adjust_tail
                    add(mov(2, Operand.imm(delta())));
                    add(Instruction.Call.helper(65));
                }
                case 2 -> { // bpf_xdp_adjust_meta
                    add(mov(2, Operand.imm(rnd.nextBoolean() ? -4 * rnd.nextInt(1, 9) : delta())));
                    add(Instruction.Call.helper(54));
                }
                case 3 -> { // bpf_xdp_load_bytes(ctx, off, buf, len)
                    add(mov(2, Operand.imm(rnd.nextInt(-2, 80))));
                    stackBuffer(3, -64);
                    add(mov(4, Operand.imm(smallLen())));
                    add(Instruction.Call.helper(189));
                    changes = false;
                }
                case 4 -> { // bpf_xdp_store_bytes(ctx, off, buf, len)
                    add(new Instruction.Store(Size.DW, 10, (short) -64, Operand.imm(rnd.nextInt())));
                    add(mov(2, Operand.imm(rnd.nextInt(-2, 80))));
                    stackBuffer(3, -64);
                    add(mov(4, Operand.imm(smallLen())));
                    add(Instruction.Call.helper(190));
                    changes = false;
                }
                case 5 -> { // bpf_xdp_get_buff_len
                    add(Instruction.Call.helper(188));
                    changes = false;
                }
                case 6 -> { // bpf_redirect(ifindex, flags)
                    add(mov(1, Operand.imm(rnd.nextInt(4))));
                    add(mov(2, Operand.imm(rnd.nextInt(4) == 0 ? rnd.nextInt(16) : 0)));
                    add(Instruction.Call.helper(23));
                    changes = false;
                }
                default -> { // bpf_csum_diff over packet-independent stack bytes
                    add(new Instruction.Store(Size.DW, 10, (short) -32, Operand.imm(rnd.nextInt())));
                    stackBuffer(1, -32);
                    add(mov(2, Operand.imm(rnd.nextBoolean() ? 8 : 4)));
                    stackBuffer(3, -32);
                    add(mov(4, Operand.imm(rnd.nextBoolean() ? 4 : 0)));
                    add(mov(5, Operand.imm(rnd.nextInt())));
                    add(Instruction.Call.helper(28));
                    changes = false;
                }
            }
        } else {
            // socket filters and cgroup_skb have only the load helpers of these
            int pick = kernel && type != ProgramType.SCHED_CLS ? (rnd.nextBoolean() ? 0 : 12) : rnd.nextInt(13);
            switch (pick) {
                case 0 -> { // bpf_skb_load_bytes(ctx, off, buf, len)
                    add(mov(2, Operand.imm(rnd.nextInt(-2, 80))));
                    stackBuffer(3, -64);
                    add(mov(4, Operand.imm(smallLen())));
                    add(Instruction.Call.helper(26));
                    changes = false;
                }
                case 1 -> { // bpf_skb_store_bytes(ctx, off, buf, len, flags)
                    add(new Instruction.Store(Size.DW, 10, (short) -64, Operand.imm(rnd.nextInt())));
                    add(mov(2, Operand.imm(rnd.nextInt(-2, 80))));
                    stackBuffer(3, -64);
                    add(mov(4, Operand.imm(smallLen())));
                    add(mov(5, Operand.imm(rnd.nextInt(4) == 0 ? rnd.nextInt(4) : 0)));
                    add(Instruction.Call.helper(9));
                }
                case 2 -> { // bpf_skb_change_tail(ctx, len, flags)
                    add(mov(2, Operand.imm(rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(0, 300))));
                    add(mov(3, Operand.imm(0)));
                    add(Instruction.Call.helper(38));
                }
                case 3 -> { // bpf_skb_change_head(ctx, len, flags)
                    add(mov(2, Operand.imm(rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(0, 64))));
                    add(mov(3, Operand.imm(0)));
                    add(Instruction.Call.helper(43));
                }
                case 4 -> { // bpf_skb_pull_data(ctx, len)
                    add(mov(2, Operand.imm(rnd.nextInt(0, 200))));
                    add(Instruction.Call.helper(39));
                }
                case 5 -> { // bpf_l3_csum_replace(ctx, off, from, to, size)
                    add(mov(2, Operand.imm(rnd.nextInt(0, 40))));
                    add(mov(3, Operand.imm(rnd.nextInt())));
                    add(mov(4, Operand.imm(rnd.nextInt())));
                    add(mov(5, Operand.imm(new int[] {0, 2, 4, 3}[rnd.nextInt(4)])));
                    add(Instruction.Call.helper(10));
                }
                case 6 -> { // bpf_l4_csum_replace(ctx, off, from, to, flags)
                    add(mov(2, Operand.imm(rnd.nextInt(0, 60))));
                    add(mov(3, Operand.imm(rnd.nextInt())));
                    add(mov(4, Operand.imm(rnd.nextInt())));
                    add(mov(5, Operand.imm(new int[] {2, 4, 0x12, 0x14, 0x24, 7}[rnd.nextInt(6)])));
                    add(Instruction.Call.helper(11));
                }
                case 7 -> { // bpf_skb_vlan_push(ctx, proto, tci)
                    add(mov(2, Operand.imm(rnd.nextBoolean() ? 0x0081 : 0xa888)));
                    add(mov(3, Operand.imm(rnd.nextInt(4096))));
                    add(Instruction.Call.helper(18));
                }
                case 8 -> add(Instruction.Call.helper(19)); // bpf_skb_vlan_pop
                case 9 -> { // bpf_skb_adjust_room(ctx, len_diff, mode, flags)
                    add(mov(2, Operand.imm(rnd.nextInt(-40, 41))));
                    add(mov(3, Operand.imm(rnd.nextInt(2))));
                    add(mov(4, Operand.imm(rnd.nextInt(4) == 0 ? rnd.nextInt(1 << 8) : 0)));
                    add(Instruction.Call.helper(50));
                }
                case 10 -> { // bpf_skb_change_proto(ctx, proto, flags)
                    add(mov(2, Operand.imm(rnd.nextBoolean() ? 0x0008 : 0xdd86)));
                    add(mov(3, Operand.imm(0)));
                    add(Instruction.Call.helper(31));
                }
                case 11 -> { // bpf_get_hash_recalc / bpf_redirect
                    if (rnd.nextBoolean()) {
                        add(Instruction.Call.helper(34));
                    } else {
                        add(mov(1, Operand.imm(rnd.nextInt(3))));
                        add(mov(2, Operand.imm(rnd.nextInt(3) == 0 ? 1 : 0)));
                        add(Instruction.Call.helper(23));
                    }
                    changes = false;
                }
                default -> { // bpf_skb_load_bytes_relative(ctx, off, buf, len, start)
                    add(mov(2, Operand.imm(rnd.nextInt(-2, 40))));
                    stackBuffer(3, -64);
                    add(mov(4, Operand.imm(smallLen())));
                    add(mov(5, Operand.imm(rnd.nextInt(3))));
                    add(Instruction.Call.helper(68));
                    changes = false;
                }
            }
        }
        // fold the helper's result into R0's history through the stack, so that it is observable
        add(new Instruction.Store(Size.DW, 10, (short) -72, Operand.reg(0)));
        if (changes) {
            fresh = false;
            if (rnd.nextInt(6) != 0) {
                loadPointers();
            }
        }
        add(new Instruction.Load(Size.DW, false, 0, 10, (short) -72));
        if (rnd.nextInt(3) == 0) {
            // the bytes a load helper put on the stack
            add(new Instruction.Load(Size.DW, false, 3, 10, (short) -64));
            add(alu(AluOp.XOR, 0, Operand.reg(3)));
        }
    }

    private int verdictValue() {
        if (kernel && type == ProgramType.CGROUP_SKB) {
            return rnd.nextInt(2); // Linux takes 0 or 1 only
        }
        return xdp() ? (rnd.nextInt(8) == 0 ? rnd.nextInt(-2, 10) : rnd.nextInt(5))
                : (rnd.nextInt(8) == 0 ? rnd.nextInt() : rnd.nextInt(-1, 8));
    }

    /** Sometimes a branch ends the program early. */
    private void earlyVerdict() {
        int skip = newLabel();
        jump(JumpOp.values()[rnd.nextInt(JumpOp.values().length)], 0, Operand.imm(rnd.nextInt(-2, 300)), skip);
        add(mov(0, Operand.imm(verdictValue())));
        add(new Instruction.Exit());
        bind(skip);
    }

    private void verdict() {
        if (rnd.nextInt(3) == 0) {
            add(alu(AluOp.AND, 0, Operand.imm(xdp() ? 3 : kernel && type == ProgramType.CGROUP_SKB ? 1 : 0xff)));
        } else {
            add(mov(0, Operand.imm(verdictValue())));
        }
        add(new Instruction.Exit());
    }
}
