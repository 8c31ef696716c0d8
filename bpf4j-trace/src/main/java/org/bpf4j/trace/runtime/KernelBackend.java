package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.stream.LongStream;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.link.Attacher;
import org.bpf4j.linux.link.BpfLink;
import org.bpf4j.linux.link.Link;
import org.bpf4j.linux.perf.PerfBuffer;
import org.bpf4j.linux.perf.PerfEventAttr;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.linux.probe.UprobeTarget;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.linux.ringbuf.RingBufferReader;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.FirstThread;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.Resolved;

/**
 * The Linux kernel as a backend, through bpf4j-linux: kernel maps, each program loaded with the
 * type its probe needs (tracepoint, raw tracepoint, kprobe for uprobes and USDT, perf_event for
 * interval, profile, software, hardware and watchpoint probes) and attached to its hook by {@link #attach};
 * BEGIN and END are loaded as raw tracepoint programs and run with {@code BPF_PROG_TEST_RUN}.
 * Events arrive through a ring buffer (or a queue map for scripts compiled for one).
 */
public final class KernelBackend implements Backend {
    /** Bytes of context given to a test run: raw tracepoint arguments. */
    private static final int CONTEXT_BYTES = 8 * 12;

    private final Kernel kernel;
    /** {@code -v}: an attach failure for which bpftrace gives no reason shows the kernel's. */
    private final boolean verbose;
    private final CompiledScript script;
    private final List<KernelMap> maps = new ArrayList<>();
    private final KernelMap events;
    private final RingBufferReader reader;
    private final KernelMap globals;
    /** The program of each of the script's probe programs, by index (identical ones shared). */
    private final List<KernelProgram> programs = new ArrayList<>();
    /** Whether each program was loaded for a uprobe_multi link. */
    private final List<Boolean> multiLoaded = new ArrayList<>();
    /** Each loaded program once. */
    private final Set<KernelProgram> distinct = Collections.newSetFromMap(
            new IdentityHashMap<>());

    /** The perf buffer of {@code skboutput()}'s packets, or null. */
    private PerfBuffer skbPackets;

    private record ProgramKey(ProgramType type, int expectedAttachType, int attachBtfId, ByteBuffer instructions) {}
    private final List<AutoCloseable> links = new ArrayList<>();
    /** Whether the programs run by {@link #run} and {@link #bench} run on the process's first thread. */
    private volatile boolean firstThread;

    /**
     * Runs BEGIN, END and the other programs {@link #run} and {@link #bench} run ({@code self},
     * {@code test} and {@code bench} probes) on the process's first thread when it can ({@link Bpf#progTestRunOnFirstThread}), as bpftrace runs
     * them on its main thread: {@code tid} there is the process id ({@code 1} as the first process
     * of a new PID namespace). For a process that is the tracer (the {@code bpf4j} command), whose
     * first thread only waits for the JVM; an application that embeds the runtime keeps the default
     * (the calling thread).
     */
    public void runOnFirstThread(boolean on) {
        this.firstThread = on;
        if (on) {
            FirstThread.prepare(); // now, not when END is waited for
        }
    }

    /**
     * Creates the maps and loads the programs.
     *
     * @throws VerifierException if the kernel refuses a program, with its log
     */
    public KernelBackend(CompiledScript script, Kernel kernel) {
        this(script, kernel, false);
    }

    /**
     * Creates the maps and loads the programs; with {@code verbose} ({@code -v}), as current bpftrace,
     * each load asks for the verifier's log in a buffer of the script's {@code log_size}, and a
     * refusal (a log that does not fit is one) is reported in bpftrace's words, with the log;
     * without it, in bpftrace's words without the log (a refused helper, a stack too large, or
     * "Error loading BPF program for NAME ... Use -v for full kernel error log.").
     *
     * @throws LoadFailure if the kernel refuses a program
     */
    public KernelBackend(CompiledScript script, Kernel kernel, boolean verbose) {
        this(script, kernel, verbose, true);
    }

