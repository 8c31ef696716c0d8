package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bpf4j.linux.Kernel;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.runtime.KernelBackend;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden scripts of {@code trace/run} (and those of {@code trace/vm} whose first line starts
 * with {@code // kernel}) again, on the Linux kernel: every program must pass the
 * kernel verifier (BEGIN/END loaded as raw tracepoint programs and run with
 * {@code BPF_PROG_TEST_RUN}, interval probes as perf_event programs on a kernel timer), and print
 * what bpftrace 0.17 printed. Skipped, with the reason, where bpf() is not available.
 */
class KernelGoldenTest {
    /** Scripts whose output depends on the task the probe runs in, which differs in the kernel. */
    private static final Map<String, String> EXCLUDED = Map.of(
            "comm_builtin.bt", "comm is the JVM thread's name in the kernel, not bpftrace's");

    @TestFactory
    List<DynamicTest> kernel() {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> scripts = new ArrayList<>(Scripts.scripts("run"));
        // VM goldens of features bpftrace 0.17 lacks, marked to run on the kernel too.
        // Features of current bpftrace that 0.17 lacks and that need a kernel task (ppid...).
        scripts.addAll(Scripts.scripts("kernel"));
        for (Path p : Scripts.scripts("vm")) {
            if (Scripts.read(p).startsWith("// kernel")) {
                scripts.add(p);
            }
        }
        for (Path p : scripts) {
            String name = p.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name + " (kernel)", () -> {
                Kernel.Availability a = Kernel.probe();
                assumeTrue(a.available(), "kernel tests skipped: " + a.reason());
                assumeTrue(!EXCLUDED.containsKey(name), () -> "excluded: " + EXCLUDED.get(name));
                Scripts.assumeRequirements(p);
                Scripts.Streams run = runInKernel(new Source(name, Scripts.read(p)), Scripts.params(p), false);
                assertEquals(Scripts.read(Scripts.sibling(p, ".expected")), run.out());
                assertErrorStream(p, ".stderr.expected", run);
            }));
            Path json = Scripts.sibling(p, ".json.expected");
            if (p.getParent().equals(Scripts.dir("kernel")) && java.nio.file.Files.exists(json)) {
                tests.add(DynamicTest.dynamicTest(name + " (kernel, json)", () -> {
                    Kernel.Availability a = Kernel.probe();
                    assumeTrue(a.available(), "kernel tests skipped: " + a.reason());
                    Scripts.assumeRequirements(p);
                    Scripts.Streams run = runInKernel(new Source(name, Scripts.read(p)), Scripts.params(p), true);
                    assertEquals(Scripts.read(json), run.out());
                    assertErrorStream(p, ".json.stderr.expected", run);
                }));
            }
        }
        // The ring buffer's lost-event count, counted by the programs in the kernel (the VM counts
        // its own drops; the same script runs there as part of trace/vm).
        Path lost = Scripts.dir("vm").resolve("lost_events.bt");
        tests.add(DynamicTest.dynamicTest("lost_events.bt (kernel)", () -> {
            Kernel.Availability a = Kernel.probe();
            assumeTrue(a.available(), "kernel tests skipped: " + a.reason());
            Scripts.Streams run = runInKernel(new Source("lost_events.bt", Scripts.read(lost)));
            assertEquals(Scripts.read(Scripts.sibling(lost, ".expected")), run.out());
            assertErrorStream(lost, ".stderr.expected", run);
        }));
        // ppid in a BEGIN probe, which BPF_PROG_TEST_RUN runs in this JVM's thread: the JVM's parent.
        tests.add(DynamicTest.dynamicTest("ppid is the JVM's parent (kernel)", () -> {
            Kernel.Availability a = Kernel.probe();
            assumeTrue(a.available(), "kernel tests skipped: " + a.reason());
            String out = runInKernel(new Source("ppid.bt", "BEGIN { printf(\"%d\\n\", ppid); exit(); }")).out();
            assertEquals(ProcessHandle.current().parent().orElseThrow().pid() + "\n\n\n", out);
        }));
        return tests;
    }

    /** The error stream of a run against the script's stderr golden ({@code suffix}), when it has one. */
    private static void assertErrorStream(Path p, String suffix, Scripts.Streams run) {
        Path err = Scripts.sibling(p, suffix);
        if (java.nio.file.Files.exists(err)) {
            assertEquals(Scripts.read(err), run.err(), "the error stream of " + p.getFileName());
        }
    }

    /** Compiles a script for the kernel, runs it to its end and returns its text output and error stream. */
    private static Scripts.Streams runInKernel(Source source) throws Exception {
        return runInKernel(source, List.of(), false);
    }

    /** As {@link #runInKernel(Source)}, with positional parameters, in JSON ({@code -f json}) when {@code json}. */
    private static Scripts.Streams runInKernel(Source source, List<String> params, boolean json) throws Exception {
        CompiledScript script = TraceCompiler.compile(source, params, new TraceCompiler.Options(false,
                ProbeSource.none(), AttachPoints.Target.KERNEL, false, false)).orThrow(source);
        OwnVerifier.assertAccepted(script);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        StringWriter ew = new StringWriter();
        PrintWriter epw = new PrintWriter(ew);
        Output out = json ? new Output.Json(pw, epw) : new Output.Text(pw, epw);
        try (TraceRuntime rt = new TraceRuntime(script, out, new KernelBackend(script, Kernel.system()))) {
            rt.setSource(source);
            rt.run();
        }
        pw.flush();
        epw.flush();
        return new Scripts.Streams(sw.toString(), ew.toString());
    }
}
