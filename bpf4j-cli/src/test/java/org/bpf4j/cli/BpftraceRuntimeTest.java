package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.cli.BpftraceTestFile.Case;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs bpftrace's own runtime tests ({@code tests/runtime/*} of a bpftrace source tree) against
 * {@code bpf4j trace}, the way bpftrace's test engine runs them against bpftrace: each case's
 * {@code RUN} command (or {@code bpftrace -e PROG}) in a shell with {@code {{BPFTRACE}}} naming
 * bpf4j, {@code BEFORE} and {@code AFTER} workloads, {@code __BPFTRACE_NOTIFY_PROBES_ATTACHED},
 * {@code TIMEOUT} counted from the attachment, the output checked against {@code EXPECT}.
 *
 * <p>bpftrace's tests are not in this repository. Give their directory (the {@code tests}
 * directory of a bpftrace checkout, 0.17 or current) with {@code -Dbpf4j.bpftrace.tests=DIR}
 * or {@code BPF4J_BPFTRACE_TESTS}; without it the suite is skipped with that message.
 * bpftrace's test programs and libraries ({@code tests/testprogs}, {@code tests/testlibs}) are
 * built into a temporary directory, never into the given tree ({@link BpftraceTestPrograms}). Options: {@code bpf4j.bpftrace.only} (a
 * regular expression on {@code suite.NAME}), {@code bpf4j.bpftrace.command} (another tracer,
 * e.g. {@code /usr/bin/bpftrace}, to compare). Each case that cannot run here is skipped with
 * its reason (kprobes and fentry are not available on this kernel, AOT is a bpftrace mode,
 * ...); the known failures of bpf4j are listed with their reasons in {@code
 * bpftrace-runtime/known-0.17.txt} (or {@code known-current.txt}) and skipped with them. A
 * summary and one line per case go to {@code target/bpftrace-runtime.txt}.
 */
class BpftraceRuntimeTest {
    private static final Map<String, String> RESULTS = new ConcurrentHashMap<>();
    private static final List<String> LINES = new ArrayList<>();

