package org.bpf4j.linux.link;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.Bpf4jException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.perf.PerfEventAttr;
import org.bpf4j.linux.perf.PerfEvents;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.linux.probe.Tracefs;
import org.bpf4j.linux.probe.UprobeTarget;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.linux.probe.UsdtSpecs;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.linux.sys.Posix;
import org.bpf4j.spec.AttachType;

/**
 * Attaches loaded programs to the kernel's hooks, each call returning a {@link Link} that the
 * caller owns and closes to detach. The program must have been loaded with the type (and
 * expected attach type) the hook needs; the kernel's refusal comes back as a
 * {@link KernelException} that names the program and the hook. Stateless apart from the
 * backend; thread-safe.
 */
public final class Attacher {
    private static final Path UPROBE_PMU = Path.of("/sys/bus/event_source/devices/uprobe");
    private static final int PERF_UPROBE_REF_CTR_OFFSET_SHIFT = 32;
    /** {@code BPF_F_UPROBE_MULTI_RETURN}. */
    private static final int UPROBE_MULTI_RETURN = 1;

    private final Kernel kernel;
    private final Bpf bpf;

    private Attacher(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bpf = kernel.bpf();
    }

    /** An attacher over a backend. */
    public static Attacher of(Kernel kernel) {
        return new Attacher(kernel);
    }

    /** The attach modes of XDP ({@code XDP_FLAGS_*}). */
    public enum XdpMode {
        /** The driver's mode if it has one, else generic. */
        DEFAULT(0),
        /** Generic XDP in the networking stack ({@code XDP_FLAGS_SKB_MODE}). */
        GENERIC(2),
        /** In the driver ({@code XDP_FLAGS_DRV_MODE}). */
        NATIVE(4),
        /** Offloaded to the NIC ({@code XDP_FLAGS_HW_MODE}). */
        OFFLOAD(8);

        private final int flags;

        XdpMode(int flags) {
            this.flags = flags;
        }

        /** The flag bits. */
        public int flags() {
            return flags;
        }
    }

    private static String arrow(KernelProgram p, String target) {
        return p.name() + " -> " + target;
    }

    private KernelException wrap(KernelException e, String what) {
        return new KernelException(e.syscall(), e.errno(), "attaching " + what);
    }

