package org.bpf4j.trace.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.linux.probe.Tracefs;
import org.bpf4j.linux.probe.UprobeTarget;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.symbols.X86Lengths;

/**
 * Where the compiler learns what attach points refer to: the tracepoints and their formats, the
 * functions and USDT probes of a binary. {@link #system()} reads this machine (tracefs, ELF files);
 * {@link #none()} knows nothing (scripts that use only BEGIN, END, interval or java probes).
 * Implementations are thread-safe.
 */
public interface ProbeSource {
    /** Every tracepoint as {@code category:name}, sorted. */
    List<String> tracepoints();

    /** The record format of a tracepoint, if it exists. */
    Optional<TracepointFormat> tracepointFormat(String category, String name);

    /**
     * The function symbols of a binary (a path, or a library name found as the loader would).
     *
     * @throws ProbeException if the file cannot be found or read
     */
    List<String> functions(String binary);

    /**
     * The USDT probes of a binary.
     *
     * @throws ProbeException if the file cannot be found or read
     */
    List<UsdtProbe> usdt(String binary);

    /**
     * Why a uprobe cannot be placed {@code offset} bytes into a function of a binary, in
     * bpftrace's words (outside the function, or not at an instruction boundary), or null if it can.
     * This source's answer when it cannot read the code: the offset is refused.
     */
    default String uprobeOffsetProblem(String binary, String function, long offset) {
        return "cannot check that offset " + offset + " of '" + function + "' is an instruction boundary";
    }

    /**
     * The size of a function of a binary as its symbol table gives it (0 for a symbol without
     * one, such as {@code _init}), or -1 if unknown. This source's answer when it cannot read
     * symbols: unknown.
     */
    default long functionSize(String binary, String function) {
        return -1;
    }

    /**
     * The raw tracepoints of the kernel and its modules, from their BTF; empty when there is no
     * BTF (a raw tracepoint is then attached by the name given). This source's answer: none.
     */
    default List<RawTracepoints.Entry> rawTracepoints() {
        return List.of();
    }

    /**
     * The kernel's iterators ({@code iter:NAME}), from its BTF; empty when there is no BTF (an
     * iterator is then looked up only when loaded). This source's answer: none.
     */
    default List<Iterators.Entry> iterators() {
        return List.of();
    }

    /**
     * Which of {@code iterators} {@code -l} lists, the others reported to {@code warnings}. This
     * source's answer: all of them.
     */
    default List<Iterators.Entry> listedIterators(List<Iterators.Entry> iterators,
            Consumer<String> warnings) {
        return iterators;
    }

    /** The file a binary name refers to. @throws ProbeException if there is none */
    Path locate(String binary);

    /**
     * The function of a binary whose code holds virtual address {@code address}, with the offset
     * of the address in it ({@code uprobe:BIN:0xADDR}); empty if none does. This source's answer
     * when it cannot read symbols: none.
     */
    default Optional<Map.Entry<String, Long>> functionAt(String binary, long address) {
        return Optional.empty();
    }

    /**
     * The binaries of the process probes are limited to ({@code -p PID}): its executable, then the
     * files it has mapped executable, in map order; empty when there is no such process. An
     * attach point with an empty binary ({@code usdt::PROVIDER:NAME}) searches them.
     */
    default List<Path> processBinaries() {
        return List.of();
    }

    /** The kernel functions of the BTF fentry/fexit probes may be placed on. This source's answer: none. */
    default List<FentryFunctions.Function> fentryFunctions() {
        return List.of();
    }

    /**
     * The kernel functions kprobes may be placed on and the loaded modules (current bpftrace's
     * traceable functions). This source's answer: none.
     */
    default KernelFunctions kernelFunctions() {
        return KernelFunctions.none();
    }

    /**
     * Whether the matches of a wildcard uprobe in one binary are attached as one uprobe_multi
     * program (current bpftrace's feature {@code uprobe_multi}); if not, each match is a program of
     * its own, counted against {@code max_bpf_progs}. This source's answer: yes.
     */
    default boolean uprobeMulti() {
        return true;
    }

    /** This source, without uprobe_multi links ({@code --no-feature uprobe_multi}). */
    static ProbeSource withoutUprobeMulti(ProbeSource base) {
        return new Forwarding(base) {
            @Override
            public boolean uprobeMulti() {
                return false;
            }
        };
    }

