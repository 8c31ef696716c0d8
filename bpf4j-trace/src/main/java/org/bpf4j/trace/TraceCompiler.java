package org.bpf4j.trace;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.codegen.Compiler;
import org.bpf4j.trace.codegen.PidNamespace;
import org.bpf4j.trace.codegen.Transport;
import org.bpf4j.trace.parse.HeaderMacros;
import org.bpf4j.trace.parse.Parser;
import org.bpf4j.trace.parse.Preprocessor;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.sema.KernelTypes;
import org.bpf4j.trace.sema.ProbeBuiltins;
import org.bpf4j.trace.sema.SemanticAnalyser;
import org.bpf4j.trace.sema.Settings;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * The pipeline from script text to eBPF: parse, type-check, generate. Each stage reports to one
 * {@link Diagnostics}; a stage runs only if the one before it had no errors. Stateless.
 */
public final class TraceCompiler {
    private TraceCompiler() {}

    /** The result of each stage that ran (empty from the first stage with errors on). */
    public record Result(Optional<Program> program, Optional<TypedProgram> typed, Optional<CompiledScript> compiled,
            Diagnostics diagnostics) {
        /** The compiled script. @throws TraceException with the diagnostics if there is none */
        public CompiledScript orThrow(Source source) {
            return compiled.orElseThrow(() -> new TraceException(source, diagnostics));
        }
    }

    /** Runs the stages over a script with positional parameters, for the VM (ring buffer events). */
    public static Result compile(Source source, List<String> params) {
        return compile(source, params, false);
    }

    /**
     * Runs the stages; with {@code queue}, events go through a queue map (for the kernel backend,
     * which reads them with lookup-and-delete) instead of a ring buffer.
     */
    public static Result compile(Source source, List<String> params, boolean queue) {
        return compile(source, params, new Options(queue, ProbeSource.none(), AttachPoints.Target.VM, false, true));
    }

    /**
     * How to compile.
     *
     * @param queue events through a queue map instead of a ring buffer
     * @param probes where attach points are looked up (tracefs, binaries)
     * @param target the backend the programs are for (which probe types it can run)
     * @param unsafe whether unsafe functions ({@code system}) are allowed ({@code --unsafe})
     * @param child whether a command runs under {@code -c} ({@code cpid} is refused without one)
     * @param helperChecks helper calls checked for failure: 0 none ({@code --no-warnings}), 1 current
     *     bpftrace's default (map updates), 2 its {@code -k} (0.17's {@code -kk}: memory reads, map
     *     lookups and deletes too)
     * @param probeFilter only the attach points whose name this finds are kept (BEGIN, END and
     *     signals always are: {@code --probe-filter}), or null for all
     * @param filterPid the process of {@code -p}: probes that cannot be limited to it when attached
     *     (tracepoints, raw tracepoints) return at once in other processes; -1 for none
     * @param process what a watchpoint's name calls the traced process ({@link AttachPoints.Policy#process()}:
     *     {@code /proc/PID/exe} for {@code -p}, the command's program for {@code -c}), or null
     */
    public record Options(boolean queue, ProbeSource probes, AttachPoints.Target target, boolean unsafe,
            boolean child, int helperChecks, Pattern probeFilter, int filterPid, String process) {
        /** Options without a traced process named. */
        public Options(boolean queue, ProbeSource probes, AttachPoints.Target target, boolean unsafe, boolean child,
                int helperChecks, Pattern probeFilter, int filterPid) {
            this(queue, probes, target, unsafe, child, helperChecks, probeFilter, filterPid, null);
        }

        /** Options without a pid filter. */
        public Options(boolean queue, ProbeSource probes, AttachPoints.Target target, boolean unsafe, boolean child,
                int helperChecks, Pattern probeFilter) {
            this(queue, probes, target, unsafe, child, helperChecks, probeFilter, -1);
        }

        /** Options with current bpftrace's default helper checks (level 1: map updates). */
        public Options(boolean queue, ProbeSource probes, AttachPoints.Target target, boolean unsafe, boolean child) {
            this(queue, probes, target, unsafe, child, 1, null);
        }

        /** Options without a probe filter. */
        public Options(boolean queue, ProbeSource probes, AttachPoints.Target target, boolean unsafe, boolean child,
                int helperChecks) {
            this(queue, probes, target, unsafe, child, helperChecks, null);
        }

        /** These options with helper calls checked at {@code level}: 0 none, 1 by default, 2 as {@code -k}. */
        public Options withHelperChecks(int level) {
            return new Options(queue, probes, target, unsafe, child, level, probeFilter, filterPid, process);
        }

        /** These options with the probes of another source ({@code -p}: {@link ProbeSource#forProcess}). */
        public Options withProbes(ProbeSource source) {
            return new Options(queue, source, target, unsafe, child, helperChecks, probeFilter, filterPid, process);
        }

        /** These options keeping only the attach points whose name {@code filter} finds ({@code --probe-filter}). */
        public Options withProbeFilter(Pattern filter) {
            return new Options(queue, probes, target, unsafe, child, helperChecks, filter, filterPid, process);
        }

        /** These options with the probes that cannot be limited to process {@code pid} when attached filtering on it ({@code -p}). */
        public Options withPidFilter(int pid) {
            return new Options(queue, probes, target, unsafe, child, helperChecks, probeFilter, pid, process);
        }

        /**
         * These options with the traced process named in watchpoints' names as current bpftrace
         * names it: {@code /proc/PID/exe} for {@code -p PID}, the program of {@code -c CMD} as found
         * (its first word, on {@code PATH} if it has no slash).
         */
        public Options withProcess(String name) {
            return new Options(queue, probes, target, unsafe, child, helperChecks, probeFilter, filterPid, name);
        }

        /** Options for the VM backend: ring buffer events, no machine probes, safe, no command. */
        public static Options vm() {
            return new Options(false, ProbeSource.none(), AttachPoints.Target.VM, false, false);
        }

        /** Options for the kernel backend of this machine. */
        public static Options kernel(boolean unsafe, boolean child) {
            return new Options(false, ProbeSource.system(), AttachPoints.Target.KERNEL, unsafe, child);
        }
    }

