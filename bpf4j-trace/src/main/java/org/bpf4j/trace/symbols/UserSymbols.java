package org.bpf4j.trace.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.trace.probe.ProbeSource;

/**
 * User-space symbols for {@code usym()} and user stacks: the file an address of a process is
 * mapped from (its {@code /proc/PID/maps}, kept per process), the ELF function or object symbol
 * that holds it (C++ names demangled, as bpftrace's {@code cpp_demangle} shows them), and with the
 * file's DWARF its source line and inlined functions. Files are parsed once and cached; what is
 * kept of processes' memory maps follows current bpftrace's {@code cache_user_symbols} ({@link Cache}).
 * Thread-safe.
 */
public final class UserSymbols {
    private final Map<String, NativeElf> files = new ConcurrentHashMap<>();
    private final List<Path> fallback;
    private final boolean demangle;
    private final Cache cache;

    /**
     * What is kept of a process to resolve its addresses later, as current bpftrace's
     * {@code cache_user_symbols} setting keeps its symbol caches.
     */
    public enum Cache {
        /**
         * Each process's memory map, read at its first address (or when the probes are attached,
         * {@link #preload}) and kept after it exits; a process never seen alive resolves nothing
         * (current bpftrace's default where addresses are randomized, without {@code -c}).
         */
        PER_PID,
        /**
         * As {@link #PER_PID}, and an address of a process never seen alive is looked up in its
         * program: the program's symbols by address (a program loaded at a fixed address), then the
         * memory map kept of another process of that program (current bpftrace's default with
         * {@code -c} or without address randomization).
         */
        PER_PROGRAM,
        /** Nothing kept: each address is resolved from the process's memory map as it is then. */
        NONE;

        /**
         * The cache a {@code cache_user_symbols} value asks for ({@code per_pid}, {@code per_program},
         * {@code none}, any case; {@code default} or another value: current bpftrace's default,
         * {@link #PER_PROGRAM} if {@code command} (a run with {@code -c}) or if the kernel does not
         * randomize addresses ({@code /proc/sys/kernel/randomize_va_space} below 1), else
         * {@link #PER_PID}).
         */
        public static Cache of(String setting, boolean command) {
            return switch (setting.toLowerCase(Locale.ROOT)) {
                case "per_pid" -> PER_PID;
                case "per_program" -> PER_PROGRAM;
                case "none" -> NONE;
                default -> command || !randomizesAddresses() ? PER_PROGRAM : PER_PID;
            };
        }

        private static boolean randomizesAddresses() {
            try {
                return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/randomize_va_space")).strip()) >= 1;
            } catch (IOException | RuntimeException e) {
                return true; // as bpftrace: randomization assumed when it cannot be read
            }
        }
    }

    /**
     * The maps kept of each process ({@link Cache#PER_PID}, {@link Cache#PER_PROGRAM}): a process
     * that has exited since (a short command traced with {@code -c}) still has its earlier stacks
     * resolved. Re-read when an address is not in them.
     */
    private final Map<Integer, List<String>> maps = new ConcurrentHashMap<>();

    /** The maps kept of the first process seen of each program ({@link Cache#PER_PROGRAM}). */
    private final Map<String, List<String>> programMaps = new ConcurrentHashMap<>();

    /** A table with no file parsed yet. */
    public UserSymbols() {
        this(List.of());
    }

    /**
     * A table that, for a process that has exited (its memory map gone), looks the address up in
     * the executables of {@code fallback} that are loaded at fixed addresses (not position
     * independent): the binaries a script's uprobes are in, as bpftrace's per-program symbol cache.
     */
    public UserSymbols(List<Path> fallback) {
        this(fallback, true);
    }

    /**
     * As {@link #UserSymbols(List)}; {@code demangle}: whether C++ symbol names are shown demangled
     * ({@code thread_native_entry(Thread*)} for {@code _ZL19thread_native_entryP6Thread}), as
     * bpftrace does unless {@code cpp_demangle} is off.
     */
    public UserSymbols(List<Path> fallback, boolean demangle) {
        this(fallback, demangle, Cache.PER_PROGRAM);
    }

