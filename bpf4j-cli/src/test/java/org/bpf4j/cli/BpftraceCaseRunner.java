package org.bpf4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.bpf4j.cli.BpftraceRuntimeTest.Workspace;
import org.bpf4j.cli.BpftraceTestFile.Case;
import org.bpf4j.cli.BpftraceTestFile.Expect;

/**
 * Runs one of bpftrace's runtime test cases as bpftrace's engine does, and decides which cases
 * cannot run on this machine (with the reason).
 */
final class BpftraceCaseRunner {
    private BpftraceCaseRunner() {}

    private static final String NOTIFY = "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n";
    private static final int ATTACH_TIMEOUT_SECONDS = 90;

    /**
     * What a case did.
     *
     * @param passed whether it passed
     * @param why why not
     * @param command the command run
     * @param output its standard output and error
     */
    record Outcome(boolean passed, String why, String command, String output) {}

    private static final Pattern KPROBE = Pattern.compile(
            "(?<![\\w$@.])(kprobe|kretprobe|k|kr)\\s*:|\\bk(ret)?probes?\\b");
    private static final Pattern FENTRY = Pattern.compile("(?<![\\w$@.])(kfunc|kretfunc|fentry|fexit|f|fr)\\s*:");
    private static final Pattern WATCHPOINT = Pattern.compile("\\b(async)?watchpoint\\s*:|(?<![\\w$@.])(w|aw)\\s*:");
    private static final Pattern ITER = Pattern.compile("(?<![\\w$@.])(iter|it)\\s*:");
    private static final Pattern SCRIPT = Pattern.compile("runtime/scripts/[\\w.-]+");
    private static final Pattern TESTPROG = Pattern.compile("testprogs/(\\w+)");

