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

    /** The bpftrace version whose language and output {@code bpf4j trace} follows. */
    static final String BPFTRACE_VERSION = "v0.17.0";

    /** The {@code --version} line of {@code bpf4j trace}. */
    static String versionLine() {
        return "bpf4j trace " + VersionProvider.version() + " (the language and output of bpftrace "
                + BPFTRACE_VERSION + ", with current bpftrace's additions; no LLVM)";
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
        out.println("Kernel helpers");
        for (String h : List.of("probe_read", "probe_read_str", "probe_read_user", "probe_read_user_str",
                "probe_read_kernel", "probe_read_kernel_str", "get_current_cgroup_id", "send_signal",
                "override_return", "ktime_get_boot_ns", "d_path", "skb_output")) {
            String shown = switch (h) {
                case "d_path" -> "dpath";
                case "skb_output" -> "skboutput";
                case "ktime_get_boot_ns" -> "get_boot_ns";
                default -> h;
            };
            out.println("  " + shown + ": " + yes(kprobeType && helper(f, ProgramType.KPROBE, h)));
        }
        out.println();
        out.println("Kernel features");
        out.println("  Instruction limit: 1000000");
        out.println("  Loop support: yes");
        out.println("  btf: " + yes(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))));
        out.println("  map batch: yes");
        out.println("  uprobe refcount: " + yes(Files.exists(Path.of("/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset"))));
        out.println();
        out.println("Map types");
        for (MapType t : List.of(MapType.HASH, MapType.PERCPU_HASH, MapType.ARRAY, MapType.PERCPU_ARRAY,
                MapType.STACK_TRACE, MapType.PERF_EVENT_ARRAY, MapType.RINGBUF)) {
            String label = switch (t) {
                case PERCPU_HASH -> "percpu hash";
                case PERCPU_ARRAY -> "percpu array";
                default -> t.kernelName();
            };
            out.println("  " + label + ": " + yes(f.mapType(t)));
        }
        out.println();
        out.println("Probe types");
        out.println("  kprobe: " + yes(kprobeType && Files.exists(Path.of("/sys/bus/event_source/devices/kprobe"))));
        out.println("  tracepoint: " + yes(f.programType(ProgramType.TRACEPOINT)));
        out.println("  perf_event: " + yes(f.programType(ProgramType.PERF_EVENT)));
        out.println("  kfunc: no (bpf4j attaches no fentry/fexit programs on this kernel)");
        out.println("  raw_tp_special: " + yes(f.programType(ProgramType.RAW_TRACEPOINT)));
        out.println("  uprobe: " + yes(kprobeType && Files.exists(Path.of("/sys/bus/event_source/devices/uprobe"))));
        out.flush();
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
