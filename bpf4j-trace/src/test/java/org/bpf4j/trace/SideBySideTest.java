package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.runtime.ChildCommand;
import org.bpf4j.trace.runtime.KernelBackend;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.bpf4j.trace.runtime.VmBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Side by side with bpftrace: every script of {@code trace/sidebyside} runs under the installed
 * bpftrace and under bpf4j trace (the kernel backend, and the VM backend for scripts marked
 * {@code // vm}), and the outputs must be equal after each script's normalisations. A script's
 * header comments say how to run it:
 * <ul>
 * <li>{@code // -c COMMAND}: the command of {@code -c} ({@code {dir}} is the script directory,
 *     {@code {target}} the attach test binary of bpf4j-linux, {@code {cc:NAME}} the program
 *     {@code NAME.c} of the script directory built with {@code cc -g -O0 -no-pie}, for its DWARF);
 * <li>{@code // normalise: REGEX => REPLACEMENT}: applied to both outputs (nondeterministic values);
 * <li>{@code // vm}: also run on the VM backend;
 * <li>{@code // params: A B}: positional parameters ($1, $2) for both;
 * <li>{@code // env: NAME=VALUE ...}: environment variables for both ({@code BPFTRACE_STRLEN=8});
 * <li>{@code // flags: -k} or {@code -kk}: helper checks for both (bpf4j's are given the script's
 *     source, to place the warnings);
 * <li>{@code // difference: REASON}: a documented difference (see docs/trace-differences.md): the
 *     script runs on both, but a mismatch is reported as a skip with the reason.
 * </ul>
 * Two things are compared: the script's output (standard output) and the runtime's messages. bpf4j
 * prints its messages where current bpftrace does, on standard error, but bpftrace 0.17 printed two
 * kinds of them on standard output: lost events ({@code Lost N events}) and failed helper calls
 * ({@code WARNING: Failed to HELPER: ...}, with the source line and its underline). Those are taken
 * out of 0.17's output ({@link #MOVED_IN_017}) and compared, after the script's normalisations,
 * with what bpf4j printed on its error stream, less its {@code Attached N probes} line (0.17's own
 * error stream is not compared: its warnings at compile time have other words, and bpf4j's side here
 * prints none).
 * Runs in the default build (about two minutes; {@code -Dbpf4j.sideBySide=false} turns it off);
 * skipped, with the reason, without root, bpftrace or bpf(). Prints how many runs were equal.
 */
class SideBySideTest {
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger RUN = new AtomicInteger();
    private static final Path TARGET = Path.of("..", "bpf4j-linux", "src", "test", "resources", "attach", "target")
            .toAbsolutePath().normalize();

    private record Header(String command, Map<String, String> normalise, boolean vm, String difference,
            List<String> params, Map<String, String> env, String flags) {
        /** The helper check level of the flags: 1 for -k, 2 for -kk. */
        int helperChecks() {
            return flags.equals("-kk") ? 2 : flags.equals("-k") ? 1 : 0;
        }

        /** The environment of the bpf4j side: this process's, with the script's variables over it. */
        TraceCompiler.Setup setup() {
            Map<String, String> all = new java.util.HashMap<>(System.getenv());
            all.putAll(env);
            return new TraceCompiler.Setup(all, List.of(), List.of());
        }
    }

    @AfterAll
    static void report() {
        System.out.println("side by side with bpftrace: " + PASSED.get() + " of " + RUN.get() + " runs equal");
        Tracefs.unmountIfMountedHere();
    }

    private static String why() {
        if ("false".equals(System.getProperty("bpf4j.sideBySide"))) {
            return "turned off with -Dbpf4j.sideBySide=false";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "side-by-side tests need root (bpftrace and the kernel backend)";
        }
        if (bpftrace() == null) {
            return "bpftrace is not installed (apt-get install bpftrace)";
        }
        Kernel.Availability a = Kernel.probe();
        if (!a.available()) {
            return "the kernel backend is not available: " + a.reason();
        }
        return null;
    }

    private static Path bpftrace() {
        for (String d : List.of("/usr/bin", "/usr/sbin", "/usr/local/bin")) {
            Path p = Path.of(d, "bpftrace");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @TestFactory
    List<DynamicTest> sideBySide() {
        String reason = why();
        if (reason != null) {
            // One skip for the whole set, not one per script.
            return List.of(DynamicTest.dynamicTest("side by side", () -> assumeTrue(false,
                    "side-by-side tests skipped: " + reason)));
        }
        List<DynamicTest> tests = new ArrayList<>();
        String only = System.getProperty("bpf4j.sideBySide.only");
        for (Path p : Scripts.scripts("sidebyside")) {
            String name = p.getFileName().toString();
            if (only != null && !name.matches(only)) {
                continue; // -Dbpf4j.sideBySide.only=REGEX runs the scripts whose names match
            }
            tests.add(DynamicTest.dynamicTest(name, () -> compare(p, false)));
            if (header(p).vm()) {
                tests.add(DynamicTest.dynamicTest(name + " (vm)", () -> compare(p, true)));
            }
        }
        return tests;
    }

    private static Header header(Path p) {
        String command = null;
        Map<String, String> normalise = new LinkedHashMap<>();
        boolean vm = false;
        String difference = null;
        List<String> params = List.of();
        Map<String, String> env = new LinkedHashMap<>();
        String flags = "";
        for (String line : Scripts.read(p).split("\n")) {
            if (!line.startsWith("//")) {
                break;
            }
            String l = line.substring(2).trim();
            if (l.startsWith("-c ")) {
                command = l.substring(3).trim(); // expanded when the script runs ({cc:NAME} builds)
            } else if (l.startsWith("normalise:")) {
                String[] rule = l.substring("normalise:".length()).split("=>", 2);
                normalise.put(rule[0].trim(), rule.length > 1 ? rule[1].trim() : "");
            } else if (l.startsWith("params:")) {
                params = List.of(l.substring("params:".length()).trim().split("\\s+"));
            } else if (l.startsWith("env:")) {
                for (String kv : l.substring("env:".length()).trim().split("\\s+")) {
                    String[] nv = kv.split("=", 2);
                    env.put(nv[0], nv.length > 1 ? nv[1] : "");
                }
            } else if (l.startsWith("flags:")) {
                flags = l.substring("flags:".length()).trim();
            } else if (l.equals("vm")) {
                vm = true;
            } else if (l.startsWith("difference:")) {
                difference = l.substring("difference:".length()).trim();
            }
        }
        return new Header(command, normalise, vm, difference, params, env, flags);
    }

    private static final java.util.regex.Pattern CC = java.util.regex.Pattern.compile("\\{cc:([\\w-]+)\\}");
    private static final Map<String, Path> BUILT = new java.util.concurrent.ConcurrentHashMap<>();

    private static String expand(String text, Path script) {
        String s = text.replace("{dir}", script.getParent().toString()).replace("{target}", TARGET.toString());
        java.util.regex.Matcher m = CC.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            Path source = script.getParent().resolve(m.group(1) + ".c");
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(built(source).toString()));
        }
        return m.appendTail(out).toString();
    }

    /** A test program of the script directory, built once per run (a failed build fails the script's test). */
    private static Path built(Path source) {
        return BUILT.computeIfAbsent(source.toString(), k -> {
            try {
                Path dir = Files.createTempDirectory("sidebyside-cc");
                Path binary = dir.resolve(source.getFileName().toString().replace(".c", ""));
                Process p = new ProcessBuilder("cc", "-g", "-O0", "-no-pie", "-o", binary.toString(), source.toString())
                        .redirectErrorStream(true).start();
                String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException("cc " + source.getFileName() + " failed: " + log);
                }
                binary.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                return binary;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot run cc for " + source.getFileName(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    private static void compare(Path p, boolean vm) throws Exception {
        String reason = why();
        assumeTrue(reason == null, () -> "side-by-side tests skipped: " + reason);
        Tracefs.root(); // bpftrace needs tracefs mounted too
        Header raw = header(p);
        Header h = new Header(raw.command() == null ? null : expand(raw.command(), p), raw.normalise(), raw.vm(),
                raw.difference(), raw.params(), raw.env(), raw.flags());
        String text = expand(Scripts.read(p), p);
        Path script = Files.createTempFile("sidebyside-", ".bt");
        try {
            Files.writeString(script, text, StandardCharsets.ISO_8859_1);
            Run expected = normalise(splitMoved(runBpftrace(script, h)), h);
            Run actual = normalise(vm ? runVm(p, text, h) : runKernel(p, text, h), h);
            // bpftrace 0.17 itself loses an event now and then on a loaded machine (seen: the
            // exit_group of a -c child missing while four reruns printed it). The reference is
            // bpftrace's output, so a mismatch first asks bpftrace again, up to twice, and says so;
            // bpf4j's output is never re-run.
            for (int again = 1; again <= 2 && h.difference() == null && !expected.equals(actual); again++) {
                System.out.println("side by side: " + p.getFileName() + " differs, running bpftrace again (" + again + ")");
                expected = normalise(splitMoved(runBpftrace(script, h)), h);
            }
            RUN.incrementAndGet();
            if (h.difference() != null && !expected.equals(actual)) {
                assumeTrue(false, () -> "documented difference: " + h.difference());
            }
            assertEquals(expected.out(), actual.out(), p.getFileName() + (vm ? " on the VM" : " in the kernel"));
            assertEquals(expected.messages(), actual.messages(), "the runtime's messages of " + p.getFileName()
                    + (vm ? " on the VM" : " in the kernel") + " (bpf4j's error stream; 0.17 printed them on its output)");
            PASSED.incrementAndGet();
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /**
     * What bpftrace 0.17 prints on standard output that current bpftrace (and bpf4j) print on
     * standard error (docs/trace-differences.md): lost events, and failed helper calls with their
     * place in the script, its source line and underline.
     */
    static final java.util.regex.Pattern MOVED_IN_017 = java.util.regex.Pattern.compile(
            "(?m)^Lost \\d+ events\n|^(?:\\S+:\\d+:\\d+(?:-\\d+)?: )?WARNING: Failed to \\w+: .*\n(?:.*\n *~[~ ]*\n)?");

    /** What a run printed: the script's output, and the runtime's messages. */
    record Run(String out, String messages) {}

    /** bpftrace 0.17's run as current bpftrace would print it: the moved messages out of its output. */
    static Run splitMoved(String out017) {
        java.util.regex.Matcher m = MOVED_IN_017.matcher(out017);
        StringBuilder rest = new StringBuilder();
        StringBuilder moved = new StringBuilder();
        while (m.find()) {
            moved.append(m.group());
            m.appendReplacement(rest, "");
        }
        m.appendTail(rest);
        return new Run(rest.toString(), moved.toString());
    }

    /** bpf4j's run: its output, and its error stream without the {@code Attached N probes} line. */
    static Run bpf4jRun(String out, String err) {
        return new Run(out, err.replaceFirst("(?m)^Attached \\d+ probes?\n", ""));
    }

    private static Run normalise(Run run, Header h) {
        return new Run(normalise(run.out(), h), normaliseMessages(run.messages(), h));
    }

    private static String normaliseMessages(String messages, Header h) {
        String s = messages;
        for (Map.Entry<String, String> r : h.normalise().entrySet()) {
            s = s.replaceAll("(?m)" + r.getKey(), r.getValue());
        }
        return s;
    }

    private static String normalise(String out, Header h) {
        // bpftrace 0.17 ends the maps printed at exit with an empty line for each map without
        // elements; current bpftrace (and bpf4j) prints nothing for them: empty lines at the very
        // end of the output are not compared
        String s = out.replaceAll("\n+\\z", "\n");
        for (Map.Entry<String, String> r : h.normalise().entrySet()) {
            s = s.replaceAll("(?m)" + r.getKey(), r.getValue());
        }
        return s;
    }

    private static String runBpftrace(Path script, Header h) throws IOException, InterruptedException {
        String command = h.command();
        List<String> params = h.params();
        // --unsafe, as bpf4j's side compiles with unsafe functions allowed (signal, system).
        List<String> argv = new ArrayList<>(List.of(bpftrace().toString(), "--unsafe"));
        if (!h.flags().isEmpty()) {
            argv.add(h.flags());
        }
        if (command != null) {
            argv.add("-c");
            argv.add(command);
        }
        argv.add(script.toString());
        argv.addAll(params);
        ProcessBuilder pb = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(h.env());
        Process proc = pb.start();
        byte[] out = proc.getInputStream().readAllBytes();
        if (!proc.waitFor(60, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            throw new AssertionError("bpftrace did not finish " + script);
        }
        // 0.17 prints "Attaching N probes..." on its output before attaching; current bpftrace
        // (and bpf4j) print "Attached N probes" on the error stream after (trace-differences.md)
        return new String(out, StandardCharsets.ISO_8859_1).replaceFirst("^Attaching \\d+ probes?\\.\\.\\.\n", "");
    }

    private static Run runKernel(Path p, String text, Header h) throws Exception {
        String command = h.command();
        Source source = new Source(p.getFileName().toString(), text);
        CompiledScript script = TraceCompiler.compile(source, h.params(), TraceCompiler.Options.kernel(true,
                command != null).withHelperChecks(h.helperChecks()), h.setup()).orThrow(source);
        OwnVerifier.assertAccepted(script);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        StringWriter ew = new StringWriter();
        PrintWriter epw = new PrintWriter(ew);
        try (ChildCommand child = command == null ? null : ChildCommand.start(command);
                TraceRuntime rt = new TraceRuntime(script, new Output.Text(pw, epw),
                        new KernelBackend(script, Kernel.system()))) {
            rt.setSource(source);
            if (child != null) {
                rt.setChildPid(child.pid());
            }
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(60_000);
                    rt.requestExit();
                } catch (InterruptedException e) {
                    // finished in time
                }
            });
            try {
                rt.run(child == null ? -1 : (int) child.pid(), () -> {
                    if (child != null) {
                        child.release();
                    }
                }, () -> child != null && child.exited());
            } finally {
                watchdog.interrupt();
            }
        }
        pw.flush();
        epw.flush();
        return bpf4jRun(sw.toString(), ew.toString());
    }

    private static Run runVm(Path p, String text, Header h) throws Exception {
        Source source = new Source(p.getFileName().toString(), text);
        CompiledScript script = TraceCompiler.compile(source, h.params(), new TraceCompiler.Options(false,
                org.bpf4j.trace.probe.ProbeSource.none(), org.bpf4j.trace.probe.AttachPoints.Target.VM, false, true,
                h.helperChecks()), h.setup()).orThrow(source);
        OwnVerifier.assertAccepted(script);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        StringWriter ew = new StringWriter();
        PrintWriter epw = new PrintWriter(ew);
        try (TraceRuntime rt = new TraceRuntime(script, new Output.Text(pw, epw),
                new VmBackend(script, Scripts.options()))) {
            rt.setSource(source);
            rt.run();
        }
        pw.flush();
        epw.flush();
        return bpf4jRun(sw.toString(), ew.toString());
    }
}