    /**
     * This source, with {@link #kernelFunctions()} {@code functions} (bpftrace's {@code
     * --traceable-functions FILE}).
     */
    static ProbeSource withKernelFunctions(ProbeSource base, KernelFunctions functions) {
        return new Forwarding(base) {
            @Override
            public KernelFunctions kernelFunctions() {
                return functions;
            }
        };
    }

    /**
     * This source, with {@link #processBinaries()} those of process {@code pid}.
     *
     * @throws ProbeException if the process cannot be read
     */
    static ProbeSource forProcess(ProbeSource base, int pid) {
        List<Path> binaries = binariesOf(pid);
        return new Forwarding(base) {
            @Override
            public Path locate(String binary) {
                // a path of the process's own mount namespace (a container's), as bpftrace reads it
                return super.locate(binary.startsWith("/") ? inMountNamespace(pid, binary) : binary);
            }

            @Override
            public List<Path> processBinaries() {
                return binaries;
            }
        };
    }

    /** A source that answers every question as another one does; subclasses change some answers. */
    abstract class Forwarding implements ProbeSource {
        private final ProbeSource base;

        Forwarding(ProbeSource base) {
            this.base = base;
        }

        @Override
        public List<String> tracepoints() {
            return base.tracepoints();
        }

        @Override
        public Optional<TracepointFormat> tracepointFormat(String category, String name) {
            return base.tracepointFormat(category, name);
        }

        @Override
        public List<String> functions(String binary) {
            return base.functions(binary);
        }

        @Override
        public List<UsdtProbe> usdt(String binary) {
            return base.usdt(binary);
        }

        @Override
        public String uprobeOffsetProblem(String binary, String function, long offset) {
            return base.uprobeOffsetProblem(binary, function, offset);
        }

        @Override
        public Path locate(String binary) {
            return base.locate(binary);
        }

        @Override
        public Optional<Map.Entry<String, Long>> functionAt(String binary, long address) {
            return base.functionAt(binary, address);
        }

        @Override
        public long functionSize(String binary, String function) {
            return base.functionSize(binary, function);
        }

        @Override
        public List<RawTracepoints.Entry> rawTracepoints() {
            return base.rawTracepoints();
        }

        @Override
        public List<FentryFunctions.Function> fentryFunctions() {
            return base.fentryFunctions();
        }

        @Override
        public List<Iterators.Entry> iterators() {
            return base.iterators();
        }

        @Override
        public List<Iterators.Entry> listedIterators(List<Iterators.Entry> iterators, Consumer<String> warnings) {
            return base.listedIterators(iterators, warnings);
        }

        @Override
        public List<Path> processBinaries() {
            return base.processBinaries();
        }

        @Override
        public KernelFunctions kernelFunctions() {
            return base.kernelFunctions();
        }

        @Override
        public boolean uprobeMulti() {
            return base.uprobeMulti();
        }
    }

    /**
     * An absolute path as process {@code pid} sees it: the same path when the process shares this
     * process's mount namespace, else the path under {@code /proc/PID/root} (a container's files).
     */
    static String inMountNamespace(int pid, String path) {
        if (path.startsWith("/proc/")) {
            return path; // already names a process's view (/proc/PID/root/...)
        }
        try {
            Path ns = Path.of("/proc", Integer.toString(pid), "ns", "mnt");
            if (Files.readSymbolicLink(ns).equals(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")))) {
                return path;
            }
        } catch (IOException | UnsupportedOperationException e) {
            return path; // no such process, or no namespaces to compare: the path as given
        }
        return "/proc/" + pid + "/root" + path;
    }

    /**
     * A process's executable ({@code /proc/PID/exe}), then the other files it has mapped
     * executable ({@code /proc/PID/maps}), each once; under {@code /proc/PID/root} when the
     * process has a mount namespace of its own.
     *
     * @throws ProbeException if the process cannot be read
     */
    static List<Path> binariesOf(int pid) {
        LinkedHashSet<Path> out = new LinkedHashSet<>();
        Path proc = Path.of("/proc", Integer.toString(pid));
        try {
            out.add(Path.of(inMountNamespace(pid, Files.readSymbolicLink(proc.resolve("exe")).toString())));
            for (String line : Files.readAllLines(proc.resolve("maps"))) {
                String[] f = line.trim().split("\\s+", 6);
                if (f.length == 6 && f[1].contains("x") && f[5].startsWith("/") && !f[5].endsWith(" (deleted)")) {
                    out.add(Path.of(inMountNamespace(pid, f[5])));
                }
            }
        } catch (IOException e) {
            throw new ProbeException("cannot read process " + pid + ": " + e.getMessage());
        }
        return List.copyOf(out);
    }

    /**
     * The files that running processes have mapped executable (their {@link #binariesOf} each),
     * in path order; processes that end or cannot be read meanwhile are left out.
     */
    static List<Path> binariesOfRunningProcesses() {
        TreeSet<Path> out = new TreeSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    out.addAll(binariesOf(Integer.parseInt(p.getFileName().toString())));
                } catch (ProbeException e) {
                    // a process that ended, or a kernel thread
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return List.copyOf(out);
    }

    /** A problem finding what an attach point refers to; its message is shown as the error. */
    final class ProbeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** An exception with a one-line message. */
        public ProbeException(String message) {
            super(message);
        }
    }

