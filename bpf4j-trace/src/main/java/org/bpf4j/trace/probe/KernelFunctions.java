package org.bpf4j.trace.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The kernel functions kprobes may be placed on, by module ({@code vmlinux} for the kernel
 * itself), and the loaded modules: what current bpftrace reads from tracefs's {@code
 * available_filter_functions} (or the file of {@code --traceable-functions}) to check kprobe attach
 * points and expand their wildcards. Functions known to make the kernel unstable when traced
 * ({@code rcu_*}, the idle loop) are left out, as bpftrace leaves them out. Immutable.
 *
 * @param functions the traceable functions of each module, in the order read
 * @param modules the loaded modules, {@code vmlinux} first
 * @param from where the functions were read (for messages)
 */
public record KernelFunctions(Map<String, Set<String>> functions, Set<String> modules, String from) {
    /** tracefs's list of the functions ftrace (and so kprobes) can hook. */
    public static final Path AVAILABLE_FILTER_FUNCTIONS = Path.of("/sys/kernel/tracing/available_filter_functions");

    private static final Path KALLSYMS = Path.of("/proc/kallsyms");
    private static final Path MODULES = Path.of("/proc/modules");

    public KernelFunctions {
        Map<String, Set<String>> copy = new LinkedHashMap<>();
        functions.forEach((m, f) -> copy.put(m, Collections.unmodifiableSet(new LinkedHashSet<>(f))));
        functions = Collections.unmodifiableMap(copy);
        modules = Collections.unmodifiableSet(new LinkedHashSet<>(modules));
    }

    /** Knows no functions and no modules but {@code vmlinux}. */
    public static KernelFunctions none() {
        return new KernelFunctions(Map.of(), Set.of("vmlinux"), "nothing");
    }

    private static volatile KernelFunctions system;

    /**
     * This machine's: tracefs's {@code available_filter_functions}; where that cannot be read (a
     * kernel without ftrace, or one that refuses it, as this project's test machine does), the
     * text symbols of {@code /proc/kallsyms}, which hold the traceable functions and more (so a
     * kprobe on an existing function gets as far as its attachment, where the kernel decides).
     * Read once, on first use.
     */
    public static KernelFunctions system() {
        KernelFunctions k = system;
        if (k == null) {
            Set<String> modules = loadedModules();
            try {
                k = parseFilterFunctions(byteLines(AVAILABLE_FILTER_FUNCTIONS), modules,
                        AVAILABLE_FILTER_FUNCTIONS.toString());
            } catch (IOException | SecurityException e) {
                k = fromKallsyms(modules);
            }
            system = k;
        }
        return k;
    }

    /**
     * The functions listed in {@code file} (bpftrace's {@code --traceable-functions}: the format of
     * {@code available_filter_functions}, {@code NAME} or {@code NAME [MODULE]} a line).
     *
     * @throws ProbeSource.ProbeException in current bpftrace's words if the file cannot be read
     */
    public static KernelFunctions read(Path file) {
        try {
            return parseFilterFunctions(byteLines(file), loadedModules(), file.toString());
        } catch (IOException | SecurityException e) {
            throw new ProbeSource.ProbeException("Could not read functions from " + file + ".");
        }
    }

