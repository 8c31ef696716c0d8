package org.bpf4j.trace.probe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Glob;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AstRewriter;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Expr;
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
        KERNEL,
        /**
         * No backend: the program is checked, never attached (tests of the language). As
         * {@link #KERNEL}, but the probes of kernel functions (kprobe, kretprobe, fentry, fexit,
         * kfunc, kretfunc) are checked for their form only and kept unresolved, so the type checker
         * sees them whether or not this machine could attach them.
         */
        CHECK
    }

    /**
     * The expanded program and what each of its attach points refers to.
     *
     * @param program the program with wildcards expanded
     * @param resolved each attach point's target
     */
    public record Expansion(Program program, Map<AttachPoint, Resolved> resolved) {
        public Expansion {
            resolved = Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
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

    /** What to do with an attach point that matches nothing: current bpftrace's {@code missing_probes}. */
    public enum MissingProbes {
        /** An error (the default). */
        ERROR,
        /** A warning, and the attach point is left out. */
        WARN,
        /** The attach point is left out without a word. */
        IGNORE;

        /** The value of the config variable ({@code error}, {@code warn}, {@code ignore}, any case), or null. */
        public static MissingProbes of(String value) {
            return switch (value.strip().toLowerCase(Locale.ROOT)) {
                case "error" -> ERROR;
                case "warn" -> WARN;
                case "ignore" -> IGNORE;
                default -> null;
            };
        }
    }

    /**
     * How attach points are resolved.
     *
     * @param unsafe {@code --unsafe}: uprobes on functions of unknown size are placed
     * @param missing what an attach point that matches nothing is
     * @param process what current bpftrace names the traced process by in a watchpoint's name:
     *     {@code /proc/PID/exe} under {@code -p}, the command's program under {@code -c}; null for
     *     none (a watchpoint on a kernel address)
     * @param maxBpfProgs the most programs the wildcards of a script may expand to ({@code max_bpf_progs})
     * @param traced whether probes are limited to one process ({@code -p}): each match of a USDT
     *     attach point is then a program of its own, as in current bpftrace
     */
    public record Policy(boolean unsafe, MissingProbes missing, String process, long maxBpfProgs, boolean traced) {
        /** current bpftrace's default {@code max_bpf_progs}. */
        public static final long MAX_BPF_PROGS = 1024;

        /** bpftrace's defaults: safe, a missing probe is an error. */
        public static final Policy DEFAULT = new Policy(false, MissingProbes.ERROR);

        /** A policy without a traced process. */
        public Policy(boolean unsafe, MissingProbes missing) {
            this(unsafe, missing, null);
        }

        /** A policy with current bpftrace's default {@code max_bpf_progs}. */
        public Policy(boolean unsafe, MissingProbes missing, String process) {
            this(unsafe, missing, process, MAX_BPF_PROGS);
        }

        /** A policy without {@code -p}. */
        public Policy(boolean unsafe, MissingProbes missing, String process, long maxBpfProgs) {
            this(unsafe, missing, process, maxBpfProgs, false);
        }
    }

    /** A probe that bpftrace finds only when it attaches it; reported without a place in the script. */
    private static final class AttachFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        AttachFailure(String message) {
            super(message, null, false, false);
        }
    }

    /** Expands and resolves every attach point with bpftrace's defaults ({@link Policy#DEFAULT}). */
    public static Expansion expand(Program program, ProbeSource source, Target target, Diagnostics diags) {
        return expand(program, source, target, Policy.DEFAULT, diags);
    }

    /**
     * Expands and resolves every attach point; errors go to {@code diags} at the attach point. An
     * attach point without a wildcard that matches nothing is reported as {@code policy} says
     * ("No matches for ..."); one with a wildcard is left out, and a probe left without attach
     * points is reported ("Probe has no valid attach points").
     */
    public static Expansion expand(Program program, ProbeSource source, Target target, Policy policy,
            Diagnostics diags) {
        return expand(program, source, target, policy, diags, () -> { });
    }

    /**
     * {@link #expand(Program, ProbeSource, Target, Policy, Diagnostics)} with a check run between
     * the attach points' own checks and their matching, as current bpftrace's passes run: when the
     * attach points' forms are right, {@code beforeMatching} runs, and if it reports errors, the
     * matching's ("No matches for ...", "Probe has no valid attach points") are not reported.
     */
    public static Expansion expand(Program program, ProbeSource source, Target target, Policy policy,
            Diagnostics diags, Runnable beforeMatching) {
        int initialErrors = diags.errorCount();
        List<Map.Entry<Span, String>> unmatched = new ArrayList<>(); // the matching's errors, reported last
        Map<AttachPoint, Resolved> resolved = new LinkedHashMap<>();
        List<Probe> probes = new ArrayList<>();
        // the names of bench and test probes, each with where it was first given
        Map<String, Map<String, Span>> named = Map.of("bench", new HashMap<>(), "test", new HashMap<>());
        long programsExpanded = 0; // what current bpftrace counts against max_bpf_progs
        for (Probe p : program.probes()) {
            if (!p.attachPoints().isEmpty() && p.attachPoints().stream().allMatch(ap -> ap.provider().isEmpty())) {
                // current bpftrace drops an attach point without provider (::k::f, :w:...); none left is an error
                diags.error(p.attachPoints().getFirst().span().to(p.attachPoints().getLast().span()),
                        "No attach points for probe");
                continue;
            }
            boolean usesProbe = usesProbeBuiltin(p); // bpftrace then expands each attach point fully
            List<AttachPoint> points = new ArrayList<>();
            boolean failed = false;
            boolean attachSkipped = false;
            boolean iterSeen = false;
            for (AttachPoint ap : p.attachPoints()) {
                int before = diags.errorCount();
                if (ap.provider().equals("iter")) {
                    if (iterSeen) {
                        diags.error(ap.span(), "iter probe only supports one attach point.");
                        failed = true;
                        continue;
                    }
                    iterSeen = true;
                }
                Map<String, Span> names = named.get(ap.provider());
                Span first = names == null || ap.parts().size() != 1 ? null
                        : names.putIfAbsent(ap.parts().getFirst(), ap.span());
                if (first != null) {
                    diags.error(ap.span(), "\"" + ap.parts().getFirst() + "\" was used as the name for more than one "
                            + ap.provider().toUpperCase(Locale.ROOT) + " probe");
                    diags.context(first, "this is the other instance");
                }
                Map<AttachPoint, Resolved> one = new LinkedHashMap<>();
                try {
                    resolve(ap, source, target, policy, diags, one);
                } catch (ProbeSource.ProbeException e) {
                    diags.error(ap.span(), e.getMessage());
                } catch (AttachFailure e) {
                    attachFailure(ap, e.getMessage(), policy, diags);
                    failed |= diags.errorCount() != before;
                    attachSkipped = true;
                    continue; // left out (with a warning, or silently) when missing probes are allowed
                }
                if (diags.errorCount() != before) {
                    failed = true;
                    continue;
                }
                if (expandsToPrograms(ap, source, policy) || usesProbe && !one.isEmpty()) {
                    programsExpanded += one.size();
                    if (Long.compareUnsigned(programsExpanded, policy.maxBpfProgs()) > 0) {
                        // current bpftrace's words (it names its count, not the limit, after "more than")
                        diags.error(ap.span(), "Your program is trying to generate more than " + programsExpanded
                                + " BPF programs, which exceeds the current limit of "
                                + Long.toUnsignedString(policy.maxBpfProgs()));
                        diags.hint("You can increase the limit through the BPFTRACE_MAX_BPF_PROGS environment variable.");
                        failed = true;
                        break; // as bpftrace, the probe's other attach points are not looked at
                    }
                }
                if (one.isEmpty() && (!MATCHED.contains(ap.provider()) || target == Target.CHECK
                        && CHECKED_FORM_ONLY.contains(ap.provider()))) {
                    points.add(ap); // a form the type checker reports, or a kprobe/fentry checked for its form only
                    continue;
                }
                if (one.isEmpty() && !wildcard(ap) && policy.missing() != MissingProbes.IGNORE) {
                    // current bpftrace names the probe type: fentry for kfunc, fexit for kretfunc
                    String what = (ap.provider().equals("kfunc") ? "fentry" : ap.provider().equals("kretfunc")
                            ? "fexit" : ap.provider()) + " " + matchName(ap);
                    if (policy.missing() == MissingProbes.ERROR) {
                        unmatched.add(Map.entry(ap.span(), "No matches for " + what + "."));
                        failed = true;
                        continue;
                    }
                    diags.warning(ap.span(), "No matches for " + what + ". Skipping.");
                }
                points.addAll(one.keySet());
                resolved.putAll(one);
            }
            if (failed) {
                probes.add(new Probe(p.attachPoints(), p.predicate(), p.body(), p.span(), p.predicateSpan()));
                continue;
            }
            if (points.isEmpty() && attachSkipped) {
                continue; // bpftrace finds these when attaching, after it has checked the probes
            }
            if (points.isEmpty()) {
                Span at = p.attachPoints().getFirst().span();
                switch (policy.missing()) {
                    case ERROR -> {
                        unmatched.add(Map.entry(at, "Probe has no valid attach points. If this is expected, set the "
                                + "'missing_probes' config variable to 'warn'."));
                        probes.add(new Probe(p.attachPoints(), p.predicate(), p.body(), p.span(), p.predicateSpan()));
                    }
                    case WARN -> diags.warning(at, "Probe has no valid attach points. It is being removed which "
                            + "may cause issues with program behavior.");
                    case IGNORE -> { }
                }
                continue;
            }
            probes.add(new Probe(points, p.predicate(), p.body(), p.span(), p.predicateSpan()));
        }
        if (diags.errorCount() == initialErrors) {
            int before = diags.errorCount();
            beforeMatching.run();
            if (diags.errorCount() != before) {
                unmatched.clear();
            }
        }
        for (Map.Entry<Span, String> e : unmatched) {
            diags.error(e.getKey(), e.getValue());
        }
        if (!diags.hasErrors()) {
            Iterators.checkAlone(probes, diags);
        }
        // no probe left (all missing, ignored): not an error of the script; current bpftrace's "No
        // probes to attach" is the runtime's, printed by the command that would run it
        return new Expansion(program.withProbes(probes), resolved);
    }

    /**
     * A number in an attach point ({@code interval:ms:100}, {@code software:cpu:1e6}), read as
     * bpftrace reads integers ({@code 1e6}, {@code 1_000}, {@code 0x10}, unit suffixes), or null.
     */
    public static Long count(String text) {
        try {
            long v = IntText.parseUnsigned(text);
            return v < 0 ? null : v;
        } catch (IntText.Invalid e) {
            return null;
        }
    }

    /** The providers whose attach points are looked up on the machine (and so may match nothing). */
    /** Providers whose attach points the CHECK target checks for their form only (never looked up). */
    private static final Set<String> CHECKED_FORM_ONLY = Set.of("kprobe", "kretprobe", "kfunc", "kretfunc", "fentry",
            "fexit");

    private static final Set<String> MATCHED = Set.of("uprobe", "uretprobe", "usdt", "tracepoint",
            "rawtracepoint", "kprobe", "kretprobe", "kfunc", "kretfunc", "fentry", "fexit");

    /**
     * Whether an attach point may match any number of probes (bpftrace expands it): a wildcard in
     * a part, a raw tracepoint without a module (any module), a USDT probe without a file or provider.
     */
    static boolean wildcard(AttachPoint ap) {
        List<String> parts = ap.parts();
        if (parts.stream().anyMatch(AttachPoints::isGlob)) {
            return true;
        }
        return switch (ap.provider()) {
            case "rawtracepoint" -> parts.size() < 2;
            case "usdt" -> parts.isEmpty() || parts.getFirst().isEmpty() || parts.size() == 3 && parts.get(1).isEmpty();
            default -> false;
        };
    }

    /**
     * Whether current bpftrace gives each match of an attach point a program of its own (its full
     * expansion), counted against {@code max_bpf_progs}: wildcard tracepoints, raw tracepoints,
     * kprobes (bpf4j has no kprobe_multi), fentry/fexit probes and iterators, and USDT probes with a
     * wildcard or without a provider; in a probe that reads the {@code probe} builtin, every attach
     * point that resolves to something; USDT probes under {@code -p}; wildcard uprobes without
     * uprobe_multi ({@link ProbeSource#uprobeMulti()}: bpf4j, as bpftrace, otherwise attaches a
     * wildcard uprobe's matches in a binary as one uprobe_multi program).
     */
    private static boolean expandsToPrograms(AttachPoint ap, ProbeSource source, Policy policy) {
        return switch (ap.provider()) {
            case "tracepoint", "rawtracepoint", "kprobe", "kretprobe", "fentry", "fexit", "iter" ->
                    ap.parts().stream().anyMatch(AttachPoints::isGlob);
            case "uprobe", "uretprobe" -> !source.uprobeMulti() && ap.parts().stream().anyMatch(AttachPoints::isGlob);
            case "usdt" -> wildcard(ap) || policy.traced();
            default -> false;
        };
    }

    /** Whether a probe's predicate or body reads the {@code probe} builtin. */
    private static boolean usesProbeBuiltin(Probe p) {
        boolean[] found = {false};
        AstRewriter finder = new AstRewriter() {
            @Override
            public Expr builtin(Expr.Builtin b) {
                found[0] |= b.name().equals("probe");
                return super.builtin(b);
            }

            @Override
            public Expr call(Expr.Call c) {
                found[0] |= c.name().equals("probe") && c.args().isEmpty();
                return super.call(c);
            }
        };
        p.predicate().ifPresent(finder::expr);
        finder.stmts(p.body());
        return found[0];
    }

    /** The {@code TARGET:FUNCTION} that bpftrace's "No matches for" names. */
    private static String matchName(AttachPoint ap) {
        List<String> parts = ap.parts();
        return switch (ap.provider()) {
            case "uprobe", "uretprobe" -> parts.getFirst() + ":" + String.join(":", parts.subList(1, parts.size()));
            case "usdt" -> parts.getFirst() + ":" + parts.getLast();
            default -> String.join(":", parts);
        };
    }

    /** A failure to place a probe, as bpftrace reports it when attaching (no place in the script). */
    private static void attachFailure(AttachPoint ap, String message, Policy policy, Diagnostics diags) {
        switch (policy.missing()) {
            case ERROR -> {
                diags.error(Span.NONE, message);
                diags.error(Span.NONE, "Unable to attach probe: " + ap.raw() + ". If this is expected, set the "
                        + "'missing_probes' config variable to 'warn'.");
            }
            case WARN -> {
                diags.warning(Span.NONE, message);
                diags.warning(Span.NONE, "Unable to attach probe: " + ap.raw() + ". Skipping.");
            }
            case IGNORE -> { }
        }
    }

    private static void resolve(AttachPoint ap, ProbeSource source, Target target, Policy policy, Diagnostics diags,
            Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        switch (ap.provider()) {
            case "BEGIN", "END" -> out.put(ap, new Resolved.Special(ap.provider()));
            case "self" -> out.put(ap, new Resolved.Special("self"));
            case "bench", "test" -> {
                // current bpftrace's benchmarks and tests: run by --mode bench or --mode test
                // (BPF_PROG_TEST_RUN), never attached
                if (parts.size() != 1) {
                    diags.error(ap.span(), ap.provider() + " probe type requires 1 arguments, found " + parts.size());
                } else if (parts.getFirst().isEmpty()) {
                    diags.error(ap.span(), ap.provider() + " probes must have a name");
                } else {
                    out.put(ap, new Resolved.Special(ap.provider()));
                }
            }
            case "java" -> out.put(ap, new Resolved.Java());
            case "interval", "profile" -> {
                Long count = parts.size() == 2 ? count(parts.get(1)) : null;
                if (count == null) {
                    return; // the type checker reports the form
                }
                long n = count;
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
                    diags.error(ap.span(), "tracepoint probe type requires 2 arguments, found " + parts.size());
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
                        return; // no match: reported by expand
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
            }
            case "rawtracepoint" -> {
                if (parts.isEmpty() || parts.size() > 2) {
                    // current bpftrace's words, the counts in this order
                    diags.error(ap.span(), "rawtracepoint probe type requires 2 or 1 arguments, found " + parts.size());
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                String name = parts.getLast();
                List<RawTracepoints.Entry> all = source.rawTracepoints();
                if (all.isEmpty()) {
                    // no BTF to look them up in: attached by the name given
                    if (parts.stream().anyMatch(AttachPoints::isGlob) || parts.size() == 2) {
                        diags.error(ap.span(), "rawtracepoint wildcards and modules need the kernel's BTF ("
                                + RawTracepoints.BTF_DIR + "/vmlinux)");
                        return;
                    }
                    out.put(ap, new Resolved.RawTracepoint(name));
                    return;
                }
                // rawtracepoint:NAME is any module's, as bpftrace (rawtracepoint:*:NAME)
                Pattern module = glob(parts.size() == 2 ? parts.getFirst() : "*");
                Pattern names = glob(name);
                for (RawTracepoints.Entry e : all) {
                    if (module.matcher(e.module()).matches() && names.matcher(e.name()).matches()) {
                        out.put(parts.size() == 2 && !wildcard(ap) ? ap.withParts(List.of(e.module(), e.name()))
                                : new AttachPoint(ap.raw(), ap.provider(), List.of(e.module(), e.name()), ap.span()),
                                new Resolved.RawTracepoint(e.name(), Optional.of(e)));
                    }
                }
            }
            case "uprobe", "uretprobe" -> {
                if (parts.size() < 2) {
                    diags.error(ap.span(), ap.provider() + " probe type requires 2 or 3 arguments, found "
                            + parts.size());
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
                String fn = String.join(":", parts.subList(1, parts.size()));
                boolean ret = ap.provider().equals("uretprobe");
                // current bpftrace's checks of the function part, before it looks at the file
                if (ret && parts.getLast().contains("+")) {
                    diags.error(ap.span(), "Offset not allowed");
                    return;
                }
                if (isGlob(parts.getFirst()) && count(parts.getLast()) != null) {
                    diags.error(ap.span(), "Cannot use wildcards with absolute address");
                    return;
                }
                if (isGlob(parts.getFirst())) {
                    // uprobe:*:FUNC (with -p, the process's files), uprobe:./bin/*:FUNC: each file's matches
                    Pattern glob = glob(fn);
                    for (Path file : wildcardFiles(parts.getFirst(), source)) {
                        List<String> functions;
                        try {
                            functions = source.functions(file.toString());
                        } catch (ProbeSource.ProbeException e) {
                            continue; // a mapped file that is not an ELF object
                        }
                        for (String s : functions) {
                            if (glob.matcher(s).matches()) {
                                out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(file.toString(), s), ap.span()),
                                        new Resolved.Uprobe(file, s, ret, 0, true));
                            }
                        }
                    }
                    return;
                }
                Path file = binary(ap, parts.getFirst(), source);
                boolean byAddress = fn.matches("0x[0-9a-fA-F]+|[0-9]+");
                List<String> functions;
                try {
                    functions = source.functions(file.toString());
                } catch (ProbeSource.ProbeException e) {
                    if (!byAddress || !policy.unsafe()) {
                        throw e;
                    }
                    functions = List.of(); // not an ELF object (a flat binary): the address is its offset
                }
                if (fn.contains("*")) {
                    Pattern glob = glob(fn);
                    // the probe builtin shows a path as written (./bin), as bpftrace; a name found on
                    // PATH or in another mount namespace as the file found
                    String shown = parts.getFirst().indexOf('/') >= 0 && Path.of(parts.getFirst()).toAbsolutePath()
                            .normalize().equals(file.toAbsolutePath().normalize()) ? parts.getFirst() : file.toString();
                    for (String s : functions) {
                        if (glob.matcher(s).matches()) {
                            out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(shown, s), ap.span()),
                                    new Resolved.Uprobe(file, s, ret, 0, true));
                        }
                    }
                    return;
                }
                if (!functions.contains(fn) && byAddress) {
                    // uprobe:BIN:ADDRESS: the function holding that virtual address, at its offset there
                    long address = fn.startsWith("0x") ? Long.parseUnsignedLong(fn.substring(2), 16)
                            : Long.parseUnsignedLong(fn);
                    Optional<Map.Entry<String, Long>> at = functions.isEmpty() ? Optional.empty()
                            : source.functionAt(file.toString(), address);
                    if (at.isEmpty() && policy.unsafe()) {
                        // as bpftrace with --unsafe: placed at that offset of the file, unchecked
                        diags.warning(Span.NONE, "Could not determine instruction boundary for " + ap.raw()
                                + " (binary appears stripped). Misaligned probes can lead to tracee crashes!");
                        out.put(ap.withParts(List.of(parts.getFirst(),
                                Long.toUnsignedString(address))), new Resolved.Uprobe(file, null, ret,
                                address));
                        return;
                    }
                    if (at.isEmpty()) {
                        throw new AttachFailure("Could not resolve address: " + file + ":0x"
                                + Long.toHexString(address));
                    }
                    long value = at.get().getValue();
                    if (value != 0 && ret) {
                        throw new AttachFailure("uretprobes cannot be attached at function offset. (address resolved "
                                + "to: " + at.get().getKey() + "+" + value + ")");
                    }
                    String problem = value == 0 ? sizeProblem(source, file, at.get().getKey(), policy)
                            : source.uprobeOffsetProblem(file.toString(), at.get().getKey(), value);
                    if (problem != null) {
                        throw new AttachFailure(problem);
                    }
                    // probe shows the address in decimal, as bpftrace 0.17
                    out.put(ap.withParts(List.of(parts.getFirst(),
                            Long.toUnsignedString(address))), new Resolved.Uprobe(file, at.get().getKey(), ret,
                            value));
                    return;
                }
                Matcher offset = Pattern.compile("(.+)\\+(0x[0-9a-fA-F]+|[0-9]+)").matcher(fn);
                if (!functions.contains(fn) && offset.matches() && functions.contains(offset.group(1))) {
                    // FUNC+OFFSET: inside the function and at an instruction boundary, as bpftrace checks
                    String off = offset.group(2);
                    long value = off.startsWith("0x") ? Long.parseLong(off.substring(2), 16) : Long.parseLong(off);
                    fn = offset.group(1);
                    if (value != 0 && ret) {
                        throw new AttachFailure("uretprobes cannot be attached at function offset. (address resolved "
                                + "to: " + fn + "+" + value + ")");
                    }
                    if (value != 0) {
                        String problem = source.uprobeOffsetProblem(file.toString(), fn, value);
                        if (problem != null) {
                            throw new AttachFailure(problem);
                        }
                        out.put(ap.withParts(List.of(parts.getFirst(), fn + "+" + value)),
                                new Resolved.Uprobe(file, fn, ret, value));
                        return;
                    }
                }
                if (!functions.contains(fn)) {
                    return; // no match: reported by expand
                }
                String problem = sizeProblem(source, file, fn, policy);
                if (problem != null) {
                    throw new AttachFailure(problem);
                }
                out.put(ap.withParts(List.of(parts.getFirst(), fn)),
                        new Resolved.Uprobe(file, fn, ret));
            }
            case "usdt" -> {
                if (parts.size() < 2 || parts.size() > 3) {
                    diags.error(ap.span(), "usdt probe type requires 2 or 3 arguments, found " + parts.size());
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
                } else if (isGlob(given)) {
                    files.addAll(wildcardFiles(given, source));
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
                    String shown = given.isEmpty() || isGlob(given) ? file.toString() : given;
                    for (List<UsdtProbe> sites : found.values()) {
                        UsdtProbe u = sites.getFirst();
                        out.put(new AttachPoint(ap.raw(), ap.provider(), List.of(shown, u.provider(), u.name()),
                                ap.span()), new Resolved.Usdt(file, u.provider(), u.name(), sites));
                    }
                }
            }
            case "software", "hardware" -> {
                boolean soft = ap.provider().equals("software");
                if (parts.isEmpty() || parts.size() > 2) {
                    diags.error(ap.span(), ap.provider() + " probe type requires 1 or 2 arguments, found "
                            + parts.size());
                    return;
                }
                PerfEvents.Event e = PerfEvents.find(soft, parts.getFirst());
                if (e == null) {
                    diags.error(ap.span(), parts.getFirst() + " is not a " + ap.provider() + " probe");
                    return;
                }
                long period = e.defaultPeriod();
                if (parts.size() == 2 && !parts.get(1).isEmpty()) {
                    try {
                        IntText.parseUnsigned(parts.get(1));
                    } catch (IntText.Invalid invalid) {
                        // current bpftrace's words, with its integer parser's reason
                        diags.error(ap.span(), "Invalid count for " + ap.provider() + " probe: " + invalid.getMessage());
                        return;
                    }
                    Long count = count(parts.get(1));
                    if (count == null || count == 0) {
                        diags.error(ap.span(), ap.provider() + " probe count must be a positive integer");
                        return;
                    }
                    period = count;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                out.put(ap, new Resolved.PerfCounter(soft ? 1 : 0, e.config(), period));
            }
            case "iter" -> Iterators.resolve(ap, source, target, diags, out);
            case "watchpoint" -> Watchpoints.resolve(ap, target, policy.process(), diags, out);
            case "asyncwatchpoint", "aw" -> Watchpoints.removed(ap, diags);
            case "kprobe", "kretprobe" -> {
                int before = diags.errorCount();
                kprobeForm(ap, policy, diags);
                if (target == Target.CHECK || diags.errorCount() != before) {
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                kprobe(ap, source.kernelFunctions(), policy, diags, out);
            }
            case "kfunc", "kretfunc", "fentry", "fexit" -> {
                int before = diags.errorCount();
                fentryForm(ap, diags);
                if (target == Target.CHECK || diags.errorCount() != before) {
                    return;
                }
                if (target == Target.VM) {
                    vmOnly(ap, diags);
                    return;
                }
                fentry(ap, source, diags, out);
            }
            // a provider current bpftrace does not have (asdf, foo= of "foo=:x"): its parser's message
            default -> diags.error(ap.span(), "Invalid probe type: " + ap.provider());
        }
    }

    /** The form of a kprobe attach point ({@code kprobe[:MODULE]:FUNCTION[+OFFSET]}), as bpftrace checks it. */
    private static void kprobeForm(AttachPoint ap, Policy policy, Diagnostics diags) {
        List<String> parts = ap.parts();
        if (parts.isEmpty() || parts.size() > 2) {
            diags.error(ap.span(), ap.provider() + " probe type requires 1 or 2 arguments, found " + parts.size());
            return;
        }
        String fn = parts.getLast();
        int plus = fn.indexOf('+');
        if (plus >= 0) {
            if (ap.provider().equals("kretprobe")) {
                diags.error(ap.span(), "Offset not allowed");
            } else if (fn.indexOf('+', plus + 1) >= 0) {
                diags.error(ap.span(), "Cannot take more than one offset");
            } else if (plus == 0 || plus == fn.length() - 1) {
                diags.error(ap.span(), "Invalid offset");
            } else if (count(fn.substring(plus + 1)) == null) {
                diags.error(ap.span(), "Invalid offset: " + fn.substring(plus + 1));
            }
            return;
        }
        if (fn.isEmpty()) {
            // current bpftrace's words (its attach point check, for kretprobe too)
            diags.error(ap.span(), "kprobes should be attached to a function or an address");
            return;
        }
        if (!policy.unsafe() && count(fn) != null && Character.isDigit(fn.charAt(0))) {
            diags.error(ap.span(), "Probing by address requires --unsafe");
        }
    }

    /**
     * A kprobe attach point resolved as current bpftrace resolves it against the traceable
     * functions: a module named must be loaded; a function that is not traceable is warned about
     * ("attaching to it will likely fail") and, unless {@code --unsafe}, matches nothing; a wildcard
     * matches the traceable functions; an address ({@code --unsafe}) is taken as it is. Whether the
     * kernel can attach it is found when attaching ({@code KernelBackend}), as bpftrace finds it.
     */
    private static void kprobe(AttachPoint ap, KernelFunctions kernel, Policy policy, Diagnostics diags,
            Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        boolean ret = ap.provider().equals("kretprobe");
        String module = parts.size() == 2 ? parts.getFirst() : null;
        String fn = parts.getLast();
        long offset = 0;
        int plus = fn.indexOf('+');
        if (plus > 0) {
            offset = count(fn.substring(plus + 1));
            fn = fn.substring(0, plus);
        }
        if (!fn.isEmpty() && Character.isDigit(fn.charAt(0)) && count(fn) != null) {
            // kprobe:0xADDR (--unsafe, checked by kprobeForm): named by its address in decimal, as bpftrace
            long address = count(fn);
            out.put(ap.withParts(List.of(Long.toUnsignedString(address))), new Resolved.Kprobe(null, null, address, ret));
            return;
        }
        boolean wild = isGlob(fn) || module != null && isGlob(module);
        if (!wild) {
            if (module != null && !module.equals("vmlinux") && !kernel.moduleLoaded(module)) {
                diags.error(ap.span(), "specified module " + module + " in probe " + ap.provider() + ":" + module + ":"
                        + fn + " is not loaded.");
                return;
            }
            boolean traceable = kernel.traceable(module, fn);
            if (!traceable && policy.missing() != MissingProbes.IGNORE) {
                diags.warning(ap.span(), fn + " is not traceable (either non-existing, inlined, or marked as "
                        + "\"notrace\"); attaching to it will likely fail");
            }
            if (traceable || policy.unsafe()) {
                out.put(ap, new Resolved.Kprobe(module, fn, offset, ret));
            }
            return; // else no match: reported by expand as missing_probes says
        }
        Pattern names = glob(fn);
        for (Map.Entry<String, String> m : kernel.matching(module == null ? null : glob(module), names)) {
            List<String> newParts = module == null ? List.of(m.getValue()) : List.of(m.getKey(), m.getValue());
            out.put(new AttachPoint(ap.raw(), ap.provider(), newParts, ap.span()),
                    new Resolved.Kprobe(m.getKey(), m.getValue(), 0, ret));
        }
    }

    /** The form of an fentry attach point ({@code fentry[:MODULE]:FUNCTION}, {@code fentry:bpf[:ID]:NAME}). */
    /**
     * An fentry/fexit attach point ({@code kfunc[:MODULE]:FUNCTION}, wildcards allowed): each
     * matching function of the kernel's BTF (and the traceable functions, when they are known),
     * as current bpftrace expands them; none left is "No matches for ...".
     */
    private static void fentry(AttachPoint ap, ProbeSource source, Diagnostics diags, Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        if (parts.getFirst().equals("bpf")) {
            diags.error(ap.span(), "fentry/fexit probes on BPF programs are not supported by bpf4j trace");
            return;
        }
        boolean ret = ap.provider().equals("kretfunc") || ap.provider().equals("fexit");
        Pattern module = glob(parts.size() == 2 ? parts.getFirst() : "*");
        Pattern names = glob(parts.getLast());
        KernelFunctions traceable = source.kernelFunctions();
        boolean known = !traceable.functions().isEmpty();
        for (FentryFunctions.Function f : source.fentryFunctions()) {
            if (!module.matcher(f.module()).matches() || !names.matcher(f.name()).matches()
                    || known && !traceable.traceable(f.module(), f.name())) {
                continue;
            }
            AttachPoint point = wildcard(ap) ? new AttachPoint(ap.raw(), ap.provider(),
                    parts.size() == 2 ? List.of(f.module(), f.name()) : List.of(f.name()), ap.span()) : ap;
            out.putIfAbsent(point, new Resolved.Fentry(f, ret));
        }
    }

    private static void fentryForm(AttachPoint ap, Diagnostics diags) {
        List<String> parts = ap.parts();
        if (parts.isEmpty() || parts.size() > 3) {
            diags.error(ap.span(), ap.provider() + " probe type requires 1 or 3 arguments, found " + parts.size());
        } else if (parts.getFirst().equals("bpf")) {
            if (parts.size() == 1) {
                diags.error(ap.span(), "the 'bpf' variant of this probe requires a bpf program name and optional "
                        + "bpf program id");
            } else if (parts.size() == 3 && !parts.get(1).equals("*") && count(parts.get(1)) == null) {
                diags.error(ap.span(), "bpf program id must be a number or '*'");
            }
        } else if (parts.size() == 3) {
            diags.error(ap.span(), "Only the 'bpf' variant of this probe supports 4 arguments");
        }
    }

    /** Why kprobes cannot be attached on this machine. */
    public static String kprobeReason() {
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

    /**
     * Why a uprobe cannot be placed at the entry of a function whose size the symbol table does
     * not give (bpftrace cannot check the boundary), or null: it can, or {@code --unsafe} says so.
     */
    private static String sizeProblem(ProbeSource source, Path file, String fn, Policy policy) {
        if (policy.unsafe() || source.functionSize(file.toString(), fn) != 0) {
            return null;
        }
        return "Could not determine boundary for " + fn + " (symbol has size 0).\nUse --unsafe to force attachment. "
                + "WARNING: This option could lead to data corruption in the target process.";
    }

    static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    /**
     * The files a wildcard target names: with {@code -p}, the process's executable and mapped
     * files whose path it matches ({@code *} for all of them, as bpftrace); a name without a
     * directory, those of every running process; else the files of a directory that its last
     * component matches ({@code ./testprogs/usdt_*}).
     */
    private static List<Path> wildcardFiles(String given, ProbeSource source) {
        List<Path> process = source.processBinaries();
        if (!process.isEmpty()) {
            Pattern glob = glob(given);
            return process.stream().filter(f -> glob.matcher(f.toString()).matches()
                    || glob.matcher(f.getFileName().toString()).matches()).toList();
        }
        if (given.indexOf('/') < 0) {
            // uprobe:*:FUNC without -p: the files every running process has mapped, as bpftrace
            Pattern glob = glob(given);
            return ProbeSource.binariesOfRunningProcesses().stream().filter(f -> glob.matcher(f.toString()).matches()
                    || glob.matcher(f.getFileName().toString()).matches()).toList();
        }
        List<Path> out = new ArrayList<>();
        for (String f : ProbeListing.binaries(given)) {
            out.add(Path.of(f));
        }
        return out;
    }

    /** A glob with {@code *} and {@code ?} as a regular expression ({@link Glob}). */
    static Pattern glob(String glob) {
        return Glob.pattern(glob);
    }
}
