package org.bpf4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.EndianOp;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;

/**
 * A seeded generator of random eBPF programs for the {@link Fixture}: program {@code n} of seed
 * {@code s} is the same on every run and machine.
 *
 * <p>In {@link GeneratedProgram.Mode#ACCEPT} the programs are built to pass the kernel's verifier
 * (privileged loader) and to give deterministic results: every register but R6 (the memory
 * pointer) and R10 holds an initialized scalar between chunks, so any chunk may read any of them;
 * every stack byte read was written by the prologue; memory offsets are in bounds (fixed, or
 * masked variable offsets); atomics are aligned; jumps only go forward to the start of a later
 * chunk, except the back edge of a loop whose counter is a constant, so every program terminates.
 * Instructions: ALU32/ALU64 with every operation including the signed division and modulo of cpu
 * v4, {@code movsx}, {@code neg}, byte swaps and conversions, {@code lddw}, loads (also
 * sign-extending) and stores on the stack and the memory, atomics (add/or/and/xor with and without
 * fetch, xchg, cmpxchg, load-acquire, store-release), JMP and JMP32 with every comparison,
 * {@code goto} and {@code gotol}, bounded loops, bpf-to-bpf calls, and the helpers
 * {@code map_lookup_elem}, {@code map_update_elem} and {@code map_delete_elem} on a hash and an
 * array map, {@code map_push_elem}, {@code map_pop_elem} and {@code map_peek_elem} on a queue and
 * a stack map, and legacy packet loads ({@code ldabs}, {@code ldind}) in programs without calls.
 *
 * <p>In {@link GeneratedProgram.Mode#REJECT} one hazard (an unsafe or doubtful construct, named in
 * {@link GeneratedProgram#hazard()}) is inserted into such a program: most make the kernel refuse
 * it, some are legal for a privileged loader. Not thread-safe; one generator per thread.
 */
public final class ProgramGenerator {
    /** Registers that hold scalars between chunks. */
    private static final int[] SCALARS = {0, 1, 2, 3, 4, 5, 7, 8, 9};
    private static final int MEM = 6, FP = 10;
    private static final AluOp[] ALU_OPS = AluOp.values();
    private static final JumpOp[] JUMP_OPS = JumpOp.values();
    private static final AtomicOp[] RMW = {AtomicOp.ADD, AtomicOp.OR, AtomicOp.AND, AtomicOp.XOR, AtomicOp.FETCH_ADD,
        AtomicOp.FETCH_OR, AtomicOp.FETCH_AND, AtomicOp.FETCH_XOR, AtomicOp.XCHG, AtomicOp.CMPXCHG};
    /** Hazards of the reject mode. */
    public static final List<String> HAZARDS = List.of("uninit-reg-after-call", "mem-oob", "stack-oob",
            "stack-misaligned", "no-null-check", "var-off-unbounded", "write-r10", "div-imm-zero", "shift-imm-range",
            "infinite-loop", "null-ptr-arith", "ptr-leak-store", "ptr-return", "uninit-stack-read", "bad-helper",
            "helper-short-value", "helper-arg-type", "ptr32-arith", "mem-atomic-misaligned", "scalar-deref",
            "ptr-sub-ptr", "stack-var-off", "loop-counter-unknown", "ptr-alu-mul", "null-value-deref-after-delete");

    private final long seed;
    private SplittableRandom rnd;
    /** A register that chunks must not write (a loop counter), or -1. */
    private int reserved = -1;
    private int chunkCount;
    private int chunkIndex;
    private List<List<Instruction>> subs;

    /** A generator for campaign seed {@code seed}. */
    public ProgramGenerator(long seed) {
        this.seed = seed;
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** Socket filter number {@code index} of this seed in the given mode. */
    public GeneratedProgram generate(long index, GeneratedProgram.Mode mode) {
        return generate(index, mode, false);
    }

    /**
     * Program number {@code index} of this seed in the given mode: an XDP program when {@code xdp}
     * (with direct packet access after bounds checks, no legacy packet loads, and a random packet),
     * a socket filter otherwise.
     */
    public GeneratedProgram generate(long index, GeneratedProgram.Mode mode, boolean xdp) {
        rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + mode.ordinal()
                + (xdp ? 0x5851F42D4C957F2DL : 0));
        reserved = -1;
        subs = new ArrayList<>();
        int nsubs = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(2) : 0;
        for (int k = 0; k < nsubs; k++) {
            subs.add(subprogram());
        }
        chunkCount = 6 + rnd.nextInt(30);
        List<Chunk> chunks = new ArrayList<>();
        chunks.add(new Chunk("prologue", prologue(), true));
        int jumps = 0;
        int loops = 0;
        for (chunkIndex = 1; chunkIndex < chunkCount; chunkIndex++) {
            int r = rnd.nextInt(100);
            Chunk c;
            if (r < 8 && jumps < 8) {
                jumps++;
                c = new Chunk("jump", List.of(jumpForward()), false);
            } else if (r < 12 && jumps < 8) {
                jumps++;
                c = new Chunk("if-else", ifElse(), false);
            } else if (r < 15 && loops < 2) {
                loops++;
                c = new Chunk("loop", loop(), false);
            } else if (r < 22) {
                c = helperChunk();
            } else if (r < 25 && !subs.isEmpty()) {
                c = new Chunk("call", callSub(), false);
            } else if (xdp && r < 40) {
                c = new Chunk("packet", packetAccess(), false);
            } else if (r < 29 && subs.isEmpty() && !xdp) {
                // The kernel refuses legacy packet loads in programs with bpf-to-bpf calls.
                c = new Chunk("ldabs", packetLoads(), false);
            } else {
                c = simple();
            }
            chunks.add(c);
        }
        if (subs.size() > 0 && chunks.stream().noneMatch(c -> c.kind().equals("call"))) {
            insert(chunks, 1 + rnd.nextInt(chunks.size() - 1), new Chunk("call", callSub(), false));
        }
        String hazard = "";
        if (mode == GeneratedProgram.Mode.REJECT) {
            hazard = HAZARDS.get(rnd.nextInt(HAZARDS.size()));
            int at = hazard.equals("ptr-return") ? chunks.size() : 1 + rnd.nextInt(chunks.size());
            chunkIndex = at;
            insert(chunks, at, new Chunk("hazard:" + hazard, hazard(hazard), false));
        }
        byte[] input = new byte[Fixture.MEM_SIZE];
        rnd.nextBytes(input);
        byte[] packet = new byte[xdp ? Fixture.ETH_HLEN + rnd.nextInt(Fixture.XDP_PACKET_MAX - Fixture.ETH_HLEN + 1) : 0];
        rnd.nextBytes(packet);
        return new GeneratedProgram(seed + "/" + index + (xdp ? "x" : "") + (mode == GeneratedProgram.Mode.REJECT ? "r" : ""),
                mode, chunks, subs, input, hazard, packet);
    }

