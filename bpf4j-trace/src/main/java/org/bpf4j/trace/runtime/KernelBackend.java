package org.bpf4j.trace.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.sys.Bpf;

/**
 * The Linux kernel as a backend, through bpf4j-linux: kernel maps, programs loaded as
 * {@code BPF_PROG_TYPE_RAW_TRACEPOINT} (so the kernel verifier checks them) and run with
 * {@code BPF_PROG_TEST_RUN}, events read from a queue map. This serves BEGIN, END and interval
 * probes; attaching to kernel hooks (tracepoints, kprobes, perf events) is not wired yet.
 */
public final class KernelBackend implements Backend {
    /** Bytes of context given to a test run: raw tracepoint arguments. */
    private static final int CONTEXT_BYTES = 8 * 12;

    private final Kernel kernel;
    private final List<KernelMap> maps = new ArrayList<>();
    private final KernelMap queue;
    private final KernelMap globals;
    private final List<KernelProgram> programs = new ArrayList<>();

    /**
     * Creates the maps and loads the programs (compiled for the queue transport).
     *
     * @throws org.bpf4j.linux.VerifierException if the kernel refuses a program, with its log
     */
    public KernelBackend(CompiledScript script, Kernel kernel) {
        this.kernel = kernel;
        int valueSize = script.transport().queueValueSize();
        if (valueSize == 0) {
            throw new IllegalArgumentException("the kernel backend reads events from a queue map");
        }
        try {
            for (MapInfo m : script.maps()) {
                MapType type = m.perCpu() ? MapType.PERCPU_HASH : MapType.HASH;
                maps.add(kernel.createMap(objectName(m.name()), type, CompiledScript.keySize(m),
                        CompiledScript.valueSize(m), TraceRuntime.MAP_ENTRIES, 0));
            }
            queue = kernel.createMap("events", MapType.QUEUE, 0, valueSize, 4096, 0);
            maps.add(queue);
            globals = kernel.createMap("globals", MapType.ARRAY, 4, 8, 1, 0);
            maps.add(globals);
            for (CompiledScript.ProbeProgram p : script.programs()) {
                byte[] insns = encode(p.code().instructions());
                String name = objectName(p.name());
                programs.add(kernel.loadProgram(p.name(), ProgramType.RAW_TRACEPOINT,
                        new Bpf.ProgLoad(ProgramType.RAW_TRACEPOINT.id(), insns, "GPL", 0, 0, 0, 0, name, 0, 0, 0,
                                new byte[0], new byte[0], 0, 0, new int[0])));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A kernel object name: at most 15 of [A-Za-z0-9_.]. */
    static String objectName(String name) {
        String n = name.replaceAll("[^A-Za-z0-9_.]", "_");
        return n.length() > 15 ? n.substring(0, 15) : n;
    }

    private byte[] encode(List<Instruction> code) {
        List<long[]> words = new ArrayList<>();
        int slots = 0;
        for (Instruction i : code) {
            Instruction r = i;
            if (i instanceof Instruction.LoadImm64 l && l.kind().refersToMap()) {
                int fd = maps.get(l.imm()).fd();
                r = new Instruction.LoadImm64(l.dst(), l.kind() == Imm64Kind.MAP_BY_INDEX ? Imm64Kind.MAP_BY_FD
                        : l.kind() == Imm64Kind.MAP_VALUE_BY_INDEX ? Imm64Kind.MAP_VALUE_BY_FD : l.kind(), fd,
                        l.nextImm());
            }
            long[] w = Encoding.encode(r);
            words.add(w);
            slots += w.length;
        }
        ByteBuffer bb = ByteBuffer.allocate(slots * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] w : words) {
            for (long x : w) {
                bb.putLong(x);
            }
        }
        return bb.array();
    }

    @Override
    public void run(int index, byte[] context) {
        byte[] ctx = new byte[CONTEXT_BYTES];
        System.arraycopy(context, 0, ctx, 0, Math.min(context.length, ctx.length));
        // A raw tracepoint test run takes no repeat count (the kernel refuses one with EINVAL).
        kernel.bpf().progTestRun(new Bpf.TestRun(programs.get(index).fd(), null, 0, ctx, 0, 0, 0, 0, 0));
    }

    @Override
    public void drain(Consumer<byte[]> handler) {
        for (Optional<byte[]> e = queue.pop(); e.isPresent(); e = queue.pop()) {
            handler.accept(e.get());
        }
    }

    @Override
    public long lost() {
        return 0;
    }

    @Override
    public MapStore map(int index) {
        KernelMap m = maps.get(index);
        return MapStore.of(m::keys, m::lookup, m::delete, (k, v) -> m.update(k, v, KernelMap.EXIST));
    }

    @Override
    public int cpus() {
        return kernel.cpus();
    }

    @Override
    public long monotonicNanos() {
        return System.nanoTime();
    }

    @Override
    public void setStartTime(long nanos) {
        byte[] v = new byte[8];
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(nanos);
        globals.update(new byte[4], v, KernelMap.ANY);
    }

    @Override
    public void close() {
        for (KernelProgram p : programs) {
            p.close();
        }
        programs.clear();
        for (KernelMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
