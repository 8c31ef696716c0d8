package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bpf4j.MalformedInputException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.EndianOp;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.junit.jupiter.api.Test;

/**
 * Feeds random instruction streams to the decoder and the interpreter under a small budget. The
 * only outcomes allowed are a result, a {@link MalformedInputException} from decoding, an
 * {@link UnsupportedFeatureException} from loading, or a {@link VmTrapException} from running:
 * anything else (an uncaught JVM exception) fails with the program's words as a reproducer. The
 * slowest stream is printed: a program that takes seconds under a budget of {@value #BUDGET}
 * instructions is doing work the budget does not count (a finding too).
 *
 * <p>Deterministic by default: each test runs a fixed number of streams ({@value #BYTE_STREAMS}
 * random byte streams, {@value #VALID_STREAMS} valid-looking programs, {@value #PACKET_STREAMS}
 * packet programs) of a fixed seed
 * ({@value #SEED}), in an environment whose clock, random source and task are fixed, so every
 * machine runs the same programs. Campaigns: {@code -Dbpf4j.fuzz.seed=random} (or a number),
 * {@code -Dbpf4j.fuzz.count=N}, {@code -Dbpf4j.fuzz.seconds=N} ({@link Fuzzing}); the seed and
 * the count are printed, with the options that replay the run.
 */
class InterpreterFuzzTest {
    private static final long BUDGET = 20_000;

    /** The default seed. */
    static final long SEED = 1;
    /** The random byte streams of the default build. */
    static final int BYTE_STREAMS = 150_000;
    /** The valid-looking programs of the default build. */
    static final int VALID_STREAMS = 10_000;
    /** The packet programs of the default build. */
    static final int PACKET_STREAMS = 5_000;

    private record Stats(long[] counts, Map<VmTrapException.Kind, Long> traps, long[] slowest) {
        Stats() {
            this(new long[5], new EnumMap<>(VmTrapException.Kind.class), new long[] {-1, 0});
        }

        /** Notes how long stream {@code n} took to load and run. */
        void timed(long n, long nanos) {
            if (nanos > slowest[1]) {
                slowest[0] = n;
                slowest[1] = nanos;
            }
        }

        static final int STREAMS = 0, MALFORMED = 1, UNSUPPORTED = 2, RETURNED = 3, TRAPPED = 4;

        @Override
        public String toString() {
            return counts[STREAMS] + " streams: " + counts[MALFORMED] + " malformed, " + counts[UNSUPPORTED]
                    + " refused at load, " + counts[RETURNED] + " returned, " + counts[TRAPPED] + " trapped " + traps
                    + "; slowest stream " + slowest[0] + " (" + slowest[1] / 1_000_000 + " ms)";
        }
    }

