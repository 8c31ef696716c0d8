package org.bpf4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The kernel's function symbols from {@code /proc/kallsyms}, to name the helper calls of
 * translated programs: the kernel stores a helper call's immediate as the helper's address minus
 * {@code __bpf_call_base}. Empty when the file hides addresses (not root, {@code kptr_restrict}).
 * Immutable.
 */
final class KernelSymbols {
    private static final Path KALLSYMS = Path.of("/proc/kallsyms");

    private final long callBase;
    private final Map<Long, String> byAddress;

    private KernelSymbols(long callBase, Map<Long, String> byAddress) {
        this.callBase = callBase;
        this.byAddress = byAddress;
    }

    static KernelSymbols read() {
        Map<Long, String> byAddress = new TreeMap<>();
        long base = 0;
        try (BufferedReader r = Files.newBufferedReader(KALLSYMS, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                String[] f = line.split("[ \t]+");
                if (f.length < 3 || !(f[1].equals("t") || f[1].equals("T"))) {
                    continue;
                }
                long addr = Long.parseUnsignedLong(f[0], 16);
                if (addr == 0) {
                    return new KernelSymbols(0, Map.of()); // addresses hidden
                }
                if (f[2].equals("__bpf_call_base")) {
                    base = addr;
                }
                byAddress.putIfAbsent(addr, f[2]);
            }
        } catch (IOException | RuntimeException e) {
            return new KernelSymbols(0, Map.of());
        }
        return new KernelSymbols(base, byAddress);
    }

    /** The function a translated helper call's immediate points at, or {@code helper} when unknown. */
    String helperName(int imm) {
        if (callBase == 0) {
            return "helper";
        }
        String name = byAddress.get(callBase + imm);
        return name == null ? "helper" : name;
    }
}
