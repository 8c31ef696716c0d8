package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.linux.Features;
import org.bpf4j.linux.Kernel;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/**
 * {@code bpf4j trace --info}: the system, the build and what the running kernel offers a trace
 * script, in the sections and words of {@code bpftrace --info}. Each kernel answer is probed
 * (loading a trivial program or creating a map), so it needs root, as bpftrace's does.
 */
final class TraceInfo {
    private TraceInfo() {}

    /** The bpftrace version whose language and output {@code bpf4j trace} follows (its development head). */
    static final String BPFTRACE_VERSION = "v0.26.0";

    /**
     * The {@code --version} line of {@code bpf4j trace}: bpftrace's form ({@code bpftrace vX.Y.Z},
     * which scripts and tools test) with the version of the language followed, then bpf4j's.
     */
    static String versionLine() {
        return "bpftrace " + BPFTRACE_VERSION + "-bpf4j (bpf4j trace " + VersionProvider.version()
                + ": bpftrace's language and output, compiled to eBPF by bpf4j; no LLVM)";
    }

    static void print(PrintWriter out) {
        out.println("System");
        out.println("  OS: Linux " + read("/proc/sys/kernel/osrelease") + " " + read("/proc/sys/kernel/version"));
        out.println("  Arch: " + System.getProperty("os.arch").replace("amd64", "x86_64"));
        out.println();
        out.println("Build");
        out.println("  version: bpf4j " + VersionProvider.version() + " (bpftrace " + BPFTRACE_VERSION + " language)");
        out.println("  LLVM: none (bpf4j generates eBPF itself)");
        out.println("  unsafe uprobe: no");
        out.println("  bfd: no");
        out.println("  libdw (DWARF support): no (bpf4j reads DWARF itself)");
        out.println();
        Kernel.Availability a = Kernel.probe();
        if (!a.available()) {
            out.println("Kernel: not available (" + a.reason() + ")");
            out.flush();
            return;
        }
        Features f = new Features(Kernel.system());
        boolean kprobeType = f.programType(ProgramType.KPROBE);
        // current bpftrace's sections, two items a line; a probe type bpf4j does not attach with
        // (multi-links, sessions, iterators) is "no" whatever the kernel offers
        List<String[]> helpers = new java.util.ArrayList<>();
        for (String h : List.of("d_path", "ktime_get_tai_ns", "get_func_ip", "map_lookup_percpu_elem", "loop",
                "probe_read_user", "probe_read_kernel", "send_signal", "override_return")) {
            String shown = switch (h) {
                case "d_path" -> "dpath";
                case "ktime_get_tai_ns" -> "get_tai_ns";
                case "map_lookup_percpu_elem" -> "lookup_percpu_elem";
                default -> h;
            };
            helpers.add(new String[] {shown, yes(kprobeType && helper(f, ProgramType.KPROBE, h))});
        }
        section(out, "Kernel helpers", helpers);
        section(out, "Kernel features", List.of(new String[] {"Instruction limit", "1000000"},
                new String[] {"btf", yes(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")))},
                new String[] {"module btf", "no"},
                new String[] {"uprobe refcount",
                    yes(Files.exists(Path.of("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset")))}));
        List<String[]> maps = new java.util.ArrayList<>();
        for (MapType t : List.of(MapType.HASH, MapType.PERCPU_HASH, MapType.ARRAY, MapType.PERCPU_ARRAY,
                MapType.STACK_TRACE, MapType.PERF_EVENT_ARRAY, MapType.RINGBUF)) {
            String label = switch (t) {
                case PERCPU_HASH -> "percpu hash";
                case PERCPU_ARRAY -> "percpu array";
                default -> t.kernelName();
            };
            maps.add(new String[] {label, yes(f.mapType(t))});
        }
        section(out, "Map types", maps);
        section(out, "Probe types", List.of(new String[] {"kprobe_multi", "no"}, new String[] {"uprobe_multi", "no"},
                new String[] {"kprobe_session", "no"}, new String[] {"iter", "no"},
                new String[] {"kprobe", yes(kprobeType && Files.exists(Path.of("/sys/bus/event_source/devices/kprobe")))},
                new String[] {"tracepoint", yes(f.programType(ProgramType.TRACEPOINT))},
                new String[] {"perf_event", yes(f.programType(ProgramType.PERF_EVENT))},
                new String[] {"raw_tracepoint", yes(f.programType(ProgramType.RAW_TRACEPOINT))},
                new String[] {"uprobe", yes(kprobeType && Files.exists(Path.of("/sys/bus/event_source/devices/uprobe")))},
                new String[] {"fentry", "no"}));
        out.flush();
    }

    /** A section of {@code --info}: its title, then its items two a line in columns, then an empty line. */
    private static void section(PrintWriter out, String title, List<String[]> items) {
        out.println(title);
        for (int i = 0; i < items.size(); i += 2) {
            String first = "  " + items.get(i)[0] + ": " + items.get(i)[1];
            if (i + 1 < items.size()) {
                out.println(String.format("%-35s%s", first, items.get(i + 1)[0] + ": " + items.get(i + 1)[1]));
            } else {
                out.println(first);
            }
        }
        out.println();
    }

    private static boolean helper(Features f, ProgramType type, String name) {
        Optional<HelperSpec> h = HelperCatalog.linux().all().stream().filter(x -> x.kernelName().equals("bpf_" + name)).findFirst();
        return h.isPresent() && f.helper(type, h.get());
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
