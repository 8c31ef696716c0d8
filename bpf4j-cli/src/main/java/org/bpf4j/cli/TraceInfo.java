package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bpf4j.linux.Features;
import org.bpf4j.linux.Kernel;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.trace.probe.Iterators;
import org.bpf4j.trace.sema.KernelTypes;

/**
 * {@code bpf4j trace --info}: the system, the build and what the running kernel offers a trace
 * script, in the sections and words of {@code bpftrace --info}. Each kernel answer is probed
 * (loading a trivial program or creating a map), so it needs root, as bpftrace's does.
 */
final class TraceInfo {
    private TraceInfo() {}

    /** The bpftrace version whose language and output {@code bpf4j trace} follows. */
    static final String BPFTRACE_VERSION = "v0.26.0";

    /**
     * The {@code --version} line of {@code bpf4j trace}: bpftrace's form ({@code bpftrace vX.Y.Z},
     * which scripts and tools test) with the version of the language followed (current bpftrace's
     * development head), then bpf4j's.
     */
    static String versionLine() {
        return "bpftrace " + BPFTRACE_VERSION + "-bpf4j (bpf4j trace " + VersionProvider.version()
                + ": bpftrace's language and output, compiled to eBPF by bpf4j; no LLVM)";
    }

    /**
     * Prints the report in current bpftrace's layout (its sections, and each kernel section's
     * entries two a line in columns of 35 characters).
     */
    static void print(PrintWriter out) {
        out.println("System");
        out.println("  OS: Linux " + read("/proc/sys/kernel/osrelease") + " " + read("/proc/sys/kernel/version"));
        out.println("  Arch: " + System.getProperty("os.arch").replace("amd64", "x86_64"));
        out.println();
        out.println("Build");
        out.println("  version: bpf4j " + VersionProvider.version() + " (bpftrace " + BPFTRACE_VERSION + " language)");
        out.println("  LLVM: none (bpf4j generates eBPF itself)");
        out.println("  bfd: no");
        out.println("  libdw (DWARF support): no (bpf4j reads DWARF itself)");
        out.println("  libsystemd (systemd notify support): no");
        out.println("  blazesym (advanced symbolization): no (bpf4j symbolizes stacks itself)");
        out.println("  dwunwind (DWARF stack unwinding): "
                + (System.getProperty("os.arch").equals("amd64") ? "yes (bpf4j reads .eh_frame itself)" : "no (x86_64 only)"));
        out.println();
        Kernel.Availability a = Kernel.probe();
        if (!a.available()) {
            out.println("Kernel: not available (" + a.reason() + ")");
            out.flush();
            return;
        }
        Features f = new Features(Kernel.system());
        boolean kprobeType = f.programType(ProgramType.KPROBE);
        Predicate<String> helper = h -> kprobeType && helper(f, ProgramType.KPROBE, h);
        out.println("Kernel helpers");
        tabulate(out, List.of("dpath", yes(helper.test("d_path")), "get_tai_ns", yes(helper.test("ktime_get_tai_ns")),
                "get_func_ip", yes(helper.test("get_func_ip")), "lookup_percpu_elem",
                yes(helper.test("map_lookup_percpu_elem")), "loop", yes(helper.test("loop"))));
        out.println();
        out.println("Kernel features");
        boolean moduleBtf;
        try (var s = Files.list(Path.of("/sys/kernel/btf"))) {
            moduleBtf = s.anyMatch(p -> !p.getFileName().toString().equals("vmlinux"));
        } catch (IOException e) {
            moduleBtf = false;
        }
        // btf: whether the kernel's types can be read, from the file BPFTRACE_BTF names if it is set (as bpftrace)
        Map<String, String> env = System.getenv();
        boolean btf = env.containsKey(KernelTypes.BTF_ENV)
                ? KernelTypes.environmentProblem(env) == null
                : Files.isReadable(KernelTypes.VMLINUX);
        tabulate(out, List.of("Instruction limit", "1000000", "btf", yes(btf), "module btf", yes(moduleBtf)));
        out.println();
        // the multi-probe links bpftrace can use (bpf4j's --info reports none of them) and iterators:
        // as bpftrace, whether a program for the kernel's task iterator loads
        out.println("Probe types");
        tabulate(out, List.of("kprobe_multi", "no", "uprobe_multi", "no", "kprobe_session", "no", "iter",
                yes(iteratorLoads(Kernel.system()))));
        out.println();
        out.flush();
    }

    /** Whether the kernel loads an iterator program for {@code bpf_iter_task}, as bpftrace's {@code has_iter("task")}. */
    static boolean iteratorLoads(Kernel kernel) {
        return Iterators.loads(kernel, "task");
    }

    /** Name-value pairs two a line, each padded to 35 characters, as bpftrace lays them out. */
    private static void tabulate(PrintWriter out, List<String> pairs) {
        for (int i = 0; i < pairs.size(); i += 4) {
            StringBuilder line = new StringBuilder(pad("  " + pairs.get(i) + ": " + pairs.get(i + 1)));
            if (i + 2 < pairs.size()) {
                line.append(pad(pairs.get(i + 2) + ": " + pairs.get(i + 3)));
            }
            out.println(line);
        }
    }

    private static String pad(String s) {
        return s.length() >= 35 ? s : s + " ".repeat(35 - s.length());
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