    /**
     * As {@link #UserSymbols(List, boolean)}, keeping what {@code cache} says; {@code fallback} is
     * read with {@link Cache#PER_PROGRAM} only.
     */
    public UserSymbols(List<Path> fallback, boolean demangle, Cache cache) {
        this.fallback = List.copyOf(fallback);
        this.demangle = demangle;
        this.cache = cache;
    }

    /**
     * Reads and keeps the memory maps of the processes an attached uprobe may fire in, as current
     * bpftrace preloads its symbol caches when it attaches: process {@code pid} ({@code -p}), else
     * every process running one of the fallback binaries. Only with {@link Cache#PER_PID}.
     */
    public void preload(int pid) {
        if (cache != Cache.PER_PID) {
            return;
        }
        if (pid > 0) {
            keep(pid);
            return;
        }
        for (Path program : fallback) {
            for (int p : processesRunning(program)) {
                keep(p);
            }
        }
    }

    private void keep(int pid) {
        List<String> read = readMaps(pid);
        if (read != null && !read.isEmpty()) {
            maps.put(pid, read);
        }
    }

    /** The processes whose executable is {@code program}. */
    private static List<Integer> processesRunning(Path program) {
        Path real;
        try {
            real = program.toRealPath();
        } catch (IOException e) {
            return List.of();
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("[0-9]+"))
                    .filter(p -> real.toString().equals(executable(Integer.parseInt(p.getFileName().toString()))))
                    .map(p -> Integer.parseInt(p.getFileName().toString())).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The executable process {@code pid} runs ({@code /proc/PID/exe}), or null. */
    private static String executable(int pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe")).toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The symbol an address of process {@code pid} falls in ({@code name+offset} with
     * {@code withOffset}), else the address in hex as bpftrace prints it.
     */
    public String resolve(int pid, long addr, boolean withOffset) {
        return resolve(pid, addr, withOffset, false);
    }

    /**
     * As {@link #resolve(int, long, boolean)}; with {@code withModule} (perf-mode stacks), the
     * mapped file follows in parentheses, or {@code ([unknown])} for an address not resolved, as
     * bpftrace writes it.
     */
    public String resolve(int pid, long addr, boolean withOffset, boolean withModule) {
        String unknown = KernelSymbols.hex(addr) + (withModule ? " ([unknown])" : "");
        Mapped m = mapped(pid, addr);
        if (m == null) {
            // no mapping holds it: the process has exited (or is exiting, its map already empty)
            return cache == Cache.PER_PROGRAM ? fromFallback(addr, withOffset, withModule, unknown) : unknown;
        }
        String name = symbolAt(m.local(), m.fileOffset(), withOffset);
        return name == null ? unknown : withModule ? name + " (" + m.path() + ")" : name;
    }

    /**
     * The frames of a stack address as current bpftrace shows them with {@code show_debug_info}:
     * the functions inlined at it (innermost first: {@code [inlined] NAME@FILE:LINE}, in perf mode
     * {@code NAME (inlined)}), then the symbol that holds it ({@code NAME+OFFSET@FILE:LINE}, in
     * perf mode {@code NAME+OFFSET (FILE)}), from the mapped file's DWARF; without debug
     * information, the symbol alone as {@link #resolve(int, long, boolean, boolean)} gives it.
     */
    public List<String> resolveWithSource(int pid, long addr, boolean perf) {
        String symbol = resolve(pid, addr, true, perf);
        Mapped m = mapped(pid, addr);
        Path file = null;
        long vaddr = -1;
        if (m != null) {
            file = Path.of(m.local());
            vaddr = vaddr(m.local(), m.fileOffset());
        } else if (cache == Cache.PER_PROGRAM) {
            for (Path f : fallback) {
                if (fixedAddressSymbol(f.toString(), addr, true) != null) {
                    file = f;
                    vaddr = addr;
                    break;
                }
            }
        }
        List<Dwarf.Frame> frames;
        try {
            frames = vaddr < 0 ? List.of() : Dwarf.cached(file).frames(vaddr);
        } catch (RuntimeException e) {
            frames = List.of(); // debug information that cannot be read: the symbol alone
        }
        if (frames.isEmpty()) {
            return List.of(symbol);
        }
        List<String> out = new ArrayList<>();
        for (Dwarf.Frame f : frames) {
            String at = f.file() == null || perf ? "" : "@" + f.file() + ":" + f.line();
            if (f.inlined()) {
                out.add(perf ? f.function() + " (inlined)" : "[inlined] " + f.function() + at);
            } else {
                out.add(symbol + at);
            }
        }
        return out;
    }

    /**
     * Where an address of a process is mapped from: the file as the maps name it, the same file
     * as this process sees it (under {@code /proc/PID/root} in a container's mount namespace), and
     * the offset in it.
     */
    private record Mapped(String path, String local, long fileOffset) {}

    /**
     * The memory map of process {@code pid} ({@code /proc/PID/maps}'s text) as someone else just
     * read it: its addresses resolve from it after it has exited.
     */
    public void remember(int pid, String procMaps) {
        List<String> lines = List.of(procMaps.split("\n"));
        if (!procMaps.isEmpty() && cache != Cache.NONE) {
            maps.put(pid, lines);
        }
    }

    private Mapped mapped(int pid, long addr) {
        List<String> known = cache == Cache.NONE ? null : maps.get(pid);
        Mapped m = known == null ? null : find(pid, known, addr);
        if (m != null) {
            return m;
        }
        known = readMaps(pid);
        if (known == null || known.isEmpty()) {
            // the process has exited: with PER_PROGRAM, the maps of another process of its program
            return cache == Cache.PER_PROGRAM ? fromProgramMaps(pid, addr) : null;
        }
        if (cache != Cache.NONE) {
            maps.put(pid, known);
            if (cache == Cache.PER_PROGRAM) {
                String exe = executable(pid);
                if (exe != null) {
                    programMaps.putIfAbsent(exe, known);
                }
            }
        }
        return find(pid, known, addr);
    }

    /** An address of a process that has exited in the maps kept of a fallback binary's first process. */
    private Mapped fromProgramMaps(int pid, long addr) {
        for (Path f : fallback) {
            String real;
            try {
                real = f.toRealPath().toString();
            } catch (IOException e) {
                continue;
            }
            List<String> known = programMaps.get(real);
            Mapped m = known == null ? null : find(pid, known, addr);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    private static List<String> readMaps(int pid) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/maps"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static Mapped find(int pid, List<String> maps, long addr) {
        for (String line : maps) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length < 6 || !f[5].startsWith("/")) {
                continue;
            }
            int dash = f[0].indexOf('-');
            long start = Long.parseUnsignedLong(f[0].substring(0, dash), 16);
            long end = Long.parseUnsignedLong(f[0].substring(dash + 1), 16);
            if (Long.compareUnsigned(addr, start) < 0 || Long.compareUnsigned(addr, end) >= 0) {
                continue;
            }
            return new Mapped(f[5], ProbeSource.inMountNamespace(pid, f[5]),
                    Long.parseUnsignedLong(f[2], 16) + (addr - start));
        }
        return null;
    }

