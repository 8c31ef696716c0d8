package org.bpf4j.trace.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.trace.Diagnostic;
import org.bpf4j.trace.Glob;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.codegen.Events;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.Resolved;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.symbols.UserSymbols;
import org.bpf4j.vm.VmOptions;

/**
 * Runs a compiled script on a {@link Backend}: BEGIN, the interval probes on their timers and END,
 * reading the events and printing what bpftrace prints.
 * Probes of the {@code java} provider are fired from Java with {@link #fire}. One thread runs the
 * programs at a time (the run loop or a {@link #fire} caller); the class is not otherwise thread-safe.
 * Close it to release the backend.
 */
public final class TraceRuntime implements AutoCloseable {
    /** Capacity of each script map, bpftrace's default. */
    public static final int MAP_ENTRIES = 4096;
    /** Bytes of the context a probe gets: 16 arguments and the return value. */
    public static final int CONTEXT_BYTES = 8 * 17;

    private final CompiledScript script;
    /** Where events go: the caller's output, or for a test in JSON mode its text capture ({@link #useOutput}). */
    private Output out;
    private final Backend backend;
    private final List<Loaded> programs = new ArrayList<>();
    private final Values values;
    private MapPrinter printer;
    private final AtomicBoolean exitRequested = new AtomicBoolean();
    private final AtomicBoolean signalRequested = new AtomicBoolean();
    private boolean waitForInterrupt;
    private boolean finalizing;
    private int exitCode;
    private long reportedLost;
    private final long startNanos;

    /** The pcap files of {@code skboutput()}, or null. */
    private final SkbPcaps pcaps;

    private record Loaded(CompiledScript.ProbeProgram probe, int index) {}

    /** Runs a script on a backend, which it closes when closed. */
    public TraceRuntime(CompiledScript script, Output out, Backend backend) {
        this.script = script;
        this.out = out;
        this.backend = backend;
        for (int i = 0; i < script.programs().size(); i++) {
            programs.add(new Loaded(script.programs().get(i), i));
        }
        long now = backend.monotonicNanos();
        values = new Values(script.events(), out, System.currentTimeMillis() * 1_000_000L - now,
                script.typed().settings().showDebugInfo(), script.typed().settings().truncTrailer(),
                script.typed().settings().strlen());
        values.cppDemangle(script.typed().settings().cppDemangle());
        values.userSymbolCache(UserSymbols.Cache.of(script.typed().settings().other("cache_user_symbols"), false));
        values.probedBinaries(script.typed().expansion().resolved().values().stream()
                .<Path>mapMulti((r, sink) -> {
                    if (r instanceof Resolved.Uprobe u) {
                        sink.accept(u.binary());
                    }
                }).distinct().toList());
        if (script.events().stacks()) {
            values.stacks(backend.map(script.stackIndex()));
            if (script.events().buildIdStacks()) {
                values.buildIdStacks(backend.map(script.buildIdStackIndex()));
            }
        }
        if (script.typed().usesDwarfStacks()) {
            values.dwarfStacks(backend.map(script.dwarfRowsIndex() + 2));
            dwarf = new DwarfTables(backend.map(script.dwarfRowsIndex()), backend.map(script.dwarfRowsIndex() + 1));
            dwarf.onMapsRead(values::processMaps);
        }
        printer = new MapPrinter(out, values, backend.cpus());
        pcaps = script.events().skbOutputs().isEmpty() ? null : new SkbPcaps(script.events().skbOutputs(), now);
        startNanos = now;
        backend.setGlobals(now, 0);
    }

