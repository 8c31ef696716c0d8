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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.bpf4j.cli.BpftraceRuntimeTest.Workspace;
import org.bpf4j.cli.BpftraceTestFile.Case;
import org.bpf4j.cli.BpftraceTestFile.Expect;
import org.bpf4j.cli.BpftraceTestFile.Expectation;

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

    // the short forms (k:, f:) followed by a function, not by a number (the bitfield "f:15" of a struct)
    private static final Pattern KPROBE = Pattern.compile(
            "(?<![\\w$@.])((kprobe|kretprobe)\\s*:|(k|kr)\\s*:(?!\\s*\\d))|\\bk(ret)?probes?\\b");
    private static final Pattern FENTRY = Pattern.compile(
            "(?<![\\w$@.])((kfunc|kretfunc|fentry|fexit)\\s*:|(f|fr)\\s*:(?!\\s*\\d))");
    private static final Pattern SCRIPT = Pattern.compile("runtime/scripts/[\\w.-]+");
    private static final Pattern TESTPROG = Pattern.compile("(testprogs|testlibs)/([\\w.+-]+(/[\\w.+-]+)*)");

    /**
     * The cases that name kprobes but whose outcome needs none attached (an error before the
     * attachment, the kprobe filtered or left out as missing, or the attachment's failure being
     * what the case expects): run on a kernel without kprobes too. From {@code
     * bpftrace-runtime/runs-without-kprobes.txt}, one name a line, {@code #} comments. With {@code
     * -Dbpf4j.bpftrace.tryKprobes=true} every case that names kprobes runs (to find more of them).
     */
    private static final Set<String> NO_KPROBE_ATTACHED = names("/bpftrace-runtime/runs-without-kprobes.txt");

    private static Set<String> names(String resource) {
        Set<String> out = new java.util.HashSet<>();
        try (java.io.InputStream in = BpftraceCaseRunner.class.getResourceAsStream(resource)) {
            if (in == null) {
                return out;
            }
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    int sep = l.indexOf(" -- ");
                    out.add(sep > 0 ? l.substring(0, sep).strip() : l);
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }

    /**
     * Why a case cannot run here, or null. Probe types this kernel lacks (kprobes; fentry under
     * lockdown), bpftrace features that are not bpf4j's (AOT), test
     * programs that could not be built, unmet {@code REQUIRES} and {@code REQUIRES_FEATURE}
     * lines, kernel versions and architectures.
     */
    static String skipReason(Workspace ws, Case c, boolean current) throws IOException, InterruptedException {
        String arch = archMismatch(c.get("ARCH"));
        if (arch != null) {
            return arch;
        }
        String kernel = kernelMismatch(c.get("MIN_KERNEL"), c.get("MAX_KERNEL"));
        if (kernel != null) {
            return kernel;
        }
        String envSkip = c.get("SKIP_IF_ENV_HAS");
        int eq = envSkip.indexOf('=');
        if (eq > 0 && envSkip.substring(eq + 1).equals(System.getenv().getOrDefault(envSkip.substring(0, eq), ""))) {
            return "SKIP_IF_ENV_HAS " + envSkip + ": disabled by the environment";
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
        if ((KPROBE.matcher(program).find() || c.expects().stream().anyMatch(e -> KPROBE.matcher(e.text()).find()))
                && !NO_KPROBE_ATTACHED.contains(c.fullName()) && !Boolean.getBoolean("bpf4j.bpftrace.tryKprobes")) {
            return "needs kprobes: this kernel has none (no kprobe PMU)";
        }
        if (FENTRY.matcher(program).find()) {
            return "needs fentry/fexit (kfunc): refused by this kernel's lockdown";
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
            String prog = tm.group(2);
            if (ws.unbuilt().containsKey(prog)) {
                return "bpftrace's test program " + prog + " could not be built here: " + ws.unbuilt().get(prog);
            }
            if (!prog.contains("*") && !Files.exists(ws.work().resolve(tm.group(1)).resolve(prog))
                    && Files.exists(ws.tests().resolve(tm.group(1)).resolve(prog.replaceFirst("-pie$", "") + ".c"))) {
                return "bpftrace's test program " + prog + " was not built";
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

    /** The reason to skip a case of another architecture ({@code ARCH a|b}, {@code ARCH !a}), or null. */
    private static String archMismatch(String arch) {
        if (arch.isBlank()) {
            return null;
        }
        Set<String> host = Set.of(System.getProperty("os.arch").replace("amd64", "x86_64"),
                java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.BIG_ENDIAN ? "be" : "le");
        List<String> want = new ArrayList<>();
        for (String a : arch.split("\\|")) {
            a = a.strip();
            if (a.startsWith("!") && host.contains(a.substring(1))) {
                return "not for " + a.substring(1) + " (ARCH " + arch + ")";
            }
            if (!a.startsWith("!")) {
                want.add(a);
            }
        }
        return want.isEmpty() || want.stream().anyMatch(host::contains) ? null : "for " + arch + " only";
    }

    /** The reason to skip a case for this kernel's version ({@code MIN_KERNEL}, {@code MAX_KERNEL}), or null. */
    private static String kernelMismatch(String min, String max) throws IOException {
        if (min.isBlank() && max.isBlank()) {
            return null;
        }
        String release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        if (!min.isBlank() && compareVersions(min.strip(), release) > 0) {
            return "needs kernel " + min.strip() + " or later (this is " + release + ")";
        }
        if (!max.isBlank() && compareVersions(max.strip(), release) < 0) {
            return "needs kernel " + max.strip() + " or earlier (this is " + release + ")";
        }
        return null;
    }

    /** Compares the leading numeric parts of two kernel versions ({@code 5.4} and {@code 6.18.0-1-amd64}). */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[^0-9]+");
        String[] y = b.split("[^0-9]+");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            if (x[i].isEmpty() || y[i].isEmpty()) {
                break;
            }
            int d = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
            if (d != 0) {
                return d;
            }
        }
        return 0;
    }

    /** Why a bpftrace feature ({@code REQUIRES_FEATURE}) is missing here, or null if present. */
    private static String featureMissing(String feature) {
        return switch (feature) {
            case "loop", "btf", "probe_read_kernel", "signal", "uprobe_refcount", "libpath_resolv", "dwarf",
                 "get_func_ip", "get_tai_ns", "jiffies64", "lookup_percpu_elem", "uprobe_multi", "iter", "iter:task",
                 "iter:task_file" -> null;
            case "dwunwind" -> System.getProperty("os.arch").equals("amd64") ? null
                    : "needs DWARF stack unwinding (dw_ustack), which bpf4j has on x86_64 only";
            // bpftrace built with blazesym symbolizes user addresses with source lines and inlined frames,
            // and preloads a traced process's symbols (BPFTRACE_CACHE_USER_SYMBOLS=PER_PID): bpf4j does all three
            case "blazesym" -> null;
            case "kfunc", "fentry" -> "needs fentry/fexit (kfunc): refused by this kernel's lockdown";
            case "kprobe_multi", "kprobe_session" -> "needs kprobes: this kernel has none (no kprobe PMU)";
            case "dpath" -> "needs d_path, which is allowed only in fentry programs (refused by lockdown)";
            case "skboutput" -> "needs skb_output, which is allowed only in fentry programs (refused by lockdown)";
            case "aot" -> "bpftrace's AOT mode: bpf4j has none (it compiles at start-up)";
            default -> "needs bpftrace feature '" + feature + "', which this harness cannot check";
        };
    }

    /** Runs the case and checks its output. */
    static Outcome run(Workspace ws, Case c) throws IOException, InterruptedException {
        List<Process> helpers = new ArrayList<>();
        String nsenter = "";
        String cmd = c.run() != null ? c.run().replace("{{BPFTRACE}}", ws.tracer())
                : ws.tracer() + (!c.expects().isEmpty() && c.expects().getFirst().kind() == Expectation.JSON
                        ? " -q -f json" : "") + " -e '" + c.prog().replace("'", "'\\''") + "'";
        try {
            if (!c.get("SETUP").isEmpty()) {
                String failed = runToEnd(ws, c.get("SETUP"));
                if (failed != null) {
                    return new Outcome(false, "SETUP failed: " + failed, c.get("SETUP"), "");
                }
            }
            List<String> befores = c.all("BEFORE");
            if (!befores.isEmpty()) {
                if (c.directives().containsKey("NEW_PIDNS")) {
                    // as bpftrace's engine: the first BEFORE is the first process of a new PID
                    // namespace; the tracer (and AFTER) run inside it through nsenter
                    Process u = shell(ws, "exec unshare --fork --pid --mount-proc -r --kill-child -- " + befores.getFirst(),
                            Map.of(), true);
                    helpers.add(u);
                    String child = waitFor(c, () -> firstChild(u.pid()));
                    if (child == null) {
                        return new Outcome(false, "timed out creating a PID namespace for " + befores.getFirst(), cmd, "");
                    }
                    nsenter = "nsenter -p -m -t " + child + " ";
                } else {
                    List<Process> started = new ArrayList<>();
                    for (String b : befores) {
                        Process h = shell(ws, b, Map.of(), true);
                        helpers.add(h);
                        started.add(h);
                    }
                    for (int i = 0; i < befores.size(); i++) {
                        String b = befores.get(i);
                        long shellPid = started.get(i).pid();
                        // as bpftrace's engine: wait for the process named by the command's last word
                        // (the one this case started: other runs on the machine may have one of that name)
                        String[] words = b.strip().split("\\s+");
                        String child = Path.of(words[words.length - 1]).getFileName().toString();
                        String pid = waitFor(c, () -> pidof(child, shellPid));
                        if (pid == null) {
                            return new Outcome(false, "timed out waiting for BEFORE " + b, cmd, "");
                        }
                        if (b == befores.getFirst()) {
                            cmd = cmd.replace("{{BEFORE_PID}}", pid);
                        }
                    }
                }
            }
            cmd = nsenter + cmd;
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
                helpers.add(shell(ws, nsenter + c.get("AFTER"), Map.of(), true));
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
            if (c.exact()) {
                // only what follows the attachment is compared, as bpftrace's engine does
                int at = output.indexOf(NOTIFY);
                output = at < 0 ? output : output.substring(at + NOTIFY.length());
            }
            if (!c.get("CLEANUP").isEmpty()) {
                String failed = runToEnd(ws, c.get("CLEANUP"));
                if (failed != null) {
                    return new Outcome(false, "CLEANUP failed: " + failed, cmd, output);
                }
            }
            if (!timedOut && !c.willFail() && p.exitValue() != c.returnCode()) {
                return new Outcome(false, "exit code " + p.exitValue() + ", expected " + c.returnCode(), cmd, output);
            }
            if (ws.current() && !timedOut && c.willFail() && p.exitValue() == 0) {
                return new Outcome(false, "clean exit code but WILL_FAIL expects a failure", cmd, output);
            }
            String mismatch = check(ws, c, output);
            if (mismatch != null) {
                return new Outcome(false, timedOut ? "timed out; " + mismatch : mismatch, cmd, output);
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

    private interface Lookup {
        String get() throws IOException, InterruptedException;
    }

    /** Polls until the lookup answers or the case's timeout (at least 10 s) passes. */
    private static String waitFor(Case c, Lookup lookup) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(c.timeoutSeconds(), 10));
        String v;
        while ((v = lookup.get()) == null) {
            if (System.nanoTime() > deadline) {
                return null;
            }
            Thread.sleep(100);
        }
        return v;
    }

    /** Runs a SETUP or CLEANUP command to its end; null if it succeeded, else its output. */
    private static String runToEnd(Workspace ws, String cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).directory(ws.work().toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? null : "exit " + p.exitValue() + ": " + out.strip();
    }

    /** Null when the output meets every expectation, else the first one it misses. */
    static String check(Workspace ws, Case c, String output) {
        if (c.expects().isEmpty()) {
            // a case may check only the exit status (RETURN_CODE, checked by the caller)
            return c.returnCode() != 0 ? null : "the case has no EXPECT line";
        }
        for (Expect e : c.expects()) {
            String text = ws.current() ? e.text() : attachedLine(e.text());
            boolean ok = switch (e.kind()) {
                case REGEX, REGEX_LINE -> regex(text).matcher(output).find();
                case REGEX_NONE -> !regex(text).matcher(output).find();
                case LITERAL -> line(e.text()).matcher(output).find();
                case LITERAL_NONE -> !line(e.text()).matcher(output).find();
                case FILE -> output.strip().equals(localize(c, read(ws, e.text())).strip());
                case JSON -> json(read(ws, e.text()), e.text().endsWith(".ndjson"), output);
            };
            if (!ok) {
                return "expected (" + e.kind().name().toLowerCase() + "): " + e.text();
            }
        }
        return null;
    }

    private static final Pattern ATTACHING = Pattern.compile("Attaching (\\S+) (probes?)(?:(?:\\\\?\\.){3})?");

    /**
     * A 0.17 expectation of {@code Attaching N probes...} (printed before attaching) as the line bpf4j
     * prints, current bpftrace's {@code Attached N probes} (after attaching; see
     * docs/trace-differences.md).
     */
    static String attachedLine(String expect) {
        return ATTACHING.matcher(expect).replaceAll("Attached $1 $2");
    }

    /** Current bpftrace's EXPECT: a whole line equal to the text, white space around it ignored. */
    private static Pattern line(String text) {
        return Pattern.compile("^\\s*" + Pattern.quote(text) + "\\s*$", Pattern.MULTILINE);
    }

    private static String read(Workspace ws, String file) {
        try {
            return Files.readString(ws.work().resolve(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the output is the expected JSON document (or, for NDJSON, the same documents line by line). */
    private static boolean json(String expected, boolean ndjson, String output) {
        List<String> want = expected.strip().lines().toList();
        List<String> got = output.strip().lines().toList();
        if (!ndjson) {
            want = List.of(expected.strip());
            if (got.size() != 1) {
                return false;
            }
        }
        if (want.size() != got.size()) {
            return false;
        }
        try {
            for (int i = 0; i < want.size(); i++) {
                if (!JsonReader.parse(want.get(i)).equals(JsonReader.parse(got.get(i)))) {
                    return false;
                }
            }
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * {@code LOCALIZE_TIMESTAMPS T}: the expected file is a strftime format for the local time of
     * epoch second T ({@code %H}, {@code %M}, {@code %S}, {@code %Y}, {@code %m}, {@code %d}, {@code %%}).
     */
    private static String localize(Case c, String text) {
        String ts = c.get("LOCALIZE_TIMESTAMPS").strip();
        if (ts.isEmpty() || ts.startsWith("-")) {
            return text;
        }
        var t = java.time.Instant.ofEpochSecond(Long.parseLong(ts)).atZone(java.time.ZoneId.systemDefault());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch != '%' || i + 1 >= text.length()) {
                sb.append(ch);
                continue;
            }
            char f = text.charAt(++i);
            switch (f) {
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'Y' -> sb.append(t.getYear());
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case '%' -> sb.append('%');
                default -> sb.append('%').append(f);
            }
        }
        return sb.toString();
    }

    /**
     * A Python regular expression as a Java one: named groups, literal braces, and a '[' or "&&"
     * inside a character class literal (Java reads them as a nested class or an intersection:
     * {@code @[{ .n = 0x[0-9a-f]+, ...}]} is one class then a literal in Python).
     */
    private static Pattern regex(String python) {
        String s = classesLiteral(python.replace("(?P<", "(?<"));
        try {
            return Pattern.compile(s, Pattern.MULTILINE);
        } catch (PatternSyntaxException e) {
            // Python reads a '{' that starts no repetition as a literal
            return Pattern.compile(s.replaceAll("\\{(?![0-9]+(,[0-9]*)?\\})", "\\\\{"), Pattern.MULTILINE);
        }
    }

    private static String classesLiteral(String re) {
        StringBuilder sb = new StringBuilder();
        boolean inClass = false;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length()) {
                sb.append(c).append(re.charAt(++i));
                continue;
            }
            if (!inClass && c == '[') {
                inClass = true;
                sb.append(c);
                if (i + 1 < re.length() && re.charAt(i + 1) == '^') {
                    sb.append(re.charAt(++i));
                }
                if (i + 1 < re.length() && re.charAt(i + 1) == ']') { // a leading ']' is a member
                    sb.append("\\]");
                    i++;
                }
                continue;
            }
            if (inClass && c == '[') {
                sb.append("\\[");
            } else if (inClass && c == '&' && i + 1 < re.length() && re.charAt(i + 1) == '&') {
                sb.append("\\&");
            } else {
                if (inClass && c == ']') {
                    inClass = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
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

    /** A process of that name that is {@code ancestor} or descends from it, or null. */
    private static String pidof(String name, long ancestor) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("pidof", name).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0 || out.isEmpty()) {
            return null;
        }
        for (String pid : out.split("\\s+")) {
            java.util.Optional<ProcessHandle> h = ProcessHandle.of(Long.parseLong(pid));
            while (h.isPresent()) {
                if (h.get().pid() == ancestor) {
                    return pid;
                }
                h = h.get().parent();
            }
        }
        return null;
    }

    /** The first child process of {@code parent} ({@code ps --ppid}), or null. */
    private static String firstChild(long parent) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ps", "--ppid", Long.toString(parent), "--no-headers", "-o", "pid")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 && !out.isEmpty() ? out.split("\\s+")[0] : null;
    }
}
