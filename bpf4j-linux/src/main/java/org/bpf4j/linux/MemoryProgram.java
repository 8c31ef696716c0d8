package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/**
 * A raw program run in the kernel as the conformance suite defines a run: R1 points to the input
 * memory and R2 holds its length (both 0 without memory), and the result is R0 in all 64 bits.
 *
 * <p>The kernel's test run gives a program a context, not bare memory, and returns only 32 bits,
 * so the program is loaded as a socket filter with two changes, and nothing else: a prologue sets
 * R1 to the address of the value of a one-element array map that holds the memory (an
 * {@code lddw} of the map value, so that the verifier knows its size exactly) and R2 to the
 * length; and every {@code exit} of the main function first stores R0 in a second array map,
 * from which {@link #run} reads it. Jumps, calls and code addresses are moved over the inserted
 * instructions. A program the verifier refuses throws {@link VerifierException} at load time.
 *
 * <p>Owns two maps and a program: close it. Not thread-safe (runs share the maps).
 */
public final class MemoryProgram implements AutoCloseable {
    private static final byte[] PACKET = new byte[64];

    private final KernelMap memory;
    private final KernelMap result;
    private final KernelProgram program;
    private final int memorySize;

    private MemoryProgram(KernelMap memory, KernelMap result, KernelProgram program, int memorySize) {
        this.memory = memory;
        this.result = result;
        this.program = program;
        this.memorySize = memorySize;
    }

    /**
     * Loads a program for memory of a given size.
     *
     * @param memorySize the length of the memory each run passes, or -1 for runs without memory
     * @throws VerifierException if the kernel refuses the rewritten program
     */
    public static MemoryProgram load(Kernel kernel, String name, Code code, int memorySize) {
        Objects.requireNonNull(code, "code");
        KernelMap mem = null;
        KernelMap res = null;
        try {
            if (memorySize >= 0) {
                mem = kernel.createMap("bpf4j_mem", MapType.ARRAY, 4, Math.max(1, memorySize), 1, 0);
            }
            res = kernel.createMap("bpf4j_r0", MapType.ARRAY, 4, 8, 1, 0);
            Code rewritten = rewrite(code, mem == null ? -1 : mem.fd(), Math.max(memorySize, 0), res.fd());
            Bpf.ProgLoad attr = new Bpf.ProgLoad(ProgramType.SOCKET_FILTER.id(), rewritten.toBytes(), "GPL", 0, 0, 0, 0,
                    Names.object(name), 0, 0, 0, new byte[0], new byte[0], 0, 0, new int[0]);
            KernelProgram prog = kernel.loadProgram(name, ProgramType.SOCKET_FILTER, attr);
            return new MemoryProgram(mem, res, prog, memorySize);
        } catch (RuntimeException e) {
            if (mem != null) {
                mem.close();
            }
            if (res != null) {
                res.close();
            }
            throw e;
        }
    }

    /** The memory size the program was loaded for (-1: none). */
    public int memorySize() {
        return memorySize;
    }

    /**
     * Runs the program once.
     *
     * @param input the memory, exactly {@link #memorySize()} bytes (null when loaded without memory)
     * @return R0 at the exit, 64 bits
     */
    public long run(byte[] input) {
        return run(input, 1).r0();
    }

    /**
     * The outcome of a repeated run.
     *
     * @param r0 R0 at the exit of the last run, 64 bits
     * @param meanNanos the kernel's mean time per run ({@code BPF_PROG_TEST_RUN}'s duration)
     */
    public record Timed(long r0, int meanNanos) {
    }

