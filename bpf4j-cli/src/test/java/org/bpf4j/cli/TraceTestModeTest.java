package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j trace --mode test} (and {@code --test}): current bpftrace's {@code test:} probes, each
 * run once; a test passes when it returns 0, exits with 0 and reports no error; the output of a
 * failed test is shown, a passed test's is not. On the VM and (where bpf() works) in the kernel.
 */
class TraceTestModeTest {
    private static final String SCRIPT = "BEGIN { printf(\"begin\\n\"); } "
            + "test:passes { printf(\"hidden\\n\"); @ran++; } " // not count(): tests may run on different CPUs
            + "test:returns_one { printf(\"shown %d\\n\", @ran); return 1; } "
            + "test:reports_an_error { errorf(\"bad %d\", 2); } "
            + "test:exits_with_3 { exit(3); } "
            + "test:exits_with_0 { exit(); } "
            + "tracepoint:sched:sched_switch { @t = count(); } "
            + "END { printf(\"end\\n\"); }";
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");
    private static final Pattern DURATION = Pattern.compile(" \\(\\d+ (ns|\u03bcs|ms|s)\\)$", Pattern.MULTILINE);

    private static void needsTheKernel() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
    }

    /** The report without its colours and with each duration as (T). */
    private static String plain(String out) {
        assertTrue(out.contains("\u001b[32m[==========]\u001b[0m Running 5 tests."), out);
        String p = ANSI.matcher(out).replaceAll("");
        assertEquals(7, DURATION.matcher(p).results().count() + 2, p);
        return DURATION.matcher(p).replaceAll(" (T)");
    }

    private static final String REPORT = """
            begin
            [==========] Running 5 tests.
            [ RUN      ] passes
            [       OK ] passes (T)
            [ RUN      ] returns_one
            shown 1
            [  FAILED  ] returns_one (T)
            [ RUN      ] reports_an_error
            stdin:1:BAD: ERROR: bad 2
            [  FAILED  ] reports_an_error (T)
            [ RUN      ] exits_with_3
            [  FAILED  ] exits_with_3 (T)
            [ RUN      ] exits_with_0
            [       OK ] exits_with_0 (T)
            [==========] 5 tests ran.
            [  PASSED  ] 2 tests.
            [  FAILED  ] 3 tests, listed below:
            [  FAILED  ] returns_one
            [  FAILED  ] reports_an_error
            [  FAILED  ] exits_with_3
            end


            """;

    private static void assertReport(Cli r) {
        assertEquals(1, r.status(), "a failed test makes the status 1: " + r.err());
        String p = plain(r.out()).replaceAll("stdin:1:\\d+-\\d+: ERROR", "stdin:1:BAD: ERROR");
        assertEquals(REPORT, p);
        assertEquals("", r.err(), "no Attached line");
    }

    @Test
    void testsRunOnTheVm() {
        assertReport(Cli.run("trace", "--backend", "vm", "--mode", "test", "-e",
                SCRIPT.replace(" tracepoint:sched:sched_switch { @t = count(); }", "")));
    }

    @Test
    void testsRunInTheKernelWithOneTestRunEach() {
        needsTheKernel();
        assertReport(Cli.run("trace", "--test", "-e", SCRIPT));
    }

    @Test
    void allPassingExitsWithZero() {
        Cli r = Cli.run("trace", "--backend", "vm", "--test", "-e", "test:a { $x = 1; if ($x != 1) { return 1; } }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        String p = ANSI.matcher(r.out()).replaceAll("");
        assertTrue(p.startsWith("[==========] Running 1 tests.\n[ RUN      ] a\n[       OK ] a ("), p);
        assertTrue(p.endsWith(")\n[==========] 1 test ran.\n[  PASSED  ] 1 test.\n\n\n"), p);
    }

    /** JSON: one test_result a test, with its output captured in text form (as current bpftrace's capture). */
    @Test
    void jsonGivesOneResultPerTestWithItsOutputInText() {
        Cli r = Cli.run("trace", "--backend", "vm", "-q", "-f", "json", "--test", "-e",
                "test:a { printf(\"x\\n\"); print((1, \"a\")); } test:b { @m[1] = 2; print(@m); errorf(\"bad %d\", 3); "
                        + "return 2; }");
        assertEquals(1, r.status(), r.err());
        String out = r.out().replaceAll("\"duration\": \\d+", "\"duration\": D").replaceAll("stdin:1:\\d+-\\d+:", "stdin:1:BAD:");
        assertEquals("""
                {"type": "test_result", "data": {"a": {"duration": D, "passed": true, "output": "x\\n(1, a)\\n"}}}
                {"type": "test_result", "data": {"b": {"duration": D, "passed": false, "output": "@m[1]: 2\\nstdin:1:BAD: ERROR: bad 3\\n"}}}
                """, out);
    }

    /** {@code return VALUE} inside for loops (nested too) leaves the test with that value. */
    private static void assertReturnsFromLoops(Cli r) {
        assertEquals(1, r.status(), r.err());
        String p = DURATION.matcher(ANSI.matcher(r.out()).replaceAll("")).replaceAll(" (T)");
        assertTrue(p.contains("[ RUN      ] zero\n[       OK ] zero (T)\n"), p);
        assertTrue(p.contains("[ RUN      ] two\n[  FAILED  ] two (T)\n"), p);
        assertTrue(p.contains("[ RUN      ] nested\n[  FAILED  ] nested (T)\n"), p);
        assertTrue(p.contains("[ RUN      ] after\n[       OK ] after (T)\n"), p);
        assertTrue(p.contains("[  PASSED  ] 2 tests."), p);
    }

    private static final String LOOPS = "test:zero { @m[1] = 5; for ($kv : @m) { return $kv.1 - 5; } return 1; } "
            + "test:two { @n[1] = 1; for ($kv : @n) { return $kv.1 + 1; } } "
            + "test:nested { @p[1] = 7; for ($a : @p) { for ($b : @p) { return $b.1; } } } "
            + "test:after { @q[1] = 1; for ($kv : @q) { if ($kv.1 == 2) { return 1; } } return 0; }";

    @Test
    void returnWithAValueLeavesForLoopsOnTheVm() {
        assertReturnsFromLoops(Cli.run("trace", "--backend", "vm", "--test", "-e", LOOPS));
    }

    @Test
    void returnWithAValueLeavesForLoopsInTheKernel() {
        needsTheKernel();
        assertReturnsFromLoops(Cli.run("trace", "--test", "-e", LOOPS));
    }

    /**
     * A runtime error (here a division by zero, which bpf4j reports as current bpftrace does) fails
     * the test, as current bpftrace counts its runtime errors with errorf's.
     */
    private static void assertRuntimeErrorsFail(Cli r) {
        assertEquals(1, r.status(), r.err());
        String p = DURATION.matcher(ANSI.matcher(r.out()).replaceAll("")).replaceAll(" (T)");
        assertTrue(p.contains("[ RUN      ] divides_by_zero\nstdin:1:37-44: WARNING: Divide or modulo by 0 detected. "
                + "This can lead to unexpected results. 1 is being used as the result.\n"), p);
        assertTrue(p.contains("[  FAILED  ] divides_by_zero (T)\n[ RUN      ] divides\n[       OK ] divides (T)\n"), p);
    }

    private static final String DIVIDES = "test:divides_by_zero { $x = 0; $y = 10 / $x; } "
            + "test:divides { $x = 2; $y = 10 / $x; }";

    @Test
    void aRuntimeErrorFailsTheTestOnTheVm() {
        assertRuntimeErrorsFail(Cli.run("trace", "--backend", "vm", "--test", "-e", DIVIDES));
    }

    @Test
    void aRuntimeErrorFailsTheTestInTheKernel() {
        needsTheKernel();
        assertRuntimeErrorsFail(Cli.run("trace", "--test", "-e", DIVIDES));
    }

    /** A script file of src/test/resources/trace-test. */
    private static String file(String name) {
        try {
            return Path.of(TraceTestModeTest.class.getResource("/trace-test/" + name).toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The exit status of {@code bpf4j trace ARGS} by both ways the command starts: picocli (as
     * {@link Cli}) and {@link FastTrace} (the path {@code ./bpf4j} takes), which must agree.
     */
    private static int status(String... args) {
        Cli viaPicocli = Cli.run(args);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("trace"));
        all.addAll(List.of(args).subList(1, args.length));
        OptionalInt fast = FastTrace.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertTrue(fast.isPresent(), "FastTrace takes these arguments");
        assertEquals(viaPicocli.status(), fast.getAsInt(), "picocli: " + viaPicocli.out() + viaPicocli.err()
                + "\nFastTrace: " + out + err);
        assertEquals("", viaPicocli.err());
        return viaPicocli.status();
    }

    /** The exit status of a test file: 1 if a test failed, 0 if all passed, as current bpftrace. */
    private static void assertFileStatuses(String... backend) {
        for (String format : List.of("text", "json")) {
            List<String> base = new ArrayList<>(List.of("trace"));
            base.addAll(List.of(backend));
            base.addAll(List.of("-f", format, "--test"));
            List<String> failing = new ArrayList<>(base);
            failing.add(file("failing.bt"));
            List<String> passing = new ArrayList<>(base);
            passing.add(file("passing.bt"));
            assertEquals(1, status(failing.toArray(String[]::new)), format + ": a failed test makes the status 1");
            assertEquals(0, status(passing.toArray(String[]::new)), format + ": all passed");
        }
    }

    @Test
    void aTestFileThatFailsExitsWithOneOnTheVm() {
        assertFileStatuses("--backend", "vm");
    }

    @Test
    void aTestFileThatFailsExitsWithOneInTheKernel() {
        needsTheKernel();
        assertFileStatuses();
    }

    @Test
    void withoutTheModeTestsAreNotRun() {
        Cli only = Cli.run("trace", "--backend", "vm", "-e", "test:a { @a = 1; }");
        assertEquals("ERROR: No probes attached; use --test to run test probes.\n", only.err());
        Cli other = Cli.run("trace", "--backend", "vm", "-e", "test:a { @a = 1; } BEGIN { @b = 2; exit(); }");
        assertEquals(Main.EXIT_OK, other.status(), other.err());
        assertEquals("\n\n@b: 2\n", other.out());
        Cli both = Cli.run("trace", "--backend", "vm", "--test", "--bench", "-e", "test:a { }");
        assertEquals("USAGE: --test conflicts with existing --mode\n", both.err().replace("ERROR: ", ""));
    }
}