    private BpfLink linkCreate(KernelProgram p, int target, AttachType type, int flags, long extra, String what) {
        try {
            int fd = bpf.linkCreate(new Bpf.LinkCreate(p.fd(), target, type.id(), flags, extra));
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.empty(), what);
        } catch (KernelException e) {
            throw wrap(e, what);
        }
    }

    /**
     * Attaches a program to a perf event it takes ownership of: a {@code BPF_PERF_EVENT} link,
     * or on kernels without perf links (EINVAL) {@code PERF_EVENT_IOC_SET_BPF}.
     */
    private Link onPerfEvent(KernelProgram p, Fd event, long cookie, String what) {
        try {
            int fd;
            try {
                fd = bpf.linkCreate(new Bpf.LinkCreate(p.fd(), event.value(), AttachType.PERF_EVENT.id(), 0, cookie));
            } catch (KernelException e) {
                if (e.errno() != Errno.EINVAL || cookie != 0) {
                    throw wrap(e, what);
                }
                PerfEvents.ioctl(event, PerfLayouts.IOC_SET_BPF, p.fd(), "attaching " + what);
                PerfEvents.ioctl(event, PerfLayouts.IOC_ENABLE, 0, "enabling " + what);
                return new PerfEventAttachment(event, what);
            }
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.of(event), what);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /**
     * Attaches a tracepoint program ({@code SEC("tracepoint/CATEGORY/NAME")}) to a tracepoint,
     * through a perf event on it (the id from tracefs).
     */
    public Link tracepoint(KernelProgram p, String category, String name) {
        String what = arrow(p, "tracepoint " + category + "/" + name);
        long id = Tracefs.tracepointId(category, name);
        Fd event = PerfEvents.open(kernel, PerfEventAttr.tracepoint(id), null, -1, 0, what);
        return onPerfEvent(p, event, 0, what);
    }

    /**
     * Registers a struct_ops map with its kernel subsystem (a TCP congestion control appears in
     * {@code net.ipv4.tcp_available_congestion_control}): a {@code BPF_LINK_CREATE} link on the map
     * for maps of {@code .struct_ops.link}, else an update of its element. Closing the returned
     * link unregisters it.
     */
    public Link structOps(org.bpf4j.linux.KernelStructOps ops) {
        String what = "struct_ops " + ops.name() + " (" + ops.typeName() + ")";
        if (!ops.usesLink()) {
            try {
                ops.map().update(new byte[4], ops.value(), org.bpf4j.linux.KernelMap.ANY);
            } catch (KernelException e) {
                throw wrap(e, what);
            }
            return new StructOpsRegistration(ops, what);
        }
        try {
            int fd = bpf.linkCreate(new Bpf.LinkCreate(ops.map().fd(), 0, AttachType.STRUCT_OPS.id(), 0, 0));
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.empty(), what);
        } catch (KernelException e) {
            throw wrap(e, what);
        }
    }

    /** Attaches a raw tracepoint program to a raw tracepoint ({@code BPF_RAW_TRACEPOINT_OPEN}). */
    public Link rawTracepoint(KernelProgram p, String name) {
        String what = arrow(p, "raw tracepoint " + name);
        try {
            int fd = bpf.rawTracepointOpen(name, p.fd(), 0);
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.empty(), what);
        } catch (KernelException e) {
            throw wrap(e, what);
        }
    }

    /**
     * Attaches a BTF-typed tracing program (tp_btf, fentry, fexit, fmod_ret, LSM, iterator) to the
     * target it was loaded for ({@code attach_btf_id}), with {@code BPF_LINK_CREATE}.
     *
     * @param type the expected attach type the program was loaded with
     */
    public Link tracing(KernelProgram p, AttachType type) {
        String what = arrow(p, type.kernelName());
        return switch (type) {
            case TRACE_RAW_TP, TRACE_FENTRY, TRACE_FEXIT, MODIFY_RETURN, LSM_MAC, TRACE_ITER ->
                linkCreate(p, 0, type, 0, 0, what);
            default -> throw new UnsupportedFeatureException("attach type " + type.kernelName()
                    + " is not a BTF tracing attach type (tp_btf, fentry, fexit, fmod_ret, lsm, iter)");
        };
    }

    /**
     * Attaches an iterator program ({@code BPF_TRACE_ITER}) limited to the tasks of one process
     * ({@code union bpf_iter_link_info}'s {@code task.pid}), as bpftrace's {@code -p} does.
     */
    public BpfLink iterator(KernelProgram p, int pid) {
        String what = arrow(p, AttachType.TRACE_ITER.kernelName() + " of process " + pid);
        byte[] info = new byte[16]; // union bpf_iter_link_info: task { u32 tid; u32 pid; u32 pid_fd; }
        java.nio.ByteBuffer.wrap(info).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(4, pid);
        try {
            int fd = bpf.linkCreateIter(p.fd(), info);
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.empty(), what);
        } catch (KernelException e) {
            throw wrap(e, what);
        }
    }

    /** The uprobe PMU's perf type, from sysfs. */
    static int uprobePmuType() {
        try {
            return Integer.parseInt(Files.readString(UPROBE_PMU.resolve("type")).trim());
        } catch (IOException | NumberFormatException e) {
            throw new UnsupportedFeatureException("this kernel has no uprobe PMU (" + UPROBE_PMU.resolve("type")
                    + ": " + e.getMessage() + ")");
        }
    }

    /** The config bit of the uprobe PMU that makes a return probe ({@code format/retprobe}, "config:0"). */
    static long retprobeBit() {
        try {
            String f = Files.readString(UPROBE_PMU.resolve("format/retprobe")).trim();
            return 1L << Integer.parseInt(f.substring(f.indexOf(':') + 1));
        } catch (IOException | RuntimeException e) {
            return 1L;
        }
    }

    /**
     * Attaches a uprobe (or uretprobe) program at a place in a file, through the uprobe PMU.
     *
     * @param pid the process to probe, or -1 for every process that maps the file
     * @param cookie what {@code bpf_get_attach_cookie} returns (0 for none)
     */
    public Link uprobe(KernelProgram p, UprobeTarget target, boolean returnProbe, int pid, long cookie) {
        String what = arrow(p, (returnProbe ? "uretprobe " : "uprobe ") + target.what());
        long config = (returnProbe ? retprobeBit() : 0) | (target.refCtrOffset() << PERF_UPROBE_REF_CTR_OFFSET_SHIFT);
        PerfEventAttr attr = new PerfEventAttr(uprobePmuType(), config, 1, false, 0, 1, 0, target.offset(), false);
        Fd event = PerfEvents.open(kernel, attr, target.path().toString(), pid, pid == -1 ? 0 : -1, what);
        return onPerfEvent(p, event, cookie, what);
    }

    /** Attaches a uprobe program at function {@code symbol} of {@code binary} (a path or a library name). */
    public Link uprobe(KernelProgram p, String binary, String symbol, boolean returnProbe, int pid) {
        return uprobe(p, UprobeTarget.ofSymbol(binary, symbol, 0), returnProbe, pid, 0);
    }

    /**
     * Attaches one program at several places of one file with a single
     * {@code BPF_TRACE_UPROBE_MULTI} link (the program loaded with that expected attach type).
     *
     * @param targets places in the same file
     * @param cookies a cookie per target, or null
     * @param pid the process, or 0 for every process that maps the file
     */
    public Link uprobeMulti(KernelProgram p, List<UprobeTarget> targets, long[] cookies, boolean returnProbe,
            int pid) {
        if (targets.isEmpty()) {
            throw new Bpf4jException("uprobe_multi needs at least one target");
        }
        Path path = targets.get(0).path();
        long[] offsets = new long[targets.size()];
        long[] refs = new long[targets.size()];
        boolean anyRef = false;
        for (int i = 0; i < offsets.length; i++) {
            UprobeTarget t = targets.get(i);
            if (!t.path().equals(path)) {
                throw new Bpf4jException("uprobe_multi targets must be in one file: " + path + " and " + t.path());
            }
            offsets[i] = t.offset();
            refs[i] = t.refCtrOffset();
            anyRef |= refs[i] != 0;
        }
        String what = arrow(p, (returnProbe ? "uretprobe.multi " : "uprobe.multi ") + path + " ("
                + offsets.length + " places)");
        try {
            int fd = bpf.linkCreateUprobeMulti(p.fd(), path.toString(), offsets, anyRef ? refs : null, cookies,
                    returnProbe ? UPROBE_MULTI_RETURN : 0, pid);
            return new BpfLink(bpf, new Fd(fd, bpf, "link " + what), Optional.empty(), what);
        } catch (KernelException e) {
            throw wrap(e, what);
        }
    }

    /**
     * A USDT attachment: the link (one uprobe per call site) and the probes, whose index in
     * {@link #probes()} is the cookie {@code bpf_get_attach_cookie} returns at that site, so that
     * the program can find the site's argument specs.
     *
     * @param link the links, closed together
     * @param probes the call sites
     */
    public record UsdtAttachment(Link link, List<UsdtProbe> probes) implements AutoCloseable {
        /** Detaches every site. */
        @Override
        public void close() {
            link.close();
        }
    }

    /**
     * Attaches a program to every call site of USDT probe {@code provider:name} in {@code binary},
     * as uprobes whose cookie is the site's index (with the probe's semaphore, which the kernel
     * increments while the probe is attached).
     *
     * @param pid the process, or -1 for every process that maps the file
     * @throws Bpf4jException if the binary has no such probe
     */
    public UsdtAttachment usdt(KernelProgram p, String binary, String provider, String name, int pid) {
        Path file = UprobeTarget.locate(binary);
        List<UsdtProbe> probes = UsdtProbe.find(file, provider, name);
        if (probes.isEmpty()) {
            throw new Bpf4jException(file + ": no USDT probe " + provider + ":" + name);
        }
        List<Link> links = new ArrayList<>();
        try {
            for (int i = 0; i < probes.size(); i++) {
                links.add(uprobe(p, probes.get(i).target(), false, pid, i));
            }
        } catch (RuntimeException e) {
            LinkGroup.closeAll(links);
            throw e;
        }
        return new UsdtAttachment(new LinkGroup(links, arrow(p, "usdt " + file + ":" + provider + ":" + name)),
                probes);
    }

    /**
     * Attaches a program that reads its arguments with {@code bpf4j_usdt.h} to every call site of
     * a USDT probe: writes each site's argument specs ({@link UsdtSpecs#encode}) into
     * {@code specs} (the program's {@code bpf4j_usdt_specs} map) at the site's index, then
     * attaches as {@link #usdt(KernelProgram, String, String, String, int)} does.
     *
     * @throws Bpf4jException if the map is not that map's shape or has too few entries
     */
    public UsdtAttachment usdt(KernelProgram p, String binary, String provider, String name, int pid,
            KernelMap specs) {
        Path file = UprobeTarget.locate(binary);
        List<UsdtProbe> probes = UsdtProbe.find(file, provider, name);
        if (specs.keySize() != 4 || specs.valueSize() != UsdtSpecs.SPEC_SIZE) {
            throw new Bpf4jException("map '" + specs.name() + "' is not a USDT spec map (key 4 bytes, value "
                    + UsdtSpecs.SPEC_SIZE + " bytes as struct bpf4j_usdt_spec); it has " + specs.keySize() + " and "
                    + specs.valueSize());
        }
        if (probes.size() > specs.maxEntries()) {
            throw new Bpf4jException(file + ": USDT probe " + provider + ":" + name + " has " + probes.size()
                    + " call sites; map '" + specs.name() + "' holds " + specs.maxEntries());
        }
        for (int i = 0; i < probes.size(); i++) {
            byte[] key = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.nativeOrder()).putInt(i).array();
            specs.update(key, UsdtSpecs.encode(probes.get(i)), KernelMap.ANY);
        }
        return usdt(p, binary, provider, name, pid);
    }

    /**
     * Attaches a perf_event program to a software or hardware event opened on every online CPU
     * (all processes), such as cpu-clock sampling at a frequency:
     * {@code PerfEventAttr.softwareFrequency(PerfLayouts.SW_CPU_CLOCK, 99)}.
     */
    public Link perfEvent(KernelProgram p, PerfEventAttr attr) {
        return perfEventOfProcess(p, attr, -1);
    }

    /**
     * Attaches a perf_event program to a software or hardware event opened on every online CPU
     * for one process ({@code pid}; -1 for every process), as bpftrace opens its software,
     * hardware and profile probes under {@code -p}: the event counts only while that task runs
     * (with {@link PerfEventAttr#inherited()}, also the threads and children it creates later).
     *
     * @throws KernelException if an event cannot be opened (the process does not exist: ESRCH)
     */
    public Link perfEventOfProcess(KernelProgram p, PerfEventAttr attr, int pid) {
        String what = arrow(p, "perf event type " + attr.type() + " config " + attr.config() + " on every CPU"
                + (pid >= 0 ? " for pid " + pid : ""));
        List<Link> links = new ArrayList<>();
        try {
            for (int cpu = 0; cpu < kernel.cpus(); cpu++) {
                Fd event;
                try {
                    event = PerfEvents.open(kernel, attr, null, pid, cpu, what);
                } catch (KernelException e) {
                    if (e.errno() == Errno.ENODEV) {
                        continue; // offline CPU
                    }
                    throw e;
                }
                links.add(onPerfEvent(p, event, 0, what + " (CPU " + cpu + ")"));
            }
        } catch (RuntimeException e) {
            LinkGroup.closeAll(links);
            throw e;
        }
        return new LinkGroup(links, what);
    }

    /**
     * Attaches a perf_event program to a hardware breakpoint ({@link PerfEventAttr#breakpoint}),
     * as bpftrace attaches its watchpoints: with a process ({@code pid} &gt; 0), one event for each
     * of its threads (on any CPU), inherited by the threads it creates later; without one
     * ({@code pid} &le; 0), one event on each online CPU for every task (a kernel address).
     * An event that cannot be opened for one thread or CPU (the thread has ended, the CPU is
     * offline) is left out; only if none can be opened is it an error.
     *
     * @throws KernelException if no event could be opened or attached: the first failure (ENOSPC
     *     when every debug register is taken, ESRCH when the process does not exist)
     */
    public Link breakpoint(KernelProgram p, PerfEventAttr attr, int pid) {
        return breakpoint(p, attr, pid, (cpu, tid, e) -> { });
    }

    /** What {@link #breakpoint(KernelProgram, PerfEventAttr, int, TargetFailure)} could not open for one target. */
    @FunctionalInterface
    public interface TargetFailure {
        /**
         * The event for one CPU or thread could not be opened (it is left out).
         *
         * @param cpu the CPU, or -1 for any (a thread's event)
         * @param tid the thread, or -1 for every task (a CPU's event)
         * @param e what perf_event_open said
         */
        void failed(int cpu, int tid, KernelException e);
    }

    /**
     * As {@link #breakpoint(KernelProgram, PerfEventAttr, int)}, telling {@code failures} about each
     * thread or CPU whose event could not be opened (as bpftrace warns about each).
     */
    public Link breakpoint(KernelProgram p, PerfEventAttr attr, int pid, TargetFailure failures) {
        String what = arrow(p, "breakpoint at 0x" + Long.toHexString(attr.config1()) + " (" + attr.config2()
                + " bytes)");
        List<int[]> targets = new ArrayList<>(); // {tid, cpu}
        if (pid > 0) {
            for (int tid : threads(pid)) {
                targets.add(new int[] {tid, -1});
            }
        } else {
            for (int cpu = 0; cpu < kernel.cpus(); cpu++) {
                targets.add(new int[] {-1, cpu});
            }
        }
        List<Link> links = new ArrayList<>();
        KernelException first = null;
        for (int[] t : targets) {
            try {
                Fd event;
                try {
                    event = PerfEvents.open(kernel, attr, null, t[0], t[1], what);
                } catch (KernelException e) {
                    failures.failed(t[1], t[0], e);
                    throw e;
                }
                links.add(onPerfEvent(p, event, 0, what + (t[0] > 0 ? " for thread " + t[0] : " on CPU " + t[1])));
            } catch (KernelException e) {
                if (first == null) {
                    first = e;
                }
            } catch (RuntimeException e) {
                LinkGroup.closeAll(links);
                throw e;
            }
        }
        if (links.isEmpty()) {
            throw first != null ? first : new KernelException("perf_event_open", Errno.ESRCH, "opening " + what
                    + ": the process has no threads");
        }
        return new LinkGroup(links, what + (pid > 0 ? " for pid " + pid : " on every CPU"));
    }

    /** The threads of a process ({@code /proc/PID/task}); just the pid if they cannot be read. */
    private static List<Integer> threads(int pid) {
        List<Integer> tids = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc", Integer.toString(pid), "task"))) {
            s.forEach(d -> {
                try {
                    tids.add(Integer.parseInt(d.getFileName().toString()));
                } catch (NumberFormatException e) {
                    // not a thread
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // the process is gone or unreadable: perf_event_open on the pid says which
        }
        if (tids.isEmpty()) {
            tids.add(pid);
        }
        tids.sort(null);
        return tids;
    }

    /**
     * Attaches a perf_event program to a software or hardware event opened on one CPU for every
     * process (as bpftrace's {@code interval} probes use cpu-clock on one CPU).
     *
     * @throws KernelException if the CPU is offline or the event cannot be opened
     */
    public Link perfEvent(KernelProgram p, PerfEventAttr attr, int cpu) {
        String what = arrow(p, "perf event type " + attr.type() + " config " + attr.config() + " on CPU " + cpu);
        Fd event = PerfEvents.open(kernel, attr, null, -1, cpu, what);
        return onPerfEvent(p, event, 0, what);
    }

    /** Attaches an XDP program to the interface with index {@code ifindex} (in the calling thread's network namespace). */
    public Link xdp(KernelProgram p, int ifindex, XdpMode mode) {
        return linkCreate(p, ifindex, AttachType.XDP, mode.flags(), 0,
                arrow(p, "xdp ifindex " + ifindex + (mode == XdpMode.DEFAULT ? "" : " (" + mode + ")")));
    }

    /**
     * Attaches a tc program ({@code sched_cls}) to an interface as libbpf's users do today: a tcx
     * link where the kernel has tcx (6.6 and later), else, when the kernel refuses the tcx attach
     * type (EINVAL), a classic direct-action filter of priority 1 on a clsact qdisc
     * ({@link #tcClassic}). Closing detaches either.
     */
    public Link tc(KernelProgram p, int ifindex, boolean ingress) {
        try {
            return tcx(p, ifindex, ingress);
        } catch (KernelException e) {
            if (e.errno() != Errno.EINVAL) {
                throw e;
            }
            return tcClassic(p, ifindex, ingress, 1);
        }
    }

    /** Attaches a tc program with a tcx link, at ingress or egress of interface {@code ifindex}. */
    public Link tcx(KernelProgram p, int ifindex, boolean ingress) {
        AttachType t = ingress ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;
        return linkCreate(p, ifindex, t, 0, 0, arrow(p, t.kernelName() + " ifindex " + ifindex));
    }

    /**
     * Attaches a tc program the classic way, for kernels without tcx: adds a {@code clsact} qdisc
     * to the interface if it has none, and a direct-action {@code bpf} filter with handle 1 and
     * {@code priority} on its ingress or egress hook, over rtnetlink in the calling thread's
     * network namespace. Closing removes the filter (and the qdisc if this call added it).
     */
    public Link tcClassic(KernelProgram p, int ifindex, boolean ingress, int priority) {
        String what = arrow(p, "tc clsact " + (ingress ? "ingress" : "egress") + " ifindex " + ifindex);
        TcNetlink nl = new TcNetlink();
        boolean created = false;
        try {
            created = nl.addClsact(ifindex);
            nl.addFilter(ifindex, ingress, 1, priority, p.fd(), p.name());
            return new TcAttachment(nl, ifindex, ingress, 1, priority, created, what);
        } catch (RuntimeException e) {
            try {
                if (created) {
                    nl.deleteClsact(ifindex);
                }
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            nl.close();
            if (e instanceof KernelException k) {
                throw wrap(k, what);
            }
            throw e;
        }
    }

    /** Attaches a socket filter program to a socket (the caller's descriptor) with {@code SO_ATTACH_BPF}. */
    public Link socketFilter(KernelProgram p, int socket) {
        String what = arrow(p, "socket fd " + socket);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var capture = Native.captureSegment(arena);
            var value = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, p.fd());
            if (Native.setsockopt(capture, socket, Posix.SOL_SOCKET, Posix.SO_ATTACH_BPF, value, 4) < 0) {
                throw new KernelException("setsockopt(SO_ATTACH_BPF)", Native.errno(capture), "attaching " + what);
            }
        }
        return new SocketAttachment(socket, what);
    }

    /**
     * Attaches a cgroup program (cgroup_skb ingress/egress, sock_create, connect4/6, ...) to the
     * cgroup v2 directory {@code cgroup} with a link.
     */
    public Link cgroup(KernelProgram p, Path cgroup, AttachType type) {
        String what = arrow(p, type.kernelName() + " cgroup " + cgroup);
        int dir = Posix.open(cgroup.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC);
        try (Fd fd = new Fd(dir, bpf, "cgroup " + cgroup)) {
            return linkCreate(p, fd.value(), type, 0, 0, what);
        }
    }
}
