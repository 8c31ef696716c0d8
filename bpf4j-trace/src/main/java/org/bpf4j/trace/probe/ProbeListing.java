package org.bpf4j.trace.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfFormat;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.parse.Parser;
import org.bpf4j.trace.symbols.Dwarf;

/**
 * The probes {@code bpf4j trace -l [PATTERN]} lists, as bpftrace writes them: tracepoints (from
 * tracefs), software and hardware events, and, when the pattern names a binary, its functions
 * ({@code uprobe:FILE:FUNCTION}) or USDT probes ({@code usdt:FILE:PROVIDER:NAME}). With
 * {@code verbose}, a tracepoint's fields follow it, indented; iterators ({@code iter:task}) with
 * their fields. Stateless.
 */
public final class ProbeListing {
    private ProbeListing() {}

    /**
     * The lines to print for a pattern ({@code *} and {@code ?} match any text; an empty pattern
     * lists every tracepoint and event).
     *
     * @throws ProbeSource.ProbeException if the pattern names a binary that cannot be read
     */
    public static List<String> list(String pattern, boolean verbose, ProbeSource source) {
        return list(pattern, verbose, source, w -> { });
    }

    /**
     * {@link #list(String, boolean, ProbeSource)}, with the warnings of listing (an iterator the
     * kernel refuses to load a program for) given to {@code warnings}.
     */
    public static List<String> list(String pattern, boolean verbose, ProbeSource source,
            Consumer<String> warnings) {
        String p = pattern == null || pattern.isEmpty() ? "*" : pattern;
        int colon = p.indexOf(':');
        String provider = colon < 0 ? "" : Parser.expandProvider(p.substring(0, colon));
        List<String> out = new ArrayList<>();
        if (colon > 0 && isGlob(provider) && p.indexOf('/', colon) > colon && p.indexOf('/', colon) < nextColon(p, colon)) {
            // a wildcard provider with a file (*:./prog:*): the file's uprobes and USDT probes
            Pattern pg = AttachPoints.glob(provider);
            for (String concrete : List.of("uprobe", "usdt")) {
                if (pg.matcher(concrete).matches()) {
                    out.addAll(list(concrete + p.substring(colon), verbose, source));
                }
            }
            return out;
        }
        if (provider.equals("uprobe") || provider.equals("uretprobe") || provider.equals("usdt")) {
            String rest = p.substring(colon + 1);
            int c2 = rest.indexOf(':');
            String given = c2 < 0 ? rest : rest.substring(0, c2);
            String what = c2 < 0 ? "*" : rest.substring(c2 + 1);
            Pattern glob = AttachPoints.glob(what);
            TreeSet<String> lines = new TreeSet<>();
            for (String binary : binaries(given)) {
                // as bpftrace: a path is shown as given, a name without one as the file found
                String file = binary.contains("/") ? binary : source.locate(binary).toString();
                if (provider.equals("usdt")) {
                    for (UsdtProbe u : source.usdt(binary)) {
                        String pn = u.provider() + ":" + u.name();
                        if (glob.matcher(pn).matches() || glob.matcher(u.name()).matches()) {
                            lines.add("usdt:" + file + ":" + pn);
                        }
                    }
                } else {
                    for (String f : source.functions(binary)) {
                        if (glob.matcher(f).matches()) {
                            lines.add(provider + ":" + file + ":" + f);
                        }
                    }
                }
            }
            if (verbose && provider.equals("uprobe")) {
                // As bpftrace -lv: each function's parameters from the binary's DWARF.
                for (String line : lines) {
                    out.add(line);
                    String file = line.substring(line.indexOf(':') + 1, line.lastIndexOf(':'));
                    Dwarf dwarf = Dwarf.read(
                            file.contains("/") ? Path.of(file) : source.locate(file));
                    for (var param : dwarf.params(line.substring(line.lastIndexOf(':') + 1)).orElse(List.of())) {
                        out.add("    " + param.type().name() + " " + param.name());
                    }
                }
                return out;
            }
            out.addAll(lines);
            return out;
        }
        Pattern full = AttachPoints.glob(colon < 0 ? "*" + p + "*" : provider + p.substring(colon));
        TreeSet<String> lines = new TreeSet<>();
        for (String e : PerfEvents.softwareEvents()) {
            String name = "software:" + e + ":";
            if (full.matcher(name).matches()) {
                lines.add(name);
            }
        }
        for (String e : PerfEvents.hardwareEvents()) {
            String name = "hardware:" + e + ":";
            if (full.matcher(name).matches()) {
                lines.add(name);
            }
        }
        for (String timer : List.of("interval", "profile")) {
            for (String unit : List.of("hz", "us", "ms", "s")) {
                String name = timer + ":" + unit + ":";
                if (full.matcher(name).matches()) {
                    lines.add(name);
                }
            }
        }
        List<String> tps = new ArrayList<>();
        for (String tp : source.tracepoints()) {
            String name = "tracepoint:" + tp;
            if (full.matcher(name).matches()) {
                tps.add(name);
            }
        }
        out.addAll(lines);
        for (String name : tps) {
            out.add(name);
            if (verbose) {
                String[] cn = name.substring("tracepoint:".length()).split(":", 2);
                source.tracepointFormat(cn[0], cn[1]).ifPresent(f -> {
                    for (TracepointFormat.Field fd : f.fields()) {
                        out.add("    " + declaration(fd));
                    }
                });
            }
        }
        // iterators (current bpftrace lists them before raw tracepoints), each with its fields for -lv
        List<Iterators.Entry> iterators = source.iterators().stream()
                .filter(e -> full.matcher("iter:" + e.name()).matches()).toList();
        for (Iterators.Entry e : iterators.isEmpty() ? iterators : source.listedIterators(iterators, warnings)) {
            out.add("iter:" + e.name());
            if (verbose) {
                for (String param : e.params()) {
                    out.add("    " + param);
                }
            }
        }
        // raw tracepoints, MODULE:NAME; rawtracepoint:NAME is any module's, as bpftrace
        Pattern raw = provider.equals("rawtracepoint") && p.indexOf(':', colon + 1) < 0
                ? AttachPoints.glob("rawtracepoint:*:" + p.substring(colon + 1)) : full;
        for (RawTracepoints.Entry e : source.rawTracepoints()) {
            String name = "rawtracepoint:" + e.qualified();
            if (raw.matcher(name).matches()) {
                out.add(name);
                if (verbose) {
                    for (RawTracepoints.Param param : e.params()) {
                        out.add("    " + param.declaration() + " " + param.name());
                    }
                }
            }
        }
        return out;
    }

