package org.bpf4j.trace.symbols;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The kernel's symbols, read once from {@code /proc/kallsyms}: names to addresses (for
 * {@code kaddr()}) and addresses to the nearest symbol at or below them (for {@code ksym()}, as
 * bpftrace resolves them). Addresses read as 0 (no permission to see them) make an empty table.
 * Immutable once read; thread-safe.
 */
public final class KernelSymbols {
    private static volatile KernelSymbols system;

    private final long[] addresses;
    private final String[] names;
    private final Map<String, Long> byName;

    private KernelSymbols(long[] addresses, String[] names, Map<String, Long> byName) {
        this.addresses = addresses;
        this.names = names;
        this.byName = byName;
    }

    /** The running kernel's symbols (empty if {@code /proc/kallsyms} cannot be read). */
    public static KernelSymbols system() {
        KernelSymbols s = system;
        if (s == null) {
            s = read(Path.of("/proc/kallsyms"));
            system = s;
        }
        return s;
    }

    /** Reads a file in {@code /proc/kallsyms}' format; empty if it cannot be read. */
    public static KernelSymbols read(Path file) {
        long[] addrs = new long[1 << 16];
        String[] syms = new String[addrs.length];
        Map<String, Long> byName = new HashMap<>();
        int n = 0;
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                int a = line.indexOf(' ');
                int b = a < 0 ? -1 : line.indexOf(' ', a + 1);
                if (b < 0) {
                    continue;
                }
                int end = line.indexOf('\t', b + 1);
                String name = end < 0 ? line.substring(b + 1) : line.substring(b + 1, end);
                long addr = Long.parseUnsignedLong(line, 0, a, 16);
                if (addr == 0) {
                    continue;
                }
                if (n == addrs.length) {
                    addrs = Arrays.copyOf(addrs, n * 2);
                    syms = Arrays.copyOf(syms, n * 2);
                }
                addrs[n] = addr;
                syms[n] = name;
                n++;
                byName.putIfAbsent(name, addr);
            }
        } catch (IOException | RuntimeException e) {
            return new KernelSymbols(new long[0], new String[0], Map.of());
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long[] a = addrs;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(a[x], a[y]));
        long[] sortedAddrs = new long[n];
        String[] sortedNames = new String[n];
        for (int i = 0; i < n; i++) {
            sortedAddrs[i] = addrs[order[i]];
            sortedNames[i] = syms[order[i]];
        }
        return new KernelSymbols(sortedAddrs, sortedNames, byName);
    }

    /** The address of a symbol, if the kernel has it. */
    public OptionalLong address(String name) {
        Long a = byName.get(name);
        return a == null ? OptionalLong.empty() : OptionalLong.of(a);
    }

    /**
     * The symbol an address falls in, as {@code ksym()} prints it: the name of the nearest symbol
     * at or below it ({@code name+offset} with {@code withOffset}), else the address in hex.
     */
    public String resolve(long addr, boolean withOffset) {
        int lo = 0;
        int hi = addresses.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], addr) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return hex(addr);
        }
        long off = addr - addresses[found];
        return withOffset ? names[found] + "+" + off : names[found];
    }

    /** An address as C++'s {@code std::hex} with {@code showbase} prints it: {@code 0x1f}, or {@code 0}. */
    public static String hex(long addr) {
        return addr == 0 ? "0" : "0x" + Long.toHexString(addr);
    }
}
