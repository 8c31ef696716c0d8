package org.bpf4j.oracle;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.spec.ProgramType;

/**
 * Runs generated programs in the kernel: the {@link Fixture}'s maps are created once, each
 * program is loaded as a socket filter (or an XDP program) with its map indexes replaced by the maps' fds, and run
 * once through {@code BPF_PROG_TEST_RUN} after the maps are reset, with the program's input as
 * both the memory's initial value and the packet.
 *
 * <p>Owns the maps: close it. Not thread-safe.
 */
public final class KernelRunner implements AutoCloseable {
    private final Kernel kernel;
    private final List<KernelMap> maps = new ArrayList<>();

    /** The kernel's verdict on a program. */
    public sealed interface Verdict permits Accepted, Rejected {}

    /** Loaded: owns the program; close it. */
    public record Accepted(KernelProgram program) implements Verdict, AutoCloseable {
        @Override
        public void close() {
            program.close();
        }
    }

    /** Refused by the kernel's verifier, with the decisive log line, the errno and the log. */
    public record Rejected(String summary, int errno, String log) implements Verdict {}

    /** Creates the fixture's maps in the kernel. */
    public KernelRunner(Kernel kernel) {
        this.kernel = kernel;
        try {
            for (Fixture.MapDef d : Fixture.MAPS) {
                maps.add(kernel.createMap("o_" + d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries(), 0));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether bpf() works here, and if not, why. */
    public static Kernel.Availability availability() {
        return Kernel.probe();
    }

    /** The code with each map index replaced by the kernel map's fd. */
    public Code kernelCode(Code code) {
        List<Instruction> out = new ArrayList<>();
        for (Instruction i : code.instructions()) {
            if (i instanceof Instruction.LoadImm64 l && l.kind().refersToMap() && l.imm() >= 0 && l.imm() < maps.size()) {
                out.add(new Instruction.LoadImm64(l.dst(), l.kind(), maps.get(l.imm()).fd(), l.nextImm()));
            } else {
                out.add(i);
            }
        }
        return Code.of(out);
    }

    /** Loads a socket filter; an {@link Accepted} verdict must be closed. */
    public Verdict load(Code code) {
        return load(code, ProgramType.SOCKET_FILTER);
    }

    /** Loads a program of a type (socket filter or XDP); an {@link Accepted} verdict must be closed. */
    public Verdict load(Code code, ProgramType type) {
        Bpf.ProgLoad attr = new Bpf.ProgLoad(type.id(), kernelCode(code).toBytes(), "GPL", 0, 0,
                0, 0, "oracle", 0, 0, 0, new byte[0], new byte[0], 0, 0, new int[0]);
        try {
            return new Accepted(kernel.loadProgram("oracle", type, attr));
        } catch (VerifierException e) {
            return new Rejected(summary(e.log()), e.errno(), e.log());
        }
    }

    /**
     * The decisive line of a verifier log: {@link VerifierException#summarize} over the log without
     * the state dumps that follow an "infinite loop detected" line.
     */
    static String summary(String log) {
        StringBuilder b = new StringBuilder();
        for (String l : log.split("\n")) {
            if (!l.startsWith("old state:") && !l.startsWith("cur state:")) {
                b.append(l).append('\n');
            }
        }
        return VerifierException.summarize(b.toString());
    }

    /** Resets the maps to a socket filter's start state and runs it once, its input as the packet. */
    public Observation run(KernelProgram program, byte[] input) {
        return run(program, input, new byte[0]);
    }

    /**
     * Resets the maps to a program's start state and runs it once over {@code packet}, or over
     * {@code input} when {@code packet} is empty (a socket filter); a non-empty packet's
     * {@code data_out} is observed.
     */
    public Observation run(KernelProgram program, byte[] input, byte[] packet) {
        byte[] zero = Fixture.key(0);
        maps.get(Fixture.MEM).update(zero, input, KernelMap.ANY);
        maps.get(Fixture.RESULT).update(zero, new byte[8], KernelMap.ANY);
        KernelMap hash = maps.get(Fixture.HASH);
        for (byte[] k : hash.keys()) {
            hash.delete(k);
        }
        KernelMap array = maps.get(Fixture.ARRAY);
        for (int i = 0; i < Fixture.ARRAY_ENTRIES; i++) {
            array.update(Fixture.key(i), new byte[Fixture.VALUE_SIZE], KernelMap.ANY);
        }
        for (int q : new int[] {Fixture.QUEUE, Fixture.STACK}) {
            while (maps.get(q).pop().isPresent()) {
                // drained
            }
        }
        boolean xdp = packet.length != 0;
        KernelProgram.TestRunResult r = program.testRun(xdp
                ? new KernelProgram.TestRun(packet, packet.length + 256, null, 0, 1, 0)
                : new KernelProgram.TestRun(input, 0, null, 0, 1, 0));
        byte[] v = maps.get(Fixture.RESULT).lookup(zero).orElseThrow();
        long r0 = 0;
        for (int i = 7; i >= 0; i--) {
            r0 = r0 << 8 | (v[i] & 0xff);
        }
        List<String> entries = new ArrayList<>();
        for (byte[] k : hash.keys()) {
            hash.lookup(k).ifPresent(val -> entries.add(Observation.hex(k) + "=" + Observation.hex(val)));
        }
        entries.sort(null);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < Fixture.ARRAY_ENTRIES; i++) {
            values.add(Observation.hex(array.lookup(Fixture.key(i)).orElseThrow()));
        }
        List<String> queued = new ArrayList<>();
        for (int q : new int[] {Fixture.QUEUE, Fixture.STACK}) {
            for (java.util.Optional<byte[]> e = maps.get(q).pop(); e.isPresent(); e = maps.get(q).pop()) {
                queued.add(Fixture.MAPS.get(q).name() + ":" + Observation.hex(e.get()));
            }
        }
        return new Observation(Observation.returned(r0, r.retval()),
                maps.get(Fixture.MEM).lookup(zero).orElseThrow(), entries, values, queued,
                xdp ? r.dataOut() : new byte[0]);
    }

    /** Closes the maps. */
    @Override
    public void close() {
        for (KernelMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