    /**
     * As {@link #KernelBackend(CompiledScript, Kernel, boolean)}; {@code uprobeMulti} false
     * (bpftrace's {@code --no-feature uprobe_multi}): wildcard uprobes and usdt probes are attached
     * one link per site even where the kernel has uprobe_multi links.
     */
    public KernelBackend(CompiledScript script, Kernel kernel, boolean verbose, boolean uprobeMulti) {
        this.kernel = kernel;
        this.script = script;
        this.verbose = verbose;
        int valueSize = script.transport().queueValueSize();
        RingBufferReader r = null;
        try {
            for (CompiledScript.RuntimeMap m : script.runtimeMaps(kernel.cpus())) {
                maps.add(kernel.createMap(objectName(m.name()), m.type(), m.keySize(), m.valueSize(), m.entries(),
                        m.flags()));
            }
            events = maps.get(script.ringBufferIndex());
            globals = maps.get(script.globalsIndex());
            int formats = script.iterFormatsIndex();
            if (formats >= 0) {
                // bpf_seq_printf takes its format from read-only map memory only: written, then frozen
                byte[] value = new byte[script.runtimeMaps(1).get(formats).valueSize()];
                byte[] text = script.events().iterFormats();
                System.arraycopy(text, 0, value, 0, text.length);
                maps.get(formats).update(new byte[4], value, KernelMap.ANY);
                maps.get(formats).freeze();
            }
            if (valueSize == 0) {
                r = RingBufferReader.open(kernel, events);
            }
            if (!script.events().skbOutputs().isEmpty()) {
                // skboutput()'s packets come through a perf event array (bpf_skb_output), 64 KiB a CPU
                skbPackets = PerfBuffer.open(kernel, maps.get(script.skbOutputIndex()), 16, 1);
            }
            // A wildcard gives one program per attach point, mostly the same instructions (`probe` of
            // a wildcard uprobe is its attach cookie): each distinct program is loaded and verified once, and its
            // descriptor attached to every hook that has it (the kernel allows one program on many
            // perf events).
            // The matches of a wildcard uprobe in one binary share a program and one uprobe_multi link
            // (as current bpftrace), where the kernel has them: loaded for that attach type.
            // USDT probes too: all the call sites of one in one link.
            boolean multi = script.programs().stream().anyMatch(p -> resolved(p) instanceof Resolved.Uprobe u
                    && u.multi() || resolved(p) instanceof Resolved.Usdt) && uprobeMulti && uprobeMultiSupported(kernel);
            Map<ProgramKey, KernelProgram> loaded = new HashMap<>();
            for (CompiledScript.ProbeProgram p : script.programs()) {
                ProgramType type = programType(resolved(p));
                int attachType = multi && (resolved(p) instanceof Resolved.Uprobe u && u.multi()
                        || resolved(p) instanceof Resolved.Usdt) ? AttachType.TRACE_UPROBE_MULTI.id() : 0;
                byte[] insns = encode(p.code().instructions());
                String name = objectName(p.name());
                String license = script.typed().settings().license();
                int logSize = verbose ? (int) Math.min(Integer.MAX_VALUE, script.typed().settings().logSize()) : 0;
                if (resolved(p) instanceof Resolved.Iterator it) {
                    // a tracing program for the kernel's bpf_iter_NAME, expected attach type BPF_TRACE_ITER
                    int iterType = AttachType.TRACE_ITER.id();
                    int iterId = iteratorBtfId(kernel, it);
                    KernelProgram prog = load(kernel, p.name(), ProgramType.TRACING, iterType, iterId, insns, name,
                            license, logSize);
                    multiLoaded.add(false);
                    programs.add(prog);
                    distinct.add(prog);
                    continue;
                }
                if (resolved(p) instanceof Resolved.Fentry fe) {
                    // a tracing program for the function's BTF id, expected attach type fentry or fexit
                    if (!fe.function().module().equals("vmlinux")) {
                        throw new UnsupportedFeatureException("fentry/fexit probes on the functions of "
                                + "modules (" + fe.function().module() + ":" + fe.function().name()
                                + ") are not supported by bpf4j trace yet");
                    }
                    int fentryType = (fe.returnProbe() ? AttachType.TRACE_FEXIT
                            : AttachType.TRACE_FENTRY).id();
                    KernelProgram prog;
                    try {
                        prog = load(kernel, p.name(), ProgramType.TRACING, fentryType, fe.function().btfId(), insns,
                                name, license, logSize);
                    } catch (VerifierException e) {
                        throw LoadFailure.of(bpftraceName(p), e, verbose, logSize);
                    }
                    multiLoaded.add(false);
                    programs.add(prog);
                    distinct.add(prog);
                    continue;
                }
                int btfId = resolved(p) instanceof Resolved.RawTracepoint t ? BtfTracepoints.attachId(kernel, t) : 0;
                KernelProgram prog;
                try {
                    prog = loaded.computeIfAbsent(new ProgramKey(type, attachType, btfId, ByteBuffer.wrap(insns)),
                            k -> btfId > 0 ? BtfTracepoints.load(p, btfId, (ty, at, id) -> load(kernel, p.name(), ty, at,
                                    id, insns, name, license, logSize)) : load(kernel, p.name(), type, attachType, 0,
                                    insns, name, license, logSize));
                } catch (VerifierException e) {
                    throw LoadFailure.of(bpftraceName(p), e, verbose, logSize);
                }
                multiLoaded.add(attachType != 0);
                programs.add(prog);
                distinct.add(prog);
            }
        } catch (RuntimeException e) {
            if (r != null) {
                r.close();
            }
            close();
            throw e;
        }
        reader = r;
    }

