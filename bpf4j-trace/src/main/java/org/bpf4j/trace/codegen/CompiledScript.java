package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * A script compiled to eBPF: one program per attach point, the maps they use (by the index their
 * {@code lddw} instructions name) and the event tables. Immutable once built.
 *
 * @param typed the typed program it came from
 * @param programs the programs, in source order
 * @param maps the script's maps, index = position (the ring buffer and globals come after them)
 * @param events the event tables
 * @param transport how events reach user space
 */
public record CompiledScript(TypedProgram typed, List<ProbeProgram> programs, List<MapInfo> maps, Events events,
        Transport transport) {
    public CompiledScript {
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
    }

    /** Index of the ring buffer map of events. */
    public int ringBufferIndex() {
        return maps.size();
    }

    /**
     * Bytes of the globals' one value: the start time, the pid of {@code -c}'s command, the time of
     * the first {@code exit()}, the count of lost events.
     */
    public static final int GLOBALS_BYTES = 32;

    /** Offset of the count of lost events in the globals. */
    public static final int GLOBALS_LOST = ProbeCompiler.LOST_OFFSET;

    /** Index of the one-element array of globals (the start time, for {@code elapsed}). */
    public int globalsIndex() {
        return maps.size() + 1;
    }

    /** Index of the scratch buffer (one element per CPU), when {@link Events#scratchBytes()} is not 0. */
    public int scratchIndex() {
        return maps.size() + 2;
    }

    /** Index of the stack map, when {@link Events#stacks()}. */
    public int stackIndex() {
        return maps.size() + 3;
    }

    /** Index of the build-id stack map, when {@link Events#buildIdStacks()}. */
    public int buildIdStackIndex() {
        return maps.size() + 4 + (typed.usesDwarfStacks() ? 3 : 0);
    }

    /**
     * Index of the unwind rows of {@code dw_ustack} (an array of one element: {@link #DWARF_ROWS}
     * rows of {@link #DWARF_ROW_BYTES} bytes, which the programs address directly), when {@link TypedProgram#usesDwarfStacks()}; the table of the
     * target processes is next (one element of {@link #DWARF_PIDS} slots), then the map of the
     * stacks unwound (key: a 4-byte id, value: {@link Events#STACK_MAP_FRAMES} addresses).
     */
    public int dwarfRowsIndex() {
        return maps.size() + 4;
    }

    /** Rows of the unwind table of {@code dw_ustack}, for every target process together. */
    public static final int DWARF_ROWS = 1 << 17;

    /** Bytes of one unwind row: address (8), CFA offset (4), rbp offset (2), kind (1), unused (1). */
    public static final int DWARF_ROW_BYTES = 16;

    /** Target processes of {@code dw_ustack}: slots of pid (4), first row (4), rows (4), unused (4). */
    public static final int DWARF_PIDS = 16;

    /** Stacks {@code dw_ustack} can hold at once. */
    public static final int DWARF_STACKS = 4096;

    /**
     * Index of the perf event array that {@code skboutput()} sends packets through, when
     * {@link Events#skbOutputs()} is not empty: after every other map.
     */
    public int skbOutputIndex() {
        return runtimeMaps(1).size() - 1; // the count of maps does not depend on the CPUs
    }

    /**
     * Index of the read-only array whose one value holds the formats of {@code printf} in
     * iterators ({@link Events#iterFormats()}; written, then frozen, before the programs load),
     * when there are some; -1 otherwise.
     */
    public int iterFormatsIndex() {
        List<RuntimeMap> all = runtimeMaps(1); // the count of maps does not depend on the CPUs
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals("iter_formats") && i >= maps.size()) {
                return i;
            }
        }
        return -1;
    }

    /** {@code BPF_F_RDONLY_PROG}: a map the programs may only read. */
    public static final int RDONLY_PROG = 1 << 7;

    /** Slots of the perf event array of {@code skboutput()}: one per possible CPU. */
    public static final int SKB_OUTPUT_CPUS = 1024;

    /** Ring buffer size in bytes, unless the script's {@code perf_rb_pages} gives one. */
    public static final int RING_SIZE = 1 << 20;

    /** The page size the ring buffer's size is counted in ({@code perf_rb_pages}). */
    public static final int PAGE_SIZE = 4096;

    /** The largest ring buffer bpf4j makes: {@code perf_rb_pages} beyond it are cut to it. */
    public static final int MAX_RING_SIZE = 1 << 30;

    /**
     * The size in bytes of the ring buffer of events: {@link #RING_SIZE}, or with the script's
     * {@code perf_rb_pages} N, as current bpftrace makes it: N pages but at least one per CPU, which
     * (as libbpf adjusts a ring buffer's size) is rounded up to a power of two; at most
     * {@link #MAX_RING_SIZE}.
     *
     * @param cpus the number of CPUs (the kernel's possible CPUs)
     */
    public int ringSize(int cpus) {
        long pages = typed.settings().perfRbPages();
        if (pages == 0) {
            return RING_SIZE;
        }
        if (pages < 0 || pages > MAX_RING_SIZE / PAGE_SIZE) {
            return MAX_RING_SIZE; // unsigned: a value of 2^63 or more is negative here
        }
        pages = Math.max(pages, cpus);
        long rounded = Long.highestOneBit(pages);
        if (rounded < pages) {
            rounded <<= 1;
        }
        return (int) Math.min(MAX_RING_SIZE, rounded * PAGE_SIZE);
    }

    /**
     * The probes of a run as current bpftrace counts them against {@code max_probes}: one per
     * program (BEGIN, END, tests and benchmarks too), the matches of a wildcard uprobe in one binary
     * (one uprobe_multi program) counting once.
     */
    public int probeCount() {
        Set<Object> seen = new HashSet<>();
        int n = 0;
        for (ProbeProgram p : programs) {
            AttachPoint ap = p.attachPoint();
            if (typed.expansion().resolved().get(ap) instanceof Resolved.Uprobe u && u.multi()
                    && !seen.add(List.of(ap.raw(), ap.span(), u.binary(), u.returnProbe()))) {
                continue;
            }
            n++;
        }
        return n;
    }

    /**
     * A map the programs refer to by index, as a backend creates it.
     *
     * @param name the map's name
     * @param type its type
     * @param keySize key size in bytes
     * @param valueSize value size in bytes (for a ring buffer 0; its size is {@code entries})
     * @param entries capacity (for a ring buffer, its size in bytes)
     */
    public record RuntimeMap(String name, MapType type, int keySize, int valueSize, int entries, int flags) {
        /** A map without creation flags. */
        public RuntimeMap(String name, MapType type, int keySize, int valueSize, int entries) {
            this(name, type, keySize, valueSize, entries, 0);
        }
    }

    /** {@code BPF_F_STACK_BUILD_ID}: a stack map that keeps build ids and offsets. */
    public static final int STACK_BUILD_ID = 1 << 5;

    /**
     * Every map the programs refer to, in index order: the script's maps, then the events (the
     * ring buffer, or the queue of {@link Transport#queueValueSize()}-byte values), the globals,
     * the scratch buffer (when events need scratch space or stacks: an array with one element per
     * CPU, which programs index by {@code bpf_get_smp_processor_id()}, so that an element may be
     * larger than the 32 KiB a per-CPU array's value may be) and the stack map (when a program records
     * stacks). Both backends create exactly these.
     *
     * @param cpus the number of CPUs the backend runs programs on (the kernel's possible CPUs)
     */
    public List<RuntimeMap> runtimeMaps(int cpus) {
        List<RuntimeMap> all = new ArrayList<>();
        for (MapInfo m : maps) {
            all.add(new RuntimeMap(m.name(), m.mapType(), keySize(m), valueSize(m), m.entries()));
        }
        int queue = transport.queueValueSize();
        all.add(queue > 0 ? new RuntimeMap("events", MapType.QUEUE, 0, queue, QUEUE_ENTRIES)
                : new RuntimeMap("events", MapType.RINGBUF, 0, 0, ringSize(cpus)));
        all.add(new RuntimeMap("globals", MapType.ARRAY, 4, GLOBALS_BYTES, 1));
        if (events.scratchBytes() > 0 || events.stacks()) {
            all.add(new RuntimeMap("scratch", MapType.ARRAY, 4, Math.max(8, events.scratchBytes()), cpus));
        }
        if (events.stacks()) {
            all.add(new RuntimeMap("stacks", MapType.STACK_TRACE, 4, 8 * Events.STACK_MAP_FRAMES,
                    Events.STACK_MAP_ENTRIES));
        }
        if (typed.usesDwarfStacks()) {
            all.add(new RuntimeMap("dw_rows", MapType.ARRAY, 4, DWARF_ROW_BYTES * DWARF_ROWS, 1));
            all.add(new RuntimeMap("dw_pids", MapType.ARRAY, 4, 16 * DWARF_PIDS, 1));
            all.add(new RuntimeMap("dw_stacks", MapType.HASH, 4, 8 * Events.STACK_MAP_FRAMES, DWARF_STACKS));
        }
        if (events.buildIdStacks()) {
            all.add(new RuntimeMap("build_id_stacks", MapType.STACK_TRACE, 4,
                    Events.BUILD_ID_FRAME_BYTES * Events.STACK_MAP_FRAMES, Events.STACK_MAP_ENTRIES, STACK_BUILD_ID));
        }
        if (events.iterFormats().length > 0) {
            all.add(new RuntimeMap("iter_formats", MapType.ARRAY, 4, Type.align8(events.iterFormats().length), 1,
                    RDONLY_PROG));
        }
        if (!events.skbOutputs().isEmpty()) {
            all.add(new RuntimeMap("skb_events", MapType.PERF_EVENT_ARRAY, 4, 4, SKB_OUTPUT_CPUS));
        }
        return List.copyOf(all);
    }

    /** Capacity of the queue of events, for backends that read events from a queue map. */
    public static final int QUEUE_ENTRIES = 4096;

    /** One program: the attach point it serves and its code. */
    public record ProbeProgram(AttachPoint attachPoint, String name, Code code, int stackBytes) {}

    /** The size of a map's value in the map ({@link MapInfo#valueSize()}: current bpftrace's C layout). */
    public static int valueSize(MapInfo m) {
        return m.valueSize();
    }

    /**
     * The size of a map's key in the map ({@link MapInfo#keySize()}); hist, lhist and tseries add
     * the bucket number, a u64 right after the key (unaligned after a key of 1, 2 or 4 bytes, as
     * current bpftrace's).
     */
    public static int keySize(MapInfo m) {
        int n = m.keySize();
        if (m.value() instanceof Type.Agg a
                && (a.kind() == Type.AggKind.HIST
                        || a.kind() == Type.AggKind.LHIST
                        || a.kind() == Type.AggKind.TSERIES)) {
            n += 8; // after a map without keys' int64 key too, as current bpftrace's
        }
        return n;
    }
}
