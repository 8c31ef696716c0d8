package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Disassembler;
import org.bpf4j.linux.Kernel;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.trace.DeepStack;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.TraceCompiler;
import org.bpf4j.trace.ast.AstPrinter;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.parse.Parser;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.KernelFunctions;
import org.bpf4j.trace.probe.ProbeListing;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.runtime.AttachException;
import org.bpf4j.trace.runtime.Backend;
import org.bpf4j.trace.runtime.Capture;
import org.bpf4j.trace.runtime.ChildCommand;
import org.bpf4j.trace.runtime.KernelBackend;
import org.bpf4j.trace.runtime.LoadFailure;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.ProbeRunException;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.bpf4j.trace.runtime.VmBackend;
import org.bpf4j.trace.sema.KernelTypes;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Settings;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.sema.TypedProgram;
import org.bpf4j.trace.symbols.DebugFiles;
import org.bpf4j.vm.VmOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j trace}: runs a bpftrace script. */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = TraceCommand.Version.class,
        synopsisHeading = "USAGE:%n    ",
        description = {"Compiles a bpftrace script to eBPF and runs it, printing what bpftrace prints.",
            "Errors in the script and on the command line are reported as bpftrace reports them, with its exit "
                    + "status: 1; 255 when the programs cannot be loaded or attached."})
final class TraceCommand implements Callable<Integer> {
    /**
     * Exit status when the programs cannot be loaded (the verifier refuses one) or attached, or no
     * probe is left attached: current bpftrace's run returns -1 there, which the shell sees as 255.
     * Errors in the script and on the command line give 1 ({@link Main#EXIT_FAILED}), as bpftrace.
     */
    static final int EXIT_RUN_FAILED = 255;

    @Spec
    private CommandSpec spec;

    @Option(names = "-e", paramLabel = "PROGRAM", description = "the script text (given again, the last one, "
            + "as bpftrace)")
    private List<String> programs = new ArrayList<>();
    private String program;