    private String fromFallback(long addr, boolean withOffset, boolean withModule, String unknown) {
        for (Path f : fallback) {
            String name = fixedAddressSymbol(f.toString(), addr, withOffset);
            if (name != null) {
                return withModule ? name + " (" + f + ")" : name;
            }
        }
        return unknown;
    }

    /** The symbol at virtual address {@code addr} of an executable loaded where it says (not PIE), or null. */
    private String fixedAddressSymbol(String path, long addr, boolean withOffset) {
        NativeElf elf = elf(path);
        if (elf == null || elf.segments().isEmpty() || elf.segments().stream().mapToLong(NativeElf.Segment::vaddr).min()
                .orElse(0) == 0) {
            return null;
        }
        return symbolAtAddress(path, elf, addr, withOffset);
    }

    private NativeElf elf(String path) {
        return files.computeIfAbsent(path, p -> {
            try {
                return NativeElf.read(Path.of(p));
            } catch (RuntimeException e) {
                return null;
            }
        });
    }

    /** The virtual address of a file offset in a mapped file, or -1. */
    private long vaddr(String path, long fileOffset) {
        NativeElf elf = elf(path);
        if (elf == null) {
            return -1;
        }
        for (NativeElf.Segment s : elf.segments()) {
            if (fileOffset >= s.offset() && fileOffset < s.offset() + s.fileSize()) {
                return s.vaddr() + (fileOffset - s.offset());
            }
        }
        return -1;
    }