    /** Whether a listing pattern names types ({@code struct task_struct}) rather than probes. */
    public static boolean isTypePattern(String pattern) {
        return pattern.startsWith("struct ") || pattern.startsWith("union ") || pattern.startsWith("enum ");
    }

    /**
     * The types of the kernel's BTF that {@code -l 'struct NAME'} lists, as bpftrace: the names
     * ({@code struct task_struct}) the pattern's wildcards match, sorted; with {@code verbose} each
     * one's C definition after {@code vmlinux: }.
     */
    public static List<String> listTypes(String pattern, boolean verbose, Btf btf) {
        Pattern glob = AttachPoints.glob(pattern.strip().replaceAll("\\s+", " "));
        TreeMap<String, Integer> found = new TreeMap<>();
        List<BtfType> types = btf.types();
        for (int id = 1; id < types.size(); id++) {
            String name = switch (types.get(id)) {
                case BtfType.Struct t -> t.name().isEmpty() ? null : "struct " + t.name();
                case BtfType.Union t -> t.name().isEmpty() ? null : "union " + t.name();
                case BtfType.Enum t -> t.name().isEmpty() ? null : "enum " + t.name();
                default -> null;
            };
            if (name != null && glob.matcher(name).matches()) {
                found.putIfAbsent(name, id);
            }
        }
        List<String> out = new ArrayList<>();
        for (var e : found.entrySet()) {
            out.add(verbose ? "vmlinux: " + BtfFormat.declaration(btf, e.getValue()) : e.getKey());
        }
        return out;
    }

    /**
     * The probes {@code -l -p PID [PATTERN]} lists, as bpftrace: the uprobes and USDT probes of
     * the process's executable and of the shared objects it has mapped (a pattern's provider
     * and function part select among them).
     *
     * @throws ProbeSource.ProbeException if the process cannot be read
     */
    public static List<String> listProcess(int pid, String pattern, boolean verbose, ProbeSource source) {
        String p = pattern == null || pattern.isEmpty() ? "*:*" : pattern;
        int colon = p.indexOf(':');
        String provider = colon < 0 ? p : Parser.expandProvider(p.substring(0, colon));
        String what = colon < 0 ? "*" : p.substring(p.lastIndexOf(':') + 1);
        List<String> binaries = ProbeSource.binariesOf(pid).stream().map(Path::toString).toList();
        Pattern pg = AttachPoints.glob(provider);
        List<String> out = new ArrayList<>();
        for (String binary : binaries) {
            for (String concrete : List.of("uprobe", "usdt")) {
                if (pg.matcher(concrete).matches()) {
                    try {
                        out.addAll(list(concrete + ":" + binary + ":" + what, verbose, source));
                    } catch (ProbeSource.ProbeException e) {
                        // a mapped file that is not a readable ELF object (a font, a locale archive)
                    }
                }
            }
        }
        return out;
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    private static int nextColon(String p, int colon) {
        int c = p.indexOf(':', colon + 1);
        return c < 0 ? p.length() : c;
    }

    /**
     * The binaries a listing pattern's file names: itself, or the files its last component's
     * wildcards match ({@code ./testprogs/uprobe_*}), in name order.
     */
    static List<String> binaries(String given) {
        int slash = given.lastIndexOf('/');
        if (!isGlob(given) || slash < 0 || isGlob(given.substring(0, slash))) {
            return List.of(given);
        }
        String dir = given.substring(0, slash);
        Pattern name = AttachPoints.glob(given.substring(slash + 1));
        List<String> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(
                Path.of(dir.isEmpty() ? "/" : dir))) {
            files.filter(Files::isRegularFile)
                    .map(f -> f.getFileName().toString())
                    .filter(n -> name.matcher(n).matches())
                    .sorted()
                    .forEach(n -> out.add(dir + "/" + n));
        } catch (IOException e) {
            throw new ProbeSource.ProbeException("cannot list " + dir + ": " + e.getMessage());
        }
        return out;
    }

    /** A field as bpftrace's {@code -lv} shows it: {@code char prev_comm[16]}, {@code pid_t prev_pid}. */
    static String declaration(TracepointFormat.Field f) {
        String t = f.type();
        int b = t.indexOf('[');
        if (b > 0 && !t.startsWith("__data_loc")) {
            return t.substring(0, b) + " " + f.name() + t.substring(b);
        }
        return t + " " + f.name();
    }
}
