package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.Fuzzing;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.run.TestRunException;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.run.TestRunResult;
import org.junit.jupiter.api.Test;

/**
 * The kernel as the oracle of packet programs: the programs of {@link PacketProgramGenerator}
 * that the running kernel's verifier accepts are test-run by the kernel ({@code BPF_PROG_TEST_RUN})
 * and by the VM's {@link org.bpf4j.vm.run.TestRun} over the same packet and context, with maps of
 * the same shapes (the {@link FuzzWorld}'s hash and array maps and kernel maps made like them);
 * the return value, {@code data_out}, {@code ctx_out} (as many bytes as were given), the refusal
 * of the input (errno) and the maps afterwards must be equal, and the VM must not trap. Programs
 * the kernel cannot run alike are left out: those with global functions (they need BTF), those
 * using the program array or the locked array (the kernel's copy has no BTF), and those calling
 * {@code bpf_get_hash_recalc} or {@code bpf_skb_change_tail} (see {@link #comparable}); an XDP
 * context names the loopback device (this machine has others, the VM does not).
 *
 * <p>Deterministic by default ({@value #PROGRAMS} programs of seed {@value #SEED}); skipped,
 * with the reason, without bpf(). Campaigns as for the other fuzz tests ({@link Fuzzing}).
 */
class PacketKernelFuzzTest {
    /** The default seed. */
    static final long SEED = 1;
    /** The programs of the default build. */
    static final int PROGRAMS = 600;

    private static final ProgramType[] TYPES = {ProgramType.XDP, ProgramType.SCHED_CLS, ProgramType.SCHED_CLS,
        ProgramType.XDP, ProgramType.CGROUP_SKB, ProgramType.SOCKET_FILTER};

    @Test
    void vmAgreesWithTheKernel() {
        Kernel.Availability available = Kernel.probe();
        assumeTrue(available.available(), "kernel packet fuzzing skipped: " + available.reason());
        Kernel kernel = Kernel.system();
        Bpf bpf = kernel.bpf();
        Fuzzing fuzz = Fuzzing.of(SEED, PROGRAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x6b65726e656cL);
        int programs = 0;
        int left = 0;
        int rejected = 0;
        int compared = 0;
        TreeMap<String, Integer> endings = new TreeMap<>();
        TreeMap<String, Integer> refusals = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        Path dir = Path.of("target", "jit-fuzz-reproducers");
        try (FuzzWorld world = new FuzzWorld();
                KernelMap hash = kernel.createMap("hash", MapType.HASH, 4, 8, 8, 0);
                KernelMap array = kernel.createMap("array", MapType.ARRAY, 4, 16, 4, 0);
                KernelMap progs = kernel.createMap("progs", MapType.PROG_ARRAY, 4, 4, 4, 0);
                KernelMap locked = kernel.createMap("locked", MapType.ARRAY, 4, 16, 4, 0)) {
            int[] fds = {hash.fd(), array.fd(), progs.fd(), locked.fd()};
            while (fuzz.more(programs) && problems.size() < 5) {
                ProgramType type = TYPES[rnd.nextInt(TYPES.length)];
                PacketProgramGenerator generator = new PacketProgramGenerator(rnd, type).forKernel();
                Code code = generator.generate();
                TestRunInput input = loopbackOnly(PacketFuzzTest.input(rnd, type), type);
                programs++;
                if (!generator.globals().isEmpty() || !comparable(code)) {
                    left++;
                    continue;
                }
                Bpf.ProgLoad load = new Bpf.ProgLoad(type.id(), code.toBytes(), "GPL", 0, 0, 0, 0,
                        "pktfuzz", 0, 0, 0, new byte[0], new byte[0], 0, 0, fds);
                Bpf.LoadResult r = bpf.progLoad(load);
                if (!r.ok()) {
                    rejected++;
                    // why, for tuning the generator: the log's last line with its numbers blanked
                    Bpf.LoadResult logged = bpf.progLoad(load.withLog(1, 1 << 20));
                    String[] lines = logged.log().strip().split("\n");
                    String why = lines.length == 0 ? "errno " + r.errno() : lines[lines.length - 1];
                    for (int k = lines.length - 1; k >= 0 && (why.startsWith("processed ") || why.isBlank()); k--) {
                        why = lines[k];
                    }
                    refusals.merge(type.kernelName() + ": " + why.replaceAll("-?\\d+", "N"), 1, Integer::sum);
                    continue;
                }
                String inKernel;
                try (Fd fd = new Fd(r.fd(), bpf, "fuzz program")) {
                    inKernel = kernelRun(bpf, fd.value(), input, hash, array);
                }
                String onVm = vmRun(world, code, type, input);
                compared++;
                String end = onVm.substring(0, onVm.indexOf('\n') < 0 ? onVm.length() : onVm.indexOf('\n'));
                endings.merge(end.startsWith("retval") ? "returned" : end.split(" ")[0], 1, Integer::sum);
                if (!inKernel.equals(onVm)) {
                    String what = "the VM and the kernel differ (seed " + seed + ", program " + programs + ", "
                            + type.kernelName() + ")\nkernel:\n" + inKernel + "\nvm:\n" + onVm;
                    Path file = Differential.savePacket(dir, "kernel-mismatch-" + seed + "-" + programs, what, code,
                            type, List.of(), input, FuzzWorld.BUDGET);
                    problems.add(file.toAbsolutePath() + ": " + what);
                }
            }
        }
        System.out.println("[packet-kernel-fuzz] seed " + seed + ": " + programs + " programs, " + left
                + " left out, " + rejected + " refused by the kernel's verifier, " + compared + " compared, VM runs "
                + endings + ", " + problems.size() + " problems; replay: " + fuzz.replay(programs));
        refusals.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(12)
                .forEach(e -> System.out.println("[packet-kernel-fuzz]   refused " + e.getValue() + "x: " + e.getKey()));
        if (!problems.isEmpty()) {
            fail(problems.size() + " differences from the kernel (seed " + seed + "):\n"
                    + String.join("\n\n", problems));
        }
        assertTrue(compared > 0, "the generator must reach programs the kernel accepts");
    }

