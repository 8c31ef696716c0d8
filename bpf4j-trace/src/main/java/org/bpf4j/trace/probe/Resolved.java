package org.bpf4j.trace.probe;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.spec.ProgramType;

/**
 * What one expanded attach point refers to on this machine, found by {@link AttachPoints}: the
 * compiler reads tracepoint formats and USDT argument specs from it, the runtime attaches by it.
 * Immutable.
 */
public sealed interface Resolved {
    /** BEGIN or END: run once by the runtime. */
    record Special(String which) implements Resolved {}

    /**
     * A timer: {@code interval} (one CPU) or {@code profile} (every CPU), with its period.
     *
     * @param hz the frequency for {@code profile:hz:N} (sampled at that frequency), else 0
     */
    record Timer(boolean everyCpu, long periodNanos, long hz) implements Resolved {}

    /** A tracepoint and its record format. */
    record Tracepoint(TracepointFormat format) implements Resolved {}

    /**
     * A raw tracepoint.
     *
     * @param name its name ({@code sys_enter})
     * @param entry its module and typed arguments, from the kernel's BTF; empty without BTF
     */
    record RawTracepoint(String name, Optional<RawTracepoints.Entry> entry) implements Resolved {
        /** A raw tracepoint known only by name (no BTF). */
        public RawTracepoint(String name) {
            this(name, Optional.empty());
        }
    }

    /**
     * A uprobe or uretprobe at a function of a binary, {@code offset} bytes into it (an instruction
     * boundary, checked when the attach point was resolved).
     *
     * @param symbol the function, or null for a place given by address that no symbol holds
     *     ({@code --unsafe}; {@code offset} is then the file offset)
     * @param multi whether it is one of the matches of a wildcard: as current bpftrace, the
     *     matches in one binary share one program attached through one uprobe_multi link (the
     *     {@code probe} builtin is then the attach cookie)
     */
    record Uprobe(Path binary, String symbol, boolean returnProbe, long offset, boolean multi) implements Resolved {
        /** {@code offset} bytes into a function, named without a wildcard. */
        public Uprobe(Path binary, String symbol, boolean returnProbe, long offset) {
            this(binary, symbol, returnProbe, offset, false);
        }

        /** At the function's entry, named without a wildcard. */
        public Uprobe(Path binary, String symbol, boolean returnProbe) {
            this(binary, symbol, returnProbe, 0, false);
        }
    }

    /**
     * A kprobe or kretprobe on a kernel function ({@code offset} bytes into it), or at an address
     * ({@code --unsafe}).
     *
     * @param module the function's module ({@code vmlinux} for the kernel), or null when not named
     * @param function the function, or null for an address
     * @param offset the offset into the function, or the address when {@code function} is null
     */
    record Kprobe(String module, String function, long offset, boolean returnProbe) implements Resolved {}

    /**
     * An fentry or fexit probe ({@code kfunc}/{@code kretfunc}) on a kernel function of the BTF.
     *
     * @param function the function, its parameters and its BTF ids
     * @param returnProbe fexit: runs when the function returns
     */
    record Fentry(FentryFunctions.Function function, boolean returnProbe) implements Resolved {}

    /** Every call site of a USDT probe; the site's index is its attach cookie. */
    record Usdt(Path binary, String provider, String name, List<UsdtProbe> sites) implements Resolved {
        public Usdt {
            sites = List.copyOf(sites);
        }
    }

    /**
     * A software or hardware perf event, sampled every {@code period} events on every CPU.
     *
     * @param type {@code PERF_TYPE_SOFTWARE} (1) or {@code PERF_TYPE_HARDWARE} (0)
     * @param config the event
     */
    record PerfCounter(int type, int config, long period) implements Resolved {}

    /**
     * A watchpoint: a hardware breakpoint on {@code length} bytes at {@code address}.
     *
     * @param accesses the {@code HW_BREAKPOINT_*} bits of its mode (R 1, W 2, X 4)
     */
    record Watchpoint(long address, int length, int accesses) implements Resolved {}

    /** A probe of the {@code java} provider, fired from Java code. */
    record Java() implements Resolved {}

    /**
     * An iterator ({@code iter:task}): a tracing program that the kernel runs over each object
     * when the iterator is read (or, with a pin path, a link pinned for others to read).
     *
     * @param name the iterator's name, {@code task} for the kernel's {@code bpf_iter_task}
     * @param pin where to pin the link, as written (relative to {@code /sys/fs/bpf} unless it
     *     starts with {@code /}); empty to read the iterator at once
     */
    record Iterator(String name, Optional<String> pin) implements Resolved {
        /** The pin's absolute path, as bpftrace makes it. */
        public Optional<String> pinPath() {
            return pin.map(p -> p.startsWith("/") ? p : "/sys/fs/bpf/" + p);
        }
    }

    /**
     * The program type a program for this attach point is loaded as in the kernel: raw
     * tracepoint for BEGIN, END and probes fired from Java (run with {@code BPF_PROG_TEST_RUN}),
     * XDP for benchmarks and tests (many runs in one test run, which raw tracepoints refuse, as bpftrace),
     * tracepoint, kprobe for kprobes, uprobes and USDT, perf event for timers, counters and watchpoints, tracing for
     * iterators and fentry/fexit.
     */
    default ProgramType programType() {
        return switch (this) {
            case Special s -> s.which().equals("bench") || s.which().equals("test") ? ProgramType.XDP
                    : ProgramType.RAW_TRACEPOINT;
            case Java j -> ProgramType.RAW_TRACEPOINT;
            case RawTracepoint t -> ProgramType.RAW_TRACEPOINT;
            case Tracepoint t -> ProgramType.TRACEPOINT;
            case Uprobe u -> ProgramType.KPROBE;
            case Kprobe k -> ProgramType.KPROBE;
            case Usdt u -> ProgramType.KPROBE;
            case Timer t -> ProgramType.PERF_EVENT;
            case PerfCounter c -> ProgramType.PERF_EVENT;
            case Iterator i -> ProgramType.TRACING;
            case Fentry f -> ProgramType.TRACING;
            case Watchpoint w -> ProgramType.PERF_EVENT;
        };
    }
}
