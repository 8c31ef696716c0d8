package org.bpf4j.trace;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.bpf4j.vm.Environment;
import org.bpf4j.vm.VmOptions;

/** Test helpers: the case directories and running a script on the VM to a string. */
final class Scripts {
    private Scripts() {}

    static Path dir(String name) {
        try {
            return Path.of(Scripts.class.getResource("/trace/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> scripts(String name) {
        try (Stream<Path> s = Files.list(dir(name))) {
            return s.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path sibling(Path script, String suffix) {
        String n = script.getFileName().toString();
        return script.resolveSibling(n.substring(0, n.length() - 3) + suffix);
    }

    /**
     * The VM options for golden runs. BEGIN runs in the tracer's own task, whose name bpftrace
     * reports as "bpftrace"; the goldens were recorded with bpftrace, so the tests name the task the same.
     */
    static VmOptions options() {
        Environment env = Environment.system();
        return VmOptions.defaults().withEnvironment(env.withTask(env.pidTgid(), env.uidGid(), "bpftrace"));
    }

    /** The positional parameters of a script: its {@code NAME.params} file split at white space, or none. */
    static List<String> params(Path script) {
        Path p = sibling(script, ".params");
        if (!Files.exists(p)) {
            return List.of();
        }
        return List.of(read(p).trim().split("\\s+"));
    }

    /**
     * The environment a script runs with: this process's, plus the {@code KEY=VALUE} lines of its
     * {@code NAME.env} file (current bpftrace's test hooks, such as {@code BPFTRACE_DUMMY_TS_MAP}).
     */
    static java.util.Map<String, String> env(Path script) {
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        Path p = sibling(script, ".env");
        if (Files.exists(p)) {
            for (String line : read(p).split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    env.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
        }
        return env;
    }

    /**
     * Skips a test (with the reason) whose script needs what this machine may lack, as its
     * {@code NAME.requires} file lists: {@code kallsyms} (kernel symbol addresses, visible to root), {@code root} (the tracer runs as
     * root), {@code cgroup2} (a cgroup v2 hierarchy is mounted).
     */
    static void assumeRequirements(Path script) {
        Path p = sibling(script, ".requires");
        if (!Files.exists(p)) {
            return;
        }
        for (String need : read(p).trim().split("\\s+")) {
            switch (need) {
                case "kallsyms" -> org.junit.jupiter.api.Assumptions.assumeTrue(
                        org.bpf4j.trace.symbols.KernelSymbols.system().address("vfs_read").isPresent(),
                        "skipped: /proc/kallsyms shows no addresses to this user");
                case "root" -> org.junit.jupiter.api.Assumptions.assumeTrue(rootUser(),
                        "skipped: the script shows the user name of the tracer, expected to be root");
                case "cgroup2" -> org.junit.jupiter.api.Assumptions.assumeTrue(cgroup2Mounted(),
                        "skipped: no cgroup v2 hierarchy is mounted (/proc/mounts)");
                default -> throw new IllegalArgumentException(p + ": unknown requirement " + need);
            }
        }
    }

    private static boolean rootUser() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s.*"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean cgroup2Mounted() {
        try {
            return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.split(" ").length > 2
                    && l.split(" ")[2].equals("cgroup2"));
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Compiles and runs a script on the VM; returns standard output. */
    static String run(Source source, List<String> params, boolean json) throws InterruptedException {
        return run(source, params, json, System.getenv());
    }

    /** Compiles (with this environment) and runs a script on the VM; returns standard output. */
    static String run(Source source, List<String> params, boolean json, java.util.Map<String, String> env)
            throws InterruptedException {
        return run(source, params, json, env, true);
    }

    /** Compiles and runs a script on the VM, as if a command ran under {@code -c} when {@code child}. */
    static String run(Source source, List<String> params, boolean json, java.util.Map<String, String> env,
            boolean child) throws InterruptedException {
        return runStreams(source, params, json, env, child).out();
    }

    /**
     * What a run printed on each stream: {@code out} the script's output, {@code err} the runtime's
     * messages (lost events, failed helper calls, warnings and errors of the running script).
     */
    record Streams(String out, String err) {}

    /** As {@link #run(Source, List, boolean, java.util.Map, boolean)}, with both streams. */
    static Streams runStreams(Source source, List<String> params, boolean json, java.util.Map<String, String> env,
            boolean child) throws InterruptedException {
        CompiledScript script = TraceCompiler.compile(source, params,
                new TraceCompiler.Options(false, org.bpf4j.trace.probe.ProbeSource.none(),
                        org.bpf4j.trace.probe.AttachPoints.Target.VM, false, child),
                new TraceCompiler.Setup(env, List.of(), List.of())).orThrow(source);
        OwnVerifier.assertAccepted(script);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        StringWriter ew = new StringWriter();
        PrintWriter epw = new PrintWriter(ew);
        Output out = json ? new Output.Json(pw, epw) : new Output.Text(pw, epw);
        try (TraceRuntime rt = TraceRuntime.vm(script, out, options())) {
            rt.setSource(source); // the places errorf/warnf and runtime warnings name
            rt.run();
        }
        pw.flush();
        epw.flush();
        return new Streams(sw.toString(), ew.toString());
    }
}