    /**
     * What a run takes from its surroundings, apart from the {@link Options}: the environment (whose
     * {@code BPFTRACE_*} variables set config variables), the headers included before the script
     * ({@code --include}), the directories searched for headers first ({@code -I}) and the
     * directories searched for what the script imports after its own directory (current
     * bpftrace's import paths; the command line has none).
     */
    public record Setup(Map<String, String> env, List<String> includes, List<Path> includeDirs,
            List<Path> importDirs) {
        public Setup {
            env = Map.copyOf(env);
            includes = List.copyOf(includes);
            includeDirs = List.copyOf(includeDirs);
            importDirs = List.copyOf(importDirs);
        }

        /** A setup whose imports are looked for in the script's directory only. */
        public Setup(Map<String, String> env, List<String> includes, List<Path> includeDirs) {
            this(env, includes, includeDirs, List.of());
        }

        /** This process's environment, no extra headers. */
        public static Setup system() {
            return new Setup(System.getenv(), List.of(), List.of());
        }
    }

    /** Runs the stages: parse, expand the attach points, type-check, generate; with this process's environment. */
    public static Result compile(Source source, List<String> params, Options options) {
        return compile(source, params, options, Setup.system());
    }

    /**
     * Runs the stages: parse, expand the attach points, type-check, generate; on a thread with a
     * deep stack ({@link DeepStack}), so that a deeply nested script compiles, and one nested
     * deeper still is an error placed where it nests deepest.
     */
    public static Result compile(Source source, List<String> args, Options options, Setup setup) {
        try {
            return DeepStack.call(() -> stages(source, args, options, setup));
        } catch (StackOverflowError e) {
            return nestedTooDeeply(source);
        }
    }

    /** The error of a script whose compilation overflowed even the deep stack, placed where it nests deepest. */
    static Result nestedTooDeeply(Source source) {
        Diagnostics d = new Diagnostics();
        int[] depth = new int[1];
        Span at = DeepStack.deepestBracket(source.text(), depth);
        d.error(at, "The script is nested too deeply for bpf4j trace to compile (" + depth[0]
                + " levels of brackets here; a long chain of operators such as 1+1+...+1 nests as deeply)");
        return new Result(Optional.empty(), Optional.empty(), Optional.empty(), d);
    }