    @Parameters(paramLabel = "FILE.bt [PARAM...]", arity = "0..*",
            description = "the script file (unless -e is given), then the positional parameters $1, $2, ...")
    private List<String> args = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "vm|kernel",
            description = "where the programs run: the Linux kernel (the default when bpf() works: every probe "
                    + "type bpf4j attaches) or the bpf4j VM (the default otherwise: BEGIN, END and interval)")
    private String backend;

    @Option(names = "-f", paramLabel = "text|json", defaultValue = "text", description = "output format")
    private String format = "text";

    @Option(names = {"-c", "--cmd"}, paramLabel = "CMD", description = "run CMD (words split at blanks), trace it from its "
            + "start (uprobes and usdt probes limited to it, cpid is its pid) and stop when it ends")
    private String command;

    @Option(names = {"-p", "--pid"}, paramLabel = "PID", description = "limit the probes to process PID: uprobes, usdt "
            + "probes and perf events (profile, software, hardware) attached for it, tracepoints filtered by pid")
    private String pid;

    @Option(names = {"-l", "--list"}, description = "list the probes that match the pattern (the first argument; all if none): "
            + "tracepoints, software and hardware events, uprobe:FILE:* functions, usdt:FILE:* probes")
    private boolean list;

    @Option(names = {"-v", "--verbose"}, description = "verbose: with -l, the fields of each tracepoint; a program the kernel refuses is reported with the verifier's log (each load logs into a buffer of log_size bytes, as bpftrace)")
    private boolean verbose;

    @Option(names = "--unsafe", description = "allow unsafe functions (system)")
    private boolean unsafe;

    @Option(names = "-d", description = "print the syntax tree with types, the maps and the generated eBPF, "
            + "and do not run")
    private boolean debug;

    @Option(names = {"-q", "--quiet"}, description = "quiet: do not print \"Attached N probes\"")
    private boolean quiet;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write the script's output to FILE instead of standard output")
    private Path outputFile;

    @Option(names = "--include", paramLabel = "FILE", description = "include the header FILE before the script "
            + "(its macros), as #include <FILE> on the first line")
    private List<String> includes = new ArrayList<>();

    @Option(names = "-I", paramLabel = "DIR", description = "search DIR for included headers first")
    private List<String> includeDirs = new ArrayList<>();

    @Option(names = "--info", description = "print the system, the build and the kernel's features for tracing")
    private boolean info;

    @Option(names = {"-k", "--warnings"}, description = "warn when a helper fails: map updates and deletes, "
            + "memory reads, map lookups that find nothing (with the place in the script)")
    private boolean helperChecks;

    @Option(names = "-kk", description = "the same as -k (bpftrace 0.17's -kk; current bpftrace's -k checks lookups too)")
    private boolean allHelperChecks;

    @Option(names = "--no-warnings", description = "print no warnings (of the compiler or at run time)")
    private boolean noWarnings;

    @Option(names = "--dry-run", description = "compile, load and attach every probe, then stop: BEGIN does not "
            + "run and nothing is printed but errors")
    private boolean dryRun;

    @Option(names = "--probe-filter", paramLabel = "REGEX", description = "attach only the probes whose name "
            + "(provider:...) REGEX finds (BEGIN and END are always kept)")
    private String probeFilter;

    @Option(names = "-B", paramLabel = "line|full|none", description = "output buffering: accepted for bpftrace's "
            + "sake; bpf4j flushes after each event's output (line)")
    private String buffering;

    @Option(names = "--dwarf-pid", paramLabel = "PID", description = "a process dw_ustack unwinds (its unwind tables "
            + "are read at start-up; -p and -c give theirs too); may be repeated")
    private List<String> dwarfPids = new ArrayList<>();

    @Option(names = "--usdt-file-activation", description = "activate USDT semaphores in every process running "
            + "the file: always so here, since the kernel counts them (uprobe reference counters)")
    private boolean usdtFileActivation;

    @Option(names = "--debuginfo", paramLabel = "DIR[:DIR]", description = "search these directories for the "
            + "separate debug information of binaries (relative ones under each binary's directory), before the "
            + "binary's own directory, its .debug and /usr/lib/debug")
    private List<String> debugInfo = new ArrayList<>();

    @Option(names = "--no-feature", paramLabel = "FEATURE[,FEATURE]", description = "do not use these features "
            + "of the kernel: uprobe_multi (wildcard uprobes and usdt probes then take one link per site); "
            + "kprobe_multi and kprobe_session are accepted (bpf4j uses neither)")
    private String noFeature;

    @Option(names = "--traceable-functions", paramLabel = "FILE", description = "the kernel functions kprobes may "
            + "attach to, in the format of tracefs's available_filter_functions, read instead of it (where that cannot "
            + "be read, bpf4j reads the functions of /proc/kallsyms)")
    private String traceableFunctions;

    @Option(names = "--mode", paramLabel = "MODE", description = "bench: run the bench: probes (BPF_PROG_TEST_RUN, "
            + "many times each) and print the mean time of a run; test: run the test: probes once each and report "
            + "which passed; instead of attaching probes; format: print the script in current bpftrace's layout")
    private String mode;

    @Option(names = "--bench", description = "the same as --mode bench")
    private boolean bench;

    @Option(names = "--test", description = "the same as --mode test")
    private boolean test;

    @Option(names = "--fmt", description = "the same as --mode format (current bpftrace's script formatter): "
            + "not supported")
    private boolean fmt;

    /** The {@code --version} text of {@code bpf4j trace}. */
    static final class Version implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {TraceInfo.versionLine()};
        }
    }

    /**
     * The options {@link FastTrace} parses without picocli: true for a flag, false for an option
     * with a value. Every {@code @Option} of this class belongs here ({@code FastTraceTest} checks
     * it; one missing still works, through picocli, but starts slower). Set by {@link #setFast}.
     */
    static final Map<String, Boolean> FAST_OPTIONS = Map.ofEntries(Map.entry("-e", false),
            Map.entry("--backend", false), Map.entry("-f", false), Map.entry("-c", false), Map.entry("--cmd", false),
            Map.entry("-p", false), Map.entry("--pid", false), Map.entry("-l", true), Map.entry("--list", true),
            Map.entry("-v", true), Map.entry("--verbose", true), Map.entry("--unsafe", true), Map.entry("-d", true),
            Map.entry("-q", true), Map.entry("--quiet", true), Map.entry("--include", false), Map.entry("-I", false),
            Map.entry("--info", true), Map.entry("-o", false), Map.entry("--output", false), Map.entry("-k", true),
            Map.entry("--warnings", true), Map.entry("-kk", true), Map.entry("--usdt-file-activation", true),
            Map.entry("--dwarf-pid", false),
            Map.entry("--no-warnings", true), Map.entry("--dry-run", true), Map.entry("--probe-filter", false),
            Map.entry("-B", false), Map.entry("--debuginfo", false), Map.entry("--mode", false),
            Map.entry("--bench", true), Map.entry("--test", true), Map.entry("--fmt", true), Map.entry("--no-feature", false),
            Map.entry("--traceable-functions", false));

    /**
     * Sets an option of {@link #FAST_OPTIONS} ({@code value} is null for a flag); false if the
     * value is malformed (picocli then reports it).
     */
    boolean setFast(String name, String value) {
        switch (name) {
            case "-e" -> program = value;
            case "--backend" -> backend = value;
            case "-f" -> format = value;
            case "-c", "--cmd" -> command = value;
            case "-p", "--pid" -> pid = value;
            case "-l", "--list" -> list = true;
            case "-v", "--verbose" -> verbose = true;
            case "--unsafe" -> unsafe = true;
            case "-d" -> debug = true;
            case "-q", "--quiet" -> quiet = true;
            case "-o", "--output" -> outputFile = Path.of(value);
            case "--include" -> includes.add(value);
            case "-I" -> includeDirs.add(value);
            case "--info" -> info = true;
            case "-k", "--warnings" -> helperChecks = true;
            case "-kk" -> allHelperChecks = true;
            case "--usdt-file-activation" -> usdtFileActivation = true;
            case "--dwarf-pid" -> dwarfPids.add(value);
            case "--no-warnings" -> noWarnings = true;
            case "--dry-run" -> dryRun = true;
            case "--probe-filter" -> probeFilter = value;
            case "-B" -> buffering = value;
            case "--debuginfo" -> debugInfo.add(value);
            case "--mode" -> mode = value;
            case "--bench" -> bench = true;
            case "--test" -> test = true;
            case "--fmt" -> fmt = true;
            case "--no-feature" -> noFeature = value;
            case "--traceable-functions" -> traceableFunctions = value;
            default -> throw new IllegalArgumentException("not a fast option: " + name);
        }
        return true;
    }

    /** Sets the positional arguments (the script file, then its parameters) when picocli does not. */
    void setArgs(List<String> args) {
        this.args = new ArrayList<>(args);
    }

    /** Standard output and error when started without picocli ({@link FastTrace}). */
    private PrintWriter fastOut;
    private PrintWriter fastErr;

    /** Gives the command its output streams when picocli does not inject its spec. */
    void useStreams(PrintWriter out, PrintWriter err) {
        this.fastOut = out;
        this.fastErr = err;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec != null ? spec.commandLine().getOut() : fastOut;
        PrintWriter err = spec != null ? spec.commandLine().getErr() : fastErr;
        // current bpftrace's colours on its log lines (a terminal, or BPFTRACE_COLOR=always)
        if (LogColors.enabled(System.getenv("BPFTRACE_COLOR"), LogColors.standardStreamsAreTerminals(), err)) {
            PrintWriter coloured = LogColors.wrap(err);
            try {
                return trace(out, coloured);
            } finally {
                coloured.flush();
            }
        }
        return trace(out, err);
    }

    private Integer trace(PrintWriter out, PrintWriter err) throws Exception {
        if (!programs.isEmpty()) {
            program = programs.getLast();
        }
        // the script's text and its parameters as bpftrace reads them: bytes (one char per byte, as
        // a script file is read), not the characters the JVM decoded the command line into
        if (program != null) {
            program = Bytes.ofArgument(program);
        }
        args = new ArrayList<>(args.stream().map(Bytes::ofArgument).toList());
        DebugFiles.searchFirst(debugInfo);
        if (info) {
            TraceInfo.print(out);
            return Main.EXIT_OK;
        }
        if (command != null && command.isEmpty()) {
            command = null; // as bpftrace: an empty -c is no command
        }
        // bpftrace's checks of the command line, in its words
        if (command != null && pid != null) {
            return bpftraceError(err, "USAGE: Cannot use both -c and -p.");
        }
        if (noWarnings && (helperChecks || allHelperChecks)) {
            return bpftraceError(err, "USAGE: -k, --warnings conflicts with --no-warnings");
        }
        if (buffering != null && !buffering.equals("line") && !buffering.equals("full") && !buffering.equals("none")) {
            return bpftraceError(err, "USAGE: -B must be either 'line', 'full', or 'none'.");
        }
        if (noFeature != null && !Arrays.stream(noFeature.split(",", -1)).allMatch(
                f -> f.equals("kprobe_multi") || f.equals("kprobe_session") || f.equals("uprobe_multi"))) {
            return bpftraceError(err, "USAGE: --no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.");
        }
        if (mode != null && !List.of("codegen", "compiler-bench", "bench", "test", "format").contains(mode)) {
            return bpftraceError(err, "USAGE: --mode can only be 'codegen', 'compiler-bench', 'bench', 'test' or 'format'.");
        }
        if (bench && mode != null) {
            return bpftraceError(err, "USAGE: --bench conflicts with existing --mode");
        }
        if (test && (mode != null || bench)) {
            return bpftraceError(err, "USAGE: --test conflicts with existing --mode");
        }
        if (fmt && (mode != null || bench || test)) {
            return bpftraceError(err, "USAGE: --fmt conflicts with existing --mode");
        }
        if (fmt) {
            return bpftraceError(err, "--fmt (--mode format) is not supported by bpf4j trace");
        }
        if (mode != null && !mode.equals("bench") && !mode.equals("test")) {
            return bpftraceError(err, "--mode " + mode + " is not supported by bpf4j trace");
        }
        if (pid != null) {
            long p;
            try {
                p = IntText.parseUnsigned(pid);
            } catch (IntText.Invalid e) {
                return bpftraceError(err, "Failed to parse pid: " + e.getMessage());
            }
            if (Long.compareUnsigned(p, MAX_PID) > 0) {
                return bpftraceError(err, "Pid out of range: " + Long.toUnsignedString(p));
            }
            pid = Long.toString(p);
            if (p == 0 || !Files.isDirectory(Path.of("/proc", pid))) {
                // current bpftrace opens a pidfd for the process before anything else
                err.println("ERROR: Failed to attach to pid: Unable to open pidfd ("
                        + (p == 0 ? "Invalid argument" : "No such process") + ")");
                err.flush();
                return Main.EXIT_FAILED;
            }
        }
        if (command != null) {
            try {
                ChildCommand.check(command); // before compiling, as current bpftrace forks the child first
            } catch (IllegalArgumentException e) {
                err.println("ERROR: Failed to fork child: " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            }
        }
        for (int i = 0; i < dwarfPids.size(); i++) {
            long p;
            try {
                p = IntText.parseUnsigned(dwarfPids.get(i));
            } catch (IntText.Invalid e) {
                return bpftraceError(err, "Failed to parse dwarf pid: " + e.getMessage());
            }
            if (Long.compareUnsigned(p, MAX_PID) > 0) {
                return bpftraceError(err, "Pid out of range: " + Long.toUnsignedString(p));
            }
            dwarfPids.set(i, Long.toString(p));
        }
        Pattern filter = null;
        if (probeFilter != null) {
            try {
                filter = Pattern.compile(probeFilter);
            } catch (PatternSyntaxException e) {
                return bpftraceError(err, "Invalid --probe-filter regex '" + probeFilter + "': "
                        + e.getDescription());
            }
        }
        if (list) {
            return list(out, err);
        }
        if (!debug) {
            TraceProcess.catchInterrupt(); // before compiling: a Ctrl-C from now on ends the run as bpftrace's
        }
        List<String> params = new ArrayList<>(args);
        Source source = script(params, err);
        if (source == null) {
            return Main.EXIT_FAILED;
        }
        if (!format.equals("text") && !format.equals("json")) {
            return bpftraceError(err, "Invalid output format \"" + format + "\"\nValid formats: 'text', 'json'");
        }
        if (backend != null && !backend.equals("vm") && !backend.equals("kernel")) {
            throw CommandFailure.badInput("unknown backend \"" + backend + "\" (vm or kernel)");
        }
        boolean kernel;
        if (backend == null) {
            kernel = Kernel.probe().available();
        } else {
            kernel = backend.equals("kernel");
            if (kernel && !debug && !Kernel.probe().available()) {
                throw new CommandFailure(Main.EXIT_FAILED, "the kernel backend is not available: "
                        + Kernel.probe().reason() + "; use --backend vm", null);
            }
        }
        if (!kernel && (command != null || pid != null)) {
            throw CommandFailure.badInput("-c and -p need the kernel backend");
        }
        TraceCompiler.Setup setup = new TraceCompiler.Setup(System.getenv(), includes,
                includeDirs.stream().map(Path::of).toList());
        TraceCompiler.Options options = kernel ? TraceCompiler.Options.kernel(unsafe, command != null)
                : new TraceCompiler.Options(false, ProbeSource.none(), AttachPoints.Target.VM, unsafe, false);
        if (kernel && pid != null) {
            // as current bpftrace: tracepoints and raw tracepoints return at once in other processes
            options = options.withPidFilter(Integer.parseInt(pid));
            // usdt::PROVIDER:NAME looks in the binaries of the process
            try {
                options = options.withProbes(ProbeSource.forProcess(options.probes(), Integer.parseInt(pid)));
            } catch (ProbeSource.ProbeException e) {
                // no such process: an attach point naming no binary is then reported as lacking one
            }
        }
        if (kernel && traceableFunctions != null) {
            // as current bpftrace: kprobe attach points are checked against this list instead of tracefs's
            try {
                options = options.withProbes(ProbeSource.withKernelFunctions(options.probes(),
                        KernelFunctions.read(Path.of(traceableFunctions))));
            } catch (ProbeSource.ProbeException e) {
                return bpftraceError(err, e.getMessage());
            }
        }
        if (kernel && noFeature != null && Arrays.asList(noFeature.split(",")).contains("uprobe_multi")) {
            // a wildcard uprobe's matches are then programs of their own, counted against max_bpf_progs
            options = options.withProbes(ProbeSource.withoutUprobeMulti(options.probes()));
        }
        // what current bpftrace names the traced process by in a watchpoint's name
        if (kernel && command != null) {
            options = options.withProcess(ChildCommand.programPath(command));
        } else if (kernel && pid != null) {
            options = options.withProcess("/proc/" + pid + "/exe");
        }
        // current bpftrace's warning levels: map updates checked by default, -k adds what 0.17's -kk
        // did (memory reads, map lookups; -kk is kept as the same), --no-warnings checks nothing
        options = options.withHelperChecks(helperChecks || allHelperChecks ? 2 : noWarnings ? 0 : 1)
                .withProbeFilter(filter);
        TraceCompiler.Result result = TraceCompiler.compile(source, params, options, setup);
        String environmentFailure = result.diagnostics().hasErrors() && result.program().isPresent()
                ? Settings.environmentFailure(setup.env()) : null;
        if (environmentFailure != null) {
            // as current bpftrace: a bad BPFTRACE_* value fails its config pass, which ends the run
            // with that message alone and status 2 (errors of the parser come first)
            err.println(environmentFailure);
            err.flush();
            return Main.EXIT_BAD_INPUT;
        }
        err.print(render(result.diagnostics(), source));
        err.flush();
        if (debug) {
            // the tree is printed by recursion, as deep as the script nests
            DeepStack.call(() -> {
                result.typed().ifPresent(t -> dump(out, t, result.compiled().orElse(null)));
                if (result.typed().isEmpty()) {
                    result.program().ifPresent(p -> out.print(AstPrinter.tree(p, e -> null)));
                }
                return null;
            });
            out.flush();
            return result.diagnostics().hasErrors() ? Main.EXIT_FAILED : Main.EXIT_OK;
        }
        if (result.compiled().isEmpty()) {
            return Main.EXIT_FAILED; // current bpftrace's status for errors in the script
        }
        CompiledScript script = result.compiled().get();
        if (script.programs().isEmpty()) {
            // current bpftrace's words, on standard output (not under -q), and its status
            if (!quiet) {
                out.println("No probes to attach");
                out.flush();
            }
            return Main.EXIT_FAILED;
        }
        long maxProbes = script.typed().settings().maxProbes();
        if (Long.compareUnsigned(script.probeCount(), maxProbes) > 0) {
            // current bpftrace's words and status (it checks before loading)
            err.println("ERROR: Can't attach to " + script.probeCount() + " probes because it exceeds the current limit of "
                    + Long.toUnsignedString(maxProbes) + " probes.");
            err.println("You can increase the limit through the BPFTRACE_MAX_PROBES environment variable, but BE "
                    + "CAREFUL since a high number of probes attached can cause your system to crash.");
            err.flush();
            return Main.EXIT_FAILED;
        }
        boolean benchMode = bench || "bench".equals(mode);
        boolean testMode = test || "test".equals(mode);
        if (!benchMode && !testMode && !script.programs().isEmpty() && script.programs().stream()
                .allMatch(p -> p.attachPoint().provider().equals("bench") || p.attachPoint().provider().equals("test"))) {
            bpftraceError(err, script.programs().stream().anyMatch(p -> p.attachPoint().provider().equals("test"))
                    ? "No probes attached; use --test to run test probes."
                    : "No probes attached; use --bench to run benchmark probes.");
            return EXIT_RUN_FAILED; // as bpftrace's run, which finds nothing attached
        }
        if (outputFile != null) {
            // as bpftrace -o: what the script prints goes to the file
            Writer w;
            try {
                w = Files.newBufferedWriter(outputFile, java.nio.charset.StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                throw CommandFailure.io(outputFile, "write", e);
            }
            try (PrintWriter file = new PrintWriter(w, true)) {
                return run(source, script, file, out, err, kernel);
            }
        }
        return run(source, script, out, out, err, kernel);
    }

    /** Runs the script: its output on {@code out} (the file of {@code -o}, or {@code stdout}), messages on {@code err}. */
    private int run(Source source, CompiledScript script, PrintWriter out, PrintWriter stdout, PrintWriter err,
            boolean kernel)
            throws IOException, InterruptedException {
        // --mode test: a test's output is captured, and shown only if it fails
        Capture capture = test || "test".equals(mode) ? new Capture(out) : null;
        PrintWriter scriptOut = capture == null ? out : new PrintWriter(capture);
        PrintWriter scriptErr = capture == null ? err : new PrintWriter(capture.sharing(err));
        Output output = format.equals("json") ? new Output.Json(scriptOut, scriptErr) : new Output.Text(scriptOut, scriptErr);
        ChildCommand child = null;
        if (command != null) {
            try {
                child = ChildCommand.start(command);
            } catch (IllegalArgumentException e) {
                // current bpftrace's message and status
                err.println("ERROR: Failed to fork child: " + e.getMessage());
                err.flush();
                return Main.EXIT_FAILED;
            }
        }
        try (ChildCommand c = child) {
            Backend be;
            try {
                if (kernel) {
                    KernelBackend k = new KernelBackend(script, Kernel.system(), verbose, noFeature == null
                            || !Arrays.asList(noFeature.split(",")).contains("uprobe_multi"));
                    // as bpftrace's main thread: tid in BEGIN and END is the process id
                    k.runOnFirstThread(true);
                    be = k;
                } else {
                    be = new VmBackend(script, VmOptions.defaults());
                }
            } catch (LoadFailure e) {
                err.println("ERROR: " + e.getMessage()); // -v: in current bpftrace's words, with the kernel's log
                err.flush();
                return EXIT_RUN_FAILED;
            } catch (Bpf4jException e) {
                throw new CommandFailure(EXIT_RUN_FAILED, "cannot load the script's programs: " + e.getMessage(), null);
            }
            try (TraceRuntime runtime = new TraceRuntime(script, output, be)) {
                runtime.setQuiet(quiet);
                runtime.setWarnings(!noWarnings);
                runtime.setDryRun(dryRun);
                runtime.setBenchmarks(bench || "bench".equals(mode));
                runtime.setTests(capture);
                runtime.setSource(source);
                runtime.setStandardOutput(stdout); // bpftrace's readiness line, never in the -o file
                if (c != null) {
                    runtime.setChildPid(c.pid());
                }
                if (runtime.needsDwarfTargets()) {
                    List<Integer> targets = new ArrayList<>();
                    if (pid != null) {
                        targets.add(Integer.parseInt(pid));
                    }
                    if (c != null) {
                        targets.add((int) c.pid());
                    }
                    dwarfPids.forEach(d -> targets.add(Integer.parseInt(d)));
                    if (targets.isEmpty()) {
                        // current bpftrace's words; it checks when it starts the run, after loading
                        bpftraceError(err, "dw_ustack requires a target process. "
                                + "Use -p, -c, or --dwarf-pid to specify one.");
                        return EXIT_RUN_FAILED;
                    }
                    runtime.setDwarfTargets(targets, c == null ? null : (int) c.pid(),
                            c == null ? null : Path.of(ChildCommand.programPath(command)));
                }
                int target = c != null ? (int) c.pid() : pid != null ? Integer.parseInt(pid) : -1;
                CountDownLatch done = new CountDownLatch(1);
                Thread hook = new Thread(() -> {
                    runtime.requestExit();
                    try {
                        done.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
                // as current bpftrace: a script with nothing that can fire (BEGIN/END only) ends after
                // BEGIN, one with self:signal probes waits for its signals (or Ctrl-C); with -c, the
                // command's end ends the script (bpftrace 0.17 waited for Ctrl-C in every case)
                runtime.setWaitForInterrupt(c != null || script.programs().stream()
                        .anyMatch(p -> p.attachPoint().provider().equals("self")));
                TraceProcess.onUsr1(runtime::requestSigusr1);
                TraceProcess.onInterrupt(runtime::requestExit);
                TraceProcess.nameAfterLauncher();
                try {
                    // as current bpftrace: the run ends when the command of -c or the process of -p ends
                    int traced = pid != null ? Integer.parseInt(pid) : -1;
                    runtime.run(target, () -> {
                        if (c != null) {
                            c.release();
                        }
                    }, () -> c != null ? c.exited() : traced > 0 && !alive(traced));
                } catch (AttachException e) {
                    if (e.reported()) {
                        // already said in current bpftrace's words ("Unable to attach probe: ...")
                        return EXIT_RUN_FAILED;
                    }
                    return errorAtProbe(err, source, e.attachPoint(), e.getMessage());
                } catch (ProbeRunException e) {
                    // the VM stopped a probe's program (a loop that never ends): shown at the probe
                    return errorAtProbe(err, source, e.attachPoint(), e.getMessage());
                } catch (Bpf4jException e) {
                    throw new CommandFailure(EXIT_RUN_FAILED, "cannot attach: " + e.getMessage(), null);
                } finally {
                    TraceProcess.onInterrupt(null);
                    done.countDown();
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running: it waits for us
                    }
                }
                // as bpftrace: exit(N) is the exit status
                return runtime.exitCode();
            }
        }
    }

    /**
     * Whether process {@code pid} still runs: bpftrace polls a pidfd, which reports the process's
     * exit (a zombie has exited); here its {@code /proc} entry, gone or in state Z or X once it has.
     */
    static boolean alive(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            int close = stat.lastIndexOf(')'); // after the name, which may hold blanks and parentheses
            char state = close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The script: {@code -e}'s text, or the file named first in {@code params} (taken off them;
     * {@code -} is standard input), read as bytes; null after printing bpftrace's error for a
     * missing file.
     */
    private Source script(List<String> params, PrintWriter err) {
        Source source;
        if (program != null) {
            source = new Source("stdin", program);
        } else {
            if (params.isEmpty()) {
                throw CommandFailure.badInput("no program given: use -e PROGRAM or a FILE.bt");
            }
            String name = params.removeFirst();
            if (name.equals("-")) {
                // the script on standard input, as bpftrace reads it
                try {
                    source = new Source("stdin", new String(System.in.readAllBytes(),
                            StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    throw CommandFailure.badInput("cannot read the script from standard input: " + e.getMessage());
                }
            } else {
                Path file = Path.of(name);
                try {
                    source = new Source(file.toString(), Files.readString(file, StandardCharsets.ISO_8859_1));
                } catch (NoSuchFileException e) {
                    bpftraceError(err, "failed to open file '" + name + "': No such file or directory");
                    return null;
                } catch (IOException e) {
                    throw CommandFailure.io(file, "read", e);
                }
            }
        }
        return source;
    }

    /** Prints {@code message} as an error at {@code probe}'s attach point; the run's failure status. */
    private static int errorAtProbe(PrintWriter err, Source source, AttachPoint probe, String message) {
        Diagnostics d = new Diagnostics();
        d.error(probe.span(), message);
        err.print(d.render(source));
        err.flush();
        return EXIT_RUN_FAILED;
    }

    /**
     * The diagnostics as current bpftrace prints them (errors, then warnings); without the warnings
     * and their hints if {@code --no-warnings}.
     */
    private String render(Diagnostics diagnostics, Source source) {
        return diagnostics.render(source, !noWarnings);
    }

    /** The largest pid bpftrace accepts: the nominal limit of 64-bit systems ({@code pid_max}'s ceiling). */
    private static final long MAX_PID = 0x400000;

    /** An error about the command line, printed in bpftrace's words ({@code ERROR: ...}), with its status (1). */
    private static int bpftraceError(PrintWriter err, String message) {
        err.println("ERROR: " + message);
        err.flush();
        return Main.EXIT_FAILED;
    }

    private int list(PrintWriter out, PrintWriter err) throws IOException {
        String arg = args.isEmpty() ? null : args.getFirst();
        if (program != null || (arg != null && Files.isRegularFile(Path.of(arg)))) {
            // as bpftrace: -l with a program (-e or a file) lists the probes it attaches to
            Source source = program != null ? new Source("stdin", program)
                    : new Source(arg, Files.readString(Path.of(arg), StandardCharsets.ISO_8859_1));
            return listProgram(source, out, err);
        }
        String pattern = arg == null ? "" : arg;
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '\\' || ch == '`' || ch < ' ' || ch == 0x7f) {
                // as bpftrace's lexer, which reads the pattern as a probe
                Diagnostics d = new Diagnostics();
                d.error(new Span(i, i + 1), "invalid character '" + ch + "'");
                err.print(d.render(new Source("stdin", pattern)));
                err.flush();
                return Main.EXIT_FAILED; // bpftrace's status
            }
        }
        if (pattern.contains(".") && pattern.indexOf(':') < 0 && pattern.indexOf('*') < 0 && !noWarnings) {
            err.println("WARNING: It appears that '" + pattern + "' is a filename but the file does not exist. "
                    + "Treating '" + pattern + "' as a search pattern.");
            err.flush();
        }
        try {
            // several patterns, separated by commas, as bpftrace
            for (String part : pattern.isEmpty() ? List.of("") : List.of(pattern.split(","))) {
                String p = part.strip().replaceAll("\\s+", " ");
                List<String> lines;
                if (ProbeListing.isTypePattern(p)) {
                    // the kernel's types, or those of the file BPFTRACE_BTF names (as bpftrace)
                    Path btf = KernelTypes.path(System.getenv());
                    lines = ProbeListing.listTypes(p, verbose, Btf.parse(
                            ByteReader.of(Files.readAllBytes(btf), btf.toString())));
                } else if (pid != null) {
                    lines = ProbeListing.listProcess(Integer.parseInt(pid), p, verbose, ProbeSource.system());
                } else {
                    lines = ProbeListing.list(p, verbose, ProbeSource.system(), w -> {
                        if (!noWarnings) {
                            err.println(w);
                            err.flush();
                        }
                    });
                }
                lines.forEach(out::println);
            }
        } catch (ProbeSource.ProbeException e) {
            throw CommandFailure.badInput(e.getMessage());
        }
        out.flush();
        return Main.EXIT_OK;
    }

    /**
     * The probes of a program, as {@code -l} lists them: each attach point once expanded (its
     * wildcards matched), in listing form ({@code interval:ms:} for {@code interval:ms:100}), sorted.
     */
    private int listProgram(Source source, PrintWriter out, PrintWriter err) {
        Diagnostics d = new Diagnostics();
        Optional<Program> parsed = DeepStack.call(() -> Parser.parse(source, d));
        if (parsed.isEmpty() || d.hasErrors()) {
            err.print(render(d, source));
            err.flush();
            return Main.EXIT_FAILED; // bpftrace's status
        }
        // as current bpftrace, which runs its parse passes (the config block's missing_probes among them)
        AttachPoints.Policy policy = new AttachPoints.Policy(unsafe,
                Settings.missingProbes(parsed.get().config(), System.getenv()));
        ProbeSource probes = ProbeSource.system();
        if (traceableFunctions != null) {
            try {
                probes = ProbeSource.withKernelFunctions(probes,
                        KernelFunctions.read(Path.of(traceableFunctions)));
            } catch (ProbeSource.ProbeException e) {
                return bpftraceError(err, e.getMessage());
            }
        }
        AttachPoints.Expansion expansion = AttachPoints.expand(parsed.get(), probes, AttachPoints.Target.KERNEL,
                policy, d);
        err.print(render(d, source));
        err.flush();
        if (d.hasErrors()) {
            return Main.EXIT_FAILED; // bpftrace's status
        }
        TreeSet<String> lines = new TreeSet<>();
        for (Probe p : expansion.program().probes()) {
            for (AttachPoint a : p.attachPoints()) {
                String line = switch (a.provider()) {
                    case "BEGIN", "END", "self" -> null;
                    case "interval", "profile", "software", "hardware" -> a.parts().isEmpty() ? null
                            : a.provider() + ":" + a.parts().getFirst() + ":";
                    default -> a.name();
                };
                if (line != null) {
                    lines.add(line);
                }
            }
        }
        lines.forEach(out::println);
        out.flush();
        return Main.EXIT_OK;
    }

    private static void dump(PrintWriter out, TypedProgram typed, CompiledScript compiled) {
        out.println("AST");
        out.println("-------------------");
        out.print(AstPrinter.tree(typed.program(), e -> {
            Type t = typed.typeOf(e);
            return t instanceof Type.None ? null : t.display();
        }));
        out.println();
        out.println("Maps");
        out.println("-------------------");
        for (Map.Entry<String, MapInfo> m : typed.maps().entrySet()) {
            MapInfo i = m.getValue();
            out.println(m.getKey() + "[" + String.join(", ", i.keys().stream().map(Type::display).toList()) + "] : "
                    + i.value().display() + " (" + i.mapType().kernelName() + ", key " + CompiledScript.keySize(i)
                    + " bytes, value " + CompiledScript.valueSize(i) + " bytes)");
        }
        if (compiled == null) {
            return;
        }
        for (CompiledScript.ProbeProgram p : compiled.programs()) {
            out.println();
            out.println(p.name() + " (" + p.code().slotCount() + " instructions, " + p.stackBytes() + " bytes of stack)");
            out.println("-------------------");
            out.print(Disassembler.toAssembly(p.code()));
        }
    }
}
