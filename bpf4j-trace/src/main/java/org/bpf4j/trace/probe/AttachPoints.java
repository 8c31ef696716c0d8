package org.bpf4j.trace.probe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;

/**
 * Expands a program's attach points against a {@link ProbeSource}: wildcards become one attach
 * point per match (as bpftrace counts them in "Attaching N probes..."), and each attach point is
 * resolved to what it refers to, or reported as an error at its place in the script. Stateless.
 */
public final class AttachPoints {
    private AttachPoints() {}

    /** Which probes a backend can run. */
    public enum Target {
        /** The bpf4j VM: BEGIN, END, interval and java probes. */
        VM,
        /** The Linux kernel: every probe type bpf4j attaches. */
        KERNEL
    }

    /**
     * The expanded program and what each of its attach points refers to.
     *
     * @param program the program with wildcards expanded
     * @param resolved each attach point's target
     */
    public record Expansion(Program program, Map<AttachPoint, Resolved> resolved) {
        public Expansion {
            resolved = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
        }

        /** The expansion of a program that uses no probes from the machine. */
        public static Expansion empty(Program program) {
            return new Expansion(program, Map.of());
        }

        /** The tracepoint format of an attach point, if it is a tracepoint. */
        public Optional<TracepointFormat> format(AttachPoint ap) {
            return resolved.get(ap) instanceof Resolved.Tracepoint t ? Optional.of(t.format()) : Optional.empty();
        }
    }

    /** The software events bpftrace knows, by every name it accepts, with their default sample periods. */
    private record Event(int config, long defaultPeriod) {}

    private static final Map<String, Event> SOFTWARE = new HashMap<>();
    private static final Map<String, Event> HARDWARE = new HashMap<>();

    static {
        soft(0, 1_000_000, "cpu-clock", "cpu");
        soft(1, 1_000_000, "task-clock");
        soft(2, 100, "page-faults", "faults");
        soft(3, 1_000, "context-switches", "cs");
        soft(4, 1, "cpu-migrations");
        soft(5, 100, "minor-faults");
        soft(6, 1, "major-faults");
        soft(7, 1, "alignment-faults");
        soft(8, 1, "emulation-faults");
        soft(9, 1, "dummy");
        soft(10, 1, "bpf-output");
        hard(0, 1_000_000, "cpu-cycles", "cycles");
        hard(1, 1_000_000, "instructions");
        hard(2, 1_000_000, "cache-references");
        hard(3, 1_000_000, "cache-misses");
        hard(4, 100_000, "branch-instructions", "branches");
        hard(5, 100_000, "branch-misses");
        hard(6, 100_000, "bus-cycles");
        hard(7, 1_000_000, "frontend-stalls");
        hard(8, 1_000_000, "backend-stalls");
        hard(9, 1_000_000, "ref-cycles");
    }

    private static void soft(int config, long period, String... names) {
        for (String n : names) {
            SOFTWARE.put(n, new Event(config, period));
        }
    }

    private static void hard(int config, long period, String... names) {
        for (String n : names) {
            HARDWARE.put(n, new Event(config, period));
        }
    }

    /** The names of the hardware events, for {@code -l}. */
    static List<String> hardwareEvents() {
        return HARDWARE.keySet().stream().sorted().toList();
    }

    /** The names of the software events, for {@code -l}. */
    static List<String> softwareEvents() {
        return SOFTWARE.keySet().stream().sorted().toList();
    }