    private static Result stages(Source source, List<String> args, Options options, Setup setup) {
        Diagnostics d = new Diagnostics();
        // as bpftrace: --name[=value] among the program's arguments (after --) is a named argument
        // for getopt(); the others are the positional parameters $1, $2, ...
        List<String> params = new ArrayList<>();
        Map<String, String> named = new HashMap<>();
        for (String a : args) {
            if (a.startsWith("--") && a.length() > 2) {
                int eq = a.indexOf('=');
                named.put(eq < 0 ? a.substring(2) : a.substring(2, eq), eq < 0 ? null : a.substring(eq + 1));
            } else {
                params.add(a);
            }
        }
        // a checked program sees the kernel's types as the kernel backend's does
        boolean kernelTarget = options.target() != AttachPoints.Target.VM;
        // BPFTRACE_BTF names the file the kernel's types are read from, as in current bpftrace,
        // which warns (once, before anything else) when it cannot read it and goes on without them
        String btfProblem = kernelTarget ? KernelTypes.environmentProblem(setup.env()) : null;
        if (btfProblem != null) {
            d.warning(Span.NONE, btfProblem);
        }
        Map<String, String> predefined = kernelTarget && btfProblem == null
                && Files.isReadable(KernelTypes.path(setup.env()))
                ? Map.of(Preprocessor.HAVE_BTF, "1") : Map.of();
        Optional<Program> program = Parser.parse(source, d, predefined, setup.includes(),
                HeaderMacros.system().withDirs(setup.includeDirs()), setup.importDirs(),
                setup.env());
        if (program.isEmpty()) {
            return new Result(program, Optional.empty(), Optional.empty(), d);
        }
        program = Optional.of(withParams(program.get(), params, d));
        if (d.hasErrors()) {
            return new Result(program, Optional.empty(), Optional.empty(), d);
        }
        AttachPoints.Policy policy = new AttachPoints.Policy(options.unsafe(),
                Settings.missingProbes(program.get().config(), setup.env()), options.process(),
                Settings.resolve(program.get().config(), setup.env(), new Diagnostics())
                        .maxBpfProgs(), options.filterPid() > 0);
        Program parsed = program.get();
        // as current bpftrace, the builtins a probe type cannot have are reported before attach points match
        AttachPoints.Expansion expansion = AttachPoints.expand(parsed, options.probes(), options.target(), policy, d,
                () -> ProbeBuiltins.check(parsed, d));
        if (d.hasErrors()) {
            return new Result(program, Optional.empty(), Optional.empty(), d);
        }
        if (options.probeFilter() != null) {
            expansion = new AttachPoints.Expansion(filtered(expansion.program(), options.probeFilter()),
                    expansion.resolved());
        }
        if (options.filterPid() > 0) {
            expansion = new AttachPoints.Expansion(PidFilter.apply(expansion.program(), options.filterPid()),
                    expansion.resolved());
        }
        KernelTypes types = kernelTarget
                ? KernelTypes.system(setup.env()).withBinaries(expansion.resolved().values().stream()
                        .<Path>mapMulti((r, out) -> {
                            if (r instanceof Resolved.Uprobe u) {
                                out.accept(u.binary());
                            }
                        }).distinct().toList()).withDefinitions(program.get().directives())
                : KernelTypes.none();
        if (types.definitionFailure() != null) {
            String first = program.get().directives().stream().filter(x -> !x.startsWith("#")).findFirst().orElse("");
            int at = Math.max(0, source.text().indexOf(first));
            d.error(new Span(at, at + Math.max(1, first.indexOf('{') + 1)), types.definitionFailure());
            return new Result(Optional.of(expansion.program()), Optional.empty(), Optional.empty(), d);
        }
        Optional<TypedProgram> typed = SemanticAnalyser.analyse(expansion.program(), params, named, expansion,
                options.unsafe(), options.child(), types, setup.env(), d);
        if (typed.isEmpty()) {
            return new Result(Optional.of(expansion.program()), typed, Optional.empty(), d);
        }
        if (options.target() == AttachPoints.Target.VM && typed.get().firstDwarfStack().isPresent()) {
            // the VM runs no process's code (no -c, -p, uprobes): there is no user stack to unwind
            d.error(typed.get().firstDwarfStack().get(), "dw_ustack is not available on the VM backend (it runs "
                    + "no process to unwind; -c, -p and uprobes need the kernel backend: use --backend kernel)");
            return new Result(Optional.of(expansion.program()), Optional.empty(), Optional.empty(), d);
        }
        // as current bpftrace, pid and tid in the kernel are the tracer's namespace's ids
        Optional<PidNamespace> pidns = options.target() == AttachPoints.Target.KERNEL
                ? PidNamespace.ofThisProcess() : Optional.empty();
        return new Result(Optional.of(expansion.program()), typed, options.queue()
                ? Compiler.compileForQueue(typed.get(), d, options.helperChecks(), pidns)
                : Compiler.compile(typed.get(), d, Transport.RING_BUFFER,
                        options.helperChecks(), pidns), d);
    }