    /**
     * Loads one program; one with callbacks ({@code for} over a map) gets the BTF function
     * information the kernel requires for them ({@link ProgramBtf}).
     */
    private static KernelProgram load(Kernel kernel, String what, ProgramType type, int attachType, int attachBtfId,
            byte[] insns, String name, String license, int logSize) {
        ProgramBtf btf = ProgramBtf.of(insns, name);
        if (btf == null) {
            return load(kernel, what, type, new Bpf.ProgLoad(type.id(), insns, license, 0, 0, 0, 0, name, 0,
                    attachType, 0, new byte[0], new byte[0], attachBtfId, 0, new int[0]), logSize);
        }
        try (Fd fd = kernel.loadBtf(btf.btf(), "the BTF of " + what)) {
            return load(kernel, what, type, new Bpf.ProgLoad(type.id(), insns, license, 0, 0, 0, 0, name, 0,
                    attachType, fd.value(), btf.funcInfo(), new byte[0], attachBtfId, 0, new int[0]), logSize);
        }
    }

    /** A load with a log buffer of {@code logSize} bytes (as given), or as {@link Kernel#loadProgram} without one (0). */
    private static KernelProgram load(Kernel kernel, String what, ProgramType type, Bpf.ProgLoad attr, int logSize) {
        return logSize > 0 ? kernel.loadProgramWithLog(what, type, attr, logSize) : kernel.loadProgram(what, type, attr);
    }

    /**
     * Current bpftrace's name of a probe's program: the probe's name with what is not a letter, a
     * digit or {@code _} replaced by {@code _}, then {@code _} and the probe's number (from 1).
     */
    private String bpftraceName(CompiledScript.ProbeProgram p) {
        List<Probe> probes = script.typed().program().probes();
        int index = 1;
        for (int k = 0; k < probes.size(); k++) {
            if (probes.get(k).attachPoints().contains(p.attachPoint())) {
                index = k + 1;
                break;
            }
        }
        String probe = p.name().equals("BEGIN") || p.name().equals("END") ? p.name().toLowerCase(Locale.ROOT)
                : p.name();
        return probe.replaceAll("[^A-Za-z0-9_]", "_") + "_" + index;
    }

    /** The BTF id of the kernel's {@code bpf_iter_NAME} function, which an iterator's program is loaded for. */
    private static int iteratorBtfId(Kernel kernel, Resolved.Iterator it) {
        int id = kernel.vmlinuxBtf().map(b -> b.typeIdByName("bpf_iter_" + it.name(), 12)).orElse(-1); // BTF_KIND_FUNC
        if (id <= 0) {
            throw new UnsupportedFeatureException("No BTF found for " + it.name() + ".");
        }
        return id;
    }