    private DwarfTables dwarf;
    /**
     * How long the command of {@code -c} may take from its release to its program's entry point
     * (a shell's {@code exec} and the dynamic loader) before the run goes on without waiting.
     */
    private static final long ENTRY_STOP_WAIT_NANOS = 5_000_000_000L;

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath();
        }
    }
    private List<Integer> dwarfPids = List.of();
    private Integer dwarfChild;
    private Path dwarfProgram;

    /** Whether the script calls {@code dw_ustack}, which needs target processes ({@link #setDwarfTargets}). */
    public boolean needsDwarfTargets() {
        return dwarf != null;
    }

    /**
     * The processes {@code dw_ustack} unwinds ({@code -p}, {@code --dwarf-pid}, the command of
     * {@code -c}): their unwind tables are written before the probes are attached.
     *
     * @param pids the processes
     * @param child the pid of the held command of {@code -c} (among {@code pids}), or null
     * @param program the program that command runs, or null
     */
    public void setDwarfTargets(List<Integer> pids, Integer child, Path program) {
        this.dwarfPids = List.copyOf(pids);
        this.dwarfChild = child;
        this.dwarfProgram = program;
    }

    /** Runs a script on the bpf4j VM. */
    public static TraceRuntime vm(CompiledScript script, Output out, VmOptions options) {
        return new TraceRuntime(script, out, new VmBackend(script, options));
    }

    /** Sets the pid the {@code cpid} builtin gives (the command of {@code -c}). */
    public void setChildPid(long pid) {
        backend.setGlobals(startNanos, pid);
        // as current bpftrace: a run with a command caches user symbols per program by default
        values.userSymbolCache(UserSymbols.Cache.of(script.typed().settings().other("cache_user_symbols"), true));
    }

    /**
     * Number of attach points, as current bpftrace's "Attached N probes" counts them: a USDT
     * probe with several call sites counts once (bpftrace 0.17 counted each site), and so do the
     * matches of a wildcard uprobe in one binary (one uprobe_multi link).
     */
    public int probeCount() {
        Set<Object> seen = new HashSet<>();
        int n = 0;
        Set<Integer> unattached = backend.unattached();
        for (Loaded l : programs) {
            AttachPoint ap = l.probe().attachPoint();
            if (script.typed().expansion().resolved().get(ap) instanceof Resolved.Uprobe u
                    && u.multi() && !seen.add(List.of(ap.raw(), ap.span(), u.binary(), u.returnProbe()))
                    || ap.provider().equals("bench") || ap.provider().equals("test")) {
                continue; // a benchmark or a test is never attached
            }
            if (unattached.contains(l.index())) {
                continue; // left out: it could not be attached (missing_probes = "warn" or "ignore")
            }
            n++;
        }
        return n;
    }

    /** True once a program called exit() (or {@link #requestExit()} was called). */
    public boolean exitRequested() {
        return exitRequested.get();
    }

    /**
     * Asks the run loop to stop (as SIGINT does for bpftrace): the events not handled yet are
     * dropped (as bpftrace drops them once it has the signal, so that a flood of {@code system()}
     * events does not hold END back), then END runs.
     */
    public void requestExit() {
        interrupted.set(true);
        exitRequested.set(true);
    }

    /** Set by {@link #requestExit()} until END runs: events are dropped unhandled. */
    private final AtomicBoolean interrupted = new AtomicBoolean();
    /**
     * Set once END runs: a Ctrl-C that comes then (the run is already ending) no longer drops
     * events, so that END's are printed (bpftrace drops them in that window too, a narrow one for
     * it; a second Ctrl-C still exits at once).
     */
    private volatile boolean ending;

    /**
     * What current bpftrace does on SIGUSR1, done by the thread that runs the script (callable
     * from any thread): runs the script's {@code self:signal:SIGUSR1} probes; nothing when it has
     * none (bpftrace 0.17 printed every map; current bpftrace removed that handler).
     */
    public void requestSigusr1() {
        signalRequested.set(true);
    }

    /**
     * With {@code wait}, a script with nothing left that can fire (only BEGIN and END, no
     * {@code exit()}) runs until {@link #requestExit()} (Ctrl-C), as bpftrace does; without it (the
     * default, for callers that fire {@code java} probes themselves) {@link #run} ends at once.
     */
    public void setWaitForInterrupt(boolean wait) {
        this.waitForInterrupt = wait;
    }

    /** The exit code a script's {@code exit(code)} gave (0 by default). */
    public int exitCode() {
        return exitCode;
    }

    /**
     * Runs the script to its end: BEGIN, interval probes until exit() or {@link #requestExit()}, END,
     * then prints the maps. Probes of other providers wait for {@link #fire}.
     */
    public void run() throws InterruptedException {
        run(-1, () -> { }, () -> false);
    }

    /**
     * Runs the script to its end: BEGIN, then attaches the probes the backend fires and calls
     * {@code attached} (where {@code -c} lets its command start), then handles events until
     * exit(), {@link #requestExit()} or {@code done} (the command ended); then END and the maps.
     *
     * @param pid the process uprobes and USDT probes are limited to, or -1
     */
    public void run(int pid, Runnable attached, BooleanSupplier done) throws InterruptedException {
        if (benchmarks) {
            new Benchmarks(this, backend, out).run();
            return;
        }
        if (tests != null) {
            new Tests(this, backend, out, tests).run();
            return;
        }
        if (dryRun) {
            // as current bpftrace: it stops right after attaching, before its "Attached N probes"
            attach(pid);
            backend.detach();
            return;
        }
        // as current bpftrace: BEGIN runs first, then the probes are attached and counted, and
        // only then are BEGIN's events printed (after "Attached N probes")
        for (Loaded l : programs) {
            if (l.probe().attachPoint().provider().equals("BEGIN")) {
                backend.run(l.index(), new byte[CONTEXT_BYTES]);
            }
        }
        AutoCloseable entryStop = null;
        if (dwarf != null) {
            dwarf.load(dwarfPids, dwarfChild, dwarfProgram);
            if (dwarfChild != null && dwarfProgram != null) {
                // the command is stopped where its program starts, for its tables (as current bpftrace)
                entryStop = backend.stopAtEntry(dwarfChild, realPath(dwarfProgram));
            }
        }
        values.preloadSymbols(pid); // as current bpftrace, before it attaches
        try {
            attach(pid);
        } catch (Throwable t) {
            if (entryStop != null) {
                try {
                    entryStop.close(); // the command is never released: nothing may stop it
                } catch (Exception e) {
                    t.addSuppressed(e);
                }
            }
            throw t;
        }
        if (!quiet) {
            out.attached(probeCount());
        }
        if (System.getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != null) {
            // bpftrace's runtime test engine waits for this line before it starts its workload and
            // compares exact output from it on. Current bpftrace prints it also after a BEGIN that
            // called exit() (0.17 did not: its JSON tests, which pipe the output into a JSON parser,
            // fail for that reason and are listed in known-0.17.txt)
            notifyAttached();
        }
        attached.run();
        if (entryStop != null) {
            dwarf.awaitEntry(dwarfChild, entryStop, ENTRY_STOP_WAIT_NANOS);
        }
        if (programs.stream().anyMatch(l -> l.probe().attachPoint().provider().equals("iter"))) {
            // as current bpftrace: the iterator is read to its end and what its program printed
            // goes out as it comes; no other probe runs (the events of BEGIN and of the iterator
            // are printed after, with END's)
            iterate();
            backend.detach();
            drain();
            finish();
            return;
        }
        drain();
        List<long[]> timers = new ArrayList<>();
        List<Loaded> intervals = new ArrayList<>();
        long now = System.nanoTime();
        boolean backendProbes = false;
        for (Loaded l : programs) {
            String provider = l.probe().attachPoint().provider();
            if (provider.equals("interval") && !backend.firesTimers()) {
                intervals.add(l);
                long period = periodNanos(l.probe().attachPoint().parts());
                timers.add(new long[] {now + period, period});
            } else if (!isSpecial(l) && !provider.equals("java") && !backend.unattached().contains(l.index())) {
                backendProbes = true;
            }
        }
        boolean waitForever = backendProbes || (intervals.isEmpty() && programs.stream()
                .anyMatch(l -> !isSpecial(l) && !backend.unattached().contains(l.index())));
        while (!exitRequested.get()) {
            if (done.getAsBoolean()) {
                break;
            }
            if (dwarf != null) {
                dwarf.refresh(); // libraries loaded since, the program of -c once it runs
            }
            if (signalRequested.getAndSet(false)) {
                fireProvider("self"); // current bpftrace's self:signal:SIGUSR1 probes, if any
            }
            if (intervals.isEmpty()) {
                if (!waitForever && !waitForInterrupt) {
                    // Nothing can fire any more and no one waits for Ctrl-C: stop here.
                    break;
                }
                backend.await(20_000_000L); // short, so that the end of a -c command is seen soon
                drain();
                continue;
            }
            int next = 0;
            for (int i = 1; i < timers.size(); i++) {
                if (timers.get(i)[0] < timers.get(next)[0]) {
                    next = i;
                }
            }
            long wait = timers.get(next)[0] - System.nanoTime();
            if (wait > 50_000_000L) {
                Thread.sleep(50); // in steps, so that Ctrl-C and SIGUSR1 are seen soon
                continue;
            }
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            timers.get(next)[0] += timers.get(next)[1];
            runProgram(intervals.get(next), new byte[CONTEXT_BYTES]);
        }
        backend.detach();
        drain();
        finish();
    }

    /**
     * Attaches the backend's probes as current bpftrace does: a probe that cannot be attached is an
     * error that ends the run ({@code ERROR: Unable to attach probe: NAME. If this is expected, ...},
     * after the reason where bpftrace gives one), or with {@code missing_probes = "warn"} a warning
     * ({@code Unable to attach probe: NAME. Skipping.}) and the run goes on without it, or with
     * {@code "ignore"} nothing; a watchpoint's thread or CPU whose event cannot be opened is a
     * warning. When no probe is left at all (BEGIN and END count), "Attachment failed for all probes."
     *
     * @throws AttachException (already reported) when the run cannot go on
     */
    private void attach(int pid) {
        AttachPoints.MissingProbes missing = script.typed().settings().missingProbes();
        AttachPoint[] lastFailed = new AttachPoint[1];
        backend.attach(pid, new Backend.AttachReport() {
            @Override
            public void warning(String message) {
                if (warnings) {
                    out.log(false, message);
                }
            }

            @Override
            public boolean failed(AttachPoint attachPoint, String reason) {
                lastFailed[0] = attachPoint;
                switch (missing) {
                    case ERROR -> {
                        if (!reason.isEmpty()) {
                            out.log(true, reason);
                        }
                        out.log(true, "Unable to attach probe: " + attachPoint.name() + ". If this is expected, set "
                                + "the 'missing_probes' config variable to 'warn'.");
                        return false;
                    }
                    case WARN -> {
                        if (warnings) {
                            if (!reason.isEmpty()) {
                                out.log(false, reason);
                            }
                            out.log(false, "Unable to attach probe: " + attachPoint.name() + ". Skipping.");
                        }
                        return true;
                    }
                    case IGNORE -> {
                        return true;
                    }
                }
                return true;
            }
        });
        if (lastFailed[0] != null && probeCount() == 0) {
            out.log(true, "Attachment failed for all probes.");
            throw new AttachException(lastFailed[0], "no probe attached", null, true);
        }
    }

    /**
     * Reads the script's iterator, writing its text whole lines at a time (a chunk may end inside
     * a character); or pins it and says where, as bpftrace: "Program pinned to PATH".
     */
    private void iterate() {
        ByteArrayOutputStream pending = new ByteArrayOutputStream();
        Optional<String> pinned;
        try {
            pinned = backend.iterate(chunk -> writeLines(chunk, pending));
        } catch (Backend.PinFailure e) {
            // current bpftrace's words (BPFtrace::run_iter); the run goes on: END, the maps, status 0
            out.log(true, "Failed to pin iter probe link");
            pinned = Optional.empty();
        }
        if (pending.size() > 0) {
            out.out().print(pending.toString(StandardCharsets.UTF_8));
        }
        pinned.ifPresent(path -> out.out().println("Program pinned to " + path));
        out.out().flush();
    }

    /**
     * Writes the whole lines of what {@code pending} holds followed by {@code chunk}; keeps the rest
     * in {@code pending}.
     */
    private void writeLines(byte[] chunk, ByteArrayOutputStream pending) {
        int last = chunk.length - 1;
        while (last >= 0 && chunk[last] != '\n') {
            last--;
        }
        if (last < 0) {
            pending.writeBytes(chunk);
            return;
        }
        pending.write(chunk, 0, last + 1);
        out.out().print(pending.toString(StandardCharsets.UTF_8));
        out.out().flush();
        pending.reset();
        pending.write(chunk, last + 1, chunk.length - last - 1);
    }

    private static boolean isSpecial(Loaded l) {
        String p = l.probe().attachPoint().provider();
        return p.equals("BEGIN") || p.equals("END") || p.equals("self") || p.equals("bench") || p.equals("test");
    }

    private boolean benchmarks;
    private Capture tests;
    /**
     * How many errors errorf(), a runtime warning or a helper error reported so far (a test that
     * reports one fails, as current bpftrace counts errorf and runtime errors).
     */
    private int errorsReported;

    /**
     * With a capture (the writer under this runtime's {@link Output}, or one sharing it), {@link #run}
     * runs the script's {@code test:} probes as current bpftrace's {@code --mode test} does (BEGIN,
     * each test run once with its output captured and shown only if it fails, END; no other probe
     * attached, no map printed at the end; the exit status 1 if a test failed); with null (the
     * default) {@code test:} probes never run.
     */
    public void setTests(Capture capture) {
        this.tests = capture;
    }

    int errorsReported() {
        return errorsReported;
    }

    void resetExitCode() {
        exitCode = 0;
    }

    /** Makes the run's exit status 1 (a test failed). */
    void failRun() {
        exitCode = 1;
    }

    /**
     * With {@code on}, {@link #run} runs the script's {@code bench:} probes as current bpftrace's
     * {@code --mode bench} does (BEGIN, each benchmark measured, END; no other probe attached, no map
     * printed at the end); without it (the default) {@code bench:} probes never run.
     */
    public void setBenchmarks(boolean on) {
        this.benchmarks = on;
    }

    /** The programs of the script with their indexes, in order, whose provider is {@code provider}. */
    List<Integer> programsOf(String provider) {
        List<Integer> out = new ArrayList<>();
        for (Loaded l : programs) {
            if (l.probe().attachPoint().provider().equals(provider)) {
                out.add(l.index());
            }
        }
        return out;
    }

    /**
     * Starts a run of {@code --mode bench} or {@code --mode test}: runs BEGIN, prints the harness's
     * readiness line (when asked for) and BEGIN's events; returns the programs of {@code provider}.
     */
    List<Integer> beginTestRuns(String provider) {
        for (int begin : programsOf("BEGIN")) {
            backend.run(begin, new byte[CONTEXT_BYTES]);
        }
        if (System.getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != null) {
            notifyAttached();
        }
        printEvents();
        return programsOf(provider);
    }

    /**
     * Ends a run that {@link #beginTestRuns} started: runs END, makes the run's exit status 1 when a
     * test or benchmark {@code failed}, and writes the end of the run to {@code out} (text only).
     */
    void endTestRuns(boolean failed, Output out) {
        resetExitCode();
        runEnd();
        if (failed) {
            failRun();
        }
        if (!out.json()) {
            out.out().print("\n\n");
        }
        out.out().flush();
    }

    /** The names of {@code bench:NAME} or {@code test:NAME} programs. */
    List<String> namesOf(List<Integer> programs) {
        return programs.stream().map(i -> attachPoint(i).parts().getFirst()).toList();
    }

    /** The attach point of program {@code index}. */
    AttachPoint attachPoint(int index) {
        return programs.get(index).probe().attachPoint();
    }

    /** Prints (drains) the events the programs have written. */
    void printEvents() {
        drain();
    }

    /**
     * Makes the events go to {@code o} from now on; returns the output they went to. For
     * {@code --mode test} in JSON, whose tests' output is captured in text, as current bpftrace's.
     */
    Output useOutput(Output o) {
        Output before = out;
        out = o;
        values.useOutput(o);
        printer = new MapPrinter(o, values, backend.cpus());
        return before;
    }

    /**
     * Drops the events the programs have written, and their losses, unprinted; as current
     * bpftrace's discarded benchmark output, an {@code exit()} still sets the exit code (and drops
     * what follows it) and an {@code errorf()}, runtime warning or helper error still counts in
     * {@link #errorsReported()}.
     */
    void discardEvents() {
        backend.drain(this::countDiscarded);
        reportedLost = backend.lost();
    }

    private void countDiscarded(byte[] e) {
        long id = Values.u64(e, 0);
        if (finalizing || id == Events.SKB_OUTPUT) {
            return;
        }
        if (id >= Events.PRINTF_BASE) {
            if (script.events().printfs().get((int) (id - Events.PRINTF_BASE)).function().equals("errorf")) {
                errorsReported++;
            }
        } else if (id == Events.EXIT) {
            exitCode = (int) Values.u64(e, 8);
            exitRequested.set(true);
            finalizing = true;
        } else if ((id == Events.RUNTIME_WARNING || id == Events.HELPER_ERROR) && warnings) {
            errorsReported++;
        }
    }

    /** Runs END and prints its events, when the benchmarks are done. */
    void runEnd() {
        ending = true;
        finalizing = false;
        interrupted.set(false);
        exitRequested.set(true);
        fireProvider("END");
        out.out().flush();
    }

    /**
     * Runs END, then prints every map (after two empty lines in text form, as bpftrace does) unless
     * {@code print_maps_on_exit} is false.
     */
    public void finish() {
        ending = true;
        finalizing = false;
        interrupted.set(false); // END's events are printed
        exitRequested.set(true);
        fireProvider("END");
        long lost = backend.lost();
        if (lost > 0) {
            // current bpftrace: the total on the error stream, after the reports made while running
            out.log(false, "Total lost event count: " + lost);
        }
        if (!out.json()) {
            out.out().print("\n\n"); // current bpftrace's end of a run in text; JSON writes nothing
        }
        if (script.typed().settings().printMapsOnExit()) {
            printMaps();
        }
        out.out().flush();
    }

    private void printMaps() {
        for (int i = 0; i < script.maps().size(); i++) {
            printer.print(script.maps().get(i), backend.map(i), 0, 0, false);
        }
        out.out().flush();
    }

    private static long periodNanos(List<String> parts) {
        long n = Long.parseLong(parts.get(1));
        return switch (parts.getFirst()) {
            case "s" -> n * 1_000_000_000L;
            case "ms" -> n * 1_000_000L;
            case "us" -> n * 1_000L;
            case "hz" -> 1_000_000_000L / Math.max(1, n);
            default -> throw new IllegalArgumentException("interval unit " + parts.getFirst());
        };
    }

    private void fireProvider(String provider) {
        for (Loaded l : programs) {
            if (l.probe().attachPoint().provider().equals(provider)) {
                runProgram(l, new byte[CONTEXT_BYTES]);
            }
        }
    }

    /**
     * Fires every probe attached to {@code java:NAME} (a probe written {@code java:NAME} or
     * {@code java:CLASS:METHOD}, matched on the text after {@code java:}) with up to 16 arguments
     * ({@code arg0}...) and a return value ({@code retval}); prints their events. Returns the number
     * of programs run.
     */
    public int fire(String name, long retval, long... args) {
        if (args.length > 16) {
            throw new IllegalArgumentException("at most 16 arguments, not " + args.length);
        }
        byte[] ctx = new byte[CONTEXT_BYTES];
        ByteBuffer bb = ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < args.length; i++) {
            bb.putLong(8 * i, args[i]);
        }
        bb.putLong(8 * 16, retval);
        int n = 0;
        for (Loaded l : programs) {
            var ap = l.probe().attachPoint();
            if (ap.provider().equals("java") && matches(String.join(":", ap.parts()), name)) {
                runProgram(l, ctx);
                n++;
            }
        }
        return n;
    }

    private static boolean matches(String pattern, String name) {
        return Glob.starsOnly(pattern).matcher(name).matches();
    }

    private void runProgram(Loaded l, byte[] ctx) {
        if (finalizing) {
            return;
        }
        backend.run(l.index(), ctx);
        drain();
    }

    private boolean quiet;
    private Source source;
    private PrintWriter standardOutput;

    /**
     * The process's standard output, where bpftrace's readiness line for its test harness
     * ({@code __BPFTRACE_NOTIFY_PROBES_ATTACHED}) goes even when the script's output goes to a file
     * ({@code -o}) or is captured ({@code --mode test}); by default the {@link Output}'s stream.
     */
    public void setStandardOutput(PrintWriter standardOutput) {
        this.standardOutput = standardOutput;
    }

    private void notifyAttached() {
        PrintWriter w = standardOutput != null ? standardOutput : out.out();
        out.out().flush();
        w.println("__BPFTRACE_NOTIFY_PROBES_ATTACHED");
        w.flush();
    }

    /** The script's source, for the place of a failed helper call ({@code -k}) in warnings. */
    public void setSource(Source source) {
        this.source = source;
    }

    private boolean warnings = true;
    private boolean dryRun;

    /**
     * Without {@code warnings}, no warning is printed at run time: failed helper calls, warnf(),
     * runtime warnings (bpftrace's {@code --no-warnings}).
     */
    public void setWarnings(boolean warnings) {
        this.warnings = warnings;
    }

    /**
     * With {@code dryRun}, {@link #run(int, Runnable, BooleanSupplier)} attaches every probe and
     * stops: BEGIN and END do not run, nothing is printed, not even {@code Attached N probes}
     * (bpftrace's {@code --dry-run}).
     */
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    /** With {@code quiet}, "Attached N probes" is not printed (bpftrace's {@code -q}). */
    public void setQuiet(boolean quiet) {
        this.quiet = quiet;
    }

    private void drain() {
        backend.drain(this::event);
        long lost = backend.lost();
        if (lost > reportedLost) {
            out.lost(lost - reportedLost);
            reportedLost = lost;
        }
        out.out().flush();
    }

    /** errorf/warnf: the text with the call's place, as bpftrace's messages (no source line). */
    private void diagnostic(Events.Printf p, String text) {
        boolean error = p.function().equals("errorf");
        errorsReported += error ? 1 : 0;
        Diagnostic d = new Diagnostic(error ? Diagnostic.Severity.ERROR
                : Diagnostic.Severity.WARNING, source == null ? Span.NONE : p.span(), "");
        String rendered = d.render(source);
        String header = rendered.substring(0, rendered.indexOf('\n'));
        Source.Located at = source == null ? null : source.locate(p.span());
        int line = at == null ? 0 : at.source().lineOf(at.span().begin());
        int col = at == null ? 0 : at.source().columnOf(at.span().begin());
        // current bpftrace: then each macro call it was expanded from, with its source line
        StringBuilder expansions = new StringBuilder();
        for (Span from : source == null ? List.<Span>of() : p.expandedFrom()) {
            expansions.append(new Diagnostic(d.severity(), from, "expanded from").render(source));
        }
        out.diagnostic(error, text, at == null ? "" : at.source().name(), line, col, header, expansions.toString());
    }

    private void event(byte[] e) {
        long id = Values.u64(e, 0);
        if (id == Events.SKB_OUTPUT) {
            pcaps.write(e); // sent before exit() (it has its own buffer, read before the events)
            return;
        }
        if (finalizing) {
            return;
        }
        if (interrupted.get() && !ending) {
            finalizing = true; // Ctrl-C: what is left is dropped
            return;
        }
        if (id >= Events.PRINTF_BASE) {
            Events.Printf p = script.events().printfs().get((int) (id - Events.PRINTF_BASE));
            List<Object> args = new ArrayList<>();
            for (int i = 0; i < p.layout().elements().size(); i++) {
                Object v = values.argument(p.layout().elements().get(i), e, 8 + p.layout().offset(i));
                Map<Long, String> names = p.enums().get(i);
                if (names != null && v instanceof Long n && i < p.format().specs().size()
                        && p.format().specs().get(i).conversion() == 's') {
                    v = names.getOrDefault(n, Long.toString(n)); // current bpftrace: the enumerator's name
                } else if (v instanceof Long && i < p.format().specs().size()
                        && p.format().specs().get(i).conversion() == 's') {
                    // current bpftrace: an integer's %s is its text as print() shows it
                    v = values.render(p.layout().elements().get(i), e, 8 + p.layout().offset(i), false);
                }
                args.add(v);
            }
            if (p.function().equals("system")) {
                SystemCommand.Result r = SystemCommand.run(p.format().format(args));
                if (r.error() != null) {
                    out.log(true, r.error()); // current bpftrace: the error, and not the output
                } else {
                    out.syscall(r.output());
                }
            } else if (p.function().equals("cat")) {
                String path = p.format().format(args);
                try {
                    String text = Files.readString(Path.of(path),
                            StandardCharsets.ISO_8859_1);
                    int max = script.typed().settings().maxCatBytes();
                    out.cat(text.length() > max ? text.substring(0, max) : text);
                } catch (IOException | RuntimeException x) {
                    // current bpftrace's words on the error stream (0.17 wrote "...': REASON"), and
                    // nothing on the output (no empty cat record in JSON)
                    out.log(true, "failed to open file '" + path + "' (" + (x instanceof
                            NoSuchFileException ? "No such file or directory" : x instanceof
                            AccessDeniedException ? "Permission denied" : String.valueOf(x.getMessage()))
                            + ")");
                }
            } else if (p.function().equals("errorf") || p.function().equals("warnf")) {
                if (warnings || p.function().equals("errorf")) {
                    diagnostic(p, p.format().format(args));
                }
            } else {
                out.printf(p.format().format(args));
            }
            return;
        }
        switch ((int) id) {
            case (int) Events.EXIT -> {
                // as current bpftrace: the probes are detached when the event is read, the events
                // after it are dropped (until END runs), the maps keep what was counted meanwhile
                backend.detach();
                exitCode = (int) Values.u64(e, 8);
                exitRequested.set(true);
                finalizing = true;
            }
            case (int) Events.PRINT_MAP -> {
                int m = (int) Values.u64(e, 8);
                printer.print(script.maps().get(m), backend.map(m), Values.u64(e, 16), Values.u64(e, 24), true);
            }
            case (int) Events.PRINT_VALUE -> {
                int index = (int) Values.u64(e, 8);
                Type t = script.events().printValues().get(index);
                Map<Long, String> names = script.events().printEnum(index);
                if (names != null && !out.json() && names.containsKey(Values.u64(e, 16))) {
                    out.value(names.get(Values.u64(e, 16))); // JSON keeps an enum value's number, as current bpftrace
                } else {
                    out.value(values.render(t, e, 16, out.json()));
                }
            }
            case (int) Events.TIME -> {
                String fmt = script.events().timeFormats().get((int) Values.u64(e, 8));
                long nanos = System.currentTimeMillis() * 1_000_000L;
                out.time(Strftime.format(fmt, ZonedDateTime.now(), nanos % 1_000_000_000L));
            }
            case (int) Events.JOIN -> {
                String delimiter = script.events().joinDelimiters().get((int) Values.u64(e, 8));
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < Events.JOIN_ARGS; i++) {
                    int at = 16 + i * Events.JOIN_ARG_SIZE;
                    if (at >= e.length || e[at] == 0) {
                        break;
                    }
                    parts.add(Values.string(e, at, Events.JOIN_ARG_SIZE));
                }
                out.join(String.join(delimiter, parts));
            }
            case (int) Events.RUNTIME_WARNING -> {
                if (!warnings) {
                    return;
                }
                errorsReported++; // a test that reports one fails, as current bpftrace's runtime errors
                Events.RuntimeWarning w = script.events().runtimeWarnings().get((int) Values.u64(e, 8));
                Diagnostic d = new Diagnostic(
                        Diagnostic.Severity.WARNING, source == null ? Span.NONE
                                : w.span(), w.message());
                Source.Located at = source == null ? null : source.locate(w.span());
                int line = at == null ? 0 : at.source().lineOf(at.span().begin());
                int col = at == null ? 0 : at.source().columnOf(at.span().begin());
                out.runtimeWarning(w.message(), at == null ? "" : at.source().name(), line, col, d.render(source));
            }
            case (int) Events.HELPER_ERROR -> {
                if (!warnings) {
                    return;
                }
                errorsReported++;
                Events.HelperError h = script.events().helperErrors().get((int) Values.u64(e, 8));
                long rc = Values.u64(e, 16);
                String error = rc == 0 ? "Success" : Native.strerror((int) -rc);
                // current bpftrace's words: a missing element named as such, else the error's text
                String what = h.helper().equals("map_update_elem") && rc == -7
                        ? "Map full; can't update element. Try increasing max_map_keys config or manually setting "
                                + "the max entries in a map declaration e.g. `let @a = hash(5000)`"
                        : h.helper().equals("map_delete_elem") && rc == -2
                                ? "Can't delete map element because it does not exist."
                                : h.helper().equals("map_lookup_elem")
                                        ? "Can't lookup map element because it does not exist." : error;
                String message = what + "\nAdditional Info - helper: " + h.helper() + ", retcode: " + rc;
                Diagnostic d = new Diagnostic(
                        Diagnostic.Severity.WARNING, source == null ? Span.NONE
                                : h.span(), message);
                // (a span of an imported file is located in that file)
                Source.Located at = source == null ? null : source.locate(h.span());
                int line = at == null ? 0 : at.source().lineOf(at.span().begin());
                int col = at == null ? 0 : at.source().columnOf(at.span().begin());
                out.helperError(h.helper(), rc, error, at == null ? "" : at.source().name(), line, col,
                        d.render(source));
            }
            case (int) Events.CLEAR, (int) Events.ZERO -> {
                int m = (int) Values.u64(e, 8);
                Backend.MapStore map = backend.map(m);
                for (byte[] k : map.keys()) {
                    if (id == Events.CLEAR) {
                        map.delete(k);
                    } else {
                        byte[] v = map.lookup(k).orElse(null);
                        if (v != null) {
                            map.overwrite(k, new byte[v.length]);
                        }
                    }
                }
            }
            default -> throw new IllegalStateException("unknown event id " + id);
        }
    }

    @Override
    public void close() {
        if (pcaps != null) {
            pcaps.close();
        }
        if (dwarf != null) {
            dwarf.close(); // an entry stop the command of -c has not reached yet
        }
        backend.close();
    }
}