    /**
     * The program without the attach points whose name {@code filter} does not find, as bpftrace's
     * {@code --probe-filter} (BEGIN, END and {@code self} probes stay), nor the probes left without one.
     */
    private static Program filtered(Program program, Pattern filter) {
        List<Probe> probes = new ArrayList<>();
        for (Probe p : program.probes()) {
            List<AttachPoint> kept = p.attachPoints().stream()
                    .filter(a -> a.provider().equals("BEGIN") || a.provider().equals("END")
                            || a.provider().equals("self") || filter.matcher(a.name()).find())
                    .toList();
            if (kept.size() == p.attachPoints().size()) {
                probes.add(p);
            } else if (!kept.isEmpty()) {
                probes.add(new Probe(kept, p.predicate(), p.body(), p.span(), p.predicateSpan()));
            }
        }
        return program.withProbes(probes);
    }

    private static final Pattern PARAM = Pattern.compile("\\$([0-9]+)");

    /** Replaces positional parameters in attach points ({@code interval:ms:$1}) by their values, as bpftrace. */
    private static Program withParams(Program program, List<String> params, Diagnostics d) {
        List<Probe> probes = new ArrayList<>();
        boolean any = false;
        for (Probe p : program.probes()) {
            List<AttachPoint> points = new ArrayList<>();
            for (AttachPoint a : p.attachPoints()) {
                if (!a.raw().contains("$")) {
                    points.add(a);
                    continue;
                }
                any = true;
                List<String> parts = new ArrayList<>();
                for (String part : a.parts()) {
                    parts.add(substitute(part, params, a, d));
                }
                String raw = substitute(a.raw(), params, a, d);
                String provider = a.provider();
                String given = a.given() == null ? null : substitute(a.given(), params, a, d);
                if (provider.contains("$")) {
                    // a parameter may also make the provider (BEG$1 with $1 = IN), or the whole attach
                    // point ($1 with $1 = i:ms:1), as in bpftrace: the text is split again
                    List<String> split = List.of(raw.split(":", -1));
                    String front = split.getFirst();
                    int eq = front.indexOf('=');
                    if (eq >= 0 && eq != front.length() - 1) {
                        given = front.substring(0, eq); // NAME=provider
                        front = front.substring(eq + 1);
                    }
                    provider = Parser.expandProvider(front);
                    parts = new ArrayList<>(split.subList(1, split.size()));
                }
                points.add(new AttachPoint(raw, provider, parts, a.span(), given));
            }
            probes.add(any ? new Probe(points, p.predicate(), p.body(), p.span(), p.predicateSpan()) : p);
        }
        return any ? program.withProbes(probes) : program;
    }

    private static String substitute(String text, List<String> params, AttachPoint a, Diagnostics d) {
        Matcher m = PARAM.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String digits = m.group(1);
            if (digits.length() > 9 && new BigInteger(digits).bitLength() > 64) {
                if (!d.hasErrors()) {
                    d.error(a.span(), "positional parameter is not valid: overflow error, maximum value is "
                            + Long.toUnsignedString(-1) + ": " + digits);
                }
                continue;
            }
            long n = digits.length() > 9 ? Long.MAX_VALUE : Long.parseLong(digits);
            String value = "";
            if (n >= 1 && n <= params.size()) {
                value = params.get((int) n - 1);
            } else if (!d.hasErrors()) {
                d.error(a.span(), "Positional parameter $" + n + " is not provided (attach point " + a.raw() + ")");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