    /**
     * Whether the kernel takes uprobe_multi programs (Linux 6.6 on): a program that does nothing
     * loads with that expected attach type.
     */
    private static boolean uprobeMultiSupported(Kernel kernel) {
        byte[] insns = {(byte) 0xb7, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0}; // r0 = 0; exit
        try (KernelProgram p = kernel.loadProgram("uprobe_multi probe", ProgramType.KPROBE, new Bpf.ProgLoad(
                ProgramType.KPROBE.id(), insns, "GPL", 0, 0, 0, 0, "uprobe_multi", 0,
                AttachType.TRACE_UPROBE_MULTI.id(), 0, new byte[0], new byte[0], 0, 0, new int[0]))) {
            return p.fd() >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public AutoCloseable stopAtEntry(int pid, Path program) {
        long offset = entryFileOffset(program);
        if (offset < 0) {
            return null;
        }
        // r0 = get_current_pid_tgid() >> 32; if (r0 == pid) send_signal(SIGSTOP); return 0
        ByteBuffer b = ByteBuffer.allocate(7 * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x85).put((byte) 0).putShort((short) 0).putInt(14); // call get_current_pid_tgid
        b.put((byte) 0x77).put((byte) 0).putShort((short) 0).putInt(32); // r0 >>= 32
        b.put((byte) 0x55).put((byte) 0).putShort((short) 2).putInt(pid); // if r0 != pid goto +2
        b.put((byte) 0xb7).put((byte) 0x01).putShort((short) 0).putInt(19); // r1 = SIGSTOP
        b.put((byte) 0x85).put((byte) 0).putShort((short) 0).putInt(109); // call send_signal
        b.put((byte) 0xb7).put((byte) 0).putShort((short) 0).putInt(0); // r0 = 0
        b.put((byte) 0x95).put((byte) 0).putShort((short) 0).putInt(0); // exit
        KernelProgram p = null;
        try {
            p = kernel.loadProgram("entry_stop", ProgramType.KPROBE, new Bpf.ProgLoad(ProgramType.KPROBE.id(),
                    b.array(), "GPL", 0, 0, 0, 0, "entry_stop", 0, 0, 0, new byte[0], new byte[0], 0, 0, new int[0]));
            Link l = Attacher.of(kernel).uprobe(p, new UprobeTarget(program, offset, 0,
                    program + ":entry"), false, pid, 0);
            KernelProgram prog = p;
            return () -> {
                closeQuietly(l);
                prog.close();
            };
        } catch (RuntimeException e) {
            if (p != null) {
                p.close();
            }
            return null; // (an old kernel without bpf_send_signal: the tables come as the maps are read again)
        }
    }

    /** The file offset of an x86-64 ELF executable's entry point, or -1 (not such a file). */
    static long entryFileOffset(Path program) {
        byte[] h;
        try (var in = Files.newInputStream(program)) {
            h = in.readNBytes(64);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        if (h.length < 64 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F' || h[4] != 2) {
            return -1;
        }
        long entry = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN).getLong(24);
        try {
            for (NativeElf.Segment s : NativeElf.read(program).segments()) {
                if (entry >= s.vaddr() && entry < s.vaddr() + s.fileSize()) {
                    return s.offset() + (entry - s.vaddr());
                }
            }
        } catch (RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private Resolved resolved(CompiledScript.ProbeProgram p) {
        return resolved(script, p);
    }

    private static Resolved resolved(CompiledScript script, CompiledScript.ProbeProgram p) {
        Resolved r = script.typed().expansion().resolved().get(p.attachPoint());
        if (r != null) {
            return r;
        }
        return switch (p.attachPoint().provider()) {
            case "BEGIN", "END", "self", "bench", "test" -> new Resolved.Special(p.attachPoint().provider());
            case "interval" -> new Resolved.Timer(false, 0, 0);
            default -> new Resolved.Java();
        };
    }

    /**
     * The program type a program of the script is loaded as in the kernel: raw tracepoint for
     * BEGIN, END and probes fired from Java (run with {@code BPF_PROG_TEST_RUN}), tracepoint,
     * kprobe for uprobes and USDT, perf event for timers and counters.
     */
    public static ProgramType programType(CompiledScript script, CompiledScript.ProbeProgram p) {
        return programType(resolved(script, p));
    }

    private static ProgramType programType(Resolved r) {
        return r.programType();
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
    public boolean firesTimers() {
        return true;
    }

    /** The programs whose probes could not be attached and were left out. */
    private final Set<Integer> unattached = new TreeSet<>();

    @Override
    public Set<Integer> unattached() {
        return Collections.unmodifiableSet(unattached);
    }

    @Override
    public void attach(int pid, AttachReport report) {
        Attacher at = Attacher.of(kernel);
        // The kernel runs the programs of one uprobe (or USDT probe) newest first, so probes on
        // the same hook are attached last to first, as bpftrace does: they then fire in the order
        // they are written. Probes on different hooks are attached in the order written.
        List<Integer> order = new ArrayList<>();
        Set<Integer> placed = new HashSet<>();
        for (int i = 0; i < programs.size(); i++) {
            if (placed.contains(i)) {
                continue;
            }
            String hook = hook(resolved(script.programs().get(i)));
            List<Integer> group = new ArrayList<>(List.of(i));
            for (int j = i + 1; hook != null && j < programs.size(); j++) {
                if (hook.equals(hook(resolved(script.programs().get(j))))) {
                    group.add(j);
                }
            }
            for (int k = group.size() - 1; k >= 0; k--) {
                order.add(group.get(k));
                placed.add(group.get(k));
            }
        }
        Set<Integer> attached = new HashSet<>();
        for (int i : order) {
            if (!attached.add(i)) {
                continue;
            }
            Set<Integer> group = new HashSet<>(attached);
            AttachPoint ap = script.programs().get(i).attachPoint();
            try {
                if (multiLoaded.get(i) && resolved(script.programs().get(i)) instanceof Resolved.Usdt u) {
                    // every call site in one uprobe_multi link; a site's cookie is its index, as the
                    // program's argument reads expect (semaphores counted by the kernel)
                    List<UprobeTarget> sites = u.sites().stream().map(UsdtProbe::target).toList();
                    links.add(at.uprobeMulti(programs.get(i), sites, LongStream.range(0, sites.size())
                            .toArray(), false, Math.max(0, pid)));
                } else if (multiLoaded.get(i)) {
                    attachMulti(at, i, pid, attached);
                } else {
                    attach(at, i, pid, report);
                }
            } catch (RuntimeException e) {
                // as current bpftrace: missing_probes (the report) says whether the others are still
                // attached; the reason in its words, the kernel's with -v where it gives none
                String reason = e instanceof Failure f ? f.getMessage() : bpftraceReason(i, e);
                if (reason.isEmpty() && verbose) {
                    reason = e.getMessage();
                }
                if (!report.failed(ap, reason)) {
                    throw new AttachException(ap, reason.isEmpty() ? String.valueOf(e.getMessage()) : reason, e,
                            report != AttachReport.STRICT);
                }
                // the probe (and the matches attached with it) left out
                for (int j : attached) {
                    if (!group.contains(j)) {
                        unattached.add(j);
                    }
                }
                unattached.add(i);
            }
        }
    }

    /** A failure whose message is already in current bpftrace's words. */
    private static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    /**
     * What current bpftrace says when program {@code i}'s probe cannot be attached, before its
     * "Unable to attach probe" (empty: nothing, as for most probe types).
     */
    private String bpftraceReason(int i, RuntimeException e) {
        int errno = e instanceof KernelException k ? k.errno() : 0;
        return switch (resolved(script.programs().get(i))) {
            case Resolved.RawTracepoint t -> errno == Errno.ENOENT
                    ? "Probe does not exist: " + script.programs().get(i).attachPoint().name()
                    : errno == Errno.EINVAL
                    ? "Maybe trying to access arguments beyond what's available in this tracepoint" : "";
            case Resolved.Usdt u -> "Failed to attach usdt probe: "
                    + (errno != 0 ? Errno.message(errno) : String.valueOf(e.getMessage()));
            default -> "";
        };
    }

    /**
     * Attaches program {@code i}, a match of a wildcard uprobe, with every other match of the
     * same attach point in the same binary that has the same program, through one uprobe_multi
     * link; each place's cookie is the index of its probe name (the {@code probe} builtin).
     */
    private void attachMulti(Attacher at, int i, int pid, Set<Integer> attached) {
        CompiledScript.ProbeProgram first = script.programs().get(i);
        Resolved.Uprobe u = (Resolved.Uprobe) resolved(first);
        List<UprobeTarget> targets = new ArrayList<>();
        List<Long> cookies = new ArrayList<>();
        for (int j = 0; j < programs.size(); j++) {
            CompiledScript.ProbeProgram p = script.programs().get(j);
            if (j != i && (attached.contains(j) || !multiLoaded.get(j) || programs.get(j) != programs.get(i)
                    || !(resolved(p) instanceof Resolved.Uprobe v) || !v.binary().equals(u.binary())
                    || v.returnProbe() != u.returnProbe() || !p.attachPoint().raw().equals(first.attachPoint().raw())
                    || !p.attachPoint().span().equals(first.attachPoint().span()))) {
                continue;
            }
            Resolved.Uprobe v = (Resolved.Uprobe) resolved(p);
            attached.add(j);
            targets.add(UprobeTarget.ofSymbol(v.binary().toString(), v.symbol(), v.offset()));
            cookies.add((long) Math.max(0, script.events().probeNames().indexOf(p.attachPoint().name())));
        }
        // uprobe_multi's "every process" is pid 0 (a perf event's is -1)
        links.add(at.uprobeMulti(programs.get(i), targets, cookies.stream().mapToLong(Long::longValue).toArray(),
                u.returnProbe(), Math.max(0, pid)));
    }

    /** What two probes share when the kernel runs them newest first on one hook; null for other probes. */
    private static String hook(Resolved r) {
        return switch (r) {
            case Resolved.Uprobe u -> "uprobe " + u.binary() + " " + u.symbol() + " " + u.offset() + " " + u.returnProbe();
            case Resolved.Usdt u -> "usdt " + u.binary() + " " + u.provider() + " " + u.name();
            default -> null;
        };
    }

    private void attach(Attacher at, int i, int pid, AttachReport report) {
        KernelProgram p = programs.get(i);
        {
            switch (resolved(script.programs().get(i))) {
                case Resolved.Special s -> { }
                case Resolved.Java j -> { }
                case Resolved.Tracepoint t -> links.add(at.tracepoint(p, t.format().category(), t.format().name()));
                case Resolved.RawTracepoint t -> links.add(p.type() == ProgramType.TRACING
                        ? at.tracing(p, AttachType.TRACE_RAW_TP) : at.rawTracepoint(p, t.name()));
                case Resolved.Uprobe u -> links.add(at.uprobe(p, u.symbol() == null
                        ? new UprobeTarget(u.binary(), u.offset(), 0, u.binary() + ":0x" + Long.toHexString(u.offset()))
                        : UprobeTarget.ofSymbol(u.binary().toString(), u.symbol(), u.offset()), u.returnProbe(), pid, u.multi() ? Math.max(0, script.events()
                        .probeNames().indexOf(script.programs().get(i).attachPoint().name())) : 0));
                case Resolved.Usdt u -> links.add(at.usdt(p, u.binary().toString(), u.provider(), u.name(), pid));
                // found when attaching, as bpftrace finds it: the rest of the script was compiled and loaded
                case Resolved.Kprobe k -> throw new Failure((k.returnProbe() ? "kretprobes" : "kprobes")
                        + " cannot be attached: " + AttachPoints.kprobeReason(), null);
                case Resolved.Timer t -> {
                    if (t.everyCpu()) {
                        links.add(perfEvent(at, p, t.hz() > 0
                                ? PerfEventAttr.softwareFrequency(PerfLayouts.SW_CPU_CLOCK, t.hz())
                                : PerfEventAttr.softwarePeriod(PerfLayouts.SW_CPU_CLOCK, t.periodNanos()), pid));
                    } else {
                        links.add(at.perfEvent(p, PerfEventAttr.softwarePeriod(PerfLayouts.SW_CPU_CLOCK,
                                t.periodNanos()), 0));
                    }
                }
                case Resolved.PerfCounter c -> links.add(perfEvent(at, p, new PerfEventAttr(c.type(), c.config(),
                        c.period(), false, 0, 1, 0, 0, false), pid));
                case Resolved.Fentry fe -> links.add(at.tracing(p, fe.returnProbe()
                        ? AttachType.TRACE_FEXIT : AttachType.TRACE_FENTRY));
                case Resolved.Iterator it -> {
                    Link l = pid > 0 ? at.iterator(p, pid) : at.tracing(p, AttachType.TRACE_ITER);
                    links.add(l);
                    iterator = (BpfLink) l;
                    iteratorPin = it.pinPath();
                }
                case Resolved.Watchpoint w -> {
                    // as bpftrace: one breakpoint per thread of the process (inherited by the threads
                    // it creates), or per CPU for a kernel address; a warning for each that cannot be
                    // opened, an error only when none can
                    boolean[] noRegisters = new boolean[1];
                    try {
                        links.add(at.breakpoint(p, PerfEventAttr.breakpoint(w.accesses(), w.address(), w.length()),
                                pid, (cpu, tid, e) -> {
                                    noRegisters[0] |= e.errno() == Errno.ENOSPC;
                                    report.warning("Failed to create a perf event for cpu " + cpu + " tid " + tid
                                            + ": " + Errno.message(e.errno()));
                                }));
                    } catch (KernelException e) {
                        throw new Failure(noRegisters[0] ? "No more HW registers left" : "", e);
                    }
                }
            }
        }
    }

    /** The link of the script's iterator once attached, or null. */
    private BpfLink iterator;
    /** Where to pin the iterator's link instead of reading it. */
    private Optional<String> iteratorPin = Optional.empty();

    @Override
    public Optional<String> iterate(Consumer<byte[]> chunks) {
        if (iterator == null) {
            throw new IllegalStateException("no iterator attached");
        }
        if (iteratorPin.isPresent()) {
            try {
                iterator.pin(iteratorPin.get());
            } catch (KernelException e) {
                throw new PinFailure(iteratorPin.get(), e);
            }
            return iteratorPin;
        }
        iterator.readIterator(chunks);
        return Optional.empty();
    }

    /**
     * A profile, software or hardware probe's event on every CPU: with a process ({@code -p},
     * {@code -c}), only while it (or a thread or child it creates later) runs, as bpftrace opens them.
     */
    private static Link perfEvent(Attacher at, KernelProgram p, PerfEventAttr attr, int pid) {
        return pid > 0 ? at.perfEventOfProcess(p, attr.inherited(), pid) : at.perfEvent(p, attr);
    }

    @Override
    public long run(int index, byte[] context) {
        byte[] ctx = new byte[CONTEXT_BYTES];
        System.arraycopy(context, 0, ctx, 0, Math.min(context.length, ctx.length));
        // A raw tracepoint test run takes no repeat count (the kernel refuses one with EINVAL).
        Bpf.TestRun run = new Bpf.TestRun(programs.get(index).fd(), null, 0, ctx, 0, 0, 0, 0, 0);
        return (firstThread ? kernel.bpf().progTestRunOnFirstThread(run) : kernel.bpf().progTestRun(run)).retval();
    }

    @Override
    public Bench bench(int index, int repeat) {
        // an XDP test run needs an Ethernet header's worth of packet
        Bpf.TestRun run = new Bpf.TestRun(programs.get(index).fd(), new byte[14], 0, null, 0, repeat, 0, 0, 0);
        Bpf.TestRunResult r = firstThread ? kernel.bpf().progTestRunOnFirstThread(run) : kernel.bpf().progTestRun(run);
        return new Bench(Integer.toUnsignedLong(r.durationNanos()), r.retval());
    }

    @Override
    public void await(long nanos) {
        if (reader != null) {
            reader.poll(Duration.ofNanos(Math.max(1_000_000, nanos)), rec -> pending.add(
                    rec.toArray(ValueLayout.JAVA_BYTE)));
        } else {
            try {
                Thread.sleep(Math.max(1, nanos / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final List<byte[]> pending = new ArrayList<>();

    @Override
    public void drain(Consumer<byte[]> handler) {
        while (!pending.isEmpty()) {
            handler.accept(pending.removeFirst());
        }
        if (skbPackets != null) {
            skbPackets.consume((cpu, data) -> handler.accept(data)); // Events.SKB_OUTPUT records
        }
        if (reader != null) {
            List<byte[]> got = new ArrayList<>();
            reader.consume(rec -> got.add(rec.toArray(ValueLayout.JAVA_BYTE)));
            got.forEach(handler);
            return;
        }
        for (Optional<byte[]> e = events.pop(); e.isPresent(); e = events.pop()) {
            handler.accept(e.get());
        }
    }

    @Override
    public long lost() {
        // counted by the programs when the ring buffer (or queue) had no room for an event
        return globals.lookup(new byte[4]).map(v -> ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN)
                .getLong(CompiledScript.GLOBALS_LOST)).orElse(0L);
    }

    @Override
    public MapStore map(int index) {
        KernelMap m = maps.get(index);
        return MapStore.of(m::keys, m::lookup, m::delete, (k, v) -> overwrite(m, k, v));
    }

    /**
     * Overwrites a key that was there when the keys were listed; a program may have deleted it
     * since (zero() while probes run), and then there is nothing to overwrite.
     */
    private static void overwrite(KernelMap m, byte[] key, byte[] value) {
        try {
            m.update(key, value, KernelMap.EXIST);
        } catch (KernelException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
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
    public void setGlobals(long startNanos, long cpid) {
        byte[] v = new byte[CompiledScript.GLOBALS_BYTES];
        ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).putLong(startNanos).putLong(cpid);
        globals.update(new byte[4], v, KernelMap.ANY);
    }

    /** Above this many links, detaching closes them from several threads at once. */
    private static final int PARALLEL_DETACH = 8;
    /** At most this many threads close links. */
    private static final int DETACH_THREADS = 64;

    @Override
    public void detach() {
        if (links.size() <= PARALLEL_DETACH) {
            for (int i = links.size() - 1; i >= 0; i--) {
                closeQuietly(links.get(i));
            }
            links.clear();
            return;
        }
        // Closing a tracepoint's perf event waits for an RCU grace period in the kernel
        // (tracepoint_synchronize_unregister), tens of milliseconds each: one by one, 350 syscall
        // tracepoints took 17 s. Closed from many threads, the waits overlap and share grace periods.
        ConcurrentLinkedDeque<AutoCloseable> todo = new ConcurrentLinkedDeque<>(
                links.reversed());
        links.clear();
        int n = Math.min(DETACH_THREADS, todo.size());
        List<Thread> threads = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            threads.add(Thread.ofPlatform().name("bpf4j-detach-" + t).start(() -> {
                for (AutoCloseable c = todo.poll(); c != null; c = todo.poll()) {
                    closeQuietly(c);
                }
            }));
        }
        boolean interrupted = false;
        for (Thread t : threads) {
            for (;;) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the links must be closed before the programs and maps
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // detaching is best effort; the descriptors are closed either way
        }
    }

    @Override
    public void close() {
        detach();
        if (reader != null) {
            reader.close();
        }
        if (skbPackets != null) {
            skbPackets.close();
            skbPackets = null;
        }
        for (KernelProgram p : distinct) {
            p.close();
        }
        distinct.clear();
        programs.clear();
        for (KernelMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