    /** Knows no tracepoints or binaries. */
    static ProbeSource none() {
        return new ProbeSource() {
            @Override
            public List<String> tracepoints() {
                return List.of();
            }

            @Override
            public Optional<TracepointFormat> tracepointFormat(String category, String name) {
                return Optional.empty();
            }

            @Override
            public List<String> functions(String binary) {
                throw new ProbeException("no binaries are available to this compilation");
            }

            @Override
            public List<UsdtProbe> usdt(String binary) {
                throw new ProbeException("no binaries are available to this compilation");
            }

            @Override
            public Path locate(String binary) {
                throw new ProbeException("no binaries are available to this compilation");
            }
        };
    }

    /** Directories searched for a library named without a path ({@code libc}, {@code libssl.so}). */
    List<Path> LIBRARY_DIRS = List.of(Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib/aarch64-linux-gnu"), Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/lib64"),
            Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"), Path.of("/usr/local/lib"));

    /**
     * A binary named without a path, as bpftrace finds it: a program on {@code $PATH}, else a
     * library {@code NAME.so*} or {@code libNAME.so*} in the usual directories; null if none.
     */
    static Path search(String name) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath();
            }
        }
        String stem = name.startsWith("lib") ? name : "lib" + name;
        for (Path dir : LIBRARY_DIRS) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.list(dir)) {
                Optional<Path> lib = files.filter(f -> {
                    String n = f.getFileName().toString();
                    return (n.startsWith(stem + ".so") || n.startsWith(name + ".so")) && isElf(f);
                }).sorted().findFirst();
                if (lib.isPresent()) {
                    return lib.get().toAbsolutePath();
                }
            } catch (IOException e) {
                // an unreadable directory is skipped
            }
        }
        return null;
    }

    /** Whether a file starts with the ELF magic (not a linker script such as {@code libc.so}). */
    private static boolean isElf(Path f) {
        if (!Files.isRegularFile(f)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(f)) {
            byte[] m = in.readNBytes(4);
            return m.length == 4 && m[0] == 0x7f && m[1] == 'E' && m[2] == 'L' && m[3] == 'F';
        } catch (IOException e) {
            return false;
        }
    }

    /** This machine: tracefs (mounted if needed) and ELF files. */
    static ProbeSource system() {
        return new ProbeSource() {
            @Override
            public List<String> tracepoints() {
                Path events;
                try {
                    events = Tracefs.root().resolve("events");
                } catch (RuntimeException e) {
                    return List.of();
                }
                TreeSet<String> out = new TreeSet<>();
                try (Stream<Path> cats = Files.list(events)) {
                    for (Path c : cats.filter(Files::isDirectory).toList()) {
                        try (Stream<Path> names = Files.list(c)) {
                            for (Path n : names.filter(Files::isDirectory).toList()) {
                                out.add(c.getFileName() + ":" + n.getFileName());
                            }
                        }
                    }
                } catch (IOException e) {
                    return List.copyOf(out);
                }
                return List.copyOf(out);
            }

            @Override
            public Optional<TracepointFormat> tracepointFormat(String category, String name) {
                if (!category.matches("[A-Za-z0-9_.-]+") || !name.matches("[A-Za-z0-9_.-]+")) {
                    return Optional.empty();
                }
                Path f;
                try {
                    f = Tracefs.root().resolve("events").resolve(category).resolve(name).resolve("format");
                } catch (RuntimeException e) {
                    return Optional.empty();
                }
                try {
                    return Optional.of(TracepointFormat.parse(category, name, Files.readString(f)));
                } catch (NoSuchFileException e) {
                    return Optional.empty();
                } catch (IOException | IllegalArgumentException e) {
                    throw new ProbeException("cannot read " + f + ": " + e.getMessage());
                }
            }

            @Override
            public Path locate(String binary) {
                try {
                    return UprobeTarget.locate(binary);
                } catch (RuntimeException e) {
                    if (!binary.contains("/")) {
                        Path found = search(binary);
                        if (found != null) {
                            return found;
                        }
                    }
                    throw new ProbeException(e.getMessage());
                }
            }

            /** Each binary's functions, read once (a tool names the same library in many attach points). */
            private final Map<Path, List<String>> functionsOf = new ConcurrentHashMap<>();
            private final Map<String, Path> located = new ConcurrentHashMap<>();

            @Override
            public List<String> functions(String binary) {
                Path file = located.computeIfAbsent(binary, this::locate);
                return functionsOf.computeIfAbsent(file, f -> {
                    try {
                        TreeSet<String> out = new TreeSet<>();
                        for (NativeElf.Symbol s : NativeElf.read(f).symbols()) {
                            if (s.type() == 2 && s.value() != 0 && !s.name().isEmpty()) {
                                out.add(s.name());
                            }
                        }
                        return List.copyOf(out);
                    } catch (RuntimeException e) {
                        throw new ProbeException(f + ": " + e.getMessage());
                    }
                });
            }

            @Override
            public String uprobeOffsetProblem(String binary, String function, long offset) {
                Path file = located.computeIfAbsent(binary, this::locate);
                try {
                    NativeElf elf = NativeElf.read(file);
                    NativeElf.Symbol sym = elf.symbols().stream().filter(s -> s.type() == 2 && s.value() != 0
                            && s.name().equals(function)).findFirst().orElse(null);
                    if (sym == null) {
                        return "function '" + function + "' not found in " + file;
                    }
                    if (offset >= sym.size()) {
                        return "Offset outside the function bounds ('" + function + "' size is " + sym.size() + ")";
                    }
                    byte[] code = Files.readAllBytes(file);
                    long at = elf.fileOffset(sym.value());
                    if (at < 0 || at + sym.size() > code.length) {
                        return "cannot read the code of '" + function + "' in " + file;
                    }
                    if (!X86Lengths.isBoundary(code, (int) at, (int) sym.size(), offset)) {
                        return "Possible attachment attempt in the middle of an instruction, try a different offset.";
                    }
                    return null;
                } catch (IOException | RuntimeException e) {
                    throw new ProbeException(file + ": " + e.getMessage());
                }
            }

            @Override
            public List<RawTracepoints.Entry> rawTracepoints() {
                return RawTracepoints.system();
            }

            @Override
            public List<FentryFunctions.Function> fentryFunctions() {
                return FentryFunctions.system();
            }

            @Override
            public List<Iterators.Entry> iterators() {
                return Iterators.system();
            }

            @Override
            public List<Iterators.Entry> listedIterators(List<Iterators.Entry> iterators,
                    Consumer<String> warnings) {
                return Iterators.listed(iterators, warnings);
            }

            @Override
            public long functionSize(String binary, String function) {
                Path file = located.computeIfAbsent(binary, this::locate);
                try {
                    return NativeElf.read(file).symbols().stream().filter(s -> s.type() == 2 && s.value() != 0
                            && s.name().equals(function)).mapToLong(NativeElf.Symbol::size).max().orElse(-1);
                } catch (RuntimeException e) {
                    throw new ProbeException(file + ": " + e.getMessage());
                }
            }

            @Override
            public Optional<Map.Entry<String, Long>> functionAt(String binary, long address) {
                Path file = located.computeIfAbsent(binary, this::locate);
                try {
                    for (NativeElf.Symbol s : NativeElf.read(file).symbols()) {
                        if (s.type() == 2 && s.value() != 0 && !s.name().isEmpty() && Long.compareUnsigned(address,
                                s.value()) >= 0 && Long.compareUnsigned(address - s.value(), Math.max(1, s.size())) < 0) {
                            return Optional.of(Map.entry(s.name(), address - s.value()));
                        }
                    }
                    return Optional.empty();
                } catch (RuntimeException e) {
                    throw new ProbeException(file + ": " + e.getMessage());
                }
            }

            @Override
            public List<UsdtProbe> usdt(String binary) {
                Path file = locate(binary);
                try {
                    return UsdtProbe.read(file);
                } catch (RuntimeException e) {
                    throw new ProbeException(file + ": " + e.getMessage());
                }
            }

            @Override
            public KernelFunctions kernelFunctions() {
                return KernelFunctions.system();
            }
        };
    }
}