    /**
     * The input with a context's device above 1 (a device the VM does not have, which this
     * machine may have) set to 1, the loopback device: an XDP context's {@code ingress_ifindex}, a
     * socket buffer's {@code ifindex} (Linux looks it up: with a device it goes on to refuse the
     * input for another reason, where the VM says ENODEV; seed 1 program 317).
     */
    private static TestRunInput loopbackOnly(TestRunInput in, ProgramType type) {
        int at = type == ProgramType.XDP ? 12 : 40;
        if (in.context().isEmpty() || in.context().get().length < at + 4) {
            return in;
        }
        byte[] ctx = in.context().get();
        long device = (ctx[at] & 0xffL) | (ctx[at + 1] & 0xffL) << 8 | (ctx[at + 2] & 0xffL) << 16
                | (ctx[at + 3] & 0xffL) << 24;
        if (device <= 1) {
            return in;
        }
        ctx[at] = 1;
        ctx[at + 1] = 0;
        ctx[at + 2] = 0;
        ctx[at + 3] = 0;
        return in.withContext(ctx);
    }

    /**
     * No tail calls or program array, no locked array, no {@code bpf_get_hash_recalc} (the
     * kernel's flow hash is seeded at random) and no {@code bpf_skb_change_tail} (bytes it adds
     * past the buffer's tailroom are uninitialised memory in the kernel).
     */
    private static boolean comparable(Code code) {
        for (Instruction i : code.instructions()) {
            if (i instanceof Instruction.Call c && c.kind() == CallKind.HELPER
                    && (c.imm() == 34 || c.imm() == 12 || c.imm() == 38)) {
                return false;
            }
            if (i instanceof Instruction.LoadImm64 l && l.kind() == Imm64Kind.MAP_BY_INDEX && l.imm() >= 2) {
                return false;
            }
        }
        return true;
    }

    private static String kernelRun(Bpf bpf, int fd, TestRunInput in, KernelMap hash, KernelMap array) {
        for (byte[] k : hash.keys()) {
            hash.delete(k);
        }
        for (int i = 0; i < 4; i++) {
            array.update(FuzzWorld.u32(i), new byte[16], KernelMap.ANY);
        }
        byte[] ctx = in.context().orElse(null);
        StringBuilder b = new StringBuilder();
        try {
            // buffers larger than any packet or context the run can give back (a short one is ENOSPC)
            Bpf.TestRunResult r = bpf.progTestRun(new Bpf.TestRun(fd, in.data(), 16384, ctx, ctx == null ? 0 : 512,
                    1, 0, 0, 0));
            b.append(result(Integer.toUnsignedLong(r.retval()), r.dataOut(),
                    ctx == null ? null : java.util.Arrays.copyOf(r.ctxOut(), ctx.length)));
        } catch (KernelException e) {
            b.append("refused errno ").append(e.errno());
        }
        List<String> entries = new ArrayList<>();
        for (byte[] k : hash.keys()) {
            entries.add(HexFormat.of().formatHex(k) + "=" + HexFormat.of().formatHex(hash.lookup(k).orElseThrow()));
        }
        entries.sort(null);
        b.append("\nhash ").append(entries);
        for (int i = 0; i < 4; i++) {
            b.append("\narray[").append(i).append("] ")
                    .append(HexFormat.of().formatHex(array.lookup(FuzzWorld.u32(i)).orElseThrow()));
        }
        return b.toString();
    }

    private static String vmRun(FuzzWorld world, Code code, ProgramType type, TestRunInput in) {
        VmProgram p = world.load(code, Interpreter.INSTANCE, 50_000_000L);
        Object r = world.testRunRaw(p, type, in, 50_000_000L);
        StringBuilder b = new StringBuilder();
        switch (r) {
            case TestRunResult t -> b.append(result(t.retval(), t.data(), in.context().isEmpty() ? null
                    : java.util.Arrays.copyOf(t.context().orElse(new byte[0]), in.context().get().length)));
            case TestRunException e -> b.append("refused errno ").append(e.errno());
            case VmTrapException e -> b.append("trap ").append(e.getMessage());
            default -> b.append("error ").append(r);
        }
        List<String> entries = new ArrayList<>();
        for (byte[] k : world.hash.keys()) {
            entries.add(HexFormat.of().formatHex(k) + "="
                    + HexFormat.of().formatHex(world.hash.lookup(k).orElseThrow()));
        }
        entries.sort(null);
        b.append("\nhash ").append(entries);
        for (int i = 0; i < 4; i++) {
            b.append("\narray[").append(i).append("] ")
                    .append(HexFormat.of().formatHex(world.array.lookup(FuzzWorld.u32(i)).orElseThrow()));
        }
        return b.toString();
    }

    /** The return value, the packet and the context (as many bytes as given: the kernel's ctx_out buffer). */
    private static String result(long retval, byte[] data, byte[] ctx) {
        return "retval=" + retval + "\ndata_out " + HexFormat.of().formatHex(data)
                + (ctx == null ? "" : "\nctx_out " + HexFormat.of().formatHex(ctx));
    }
}