    @TestFactory
    Stream<DynamicTest> bpftraceRuntimeTests() throws IOException {
        String dir = System.getProperty("bpf4j.bpftrace.tests", System.getenv("BPF4J_BPFTRACE_TESTS"));
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir, "runtime"))) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace runtime tests", () -> Assumptions.abort(
                    "SKIPPED: bpftrace's runtime tests are not in this repository; give the tests directory of a "
                            + "bpftrace checkout with -Dbpf4j.bpftrace.tests=DIR (or BPF4J_BPFTRACE_TESTS)"
                            + (dir == null ? "" : "; " + dir + "/runtime not found"))));
        }
        Path tests = Path.of(dir).toAbsolutePath().normalize();
        Kernel.Availability kernel = Kernel.probe();
        if (!kernel.available()) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace runtime tests", () -> Assumptions.abort(
                    "SKIPPED: bpftrace's runtime tests need the kernel: " + kernel.reason())));
        }
        Path engineParser = tests.resolve("runtime/engine/parser.py");
        boolean current = Files.isRegularFile(engineParser) && Files.readString(engineParser).contains("EXPECT_REGEX");
        Workspace ws = Workspace.create(tests, System.getProperty("bpf4j.bpftrace.command"), current);
        // -Dbpf4j.bpftrace.ignoreKnown=true: the listed cases fail with their own reasons (to see why)
        Map<String, String> known = Boolean.getBoolean("bpf4j.bpftrace.ignoreKnown") ? Map.of()
                : knownFailures(current ? "known-current.txt" : "known-0.17.txt");
        Files.deleteIfExists(Path.of("target", "bpftrace-runtime.partial.txt"));
        Pattern only = Pattern.compile(System.getProperty("bpf4j.bpftrace.only", ".*"));
        List<Path> suites;
        try (Stream<Path> s = Files.list(tests.resolve("runtime"))) {
            suites = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        List<DynamicTest> out = new ArrayList<>();
        for (Path suite : suites) {
            for (Case c : BpftraceTestFile.read(suite, current)) {
                if (!only.matcher(c.fullName()).find()) {
                    continue;
                }
                out.add(DynamicTest.dynamicTest(c.fullName(), () -> runCase(ws, c, known.get(c.fullName()), current)));
            }
        }
        return out.stream();
    }

    private static void runCase(Workspace ws, Case c, String knownFailure, boolean current) throws Exception {
        String skip = BpftraceCaseRunner.skipReason(ws, c, current);
        if (skip != null) {
            record(c, "SKIP", skip);
            Assumptions.abort("SKIPPED: " + skip);
        }
        BpftraceCaseRunner.Outcome o = BpftraceCaseRunner.run(ws, c);
        if (o.passed()) {
            record(c, "PASS", knownFailure == null ? "" : "(listed as a known failure: " + knownFailure + ")");
            return;
        }
        if (knownFailure != null) {
            record(c, "KNOWN", knownFailure);
            Assumptions.abort("SKIPPED: a known failure: " + knownFailure);
        }
        record(c, "FAIL", o.why() + "\n    cmd: " + o.command() + "\n    got: " + tail(o.output()));
        fail(c.fullName() + ": " + o.why() + "\ncommand: " + o.command() + "\noutput:\n" + tail(o.output()));
    }

    private static String tail(String s) {
        String t = s.length() > 800 ? "..." + s.substring(s.length() - 800) : s;
        return t.replace("\n", "\\n");
    }

    private static synchronized void record(Case c, String status, String detail) {
        RESULTS.put(c.fullName(), status);
        String line = status + " " + c.fullName() + (detail.isEmpty() ? "" : " -- " + detail);
        LINES.add(line);
        try {
            // progress of a long run, one line per case as it ends
            Files.writeString(Path.of("target", "bpftrace-runtime.partial.txt"), line + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void summary() throws IOException {
        if (RESULTS.isEmpty()) {
            return;
        }
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String k : List.of("PASS", "FAIL", "KNOWN", "SKIP")) {
            counts.put(k, 0);
        }
        RESULTS.values().forEach(v -> counts.merge(v, 1, Integer::sum));
        String line = "bpftrace runtime tests: " + counts.get("PASS") + " passed, "
                + (counts.get("FAIL") + counts.get("KNOWN")) + " failed (" + counts.get("KNOWN")
                + " of them known failures), " + counts.get("SKIP") + " skipped";
        System.out.println(line);
        List<String> all = new ArrayList<>(LINES);
        all.add(line);
        Files.write(Path.of("target", "bpftrace-runtime.txt"), all);
    }

    private static Map<String, String> knownFailures(String resource) {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = BpftraceRuntimeTest.class.getResourceAsStream("/bpftrace-runtime/" + resource)) {
            if (in == null) {
                return m;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int sep = line.indexOf(" -- ");
                if (sep > 0) {
                    m.put(line.substring(0, sep).strip(), line.substring(sep + 4).strip());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    /**
     * Where the cases run: a temporary directory standing for bpftrace's {@code tests}
     * directory (its {@code runtime} linked, its test programs built here) and the tracer's
     * launcher.
     *
     * @param tests bpftrace's tests directory
     * @param work the temporary working directory
     * @param tracer the command that {@code {{BPFTRACE}}} becomes
     * @param unbuilt test programs that could not be built, with the compiler's first error
     * @param current whether the tests follow the current engine (else 0.17's)
     */
    record Workspace(Path tests, Path work, String tracer, Map<String, String> unbuilt, boolean current) {
        static Workspace create(Path tests, String command, boolean current) throws IOException {
            Path work = Files.createTempDirectory("bpf4j-bpftrace-tests");
            work.toFile().deleteOnExit();
            try (Stream<Path> s = Files.list(tests)) {
                for (Path p : s.toList()) {
                    String n = p.getFileName().toString();
                    if (Files.isDirectory(p) && !n.equals("testprogs") && !n.equals("testlibs")) {
                        Files.createSymbolicLink(work.resolve(n), p);
                    }
                }
            }
            Map<String, String> unbuilt = BpftraceTestPrograms.build(tests, work, current);
            String tracer = command;
            if (tracer == null || tracer.isBlank()) {
                Path launcher = work.resolve("bin/bpftrace");
                Files.createDirectories(launcher.getParent());
                String java = ProcessHandle.current().info().command().orElse("java");
                // argv[0] "bpftrace": the tests find the tracer with `pidof bpftrace`, and bpf4j trace names
                // its process (comm, seen by the comm builtin in BEGIN) after it
                Files.writeString(launcher, "#!/bin/bash\nexec -a bpftrace '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
                        + " --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp '"
                        + Objects.requireNonNull(System.getProperty("java.class.path"))
                        + "' org.bpf4j.cli.Main trace \"$@\"\n");
                launcher.toFile().setExecutable(true);
                tracer = launcher.toString();
            }
            return new Workspace(tests, work, tracer, unbuilt, current);
        }
    }
}