    /** Inserts a chunk; jump targets are chunk indexes, so those at or past the insertion point move by one. */
    private static void insert(List<Chunk> chunks, int at, Chunk chunk) {
        chunks.add(at, chunk);
        for (int i = 0; i < chunks.size(); i++) {
            if (i != at) {
                chunks.set(i, shiftTargets(chunks.get(i), at));
            }
        }
    }

    private static Chunk shiftTargets(Chunk c, int at) {
        List<Piece> ps = new ArrayList<>();
        for (Piece p : c.pieces()) {
            if (p instanceof Piece.JumpTo j && j.target() >= at) {
                ps.add(new Piece.JumpTo(j.wide(), j.op(), j.dst(), j.src(), j.target() + 1));
            } else {
                ps.add(p);
            }
        }
        return new Chunk(c.kind(), ps, c.essential());
    }

    // ------------------------------------------------------------------------------------------
    // Values and registers.

    private int imm() {
        return switch (rnd.nextInt(6)) {
            case 0 -> rnd.nextInt(33) - 16;
            case 1 -> new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x7f, 0x80, 0xff, 0x7fff, 0x8000,
                0xffff, 0x10000, -0x80, -0x8000}[rnd.nextInt(14)];
            case 2 -> rnd.nextInt(256);
            default -> rnd.nextInt();
        };
    }

    private long imm64() {
        return switch (rnd.nextInt(5)) {
            case 0 -> new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0xffffffffL, 0x80000000L, 0x100000000L,
                -0x80000000L, 0x7fffffffL}[rnd.nextInt(9)];
            case 1 -> imm();
            default -> rnd.nextLong();
        };
    }

    private int anyScalar() {
        return SCALARS[rnd.nextInt(SCALARS.length)];
    }

    private int writable() {
        int r;
        do {
            r = anyScalar();
        } while (r == reserved);
        return r;
    }

    private static Piece p(Instruction i) {
        return new Piece.Insn(i);
    }

    private Size size() {
        return Size.values()[rnd.nextInt(4)];
    }

    // ------------------------------------------------------------------------------------------
    // The prologue: R6 = &mem, the stack initialized, every scalar register initialized.

    private List<Piece> prologue() {
        List<Piece> out = new ArrayList<>();
        out.add(p(new Instruction.Store(Size.DW, FP, (short) Fixture.CTX_OFF, Operand.reg(1))));
        out.add(p(new Instruction.LoadImm64(MEM, Imm64Kind.MAP_VALUE_BY_FD, Fixture.MEM, 0)));
        for (int r : SCALARS) {
            out.add(p(switch (rnd.nextInt(4)) {
                case 0 -> new Instruction.Alu(rnd.nextBoolean(), AluOp.MOV, r, Operand.imm(imm()));
                case 1 -> Instruction.LoadImm64.of(r, imm64());
                default -> {
                    Size s = size();
                    yield new Instruction.Load(s, s != Size.DW && rnd.nextInt(4) == 0, r, MEM,
                            (short) rnd.nextInt(Fixture.MEM_SIZE - s.bytes() + 1));
                }
            }));
        }
        for (int off = Fixture.STACK_LOW; off < 0; off += 8) {
            out.add(p(rnd.nextBoolean() ? new Instruction.Store(Size.DW, FP, (short) off, Operand.imm(imm()))
                    : new Instruction.Store(Size.DW, FP, (short) off, Operand.reg(anyScalar()))));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Straight-line chunks.

    private Chunk simple() {
        int r = rnd.nextInt(100);
        if (r < 45) {
            return new Chunk("alu", alu(), false);
        } else if (r < 55) {
            return new Chunk("alu-special", List.of(aluSpecial()), false);
        } else if (r < 70) {
            return new Chunk("stack", List.of(stackAccess()), false);
        } else if (r < 82) {
            return new Chunk("mem", List.of(memAccess()), false);
        } else if (r < 88) {
            return new Chunk("mem-var-off", memVarOff(), false);
        } else {
            return new Chunk("atomic", List.of(atomic()), false);
        }
    }

    /** One straight-line piece (for loop bodies and branches). */
    private List<Piece> straight() {
        int r = rnd.nextInt(100);
        if (r < 50) {
            return alu();
        } else if (r < 60) {
            return List.of(aluSpecial());
        } else if (r < 75) {
            return List.of(stackAccess());
        } else if (r < 88) {
            return List.of(memAccess());
        } else {
            return List.of(atomic());
        }
    }

    private List<Piece> alu() {
        boolean wide = rnd.nextBoolean();
        AluOp op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
        int dst = writable();
        Operand src;
        if (rnd.nextInt(3) == 0) {
            src = Operand.reg(anyScalar());
        } else {
            int v = imm();
            int width = wide ? 64 : 32;
            if (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) {
                v = Math.floorMod(v, width);
            } else if ((op == AluOp.DIV || op == AluOp.MOD || op == AluOp.SDIV || op == AluOp.SMOD) && v == 0) {
                v = rnd.nextBoolean() ? -1 : 3;
            }
            src = Operand.imm(v);
        }
        return List.of(p(new Instruction.Alu(wide, op, dst, src)));
    }

    private Piece aluSpecial() {
        int dst = writable();
        return p(switch (rnd.nextInt(5)) {
            case 0 -> new Instruction.Neg(rnd.nextBoolean(), dst);
            case 1 -> {
                boolean wide = rnd.nextBoolean();
                int[] bits = wide ? new int[] {8, 16, 32} : new int[] {8, 16};
                yield new Instruction.MovSx(wide, dst, anyScalar(), bits[rnd.nextInt(bits.length)]);
            }
            case 2 -> Instruction.LoadImm64.of(dst, imm64());
            default -> new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], dst, new int[] {16, 32, 64}[rnd.nextInt(3)]);
        });
    }

    private Piece stackAccess() {
        Size s = size();
        int slots = Fixture.STACK_DATA / s.bytes();
        short off = (short) (-s.bytes() * (1 + rnd.nextInt(slots)));
        return p(switch (rnd.nextInt(3)) {
            case 0 -> new Instruction.Store(s, FP, off, Operand.imm(imm()));
            case 1 -> new Instruction.Store(s, FP, off, Operand.reg(anyScalar()));
            default -> new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, writable(), FP, off);
        });
    }

    private Piece memAccess() {
        Size s = size();
        short off = (short) rnd.nextInt(Fixture.MEM_SIZE - s.bytes() + 1);
        return p(switch (rnd.nextInt(3)) {
            case 0 -> new Instruction.Store(s, MEM, off, Operand.imm(imm()));
            case 1 -> new Instruction.Store(s, MEM, off, Operand.reg(anyScalar()));
            default -> new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, writable(), MEM, off);
        });
    }

    /** {@code t = x & mask; t += r6; access [t + off]} with the whole range in bounds. */
    private List<Piece> memVarOff() {
        List<Piece> out = new ArrayList<>();
        int t = writable();
        boolean atomic = rnd.nextInt(4) == 0;
        Size s = atomic ? (rnd.nextBoolean() ? Size.W : Size.DW) : size();
        int mask = atomic ? (s == Size.DW ? 0x18 : 0x1c) : new int[] {7, 15, 31, 0x18}[rnd.nextInt(4)];
        int room = Fixture.MEM_SIZE - mask - s.bytes();
        int off = rnd.nextInt(room + 1);
        if (atomic) {
            off -= off % s.bytes();
        }
        out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(anyScalar()))));
        out.add(p(new Instruction.Alu(rnd.nextBoolean(), AluOp.AND, t, Operand.imm(mask))));
        if (rnd.nextBoolean()) {
            out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.reg(MEM))));
        } else {
            // The pointer on the left: copy it to a second register first.
            int u = writable();
            if (u == t) {
                out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.reg(MEM))));
            } else {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, u, Operand.reg(MEM))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, u, Operand.reg(t))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(u))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, u, Operand.imm(imm()))));
            }
        }
        if (atomic) {
            int src = writable();
            while (src == t) {
                src = writable();
            }
            AtomicOp op = RMW[rnd.nextInt(RMW.length - 1)]; // no cmpxchg: R0 may be t
            out.add(p(new Instruction.Atomic(s, op, t, src, (short) off)));
            out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(imm()))));
        } else if (rnd.nextBoolean()) {
            out.add(p(new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, t, t, (short) off)));
        } else {
            int src = anyScalar();
            out.add(p(src == t || rnd.nextInt(3) == 0 ? new Instruction.Store(s, t, (short) off, Operand.imm(imm()))
                    : new Instruction.Store(s, t, (short) off, Operand.reg(src))));
            out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(imm()))));
        }
        return out;
    }

    private Piece atomic() {
        boolean stack = rnd.nextBoolean();
        int kind = rnd.nextInt(10);
        Size s;
        if (kind == 0) {
            s = size(); // load-acquire / store-release take every size
        } else {
            s = rnd.nextBoolean() ? Size.W : Size.DW;
        }
        int off;
        int base;
        if (stack) {
            base = FP;
            off = -s.bytes() * (1 + rnd.nextInt(Fixture.STACK_DATA / s.bytes()));
        } else {
            base = MEM;
            off = s.bytes() * rnd.nextInt(Fixture.MEM_SIZE / s.bytes());
        }
        if (kind == 0) {
            return p(rnd.nextBoolean() ? new Instruction.Atomic(s, AtomicOp.LOAD_ACQ, writable(), base, (short) off)
                    : new Instruction.Atomic(s, AtomicOp.STORE_REL, base, anyScalar(), (short) off));
        }
        AtomicOp op = RMW[rnd.nextInt(RMW.length)];
        if (op == AtomicOp.CMPXCHG && reserved == 0) {
            op = AtomicOp.ADD;
        }
        int src = op.fetches() || op == AtomicOp.XCHG ? writable() : anyScalar();
        return p(new Instruction.Atomic(s, op, base, src, (short) off));
    }

    // ------------------------------------------------------------------------------------------
    // Control flow.

    private Piece.JumpTo jumpForward() {
        JumpOp op = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
        Operand src = rnd.nextBoolean() ? Operand.reg(anyScalar()) : Operand.imm(imm());
        int target = chunkIndex + 1 + rnd.nextInt(Math.max(1, chunkCount - chunkIndex));
        return new Piece.JumpTo(rnd.nextBoolean(), op, anyScalar(), src, target);
    }

    private List<Piece> straightRun(int max) {
        List<Piece> out = new ArrayList<>();
        int n = 1 + rnd.nextInt(max);
        for (int i = 0; i < n; i++) {
            out.addAll(straight());
        }
        return out;
    }

    private static int slots(List<Piece> ps) {
        int n = 0;
        for (Piece p : ps) {
            n += p.slots();
        }
        return n;
    }

    /** {@code if (cond) goto else; A; goto end; else: B; end:}. */
    private List<Piece> ifElse() {
        List<Piece> a = straightRun(3);
        List<Piece> b = straightRun(3);
        List<Piece> out = new ArrayList<>();
        JumpOp op = JUMP_OPS[rnd.nextInt(JUMP_OPS.length)];
        Operand src = rnd.nextBoolean() ? Operand.reg(anyScalar()) : Operand.imm(imm());
        out.add(p(new Instruction.Jump(rnd.nextBoolean(), op, anyScalar(), src, (short) (slots(a) + 1))));
        out.addAll(a);
        out.add(p(new Instruction.Goto(rnd.nextInt(4) == 0, slots(b))));
        out.addAll(b);
        return out;
    }

    /** A loop with a constant trip count: counting down to zero or up to a bound. */
    private List<Piece> loop() {
        int c = new int[] {7, 8, 9}[rnd.nextInt(3)];
        int n = 1 + rnd.nextInt(6);
        reserved = c;
        List<Piece> body = straightRun(4);
        reserved = -1;
        List<Piece> out = new ArrayList<>();
        boolean wide = rnd.nextBoolean();
        if (rnd.nextBoolean()) {
            out.add(p(new Instruction.Alu(wide, AluOp.MOV, c, Operand.imm(n))));
            out.addAll(body);
            out.add(p(new Instruction.Alu(wide, AluOp.ADD, c, Operand.imm(-1))));
            JumpOp op = new JumpOp[] {JumpOp.JNE, JumpOp.JSGT, JumpOp.JGT}[rnd.nextInt(3)];
            out.add(p(new Instruction.Jump(rnd.nextBoolean() || !wide ? wide : false, op, c, Operand.imm(0),
                    (short) -(slots(body) + 2))));
        } else {
            out.add(p(new Instruction.Alu(wide, AluOp.MOV, c, Operand.imm(0))));
            out.addAll(body);
            out.add(p(new Instruction.Alu(wide, AluOp.ADD, c, Operand.imm(1))));
            JumpOp op = new JumpOp[] {JumpOp.JLT, JumpOp.JSLT, JumpOp.JNE}[rnd.nextInt(3)];
            out.add(p(new Instruction.Jump(wide, op, c, Operand.imm(n), (short) -(slots(body) + 2))));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Helpers and calls.

    private void keyStore(List<Piece> out, int max) {
        if (rnd.nextInt(3) == 0) {
            int t = writable();
            out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(anyScalar()))));
            out.add(p(new Instruction.Alu(false, AluOp.AND, t, Operand.imm(15))));
            out.add(p(new Instruction.Store(Size.W, FP, (short) Fixture.KEY_OFF, Operand.reg(t))));
        } else {
            out.add(p(new Instruction.Store(Size.W, FP, (short) Fixture.KEY_OFF, Operand.imm(rnd.nextInt(max)))));
        }
    }

    private void mapArgs(List<Piece> out, int map) {
        out.add(p(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_FD, map, 0)));
        out.add(p(new Instruction.Alu(true, AluOp.MOV, 2, Operand.reg(FP))));
        out.add(p(new Instruction.Alu(true, AluOp.ADD, 2, Operand.imm(Fixture.KEY_OFF))));
    }

    /** R1-R5 made scalars again after a call. */
    private void reinit(List<Piece> out) {
        for (int r = 1; r <= 5; r++) {
            out.add(p(switch (rnd.nextInt(3)) {
                case 0 -> new Instruction.Alu(true, AluOp.MOV, r, Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]));
                case 1 -> Instruction.LoadImm64.of(r, imm64());
                default -> new Instruction.Alu(rnd.nextBoolean(), AluOp.MOV, r, Operand.imm(imm()));
            }));
        }
    }

    /** {@code map_push_elem}, {@code map_pop_elem} or {@code map_peek_elem} on the queue or the stack. */
    private Chunk queueChunk() {
        List<Piece> out = new ArrayList<>();
        int map = rnd.nextBoolean() ? Fixture.QUEUE : Fixture.STACK;
        int op = rnd.nextInt(3);
        if (op == 0) {
            out.add(p(rnd.nextBoolean() ? new Instruction.Store(Size.DW, FP, (short) Fixture.VALUE_OFF, Operand.reg(anyScalar()))
                    : new Instruction.Store(Size.DW, FP, (short) Fixture.VALUE_OFF, Operand.imm(imm()))));
        }
        out.add(p(new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_FD, map, 0)));
        out.add(p(new Instruction.Alu(true, AluOp.MOV, 2, Operand.reg(FP))));
        out.add(p(new Instruction.Alu(true, AluOp.ADD, 2, Operand.imm(Fixture.VALUE_OFF))));
        if (op == 0) {
            // Flags: 0, BPF_EXIST (replace the oldest when full), or an invalid one now and then.
            out.add(p(new Instruction.Alu(true, AluOp.MOV, 3, Operand.imm(new int[] {0, 0, 2, 2, 1}[rnd.nextInt(5)]))));
        }
        out.add(p(Instruction.Call.helper(87 + op)));
        if (op > 0 && rnd.nextBoolean()) {
            out.add(p(new Instruction.Load(Size.DW, false, 7 + rnd.nextInt(3), FP, (short) Fixture.VALUE_OFF)));
        }
        reinit(out);
        return new Chunk(new String[] {"push", "pop", "peek"}[op], out, false);
    }

    private Chunk helperChunk() {
        if (rnd.nextInt(3) == 0) {
            return queueChunk();
        }
        List<Piece> out = new ArrayList<>();
        boolean hash = rnd.nextBoolean();
        int map = hash ? Fixture.HASH : Fixture.ARRAY;
        int keys = hash ? 12 : Fixture.ARRAY_ENTRIES + 1;
        String kind;
        switch (rnd.nextInt(4)) {
            case 0, 1 -> {
                kind = "lookup";
                keyStore(out, keys);
                mapArgs(out, map);
                out.add(p(Instruction.Call.helper(1)));
                List<Piece> use = new ArrayList<>();
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    use.add(valueAccess());
                }
                out.add(p(new Instruction.Jump(true, JumpOp.JEQ, 0, Operand.imm(0), (short) slots(use))));
                out.addAll(use);
                out.add(p(rnd.nextBoolean() ? new Instruction.Alu(true, AluOp.MOV, 0, Operand.reg(7 + rnd.nextInt(3)))
                        : new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(imm()))));
            }
            case 2 -> {
                kind = "update";
                keyStore(out, keys);
                out.add(p(new Instruction.Store(Size.DW, FP, (short) Fixture.VALUE_OFF, Operand.reg(anyScalar()))));
                out.add(p(new Instruction.Store(Size.DW, FP, (short) (Fixture.VALUE_OFF + 8), Operand.imm(imm()))));
                mapArgs(out, map);
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 3, Operand.reg(FP))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, 3, Operand.imm(Fixture.VALUE_OFF))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 4, Operand.imm(rnd.nextInt(3)))));
                out.add(p(Instruction.Call.helper(2)));
            }
            default -> {
                kind = "delete";
                keyStore(out, keys);
                mapArgs(out, map);
                out.add(p(Instruction.Call.helper(3)));
            }
        }
        reinit(out);
        return new Chunk(kind, out, false);
    }

    /** An access through R0, a non-null 16-byte map value; writes only R7-R9. */
    private Piece valueAccess() {
        int dst = 7 + rnd.nextInt(3);
        int src = new int[] {6, 7, 8, 9}[rnd.nextInt(4)];
        if (src == 6) {
            src = 7;
        }
        switch (rnd.nextInt(4)) {
            case 0 -> {
                Size s = size();
                return p(new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, dst, 0,
                        (short) rnd.nextInt(Fixture.VALUE_SIZE - s.bytes() + 1)));
            }
            case 1 -> {
                Size s = size();
                return p(new Instruction.Store(s, 0, (short) rnd.nextInt(Fixture.VALUE_SIZE - s.bytes() + 1),
                        rnd.nextBoolean() ? Operand.imm(imm()) : Operand.reg(src)));
            }
            default -> {
                Size s = rnd.nextBoolean() ? Size.W : Size.DW;
                AtomicOp op = RMW[rnd.nextInt(RMW.length - 1)];
                return p(new Instruction.Atomic(s, op, 0, op.fetches() || op == AtomicOp.XCHG ? dst : src,
                        (short) (s.bytes() * rnd.nextInt(Fixture.VALUE_SIZE / s.bytes()))));
            }
        }
    }

    /**
     * Legacy packet loads ({@code ldabs}/{@code ldind}, big-endian, out of bounds ending the
     * program with R0 = 0): they need R6 to be the context, so R6 (the memory) is spilled, the
     * context (spilled by the prologue) filled into R6, and R6 restored after; they clobber R1-R5.
     */
    private List<Piece> packetLoads() {
        List<Piece> out = new ArrayList<>();
        out.add(p(new Instruction.Store(Size.DW, FP, (short) Fixture.MEM_SPILL_OFF, Operand.reg(MEM))));
        out.add(p(new Instruction.Load(Size.DW, false, MEM, FP, (short) Fixture.CTX_OFF)));
        int n = 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            Size s = new Size[] {Size.B, Size.H, Size.W}[rnd.nextInt(3)];
            int room = Fixture.MEM_SIZE - 14; // the packet the program sees starts after the Ethernet header
            if (rnd.nextBoolean()) {
                int off = rnd.nextInt(8) == 0 ? room - s.bytes() + 1 + rnd.nextInt(4) : rnd.nextInt(room - s.bytes() + 1);
                out.add(p(new Instruction.LoadPacket(s, false, 0, off)));
            } else {
                int t = 7 + rnd.nextInt(3);
                // R1-R5 are clobbered by an earlier load of this chunk: take R0 or R7-R9.
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]))));
                switch (rnd.nextInt(4)) {
                    case 0 -> { } // the raw value: mostly out of the packet, or in it through the low 32 bits
                    case 1 -> out.add(p(new Instruction.Alu(false, AluOp.AND, t, Operand.imm(31))));
                    default -> out.add(p(new Instruction.Alu(true, AluOp.AND, t, Operand.imm(31))));
                }
                if (rnd.nextInt(4) == 0) {
                    out.add(p(Instruction.LoadImm64.of(t, (long) rnd.nextInt(40) + ((long) (1 + rnd.nextInt(3)) << 32))));
                }
                out.add(p(new Instruction.LoadPacket(s, true, t, rnd.nextInt(24) - 4)));
            }
        }
        out.add(p(new Instruction.Load(Size.DW, false, MEM, FP, (short) Fixture.MEM_SPILL_OFF)));
        reinit(out);
        return out;
    }

    /**
     * Direct packet access in an XDP program: R1 = ctx->data, R2 = ctx->data_end, then a bounds
     * check ({@code if data + n > data_end goto tail}, or with a masked variable part added to the
     * pointer first), then loads and stores at fixed offsets and at masked variable offsets inside
     * the checked range. The pointers live in R1-R5 only, which the tail writes again, so the chunk
     * ends with scalars on both paths. Packet sizes are random, so both paths are taken.
     */
    private List<Piece> packetAccess() {
        List<Piece> body = new ArrayList<>();
        List<Integer> innerChecks = new ArrayList<>();
        List<Piece> out = new ArrayList<>();
        out.add(p(new Instruction.Load(Size.DW, false, 3, FP, (short) Fixture.CTX_OFF)));
        out.add(p(new Instruction.Load(Size.W, false, 2, 3, (short) 4)));
        out.add(p(new Instruction.Load(Size.W, false, 1, 3, (short) 0)));
        int n = 1 + rnd.nextInt(Fixture.XDP_PACKET_MAX - 8);
        boolean varCheck = rnd.nextInt(3) == 0;
        if (varCheck) {
            // R1 += (x & mask) before the check: the checked range starts at a variable offset.
            int mask = new int[] {3, 7, 15, 31}[rnd.nextInt(4)];
            out.add(p(new Instruction.Alu(true, AluOp.MOV, 4, Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]))));
            out.add(p(new Instruction.Alu(rnd.nextBoolean(), AluOp.AND, 4, Operand.imm(mask))));
            out.add(p(new Instruction.Alu(true, AluOp.ADD, 1, Operand.reg(4))));
        }
        out.add(p(new Instruction.Alu(true, AluOp.MOV, 3, Operand.reg(1))));
        out.add(p(new Instruction.Alu(true, AluOp.ADD, 3, Operand.imm(n))));
        int accesses = 1 + rnd.nextInt(4);
        for (int i = 0; i < accesses; i++) {
            Size s = size();
            while (s.bytes() > n) {
                s = Size.B;
            }
            int base = 1;
            int room = n - s.bytes();
            if (rnd.nextInt(3) == 0) {
                // R5 = R1 + (x & mask), which the kernel gives no range: a second bounds check on
                // [R5 + off, R5 + off + size) before the access.
                int mask = new int[] {1, 7, 15, 31}[rnd.nextInt(4)];
                body.add(p(new Instruction.Alu(true, AluOp.MOV, 5, Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]))));
                body.add(p(new Instruction.Alu(rnd.nextBoolean(), AluOp.AND, 5, Operand.imm(mask))));
                body.add(p(new Instruction.Alu(true, AluOp.ADD, 5, Operand.reg(1))));
                room = 2 * n - s.bytes(); // may reach past the first check's range
                short off = (short) rnd.nextInt(Math.max(1, room));
                body.add(p(new Instruction.Alu(true, AluOp.MOV, 4, Operand.reg(5))));
                body.add(p(new Instruction.Alu(true, AluOp.ADD, 4, Operand.imm(off + s.bytes()))));
                innerChecks.add(body.size());
                body.add(null); // the check, once the body's length is known
                body.add(p(rnd.nextBoolean() ? new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, dstReg(), 5, off)
                        : new Instruction.Store(s, 5, off, rnd.nextBoolean() ? Operand.imm(imm())
                                : Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]))));
                continue;
            }
            short off = (short) rnd.nextInt(room + 1);
            int dst = dstReg();
            body.add(p(switch (rnd.nextInt(3)) {
                case 0 -> new Instruction.Store(s, base, off, Operand.imm(imm()));
                case 1 -> new Instruction.Store(s, base, off, Operand.reg(new int[] {0, 7, 8, 9}[rnd.nextInt(4)]));
                default -> new Instruction.Load(s, s != Size.DW && rnd.nextInt(3) == 0, dst, base, off);
            }));
        }
        for (int k = innerChecks.size() - 1; k >= 0; k--) { // the last first: earlier checks jump over later ones
            int at = innerChecks.get(k);
            body.set(at, p(outOfBounds(4, (short) slots(body.subList(at + 1, body.size())))));
        }
        out.add(p(outOfBounds(3, (short) slots(body))));
        out.addAll(body);
        reinit(out);
        return out;
    }

    /**
     * {@code if end > data_end goto +skip} in one of its four forms: {@code end > R2},
     * {@code end >= R2}, or with data_end on the left, {@code R2 < end}, {@code R2 <= end}.
     */
    private Instruction.Jump outOfBounds(int end, short skip) {
        return switch (rnd.nextInt(4)) {
            case 0 -> new Instruction.Jump(true, JumpOp.JGT, end, Operand.reg(2), skip);
            case 1 -> new Instruction.Jump(true, JumpOp.JGE, end, Operand.reg(2), skip);
            case 2 -> new Instruction.Jump(true, JumpOp.JLT, 2, Operand.reg(end), skip);
            default -> new Instruction.Jump(true, JumpOp.JLE, 2, Operand.reg(end), skip);
        };
    }

    /** A register a packet load may write: a scalar register outside R1-R5 (which hold pointers). */
    private int dstReg() {
        int dst;
        do {
            dst = writable();
        } while (dst >= 1 && dst <= 5);
        return dst;
    }

    private List<Piece> callSub() {
        List<Piece> out = new ArrayList<>();
        out.add(new Piece.CallSub(rnd.nextInt(subs.size())));
        reinit(out);
        return out;
    }

    /** A subprogram: scalars in R1-R5, some arithmetic, its own stack, a forward branch; returns R0. */
    private List<Instruction> subprogram() {
        List<Instruction> out = new ArrayList<>();
        out.add(new Instruction.Alu(true, AluOp.MOV, 0, Operand.reg(1 + rnd.nextInt(5))));
        int n = 2 + rnd.nextInt(8);
        for (int i = 0; i < n; i++) {
            int dst = rnd.nextInt(6);
            int src = rnd.nextInt(6);
            switch (rnd.nextInt(6)) {
                case 0 -> {
                    out.add(new Instruction.Store(Size.DW, FP, (short) -8, Operand.reg(src)));
                    out.add(new Instruction.Load(Size.W, rnd.nextBoolean(), dst, FP, (short) -8));
                }
                case 1 -> {
                    int k = 1 + rnd.nextInt(2);
                    out.add(new Instruction.Jump(rnd.nextBoolean(), JUMP_OPS[rnd.nextInt(JUMP_OPS.length)], src,
                            Operand.imm(imm()), (short) k));
                    for (int j = 0; j < k; j++) {
                        out.add(new Instruction.Alu(rnd.nextBoolean(), AluOp.ADD, rnd.nextInt(6), Operand.imm(imm())));
                    }
                }
                default -> {
                    AluOp op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
                    boolean wide = rnd.nextBoolean();
                    if (op == AluOp.LSH || op == AluOp.RSH || op == AluOp.ARSH) {
                        out.add(new Instruction.Alu(wide, op, dst, Operand.imm(rnd.nextInt(wide ? 64 : 32))));
                    } else {
                        out.add(new Instruction.Alu(wide, op, dst, Operand.reg(src)));
                    }
                }
            }
        }
        out.add(new Instruction.Exit());
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Hazards (reject mode).

    private List<Piece> hazard(String name) {
        List<Piece> out = new ArrayList<>();
        int t = new int[] {7, 8, 9}[rnd.nextInt(3)];
        switch (name) {
            case "uninit-reg-after-call" -> {
                keyStore(out, 12);
                mapArgs(out, Fixture.HASH);
                out.add(p(Instruction.Call.helper(3)));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.reg(1 + rnd.nextInt(5)))));
                reinit(out);
            }
            case "mem-oob" -> {
                Size s = size();
                int off = rnd.nextBoolean() ? Fixture.MEM_SIZE - s.bytes() + 1 + rnd.nextInt(s.bytes() + 4)
                        : -1 - rnd.nextInt(8);
                out.add(p(rnd.nextBoolean() ? new Instruction.Load(s, false, t, MEM, (short) off)
                        : new Instruction.Store(s, MEM, (short) off, Operand.reg(t))));
            }
            case "stack-oob" -> {
                Size s = size();
                int off = new int[] {-512 - s.bytes(), -516, 0, 8, -520}[rnd.nextInt(5)];
                out.add(p(rnd.nextBoolean() ? new Instruction.Load(s, false, t, FP, (short) off)
                        : new Instruction.Store(s, FP, (short) off, Operand.reg(t))));
            }
            case "stack-misaligned" -> {
                Size s = rnd.nextBoolean() ? Size.DW : Size.W;
                int off = -8 * (1 + rnd.nextInt(7)) - 1 - rnd.nextInt(3);
                out.add(p(rnd.nextBoolean() ? new Instruction.Load(s, false, t, FP, (short) off)
                        : new Instruction.Store(s, FP, (short) off, Operand.reg(t))));
            }
            case "no-null-check", "null-value-deref-after-delete" -> {
                keyStore(out, 12);
                mapArgs(out, Fixture.HASH);
                out.add(p(Instruction.Call.helper(1)));
                if (name.startsWith("null-value")) {
                    out.add(p(new Instruction.Jump(true, JumpOp.JEQ, 0, Operand.imm(0), (short) 7)));
                    out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(0))));
                    mapArgs(out, Fixture.HASH);
                    out.add(p(Instruction.Call.helper(3)));
                    out.add(p(new Instruction.Load(Size.DW, false, 0, t, (short) 0)));
                } else {
                    out.add(p(new Instruction.Load(Size.DW, false, t, 0, (short) 0)));
                }
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(imm()))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(imm()))));
                reinit(out);
            }
            case "var-off-unbounded" -> {
                int mask = new int[] {63, 127, 0xff, -1}[rnd.nextInt(4)];
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(anyScalar()))));
                if (mask != -1) {
                    out.add(p(new Instruction.Alu(true, AluOp.AND, t, Operand.imm(mask))));
                }
                out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.reg(MEM))));
                out.add(p(new Instruction.Load(Size.DW, false, t, t, (short) 0)));
            }
            case "write-r10" -> out.add(p(rnd.nextBoolean() ? new Instruction.Alu(true, AluOp.MOV, FP, Operand.imm(0))
                    : new Instruction.Alu(true, AluOp.ADD, FP, Operand.imm(8))));
            case "div-imm-zero" -> out.add(p(new Instruction.Alu(rnd.nextBoolean(),
                    new AluOp[] {AluOp.DIV, AluOp.MOD, AluOp.SDIV, AluOp.SMOD}[rnd.nextInt(4)], t, Operand.imm(0))));
            case "shift-imm-range" -> {
                boolean wide = rnd.nextBoolean();
                int v = rnd.nextBoolean() ? (wide ? 64 : 32) + rnd.nextInt(40) : -1 - rnd.nextInt(5);
                out.add(p(new Instruction.Alu(wide, new AluOp[] {AluOp.LSH, AluOp.RSH, AluOp.ARSH}[rnd.nextInt(3)], t,
                        Operand.imm(v))));
            }
            case "infinite-loop" -> {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(0))));
                out.add(p(new Instruction.Jump(true, JumpOp.JEQ, t, Operand.imm(0), (short) -1)));
            }
            case "null-ptr-arith" -> {
                keyStore(out, 12);
                mapArgs(out, Fixture.HASH);
                out.add(p(Instruction.Call.helper(1)));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, 0, Operand.imm(8))));
                out.add(p(new Instruction.Jump(true, JumpOp.JEQ, 0, Operand.imm(0), (short) 1)));
                out.add(p(new Instruction.Load(Size.DW, false, t, 0, (short) 0)));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(imm()))));
                reinit(out);
            }
            case "ptr-leak-store" -> out.add(p(new Instruction.Store(Size.DW, MEM,
                    (short) (8 * rnd.nextInt(8)), Operand.reg(rnd.nextBoolean() ? MEM : FP))));
            case "ptr-return" -> out.add(p(new Instruction.Alu(true, AluOp.MOV, 0, Operand.reg(rnd.nextBoolean() ? MEM : FP))));
            case "uninit-stack-read" -> out.add(p(new Instruction.Load(Size.DW, false, t, FP,
                    (short) (-104 - 8 * rnd.nextInt(40)))));
            case "bad-helper" -> {
                out.add(p(Instruction.Call.helper(new int[] {9999, 14, 35, 5, 6, 212, 0}[rnd.nextInt(7)])));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(imm()))));
                reinit(out);
            }
            case "helper-short-value" -> {
                keyStore(out, 12);
                mapArgs(out, Fixture.HASH);
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 3, Operand.reg(FP))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, 3, Operand.imm(-8 + rnd.nextInt(3) * 4))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 4, Operand.imm(0))));
                out.add(p(Instruction.Call.helper(2)));
                reinit(out);
            }
            case "helper-arg-type" -> {
                keyStore(out, 12);
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 1, Operand.imm(rnd.nextInt(4)))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, 2, Operand.reg(FP))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, 2, Operand.imm(Fixture.KEY_OFF))));
                out.add(p(Instruction.Call.helper(3)));
                reinit(out);
            }
            case "ptr32-arith" -> {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(MEM))));
                out.add(p(new Instruction.Alu(false, AluOp.ADD, t, Operand.imm(4))));
                out.add(p(new Instruction.Load(Size.W, false, t, t, (short) 0)));
            }
            case "mem-atomic-misaligned" -> {
                Size s = rnd.nextBoolean() ? Size.W : Size.DW;
                out.add(p(new Instruction.Atomic(s, RMW[rnd.nextInt(RMW.length - 1)], MEM,
                        t, (short) (1 + rnd.nextInt(s.bytes() - 1) + s.bytes() * rnd.nextInt(4)))));
            }
            case "scalar-deref" -> out.add(p(rnd.nextBoolean() ? new Instruction.Load(Size.DW, false, t, t, (short) 0)
                    : new Instruction.Store(Size.W, t, (short) 0, Operand.imm(1))));
            case "ptr-sub-ptr" -> {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(MEM))));
                out.add(p(new Instruction.Alu(true, AluOp.SUB, t, Operand.reg(rnd.nextBoolean() ? FP : MEM))));
            }
            case "stack-var-off" -> {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(anyScalar()))));
                out.add(p(new Instruction.Alu(true, AluOp.AND, t, Operand.imm(0x38))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.reg(FP))));
                out.add(p(rnd.nextBoolean() ? new Instruction.Load(Size.DW, false, t, t, (short) -64)
                        : new Instruction.Store(Size.DW, t, (short) -64, Operand.imm(imm()))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(imm()))));
            }
            case "loop-counter-unknown" -> {
                // Counts an unknown value down: bounded in fact, but not provably to a verifier
                // that cannot see the value (the kernel gives up at its instruction limit).
                out.add(p(new Instruction.Load(Size.B, false, t, MEM, (short) rnd.nextInt(Fixture.MEM_SIZE))));
                out.add(p(new Instruction.Alu(true, AluOp.ADD, t, Operand.imm(-1))));
                out.add(p(new Instruction.Jump(true, JumpOp.JSGT, t, Operand.imm(0), (short) -2)));
            }
            case "ptr-alu-mul" -> {
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.reg(MEM))));
                out.add(p(new Instruction.Alu(true, new AluOp[] {AluOp.MUL, AluOp.OR, AluOp.LSH, AluOp.XOR}[rnd.nextInt(4)],
                        t, Operand.imm(2))));
                out.add(p(new Instruction.Alu(true, AluOp.MOV, t, Operand.imm(0))));
            }
            default -> throw new IllegalArgumentException("unknown hazard " + name);
        }
        return out;
    }
}