    private String symbolAt(String path, long fileOffset, boolean withOffset) {
        NativeElf elf = elf(path);
        long vaddr = vaddr(path, fileOffset);
        if (elf == null || vaddr < 0) {
            return null;
        }
        return symbolAtAddress(path, elf, vaddr, withOffset);
    }

    private String symbolAtAddress(String path, NativeElf elf, long vaddr, boolean withOffset) {
        NativeElf.Symbol best = tables.computeIfAbsent(path, p -> new SymbolTable(Path.of(p), elf)).at(vaddr);
        if (best == null) {
            return null;
        }
        String name = demangle ? CxxDemangler.readable(best.name()) : best.name();
        return withOffset ? name + "+" + (vaddr - best.value()) : name;
    }

    /** The function and object symbols of each file, sorted for lookups. */
    private final Map<String, SymbolTable> tables = new ConcurrentHashMap<>();

    /**
     * A file's function and object symbols by address: its own, and for a file without a
     * {@code .symtab} (a stripped library such as libc) those of its separate debug file (found by
     * build id or {@code .gnu_debuglink} under {@code /usr/lib/debug}, as bcc and blazesym find
     * it), so that the stripped library's local functions ({@code __libc_start_call_main}) are named.
     */
    private static final class SymbolTable {
        private final NativeElf.Symbol[] byAddress;

        SymbolTable(Path file, NativeElf elf) {
            List<NativeElf.Symbol> all = new ArrayList<>();
            add(all, elf.symbols());
            if (elf.section(".symtab").isEmpty()) {
                try {
                    Optional<Path> debug = DebugFiles.separate(file, elf, DebugFiles.searchPath());
                    if (debug.isPresent()) {
                        add(all, NativeElf.read(debug.get()).symbols());
                    }
                } catch (RuntimeException e) {
                    // a debug file that cannot be read: the file's own symbols
                }
            }
            all.sort(Comparator.comparingLong(NativeElf.Symbol::value));
            byAddress = all.toArray(NativeElf.Symbol[]::new);
        }

        private static void add(List<NativeElf.Symbol> to, List<NativeElf.Symbol> from) {
            for (NativeElf.Symbol s : from) {
                if (s.value() != 0 && !s.name().isEmpty() && (s.type() == 1 || s.type() == 2)) {
                    to.add(s);
                }
            }
        }

        /** The symbol holding an address: the one that starts last at or before it and covers it. */
        NativeElf.Symbol at(long vaddr) {
            int lo = 0;
            int hi = byAddress.length - 1;
            int last = -1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                if (byAddress[mid].value() <= vaddr) {
                    last = mid;
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            // symbols may nest (a function inside an object's range): the nearest start that covers it
            for (int i = last; i >= 0 && i > last - 64; i--) {
                NativeElf.Symbol s = byAddress[i];
                if (vaddr < s.value() + Math.max(1, s.size())) {
                    // aliases at one address: the first listed (the file's own before its debug file's)
                    while (i > 0 && byAddress[i - 1].value() == s.value()
                            && vaddr < s.value() + Math.max(1, byAddress[i - 1].size())) {
                        s = byAddress[--i];
                    }
                    return s;
                }
            }
            return null;
        }
    }
}
