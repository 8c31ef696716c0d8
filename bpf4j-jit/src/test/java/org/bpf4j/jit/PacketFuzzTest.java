package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.Fuzzing;
import org.bpf4j.vm.run.TestRunInput;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing of packet programs: random XDP, tc, socket-filter and cgroup-skb programs
 * ({@link PacketProgramGenerator}: direct packet access after bounds checks, the packet helpers,
 * maps, context fields) run as {@code BPF_PROG_TEST_RUN} runs them over a random packet (and
 * sometimes a {@code ctx_in}) on the interpreter, the JIT, the JIT splitting functions into
 * chunks and, for programs bpf4j's verifier accepts, the JIT with the verifier's facts. The return
 * value, {@code data_out}, {@code ctx_out}, the redirect, traps (kind, slot, message), refusals
 * of the input, the maps and the helper log must be identical. And a program the verifier
 * accepted must not trap on the interpreter (the verifier's soundness on packet code).
 *
 * <p>A mismatch is written to {@code target/jit-fuzz-reproducers} as a {@code .data} file with
 * {@code -- type}, {@code -- mem} (the packet) and {@code -- ctx} sections; move it to
 * {@code src/test/resources/jit-reproducers} once fixed ({@link JitReproducerTest} replays it).
 *
 * <p>Deterministic by default: {@value #PROGRAMS} programs of seed {@value #SEED}. Campaigns:
 * {@code -Dbpf4j.fuzz.seed=random}, {@code -Dbpf4j.fuzz.count=N}, {@code -Dbpf4j.fuzz.seconds=N}.
 */
class PacketFuzzTest {
    /** The default seed. */
    static final long SEED = 1;
    /** The programs of the default build. */
    static final int PROGRAMS = 1500;

    private static final ProgramType[] TYPES = {ProgramType.XDP, ProgramType.XDP, ProgramType.SCHED_CLS,
        ProgramType.SCHED_CLS, ProgramType.SOCKET_FILTER, ProgramType.CGROUP_SKB};

    @Test
    void enginesAgreeOnPacketPrograms() {
        Fuzzing fuzz = Fuzzing.of(SEED, PROGRAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x7ac4e7L);
        int programs = 0;
        int refused = 0;
        int verified = 0;
        TreeMap<String, Integer> endings = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Path dir = Path.of("target", "jit-fuzz-reproducers");
        try (FuzzWorld world = new FuzzWorld()) {
            while (fuzz.more(programs) && problems.size() < 5) {
                ProgramType type = TYPES[rnd.nextInt(TYPES.length)];
                PacketProgramGenerator generator = new PacketProgramGenerator(rnd, type);
                Code code = generator.generate();
                List<org.bpf4j.verifier.GlobalFunction> globals = generator.globals();
                TestRunInput input = input(rnd, type);
                programs++;
                Differential.PacketResult r;
                try {
                    r = Differential.comparePacket(world, code, type, globals, input, FuzzWorld.BUDGET);
                } catch (RuntimeException | Error e) {
                    Path file = Differential.savePacket(dir, "packet-crash-" + seed + "-" + programs,
                            "harness failure: " + e, code, type, globals, input, FuzzWorld.BUDGET);
                    throw new AssertionError("program " + programs + " (" + fuzz.replay(programs) + ") broke the "
                            + "harness; reproducer " + file.toAbsolutePath(), e);
                }
                if (r.refused()) {
                    refused++;
                    continue;
                }
                String end = r.interpreter().end();
                String[] words = end.split("[ :]");
                endings.merge(end.startsWith("retval") ? "returned" : words[0] + " " + words[1], 1, Integer::sum);
                if (r.verified()) {
                    verified++;
                }
                boolean unsound = r.verified() && end.startsWith("trap");
                if (!r.agrees() || unsound) {
                    String what = unsound ? "the verifier accepted a program that did not return on the interpreter"
                            : "packet differential mismatch";
                    Path file = Differential.savePacket(dir, "packet-" + (unsound ? "unsound-" : "mismatch-") + seed
                            + "-" + programs, what + " (seed " + seed + ", program " + programs + ", "
                            + type.kernelName() + ")\n" + r.describe(), code, type, globals, input, FuzzWorld.BUDGET);
                    problems.add(file.toAbsolutePath() + ": " + what + "\n" + r.describe());
                }
            }
        }
        System.out.println("[packet-fuzz] seed " + seed + ": " + programs + " programs, " + refused
                + " refused at load, " + verified + " accepted by the verifier (also run with its facts), "
                + "interpreter runs ended " + endings + ", " + problems.size() + " problems; replay: "
                + fuzz.replay(programs));
        if (!problems.isEmpty()) {
            fail(problems.size() + " problems (seed " + seed + "):\n" + String.join("\n\n", problems));
        }
        assertTrue(endings.getOrDefault("returned", 0) > 0 && endings.getOrDefault("trap MEMORY", 0) > 0
                        && verified > 0,
                "the generator must reach returns, memory traps and verified programs: " + endings + ", " + verified
                        + " verified");
    }

    /** A random packet (mostly Ethernet with an IPv4 or IPv6 type) and sometimes a context. */
    static TestRunInput input(SplittableRandom rnd, ProgramType type) {
        int len = switch (rnd.nextInt(16)) {
            case 0 -> rnd.nextInt(14);
            case 1, 2 -> 14 + rnd.nextInt(1500);
            default -> 14 + rnd.nextInt(120);
        };
        byte[] packet = new byte[len];
        rnd.nextBytes(packet);
        if (len > 13 && rnd.nextInt(4) != 0) {
            boolean v4 = len < 54 || rnd.nextBoolean(); // an IPv6 packet needs its 40-byte header
            packet[12] = (byte) (v4 ? 0x08 : 0x86);
            packet[13] = (byte) (v4 ? 0x00 : 0xdd);
            if (v4 && len > 14) {
                packet[14] = 0x45;
            }
        }
        TestRunInput in = TestRunInput.of(packet);
        if (rnd.nextInt(5) != 0) {
            return in;
        }
        if (type == ProgramType.XDP) {
            byte[] ctx = new byte[24];
            int meta = rnd.nextInt(4) == 0 ? 4 * rnd.nextInt(9) : 0;
            put32(ctx, 0, meta); // data: the metadata's length
            put32(ctx, 4, rnd.nextInt(6) == 0 ? rnd.nextInt(len + 8) : len); // data_end
            put32(ctx, 12, rnd.nextInt(6) == 0 ? rnd.nextInt(3) : 1); // ingress_ifindex
            return in.withContext(ctx);
        }
        byte[] ctx = new byte[rnd.nextInt(8) == 0 ? 192 : 72];
        put32(ctx, 8, rnd.nextInt()); // mark
        put32(ctx, 32, rnd.nextInt(8)); // priority
        for (int i = 48; i < 68; i += 4) {
            put32(ctx, i, rnd.nextInt()); // cb
        }
        if (rnd.nextInt(8) == 0) {
            put32(ctx, 4 * rnd.nextInt(ctx.length / 4), rnd.nextInt(4)); // a field that may not be set
        }
        return in.withContext(ctx);
    }

    private static void put32(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Replays a saved packet reproducer; empty if the file is not one ({@code -- type} missing). */
    static Optional<Differential.PacketResult> replay(FuzzWorld world, org.bpf4j.isa.DataFile data, long budget) {
        Optional<String> type = data.section("type");
        if (type.isEmpty()) {
            return Optional.empty();
        }
        ProgramType t = ProgramType.byName(type.get().strip()).orElseThrow();
        TestRunInput in = TestRunInput.of(data.memory().orElse(new byte[0]));
        Optional<String> ctx = data.section("ctx");
        if (ctx.isPresent()) {
            in = in.withContext(java.util.HexFormat.of().parseHex(ctx.get().replaceAll("\\s+", "")));
        }
        List<org.bpf4j.verifier.GlobalFunction> globals = new ArrayList<>();
        for (String line : data.section("globals").orElse("").split("\n")) {
            if (!line.isBlank()) {
                String[] f = line.strip().split("\\s+");
                globals.add(new org.bpf4j.verifier.GlobalFunction(Integer.parseInt(f[0]), f[1],
                        List.of(new org.bpf4j.verifier.GlobalFunction.Param.Context())));
            }
        }
        return Optional.of(Differential.comparePacket(world, data.code(), t, globals, in, budget));
    }
}