    /**
     * Expands and resolves every attach point; errors go to {@code diags} at the attach point.
     *
     * @param cpid the pid that uprobes and usdt probes are limited to, or -1 (not used to resolve)
     */
    public static Expansion expand(Program program, ProbeSource source, Target target, Diagnostics diags) {
        Map<AttachPoint, Resolved> resolved = new LinkedHashMap<>();
        List<Probe> probes = new ArrayList<>();
        for (Probe p : program.probes()) {
            List<AttachPoint> points = new ArrayList<>();
            boolean failed = false;
            int skipped = 0;
            for (AttachPoint ap : p.attachPoints()) {
                int before = diags.errorCount();
                int said = diags.list().size();
                Map<AttachPoint, Resolved> one = new LinkedHashMap<>();
                try {
                    resolve(ap, source, target, diags, one);
                } catch (ProbeSource.ProbeException e) {
                    diags.error(ap.span(), e.getMessage());
                }
                if (diags.errorCount() == before) {
                    points.addAll(one.keySet());
                    resolved.putAll(one);
                    if (one.isEmpty() && diags.list().size() > said) {
                        skipped++; // a warning said why it is left out
                    }
                } else {
                    failed = true;
                }
            }
            if (points.isEmpty() && !failed && skipped == p.attachPoints().size()) {
                continue; // every attach point was skipped (uprobes on functions the binary lacks)
            }
            if (points.isEmpty()) {
                points = p.attachPoints();
            }
            probes.add(new Probe(points, p.predicate(), p.body(), p.span()));
        }
        if (probes.isEmpty() && !program.probes().isEmpty()) {
            diags.error(program.probes().getFirst().attachPoints().getFirst().span(), "No probes to attach");
        }
        return new Expansion(new Program(program.directives(), probes, program.maps(), program.config()), resolved);
    }