    /**
     * The lines of a file as bpftrace reads them, bytes: a line that is not UTF-8 is read byte for
     * byte (ISO-8859-1), so that it neither fails the read nor loses its bytes.
     */
    static List<String> byteLines(Path file) throws IOException {
        List<String> out = new ArrayList<>();
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        byte[] bytes = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                if (i == bytes.length && start == i) {
                    break;
                }
                ByteBuffer line = ByteBuffer.wrap(bytes, start, i - start);
                try {
                    out.add(utf8.decode(line).toString());
                } catch (CharacterCodingException e) {
                    out.add(new String(bytes, start, i - start, StandardCharsets.ISO_8859_1));
                }
                start = i + 1;
            }
        }
        return out;
    }

    /** The lines of an {@code available_filter_functions} file; the modules named there count as loaded. */
    static KernelFunctions parseFilterFunctions(List<String> lines, Set<String> loaded, String from) {
        Map<String, Set<String>> functions = new LinkedHashMap<>();
        Set<String> modules = new LinkedHashSet<>(loaded);
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty()) {
                continue;
            }
            String name = l;
            String module = "vmlinux";
            int sp = l.indexOf(' ');
            if (sp > 0) {
                name = l.substring(0, sp);
                String rest = l.substring(sp).strip();
                if (rest.startsWith("[") && rest.endsWith("]")) {
                    module = rest.substring(1, rest.length() - 1);
                }
            }
            add(functions, modules, module, name);
        }
        return new KernelFunctions(functions, modules, from);
    }

    private static KernelFunctions fromKallsyms(Set<String> loaded) {
        Map<String, Set<String>> functions = new LinkedHashMap<>();
        Set<String> modules = new LinkedHashSet<>(loaded);
        try (var lines = Files.lines(KALLSYMS)) {
            lines.forEach(line -> {
                // ADDRESS TYPE NAME [MODULE]
                String[] f = line.split("\\s+");
                if (f.length < 3 || (f[1].charAt(0) != 't' && f[1].charAt(0) != 'T')) {
                    return;
                }
                // not functions ftrace lists: the padding before each function (__pfx_F) and the cold
                // parts that compilers split out of functions (F.cold)
                if (f[2].startsWith("__pfx_") || f[2].contains(".cold")) {
                    return;
                }
                String module = f.length > 3 && f[3].startsWith("[") ? f[3].substring(1, f[3].length() - 1) : "vmlinux";
                add(functions, modules, module, f[2]);
            });
        } catch (IOException | UncheckedIOException | SecurityException e) {
            return new KernelFunctions(Map.of(), modules, "nothing (neither " + AVAILABLE_FILTER_FUNCTIONS + " nor "
                    + KALLSYMS + " can be read)");
        }
        return new KernelFunctions(functions, modules, KALLSYMS.toString());
    }

    private static void add(Map<String, Set<String>> functions, Set<String> modules, String module, String name) {
        if (bad(name)) {
            return;
        }
        functions.computeIfAbsent(module, m -> new LinkedHashSet<>()).add(name);
        modules.add(module);
    }

    /**
     * Functions left out as current bpftrace leaves them out: known to make the kernel unstable
     * when traced though not marked {@code notrace} (the list of the kernel's kprobe_multi selftest).
     */
    static boolean bad(String name) {
        return name.equals("arch_cpu_idle") || name.equals("default_idle") || name.equals("bpf_dispatcher_xdp_func")
                || name.startsWith("__ftrace_invalid_address__") || name.startsWith("rcu_");
    }

    /** {@code vmlinux} and the modules of {@code /proc/modules}. */
    private static Set<String> loadedModules() {
        Set<String> out = new LinkedHashSet<>(List.of("vmlinux"));
        try {
            for (String line : Files.readAllLines(MODULES)) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    out.add(line.substring(0, sp));
                }
            }
        } catch (IOException | SecurityException e) {
            // no modules (a kernel without them)
        }
        return out;
    }

    /** Whether a module is loaded ({@code vmlinux} always is). */
    public boolean moduleLoaded(String module) {
        return modules.contains(module);
    }

    /** Whether {@code function} is traceable, in {@code module} or (null) in any module. */
    public boolean traceable(String module, String function) {
        if (module != null) {
            Set<String> f = functions.get(module);
            return f != null && f.contains(function);
        }
        return functions.values().stream().anyMatch(f -> f.contains(function));
    }

    /**
     * The traceable functions whose module {@code module} (null: any) and whose name {@code name}
     * match, as {@code MODULE:FUNCTION} pairs, in the order read.
     */
    public List<Map.Entry<String, String>> matching(Pattern module, Pattern name) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (Map.Entry<String, Set<String>> m : functions.entrySet()) {
            if (module != null && !module.matcher(m.getKey()).matches()) {
                continue;
            }
            for (String f : m.getValue()) {
                if (name.matcher(f).matches()) {
                    out.add(Map.entry(m.getKey(), f));
                }
            }
        }
        return out;
    }
}