    /**
     * Runs the program {@code repeat} times in one {@code BPF_PROG_TEST_RUN} (the memory is copied
     * in once, before the first run), for benchmarks.
     *
     * @param input the memory, exactly {@link #memorySize()} bytes (null when loaded without memory)
     * @param repeat the number of runs, at least 1
     * @return R0 of the last run and the kernel's mean time per run
     */
    public Timed run(byte[] input, int repeat) {
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat must be at least 1, not " + repeat);
        }
        byte[] key = new byte[4];
        if (memory != null) {
            if (input == null || input.length != memorySize) {
                throw new IllegalArgumentException("memory of " + (input == null ? "no" : input.length)
                        + " bytes for a program loaded for " + memorySize);
            }
            memory.update(key, memorySize == 0 ? new byte[1] : input, KernelMap.ANY);
        }
        result.update(key, new byte[8], KernelMap.ANY);
        KernelProgram.TestRunResult r = program.testRun(new KernelProgram.TestRun(PACKET, 0, null, 0, repeat, 0));
        byte[] v = result.lookup(key).orElseThrow();
        long r0 = 0;
        for (int i = 7; i >= 0; i--) {
            r0 = r0 << 8 | (v[i] & 0xff);
        }
        if ((int) r0 != r.retval()) {
            throw new IllegalStateException("the stored r0 0x" + Long.toHexString(r0)
                    + " disagrees with the test run's retval 0x" + Integer.toHexString(r.retval()));
        }
        return new Timed(r0, r.durationNanos());
    }

    /**
     * The program with the prologue and the exits rewritten, as described in the class comment.
     *
     * @param memoryFd the memory map's fd, or -1 for no memory (R1 = R2 = 0)
     */
    static Code rewrite(Code code, int memoryFd, int memorySize, int resultFd) {
        List<Instruction> in = code.instructions();
        int firstSubprogram = code.slotCount();
        for (int pos = 0; pos < in.size(); pos++) {
            int slot = code.slotOf(pos);
            Instruction insn = in.get(pos);
            if (insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) {
                firstSubprogram = Math.min(firstSubprogram, slot + 1 + c.imm());
            } else if (insn instanceof Instruction.LoadImm64 l && l.kind() == Imm64Kind.CODE_ADDRESS) {
                firstSubprogram = Math.min(firstSubprogram, slot + 1 + l.imm());
            }
        }
        final int mainEnd = firstSubprogram;
        List<Instruction> prologue = memoryFd < 0
                ? List.of(new Instruction.Alu(true, org.bpf4j.isa.AluOp.MOV, 1, Operand.imm(0)),
                        new Instruction.Alu(true, org.bpf4j.isa.AluOp.MOV, 2, Operand.imm(0)))
                : List.of(new Instruction.LoadImm64(1, Imm64Kind.MAP_VALUE_BY_FD, memoryFd, 0),
                        new Instruction.Alu(true, org.bpf4j.isa.AluOp.MOV, 2, Operand.imm(memorySize)));
        List<Instruction> epilogue = List.of(new Instruction.LoadImm64(1, Imm64Kind.MAP_VALUE_BY_FD, resultFd, 0),
                new Instruction.Store(Size.DW, 1, (short) 0, Operand.reg(0)), new Instruction.Exit());
        int prologueSlots = slots(prologue);
        int epilogueSlots = slots(epilogue);
        // New start slot of every old slot (an old exit of main maps to its epilogue's start).
        int[] moved = new int[code.slotCount() + 1];
        int at = prologueSlots;
        for (int pos = 0; pos < in.size(); pos++) {
            int slot = code.slotOf(pos);
            Instruction insn = in.get(pos);
            moved[slot] = at;
            if (insn.slots() == 2) {
                moved[slot + 1] = at + 1;
            }
            at += insn instanceof Instruction.Exit && slot < mainEnd ? epilogueSlots : insn.slots();
        }
        moved[code.slotCount()] = at;
        List<Instruction> out = new ArrayList<>(prologue);
        for (int pos = 0; pos < in.size(); pos++) {
            int slot = code.slotOf(pos);
            Instruction insn = in.get(pos);
            int now = moved[slot];
            out.addAll(switch (insn) {
                case Instruction.Exit e when slot < mainEnd -> epilogue;
                case Instruction.Jump j -> List.of(new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(),
                        (short) relocate(moved, slot, now, j.off())));
                case Instruction.Goto g -> List.of(new Instruction.Goto(g.wide(), relocate(moved, slot, now,
                        g.offset())));
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> List.of(new Instruction.Call(c.kind(),
                        relocate(moved, slot, now, c.imm()), c.off()));
                case Instruction.LoadImm64 l when l.kind() == Imm64Kind.CODE_ADDRESS -> List.of(
                        new Instruction.LoadImm64(l.dst(), l.kind(), relocate(moved, slot, now, l.imm()), l.nextImm()));
                default -> List.of(insn);
            });
        }
        return Code.of(out);
    }

    private static int relocate(int[] moved, int slot, int now, int offset) {
        int target = slot + 1 + offset;
        if (target < 0 || target >= moved.length) {
            return offset; // malformed; Code.of refuses it below
        }
        return moved[target] - (now + 1);
    }

    private static int slots(List<Instruction> insns) {
        return insns.stream().mapToInt(Instruction::slots).sum();
    }

    /** Closes the program and both maps. */
    @Override
    public void close() {
        program.close();
        if (memory != null) {
            memory.close();
        }
        result.close();
    }

    @Override
    public String toString() {
        return "memory program " + program.name() + " (" + Arrays.toString(new int[] {memorySize}) + " bytes)";
    }
}