    /**
     * Why a case cannot run here, or null. Probe types this kernel lacks (kprobes; fentry under
     * lockdown), bpftrace features that are not bpf4j's (AOT, watchpoints, iterators), test
     * programs that could not be built, unmet {@code REQUIRES} and {@code REQUIRES_FEATURE}
     * lines, kernel versions and architectures.
     */
    static String skipReason(Workspace ws, Case c, boolean current) throws IOException, InterruptedException {
        String arch = c.get("ARCH");
        if (!arch.isEmpty() && !arch.contains(System.getProperty("os.arch").replace("amd64", "x86_64"))) {
            return "for " + arch + " only";
        }
        StringBuilder text = new StringBuilder();
        for (String k : List.of("RUN", "PROG", "BEFORE", "AFTER", "SETUP")) {
            text.append(k.equals("RUN") ? nz(c.run()) : k.equals("PROG") ? nz(c.prog()) : c.get(k)).append('\n');
        }
        Matcher sm = SCRIPT.matcher(text.toString());
        StringBuilder scripts = new StringBuilder();
        while (sm.find()) {
            Path p = ws.tests().resolve(sm.group());
            if (Files.isRegularFile(p)) {
                scripts.append(Files.readString(p)).append('\n');
            }
        }
        String program = text + scripts.toString();
        if (program.contains("BPFTRACE_AOTRT") || program.contains("--aot")) {
            return "bpftrace's AOT mode: bpf4j has none (it compiles at start-up)";
        }
        if (KPROBE.matcher(program).find() || c.expects().stream().anyMatch(e -> KPROBE.matcher(e.text()).find())) {
            return "needs kprobes: this kernel has none (no kprobe PMU)";
        }
        if (FENTRY.matcher(program).find()) {
            return "needs fentry/fexit (kfunc): refused by this kernel's lockdown";
        }
        if (WATCHPOINT.matcher(program).find()) {
            return "watchpoint probes: not among bpf4j's probe types";
        }
        if (ITER.matcher(program).find()) {
            return "iterator probes (iter:): not among bpf4j's probe types";
        }
        if (program.contains("/sys/kernel/debug/tracing") && !Files.isDirectory(Path.of("/sys/kernel/debug/tracing"))) {
            return "reads the trace buffer through debugfs, which is not mounted at /sys/kernel/debug here";
        }
        for (String f : c.all("REQUIRES_FEATURE")) {
            for (String feature : f.strip().split("\\s+")) {
                String why = featureMissing(feature.startsWith("!") ? feature.substring(1) : feature);
                if (feature.startsWith("!") && why == null) {
                    return "needs a kernel without " + feature.substring(1);
                }
                if (!feature.startsWith("!") && why != null) {
                    return why;
                }
            }
        }
        Matcher tm = TESTPROG.matcher(text.toString() + String.join("\n", c.all("REQUIRES")));
        while (tm.find()) {
            String prog = tm.group(1);
            if (ws.unbuilt().containsKey(prog)) {
                return "bpftrace's test program " + prog + " could not be built here: " + ws.unbuilt().get(prog);
            }
            if (!Files.exists(ws.work().resolve("testprogs").resolve(prog))) {
                return "bpftrace's test program " + prog + " is not in its testprogs directory";
            }
        }
        for (String req : c.all("REQUIRES")) {
            Process p = new ProcessBuilder("bash", "-c", req).directory(ws.work().toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return "requirement not met here: " + req;
            }
        }
        return null;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** Why a bpftrace feature ({@code REQUIRES_FEATURE}) is missing here, or null if present. */
    private static String featureMissing(String feature) {
        return switch (feature) {
            case "loop", "btf", "probe_read_kernel", "signal", "uprobe_refcount", "libpath_resolv", "dwarf" -> null;
            case "kfunc", "fentry" -> "needs fentry/fexit (kfunc): refused by this kernel's lockdown";
            case "kprobe_multi", "kprobe_session" -> "needs kprobes: this kernel has none (no kprobe PMU)";
            case "dpath" -> "needs d_path, which is allowed only in fentry programs (refused by lockdown)";
            case "skboutput" -> "needs skb_output, which is allowed only in fentry programs (refused by lockdown)";
            case "iter:task", "iter:task_file", "iter" -> "iterator probes (iter:): not among bpf4j's probe types";
            case "aot" -> "bpftrace's AOT mode: bpf4j has none (it compiles at start-up)";
            default -> "needs bpftrace feature '" + feature + "', which this harness cannot check";
        };
    }

    /**
     * Builds bpftrace's test programs ({@code *.c}) with {@code cc -g -O0 -no-pie}, with the
     * systemtap USDT header when it is installed, as bpftrace's build does.
     *
     * @return the programs that did not build, with the compiler's first error line
     */
    static Map<String, String> buildTestPrograms(Path sources, Path into) throws IOException {
        Map<String, String> failed = new TreeMap<>();
        Files.createDirectories(into);
        if (!Files.isDirectory(sources)) {
            return failed;
        }
        List<Path> cs;
        try (Stream<Path> s = Files.list(sources)) {
            cs = s.filter(p -> p.toString().endsWith(".c")).sorted().toList();
        }
        boolean sdt = compiles("#include <sys/sdt.h>\n");
        for (Path c : cs) {
            String name = c.getFileName().toString().replaceFirst("\\.c$", "");
            try {
                List<String> cmd = new ArrayList<>(List.of("cc", "-g", "-O0", "-no-pie"));
                if (sdt) {
                    cmd.add("-DHAVE_SYSTEMTAP_SYS_SDT_H");
                }
                cmd.addAll(List.of("-o", into.resolve(name).toString(), c.toString(), "-lpthread"));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    String first = out.lines().filter(l -> l.contains("error")).findFirst().orElse(out.strip());
                    failed.put(name, first.replace(sources.toString() + "/", ""));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return failed;
    }

    /** True if the C compiler accepts {@code source} (to know whether a header is installed). */
    private static boolean compiles(String source) throws IOException {
        try {
            Process p = new ProcessBuilder("cc", "-E", "-x", "c", "-").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                in.write(source.getBytes(StandardCharsets.UTF_8));
            }
            return p.waitFor() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Runs the case and checks its output. */
    static Outcome run(Workspace ws, Case c) throws IOException, InterruptedException {
        List<Process> helpers = new ArrayList<>();
        String cmd = c.run() != null ? c.run().replace("{{BPFTRACE}}", ws.tracer())
                : ws.tracer() + " -e '" + c.prog() + "'";
        try {
            String before = c.get("BEFORE");
            if (!before.isEmpty()) {
                for (String b : c.all("BEFORE")) {
                    helpers.add(shell(ws, b, Map.of(), true));
                }
                // as bpftrace's engine: wait for the process named by the command's last word
                String[] words = c.all("BEFORE").get(0).strip().split("\\s+");
                String child = Path.of(words[words.length - 1]).getFileName().toString();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(c.timeoutSeconds(), 10));
                String pid;
                while ((pid = pidof(child)) == null) {
                    if (System.nanoTime() > deadline) {
                        return new Outcome(false, "timed out waiting for BEFORE " + before, cmd, "");
                    }
                    Thread.sleep(100);
                }
                cmd = cmd.replace("{{BEFORE_PID}}", pid);
            }
            Map<String, String> env = new java.util.HashMap<>(c.env());
            env.put("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1");
            env.put("test", c.name());
            Process p = shell(ws, cmd, env, false);
            StringBuilder out = new StringBuilder();
            Object attached = new Object();
            Thread reader = Thread.ofVirtual().start(() -> {
                try (InputStream in = p.getInputStream()) {
                    byte[] buf = new byte[8192];
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        synchronized (attached) {
                            out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                            attached.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the process went away; what was read stays
                }
                synchronized (attached) {
                    attached.notifyAll();
                }
            });
            boolean sawAttach;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(ATTACH_TIMEOUT_SECONDS);
            synchronized (attached) {
                while (!(sawAttach = out.indexOf(NOTIFY) >= 0) && p.isAlive() && System.nanoTime() < deadline) {
                    attached.wait(100);
                }
            }
            if (sawAttach && !c.get("AFTER").isEmpty()) {
                helpers.add(shell(ws, c.get("AFTER"), Map.of(), true));
            }
            boolean timedOut = false;
            if (!p.waitFor(sawAttach ? c.timeoutSeconds() : 1, TimeUnit.SECONDS)) {
                timedOut = true;
                signalGroup(p.pid(), "TERM");
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    signalGroup(p.pid(), "KILL");
                    p.waitFor();
                }
            }
            reader.join(TimeUnit.SECONDS.toMillis(15));
            String output;
            synchronized (attached) {
                output = out.toString();
            }
            String mismatch = check(c, output);
            if (mismatch != null) {
                return new Outcome(false, timedOut ? "timed out; " + mismatch : mismatch, cmd, output);
            }
            if (p.exitValue() != 0 && !c.willFail() && !timedOut) {
                return new Outcome(false, "unclean exit code " + p.exitValue(), cmd, output);
            }
            return new Outcome(true, "", cmd, output);
        } finally {
            for (Process h : helpers) {
                if (h.isAlive()) {
                    signalGroup(h.pid(), "KILL");
                }
                h.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Null when the output meets every expectation, else the first one it misses. */
    static String check(Case c, String output) {
        if (c.expects().isEmpty()) {
            return "the case has no EXPECT line";
        }
        for (Expect e : c.expects()) {
            boolean ok = switch (e.kind()) {
                case REGEX, REGEX_LINE -> regex(e.text()).matcher(output).find();
                case REGEX_NONE -> !regex(e.text()).matcher(output).find();
                case LITERAL -> output.contains(e.text());
                case LITERAL_NONE -> !output.contains(e.text());
            };
            if (!ok) {
                return "expected (" + e.kind().name().toLowerCase() + "): " + e.text();
            }
        }
        return null;
    }

    /** A Python regular expression as a Java one: named groups, literal braces. */
    private static Pattern regex(String python) {
        String s = python.replace("(?P<", "(?<");
        try {
            return Pattern.compile(s, Pattern.MULTILINE);
        } catch (PatternSyntaxException e) {
            // Python reads a '{' that starts no repetition as a literal
            return Pattern.compile(s.replaceAll("\\{(?![0-9]+(,[0-9]*)?\\})", "\\\\{"), Pattern.MULTILINE);
        }
    }

    private static Process shell(Workspace ws, String cmd, Map<String, String> env, boolean discard) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("setsid", "bash", "-c", cmd).directory(ws.work().toFile());
        pb.environment().putAll(env);
        if (discard) {
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        } else {
            pb.redirectErrorStream(true);
        }
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return pb.start();
    }

    private static void signalGroup(long pid, String signal) {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", "-" + pid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String pidof(String name) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pidof", name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 && !out.isEmpty() ? out.split("\\s+")[0] : null;
    }
}