    private static void resolve(AttachPoint ap, ProbeSource source, Target target, Diagnostics diags,
            Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        switch (ap.provider()) {
            case "BEGIN", "END" -> out.put(ap, new Resolved.Special(ap.provider()));
            case "self" -> out.put(ap, new Resolved.Special("self"));
            case "java" -> out.put(ap, new Resolved.Java());
            case "interval", "profile" -> {
                if (parts.size() != 2 || !parts.get(1).matches("[0-9]+")) {
                    return; // the type checker reports the form
                }
                long n = Long.parseLong(parts.get(1));
                long period = switch (parts.getFirst()) {
                    case "s" -> n * 1_000_000_000L;
                    case "ms" -> n * 1_000_000L;
                    case "us" -> n * 1_000L;
                    case "hz" -> n == 0 ? 0 : 1_000_000_000L / n;
                    default -> -1;
                };
                if (period < 0) {
                    return;
                }
                if (period == 0) {
                    diags.error(ap.span(), ap.provider() + " probe must have a non-zero period");
                    return;
                }
                boolean profile = ap.provider().equals("profile");
                if (profile && target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                out.put(ap, new Resolved.Timer(profile, period, profile && parts.getFirst().equals("hz") ? n : 0));
            }
            case "tracepoint" -> {
                if (parts.size() != 2) {
                    diags.error(ap.span(), "tracepoint probe type requires 2 arguments");
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                String want = parts.get(0) + ":" + parts.get(1);
                if (!want.contains("*") && !want.contains("?")) {
                    Optional<TracepointFormat> f = source.tracepointFormat(parts.get(0), parts.get(1));
                    if (f.isEmpty()) {
                        diags.error(ap.span(), "tracepoint not found: " + want);
                        return;
                    }
                    out.put(ap, new Resolved.Tracepoint(f.get()));
                    return;
                }
                Pattern glob = glob(want);
                for (String tp : source.tracepoints()) {
                    if (glob.matcher(tp).matches()) {
                        String[] cn = tp.split(":", 2);
                        source.tracepointFormat(cn[0], cn[1]).ifPresent(f -> out.put(
                                new AttachPoint(ap.raw(), ap.provider(), List.of(cn[0], cn[1]), ap.span()),
                                new Resolved.Tracepoint(f)));
                    }
                }
                if (out.isEmpty()) {
                    diags.error(ap.span(), "tracepoints not found: " + want);
                }
            }
            case "rawtracepoint" -> {
                if (parts.isEmpty() || parts.size() > 2) {
                    diags.error(ap.span(), "rawtracepoint probe type requires 1 or 2 arguments");
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                String name = parts.getLast();
                if (name.contains("*")) {
                    diags.error(ap.span(), "wildcards in rawtracepoint names are not supported by bpf4j trace");
                    return;
                }
                out.put(ap, new Resolved.RawTracepoint(name));
            }
            case "uprobe", "uretprobe" -> {
                if (parts.size() < 2) {
                    diags.error(ap.span(), ap.provider() + " probe type requires 2 arguments");
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                if (SourceLocations.isSourceLocation(parts)) {
                    SourceLocations.resolve(ap, source, diags, out, name -> binary(ap, name, source));
                    return;
                }
                Path file = binary(ap, parts.getFirst(), source);
                String fn = String.join(":", parts.subList(1, parts.size()));
                boolean ret = ap.provider().equals("uretprobe");
                List<String> functions = source.functions(file.toString());
                if (fn.contains("*")) {
                    Pattern glob = glob(fn);
                    for (String s : functions) {
                        if (glob.matcher(s).matches()) {
                            out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(file.toString(), s), ap.span()),
                                    new Resolved.Uprobe(file, s, ret));
                        }
                    }
                    if (out.isEmpty()) {
                        // bpftrace 0.17 drops such attach points without a word
                        diags.warning(ap.span(), "no functions of " + file + " match '" + fn + "', skipping it");
                    }
                    return;
                }
                if (!functions.contains(fn) && fn.matches("0x[0-9a-fA-F]+|[0-9]+")) {
                    // uprobe:BIN:ADDRESS: the function holding that virtual address, at its offset there
                    long address = fn.startsWith("0x") ? Long.parseUnsignedLong(fn.substring(2), 16)
                            : Long.parseUnsignedLong(fn);
                    Optional<Map.Entry<String, Long>> at = source.functionAt(file.toString(), address);
                    if (at.isEmpty()) {
                        diags.error(ap.span(), "Could not resolve address: " + file + ":0x" + Long.toHexString(address));
                        return;
                    }
                    long value = at.get().getValue();
                    if (value != 0 && ret) {
                        diags.error(ap.span(), "uretprobes can not be placed at an offset into a function");
                        return;
                    }
                    String problem = value == 0 ? null
                            : source.uprobeOffsetProblem(file.toString(), at.get().getKey(), value);
                    if (problem != null) {
                        diags.error(ap.span(), problem);
                        return;
                    }
                    // probe shows the address in decimal, as bpftrace 0.17
                    out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(parts.getFirst(),
                            Long.toUnsignedString(address)), ap.span()), new Resolved.Uprobe(file, at.get().getKey(), ret,
                            value));
                    return;
                }
                java.util.regex.Matcher offset = Pattern.compile("(.+)\\+(0x[0-9a-fA-F]+|[0-9]+)").matcher(fn);
                if (!functions.contains(fn) && offset.matches() && functions.contains(offset.group(1))) {
                    // FUNC+OFFSET: inside the function and at an instruction boundary, as bpftrace checks
                    String off = offset.group(2);
                    long value = off.startsWith("0x") ? Long.parseLong(off.substring(2), 16) : Long.parseLong(off);
                    fn = offset.group(1);
                    if (value != 0 && ret) {
                        diags.error(ap.span(), "uretprobes can not be placed at an offset into a function");
                        return;
                    }
                    if (value != 0) {
                        String problem = source.uprobeOffsetProblem(file.toString(), fn, value);
                        if (problem != null) {
                            diags.error(ap.span(), problem);
                            return;
                        }
                        out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(parts.getFirst(), fn + "+" + value),
                                ap.span()), new Resolved.Uprobe(file, fn, ret, value));
                        return;
                    }
                }
                if (!functions.contains(fn)) {
                    diags.warning(ap.span(), "function '" + fn + "' not found in " + file + ", skipping it");
                    return;
                }
                out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(parts.getFirst(), fn), ap.span()),
                        new Resolved.Uprobe(file, fn, ret));
            }
            case "usdt" -> {
                if (parts.size() < 2 || parts.size() > 3) {
                    diags.error(ap.span(), "usdt probe type requires 2 or 3 arguments");
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                String given = parts.getFirst();
                List<Path> files = new ArrayList<>();
                if (given.isEmpty()) {
                    // usdt::PROVIDER:NAME: the binaries of the process of -p, as bpftrace
                    files.addAll(source.processBinaries());
                    if (files.isEmpty()) {
                        diags.error(ap.span(), "usdt probe without a binary needs a process (-p PID)");
                        return;
                    }
                } else if (given.contains("*") || given.contains("?")) {
                    for (String f : ProbeListing.binaries(given)) {
                        files.add(Path.of(f));
                    }
                } else {
                    files.add(binary(ap, given, source));
                }
                // an empty provider (usdt:FILE::NAME) matches any, as a wildcard
                Pattern provider = glob(parts.size() == 3 && !parts.get(1).isEmpty() ? parts.get(1) : "*");
                Pattern name = glob(parts.getLast());
                for (Path file : files) {
                    Map<String, List<UsdtProbe>> found = new LinkedHashMap<>();
                    List<UsdtProbe> probes;
                    try {
                        probes = source.usdt(file.toString());
                    } catch (ProbeSource.ProbeException e) {
                        if (files.size() > 1 || given.isEmpty()) {
                            continue; // a file of a glob or a process that is not an ELF object
                        }
                        throw e;
                    }
                    for (UsdtProbe u : probes) {
                        if (provider.matcher(u.provider()).matches() && name.matcher(u.name()).matches()) {
                            found.computeIfAbsent(u.provider() + ":" + u.name(), k -> new ArrayList<>()).add(u);
                        }
                    }
                    String shown = given.isEmpty() || files.size() > 1 ? file.toString() : given;
                    for (List<UsdtProbe> sites : found.values()) {
                        UsdtProbe u = sites.getFirst();
                        out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(shown, u.provider(), u.name()),
                                ap.span()), new Resolved.Usdt(file, u.provider(), u.name(), sites));
                    }
                }
                if (out.isEmpty()) {
                    diags.error(ap.span(), "no USDT probe " + String.join(":", parts.subList(1, parts.size()))
                            + " in " + (given.isEmpty() ? "process" : given));
                }
            }
            case "software", "hardware" -> {
                boolean soft = ap.provider().equals("software");
                if (parts.isEmpty() || parts.size() > 2) {
                    diags.error(ap.span(), ap.provider() + " probe type requires 1 or 2 arguments");
                    return;
                }
                Event e = (soft ? SOFTWARE : HARDWARE).get(parts.getFirst());
                if (e == null) {
                    diags.error(ap.span(), parts.getFirst() + " is not a " + ap.provider() + " probe");
                    return;
                }
                long period = e.defaultPeriod();
                if (parts.size() == 2 && !parts.get(1).isEmpty()) {
                    if (!parts.get(1).matches("[0-9]+") || Long.parseLong(parts.get(1)) == 0) {
                        diags.error(ap.span(), ap.provider() + " probe count must be a positive integer");
                        return;
                    }
                    period = Long.parseLong(parts.get(1));
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                out.put(ap, new Resolved.PerfCounter(soft ? 1 : 0, e.config(), period));
            }
            case "kprobe", "kretprobe" -> diags.error(ap.span(), ap.provider() + " probes cannot be attached here: "
                    + kprobeReason());
            case "kfunc", "kretfunc", "fentry", "fexit" -> diags.error(ap.span(), ap.provider()
                    + " probes cannot be attached here: the kernel refuses fentry/fexit programs under lockdown "
                    + "(and bpf4j trace does not generate them yet)");
            default -> diags.error(ap.span(), ap.provider() + " probes are not supported by bpf4j trace yet");
        }
    }

    /** Why kprobes cannot be attached on this machine. */
    static String kprobeReason() {
        boolean pmu = Files.isDirectory(Path.of("/sys/bus/event_source/devices/kprobe"));
        if (!pmu) {
            return "this kernel has no kprobes (no kprobe PMU in /sys/bus/event_source/devices: CONFIG_KPROBES "
                    + "is not set)";
        }
        return "bpf4j trace does not attach kprobes yet";
    }

    private static void vmOnly(AttachPoint ap, Diagnostics diags) {
        diags.error(ap.span(), ap.provider() + " probes need the kernel backend (the VM backend runs BEGIN, END, "
                + "interval and java probes)");
    }

    private static Path binary(AttachPoint ap, String name, ProbeSource source) {
        Path file;
        try {
            file = source.locate(name);
        } catch (ProbeSource.ProbeException e) {
            throw new ProbeSource.ProbeException(ap.provider() + " target file '" + name
                    + "' does not exist or is not executable");
        }
        return file;
    }

    /** A glob with {@code *} and {@code ?} as a regular expression. */
    static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
