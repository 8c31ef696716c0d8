package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every script of {@code trace/run} on the VM and compares standard output with the golden
 * files recorded by running Debian's bpftrace 0.17 on the same script: {@code NAME.expected} (text)
 * and {@code NAME.json.expected} ({@code -f json}); {@code NAME.params} holds positional parameters,
 * {@code NAME.env} environment variables ({@code KEY=VALUE} lines). Where a script also has
 * {@code NAME.stderr.expected} (text) or {@code NAME.json.stderr.expected} (JSON), the runtime's
 * messages on the error stream (lost events, failed helper calls, errorf/warnf, runtime warnings)
 * must be exactly that; otherwise that stream is not compared.
 */
class GoldenRunTest {
    @TestFactory
    List<DynamicTest> text() {
        return cases(".expected", false);
    }

    @TestFactory
    List<DynamicTest> json() {
        return cases(".json.expected", true);
    }

    /**
     * Scripts of {@code trace/vm} use what bpftrace 0.17 lacks (several BEGIN probes, {@code let},
     * {@code for}); their expected output was checked by hand, not recorded from bpftrace.
     */
    @TestFactory
    List<DynamicTest> newerLanguage() {
        return cases("vm", ".expected", false);
    }

    /** The scripts of {@code trace/vm} that also have a {@code NAME.json.expected} ({@code -f json}). */
    @TestFactory
    List<DynamicTest> newerLanguageJson() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : Scripts.scripts("vm")) {
            Path expected = Scripts.sibling(p, ".json.expected");
            if (Files.exists(expected)) {
                tests.add(DynamicTest.dynamicTest(p.getFileName().toString() + " (json)", () -> {
                    Source source = new Source(p.getFileName().toString(), Scripts.read(p));
                    check(p, ".json.expected", Scripts.runStreams(source, Scripts.params(p), true, Scripts.env(p), true));
                }));
            }
        }
        return tests;
    }

    private static List<DynamicTest> cases(String suffix, boolean json) {
        List<Path> scripts = Scripts.scripts("run");
        assertTrue(scripts.size() >= 40, "expected at least 40 golden scripts, found " + scripts.size());
        return cases("run", suffix, json);
    }

    private static List<DynamicTest> cases(String dir, String suffix, boolean json) {
        List<DynamicTest> tests = new ArrayList<>();
        List<Path> scripts = Scripts.scripts(dir);
        for (Path p : scripts) {
            Path expected = Scripts.sibling(p, suffix);
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString() + (json ? " (json)" : ""), () -> {
                assertTrue(Files.exists(expected), "missing golden file " + expected.getFileName());
                Scripts.assumeRequirements(p);
                Source source = new Source(p.getFileName().toString(), Scripts.read(p));
                check(p, suffix, Scripts.runStreams(source, Scripts.params(p), json, Scripts.env(p), true));
            }));
        }
        return tests;
    }

    /** Compares a run's output with {@code NAME + suffix}, and its error stream with the stderr golden if any. */
    private static void check(Path p, String suffix, Scripts.Streams run) {
        assertEquals(localized(Scripts.read(Scripts.sibling(p, suffix))), run.out());
        Path err = Scripts.sibling(p, suffix.replace(".expected", ".stderr.expected"));
        if (Files.exists(err)) {
            assertEquals(Scripts.read(err), run.err(), "the error stream of " + p.getFileName());
        }
    }

    /**
     * A golden file with {@code %H} in it (times printed in local time, as tseries' graphs): each
     * {@code %H} becomes the hour of the Unix epoch in this machine's time zone, as current bpftrace's
     * tests localize their expected files.
     */
    static String localized(String expected) {
        String hour = java.time.format.DateTimeFormatter.ofPattern("HH")
                .format(java.time.Instant.EPOCH.atZone(java.time.ZoneId.systemDefault()));
        return expected.replace("%H", hour);
    }
}
