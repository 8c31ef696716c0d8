package org.bpf4j.trace.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.linux.probe.NativeElf;

/**
 * User-space symbols for {@code usym()}: the file an address of a process is mapped from (its
 * {@code /proc/PID/maps}) and the ELF function or object symbol that holds it. Files are parsed
 * once and cached; thread-safe.
 */
public final class UserSymbols {
    private final Map<String, NativeElf> files = new ConcurrentHashMap<>();
    private final List<Path> fallback;

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
        this.fallback = List.copyOf(fallback);
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
        List<String> maps;
        try {
            maps = Files.readAllLines(Path.of("/proc/" + pid + "/maps"), StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return fromFallback(addr, withOffset, withModule, unknown);
        }
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
            long fileOffset = Long.parseUnsignedLong(f[2], 16) + (addr - start);
            // the file as the process sees it (under /proc/PID/root in a container's mount namespace)
            String name = symbolAt(org.bpf4j.trace.probe.ProbeSource.inMountNamespace(pid, f[5]), fileOffset,
                    withOffset);
            return name == null ? unknown : withModule ? name + " (" + f[5] + ")" : name;
        }
        // no mapping holds it: the process is exiting (its map already empty)
        return fromFallback(addr, withOffset, withModule, unknown);
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
        return symbolAtAddress(elf, addr, withOffset);
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

    private String symbolAt(String path, long fileOffset, boolean withOffset) {
        NativeElf elf = elf(path);
        if (elf == null) {
            return null;
        }
        long vaddr = -1;
        for (NativeElf.Segment s : elf.segments()) {
            if (fileOffset >= s.offset() && fileOffset < s.offset() + s.fileSize()) {
                vaddr = s.vaddr() + (fileOffset - s.offset());
                break;
            }
        }
        if (vaddr < 0) {
            return null;
        }
        return symbolAtAddress(elf, vaddr, withOffset);
    }

    private static String symbolAtAddress(NativeElf elf, long vaddr, boolean withOffset) {
        NativeElf.Symbol best = null;
        for (NativeElf.Symbol s : elf.symbols()) {
            if (s.value() == 0 || s.name().isEmpty() || (s.type() != 1 && s.type() != 2)) {
                continue;
            }
            if (vaddr >= s.value() && vaddr < s.value() + Math.max(1, s.size())
                    && (best == null || s.value() > best.value())) {
                best = s;
            }
        }
        if (best == null) {
            return null;
        }
        return withOffset ? best.name() + "+" + (vaddr - best.value()) : best.name();
    }
}