    @Test
    void randomBytes() {
        Fuzzing fuzz = Fuzzing.of(SEED, BYTE_STREAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        Stats stats = new Stats();
        while (fuzz.more(stats.counts[Stats.STREAMS])) {
            int n = 1 + rnd.nextInt(24);
            long[] words = new long[n];
            for (int i = 0; i < n; i++) {
                long w;
                if (rnd.nextInt(3) == 0) {
                    w = rnd.nextLong();
                } else {
                    // A valid word with one or two bits flipped, so that many streams decode.
                    w = Encoding.encode(randomInstruction(rnd, n))[0];
                    for (int flips = rnd.nextInt(3); flips > 0; flips--) {
                        w ^= 1L << rnd.nextInt(64);
                    }
                }
                words[i] = w;
            }
            Code code;
            try {
                code = Encoding.decode(words);
            } catch (MalformedInputException e) {
                stats.counts[Stats.STREAMS]++;
                stats.counts[Stats.MALFORMED]++;
                continue;
            }
            execute(code, words, rnd, stats, fuzz);
        }
        System.out.println("[fuzz] random bytes (seed " + seed + "): " + stats + "; replay: "
                + fuzz.replay(stats.counts[Stats.STREAMS]));
        assertTrue(stats.counts[Stats.MALFORMED] > 0 && stats.counts[Stats.RETURNED] + stats.counts[Stats.TRAPPED] > 0,
                "the generator must reach both the decoder's errors and the interpreter: " + stats);
    }

    @Test
    void randomValidInstructions() {
        Fuzzing fuzz = Fuzzing.of(SEED, VALID_STREAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5deece66dL);
        Stats stats = new Stats();
        while (fuzz.more(stats.counts[Stats.STREAMS])) {
            int n = 2 + rnd.nextInt(40);
            List<Instruction> insns = new ArrayList<>();
            for (int i = 0; i < n - 1; i++) {
                insns.add(randomInstruction(rnd, n));
            }
            Code code = finish(insns, rnd, stats);
            if (code == null) {
                continue;
            }
            execute(code, code.toWords(), rnd, stats, fuzz);
        }
        System.out.println("[fuzz] random valid instructions (seed " + seed + "): " + stats + "; replay: "
                + fuzz.replay(stats.counts[Stats.STREAMS]));
        assertTrue(stats.traps.getOrDefault(VmTrapException.Kind.MEMORY, 0L) > 0
                        && stats.traps.getOrDefault(VmTrapException.Kind.BUDGET, 0L) > 0
                        && stats.counts[Stats.RETURNED] > 0,
                "the generator must reach memory traps, budget traps and normal returns: " + stats);
    }

    /** The packet helpers (and bpf_csum_diff, bpf_strncmp), for {@link #randomPacketPrograms}. */
    private static final int[] PACKET_HELPERS = {9, 10, 11, 18, 19, 23, 26, 28, 31, 32, 34, 38, 39, 40, 41, 43, 44,
        46, 47, 48, 50, 51, 54, 65, 68, 97, 135, 151, 163, 182, 188, 189, 190, 192};
    /** The program types of {@link #randomPacketPrograms}, run through {@link org.bpf4j.vm.run.TestRun}. */
    private static final org.bpf4j.spec.ProgramType[] PACKET_TYPES = {org.bpf4j.spec.ProgramType.XDP,
        org.bpf4j.spec.ProgramType.SCHED_CLS, org.bpf4j.spec.ProgramType.SOCKET_FILTER};

    /**
     * Random valid-looking programs test-run as XDP, tc and socket-filter programs over a random
     * packet, calling mostly the packet helpers with the context in R1 (kept in R6 and put back
     * before most calls) and random lengths and offsets in the other arguments. Besides the
     * outcomes of the other tests, a {@link org.bpf4j.vm.run.TestRunException} (the input refused,
     * as the kernel refuses it) is allowed.
     */
    @Test
    void randomPacketPrograms() {
        Fuzzing fuzz = Fuzzing.of(SEED, PACKET_STREAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x9e3779b97f4a7c15L);
        Stats stats = new Stats();
        while (fuzz.more(stats.counts[Stats.STREAMS])) {
            int n = 2 + rnd.nextInt(30);
            List<Instruction> insns = new ArrayList<>();
            insns.add(new Instruction.Alu(true, AluOp.MOV, 6, Operand.reg(1)));
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(3) == 0) {
                    if (rnd.nextInt(4) != 0) {
                        insns.add(new Instruction.Alu(true, AluOp.MOV, 1, Operand.reg(6)));
                    }
                    insns.add(Instruction.Call.helper(PACKET_HELPERS[rnd.nextInt(PACKET_HELPERS.length)]));
                } else {
                    insns.add(randomInstruction(rnd, n));
                }
            }
            Code code = finish(insns, rnd, stats);
            if (code == null) {
                continue;
            }
            org.bpf4j.spec.ProgramType type = PACKET_TYPES[rnd.nextInt(PACKET_TYPES.length)];
            byte[] packet = new byte[rnd.nextInt(4) == 0 ? rnd.nextInt(14) : 14 + rnd.nextInt(200)];
            rnd.nextBytes(packet);
            if (packet.length > 13 && rnd.nextBoolean()) { // an IPv4 or IPv6 Ethernet type, for the tc helpers
                packet[12] = (byte) (rnd.nextBoolean() ? 0x08 : 0x86);
                packet[13] = (byte) (packet[12] == 0x08 ? 0x00 : 0xdd);
            }
            long s = stats.counts[Stats.STREAMS]++;
            long start = System.nanoTime();
            try {
                VmProgram program = VmProgram.load("fuzz", code, VmOptions.defaults().withInstructionBudget(BUDGET)
                        .withEnvironment(fixedEnvironment()));
                org.bpf4j.vm.run.TestRun.run(program, type, java.util.Optional.empty(),
                        org.bpf4j.vm.run.TestRunInput.of(packet));
                stats.counts[Stats.RETURNED]++;
            } catch (UnsupportedFeatureException | org.bpf4j.vm.run.TestRunException e) {
                stats.counts[Stats.UNSUPPORTED]++;
            } catch (VmTrapException e) {
                stats.counts[Stats.TRAPPED]++;
                stats.traps.merge(e.kind(), 1L, Long::sum);
            } catch (Throwable t) {
                fail("unexpected " + t + " for stream " + s + " (" + fuzz.replay(s + 1) + "), " + type + " over "
                        + java.util.HexFormat.of().formatHex(packet) + ":\n"
                        + org.bpf4j.isa.Disassembler.toAssembly(code) + "\n" + hex(code.toWords()), t);
            } finally {
                stats.timed(s, System.nanoTime() - start);
            }
        }
        System.out.println("[fuzz] random packet programs (seed " + seed + "): " + stats + "; replay: "
                + fuzz.replay(stats.counts[Stats.STREAMS]));
        assertTrue(stats.counts[Stats.RETURNED] > 0 && stats.traps.getOrDefault(VmTrapException.Kind.MEMORY, 0L) > 0,
                "the generator must reach normal returns and memory traps: " + stats);
    }

    /** Points most control transfers at a random instruction, so that most programs are well-formed. */
    private static void retarget(List<Instruction> insns, SplittableRandom rnd) {
        int[] slot = new int[insns.size()];
        for (int i = 1; i < insns.size(); i++) {
            slot[i] = slot[i - 1] + insns.get(i - 1).slots();
        }
        for (int i = 0; i < insns.size(); i++) {
            if (rnd.nextInt(10) == 0) {
                continue; // leave some offsets random, to exercise the target checks
            }
            int off = slot[rnd.nextInt(insns.size())] - slot[i] - 1;
            Instruction insn = insns.get(i);
            Instruction fixed = switch (insn) {
                case Instruction.Jump j -> new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) off);
                case Instruction.Goto g -> new Instruction.Goto(g.wide(), off);
                case Instruction.Call c when c.kind() == org.bpf4j.isa.CallKind.LOCAL -> Instruction.Call.local(off);
                case Instruction.LoadImm64 l when l.kind() == Imm64Kind.CODE_ADDRESS ->
                    new Instruction.LoadImm64(l.dst(), Imm64Kind.CODE_ADDRESS, off, 0);
                default -> insn;
            };
            insns.set(i, fixed);
        }
    }

    /**
     * A host that is the same on every machine and in every run: a clock that advances 7 ns a
     * read, a seeded random source, a fixed task, no TAI offset and no trace output.
     */
    static Environment fixedEnvironment() {
        long[] clock = {1_000};
        return Environment.system().withClock(() -> clock[0] += 7).withRandom(new SplittableRandom(42))
                .withTask(0x1234_0000_5678L, 0x10001L, "fuzz").withTracee(Tracee.none())
                .withTraceSink(message -> { });
    }

    private static void execute(Code code, long[] words, SplittableRandom rnd, Stats stats, Fuzzing fuzz) {
        long n = stats.counts[Stats.STREAMS]++;
        long start = System.nanoTime();
        try {
            loadAndRun(code, words, rnd, stats, fuzz, n);
        } finally {
            stats.timed(n, System.nanoTime() - start);
        }
    }

    private static void loadAndRun(Code code, long[] words, SplittableRandom rnd, Stats stats, Fuzzing fuzz,
            long n) {
        VmProgram program;
        try {
            program = VmProgram.load("fuzz", code, VmOptions.defaults().withInstructionBudget(BUDGET)
                    .withEnvironment(fixedEnvironment()));
        } catch (UnsupportedFeatureException e) {
            stats.counts[Stats.UNSUPPORTED]++;
            return;
        }
        byte[] mem = rnd.nextBoolean() ? null : new byte[rnd.nextInt(64)];
        if (mem != null) {
            rnd.nextBytes(mem);
        }
        try {
            program.run(mem);
            stats.counts[Stats.RETURNED]++;
        } catch (VmTrapException e) {
            stats.counts[Stats.TRAPPED]++;
            stats.traps.merge(e.kind(), 1L, Long::sum);
        } catch (Throwable t) {
            fail("unexpected " + t + " for stream " + n + " (" + fuzz.replay(n + 1) + "): program " + hex(words)
                    + (mem == null ? "" : " with memory " + java.util.HexFormat.of().formatHex(mem)), t);
        }
    }

    private static String hex(long[] words) {
        return Arrays.stream(words).mapToObj(w -> String.format("0x%016x", w)).toList().toString();
    }

    private static int reg(SplittableRandom rnd) {
        return rnd.nextInt(10);
    }

    private static int anyReg(SplittableRandom rnd) {
        return rnd.nextInt(11);
    }

    private static short off(SplittableRandom rnd) {
        return (short) (rnd.nextInt(4) == 0 ? rnd.nextInt(-600, 600) : -8 * rnd.nextInt(1, 9));
    }

    private static int imm(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> rnd.nextInt();
            case 1 -> rnd.nextInt(-2, 3);
            case 2 -> rnd.nextInt(64);
            default -> rnd.nextInt(-1000, 1000);
        };
    }

    private static Operand operand(SplittableRandom rnd) {
        return rnd.nextBoolean() ? Operand.reg(anyReg(rnd)) : Operand.imm(imm(rnd));
    }

    /**
     * Ends a program with exit, points its jumps at random slots and decodes it; null (counted as a
     * malformed stream) if it does not decode.
     */
    private static Code finish(List<Instruction> insns, SplittableRandom rnd, Stats stats) {
        insns.add(new Instruction.Exit());
        retarget(insns, rnd);
        try {
            return Code.of(insns);
        } catch (MalformedInputException e) {
            stats.counts[Stats.STREAMS]++;
            stats.counts[Stats.MALFORMED]++;
            return null;
        }
    }

    private static Instruction randomInstruction(SplittableRandom rnd, int n) {
        Size[] sizes = Size.values();
        return switch (rnd.nextInt(14)) {
            case 0, 1, 2 -> new Instruction.Alu(rnd.nextBoolean(), AluOp.values()[rnd.nextInt(AluOp.values().length)],
                    reg(rnd), operand(rnd));
            case 3 -> new Instruction.Neg(rnd.nextBoolean(), reg(rnd));
            case 4 -> {
                boolean wide = rnd.nextBoolean();
                int[] bits = wide ? new int[] {8, 16, 32} : new int[] {8, 16};
                yield new Instruction.MovSx(wide, reg(rnd), anyReg(rnd), bits[rnd.nextInt(bits.length)]);
            }
            case 5 -> new Instruction.Endian(EndianOp.values()[rnd.nextInt(3)], reg(rnd), 16 << rnd.nextInt(3));
            case 6 -> rnd.nextInt(4) == 0
                    ? new Instruction.LoadImm64(reg(rnd), Imm64Kind.CODE_ADDRESS, rnd.nextInt(-n, n), 0)
                    : Instruction.LoadImm64.of(reg(rnd), rnd.nextLong());
            case 7 -> {
                Size size = sizes[rnd.nextInt(4)];
                yield new Instruction.Load(size, size != Size.DW && rnd.nextInt(4) == 0, reg(rnd),
                        rnd.nextBoolean() ? 10 : anyReg(rnd), off(rnd));
            }
            case 8 -> new Instruction.Store(sizes[rnd.nextInt(4)], rnd.nextBoolean() ? 10 : anyReg(rnd), off(rnd),
                    operand(rnd));
            case 9 -> {
                AtomicOp op = AtomicOp.values()[rnd.nextInt(AtomicOp.values().length)];
                Size size = op.readModifyWrite() ? (rnd.nextBoolean() ? Size.W : Size.DW) : sizes[rnd.nextInt(4)];
                yield new Instruction.Atomic(size, op, rnd.nextBoolean() ? 10 : anyReg(rnd), anyReg(rnd), off(rnd));
            }
            case 10, 11 -> new Instruction.Jump(rnd.nextBoolean(), JumpOp.values()[rnd.nextInt(JumpOp.values().length)],
                    reg(rnd), operand(rnd), (short) rnd.nextInt(-n, n));
            case 12 -> rnd.nextBoolean() ? new Instruction.Goto(rnd.nextBoolean(), rnd.nextInt(-n, n))
                    : new Instruction.LoadPacket(sizes[rnd.nextInt(3)], rnd.nextBoolean(), 0, rnd.nextInt(-4, 70));
            default -> switch (rnd.nextInt(4)) {
                case 0 -> Instruction.Call.local(rnd.nextInt(-n, n));
                case 1 -> new Instruction.CallReg(anyReg(rnd));
                case 2 -> Instruction.Call.helper(rnd.nextBoolean() ? 5 : rnd.nextInt(1, 300));
                default -> new Instruction.Exit();
            };
        };
    }
}
