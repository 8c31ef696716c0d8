package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code bpf4j trace} prints what, as current bpftrace: the script's output on standard
 * output (or the file of {@code -o}), the runtime's messages (lost events, failed helper calls,
 * errors of the running script) on standard error, whatever {@code -o} says; and how the run ends
 * on SIGTERM and when the process of {@code -p} exits. The simpler cases are goldens
 * ({@code golden/trace-*.golden}, each stream compared on its own).
 */
class TraceStreamsTest {
    @TempDir
    Path work;

    /** A map of one element filled twice (a failed update, warned by default) and a cat() that fails. */
    private static final String SCRIPT = "let @h = hash(1); BEGIN { @h[1] = 1; @h[2] = 2; cat(\"/no/such/file\"); "
            + "printf(\"done\\n\"); exit(); }";

    @Test
    void withOutputFileTheMessagesStayOnStandardError() throws Exception {
        Path file = work.resolve("out.txt");
        Cli r = Cli.run("trace", "--backend", "vm", "-o", file.toString(), "-e", SCRIPT);
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("", r.out());
        // current bpftrace: TextOutput writes the script's output to the file, its messages to std::cerr
        assertEquals("done\n\n\n@h[1]: 1\n", Files.readString(file));
        assertTrue(r.err().startsWith("Attached 1 probe\nstdin:1:38-47: WARNING: Map full; can't update element."),
                r.err());
        assertTrue(r.err().endsWith("ERROR: failed to open file '/no/such/file' (No such file or directory)\n"), r.err());
    }

    @Test
    void withOutputFileJsonKeepsItsRecordsInTheFile() throws Exception {
        Path file = work.resolve("out.json");
        Cli r = Cli.run("trace", "--backend", "vm", "-f", "json", "-o", file.toString(), "-e", SCRIPT);
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("", r.out());
        List<String> lines = Files.readAllLines(file);
        assertEquals("{\"type\": \"attached_probes\", \"count\": 1, \"data\": {\"probes\": 1}}", lines.get(0));
        assertEquals("{\"type\": \"helper_error\", \"msg\": \"Argument list too long\", \"helper\": \"map_update_elem\", "
                + "\"retcode\": -7, \"filename\": \"stdin\", \"line\": 1, \"col\": 38}", lines.get(1));
        assertEquals("{\"type\": \"printf\", \"data\": \"done\\n\"}", lines.get(2));
        // the cat() error is bpftrace's log, on standard error in either form
        assertEquals("ERROR: failed to open file '/no/such/file' (No such file or directory)\n", r.err());
    }

    @Test
    void sigtermEndsTheRunAsCtrlCDoes() throws Exception {
        String[] r = signalledRun("-TERM", "interval:ms:50 { @ticks = count(); } END { printf(\"end\\n\"); }");
        // current bpftrace: END runs, the maps are printed, the status is 0 (not the JVM's 143)
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].matches("end\n\n\n@ticks: \\d+\n"), r[1]);
    }

    @Test
    void aSecondCtrlCDoesNotCutEndOrTheMapsShort() throws Exception {
        // END's system() call sends the second SIGINT to bpf4j itself ($PPID of its shell), so it
        // lands while END runs however slow the machine is (a kill from here could come after END)
        String[] r = signalledRun("-INT", "interval:ms:50 { @ticks = count(); } END { printf(\"end\\n\"); "
                + "system(\"kill -INT $PPID; sleep 0.5\"); printf(\"after\\n\"); }");
        // current bpftrace's handler only sets its flag again: END goes on, the maps are printed,
        // the status is 0 (bpf4j used to exit at once with 130)
        assertEquals("0", r[0], r[1]);
        // (system()'s output, empty here, ends with a newline, as current bpftrace's TextOutput::syscall)
        assertTrue(r[1].matches("end\n\nafter\n\n\n@ticks: \\d+\n"), r[1]);
    }

    /**
     * Runs {@code bpf4j trace --backend vm --unsafe -e SCRIPT} in a process of its own (so that a
     * signal goes to it alone), sends it {@code signal} with kill(1) once its two probes are
     * attached, and returns its exit status and standard output.
     */
    private static String[] signalledRun(String signal, String script) throws Exception {
        List<String> cmd = List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "trace", "--backend", "vm", "--unsafe", "-e", script);
        Process p = new ProcessBuilder(cmd).start();
        try {
            // wait for the Attached line: the run has started
            byte[] line = new byte[17];
            int n = p.getErrorStream().readNBytes(line, 0, line.length);
            assertEquals("Attached 2 probes", new String(line, 0, n, StandardCharsets.UTF_8));
            Thread.sleep(300);
            // kill(1), not Process.destroy(), which would close the streams too
            assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bpf4j trace did not end on " + signal);
            return new String[] {Integer.toString(p.exitValue()),
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)};
        } finally {
            p.destroyForcibly();
        }
    }

    /** Runs {@code bpf4j trace ARGS} in a process of its own with {@code BPFTRACE_COLOR} set; returns its streams. */
    private static String[] runWithColor(String color, String... args) throws Exception {
        return TraceSettingsTest.run(Map.of("BPFTRACE_COLOR", color), args);
    }

    @Test
    void bpftraceColorAlwaysColoursTheLogLinesOnly() throws Exception {
        String script = "let @h = hash(1); BEGIN { @h[1] = 1; @h[2] = 2; warnf(\"w\"); errorf(\"e\"); exit(); }";
        String[] r = runWithColor("always", "--backend", "vm", "-e", script);
        // current bpftrace's Log::take_input: the colour from the place to the end of the message
        // (both lines of a failed helper call), the source lines and the output as they are
        assertEquals("Attached 1 probe\n"
                + "\033[33mstdin:1:38-47: WARNING: Map full; can't update element. Try increasing max_map_keys config "
                + "or manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`\n"
                + "Additional Info - helper: map_update_elem, retcode: -7\033[0m\n"
                + script + "\n" + " ".repeat(37) + "~".repeat(9) + "\n"
                + "\033[33mstdin:1:49-59: WARNING: w\033[0m\n"
                + "\033[31mstdin:1:61-72: ERROR: e\033[0m\n", r[1]);
        assertEquals("\n\n@h[1]: 1\n", r[0]);
        // an invalid value: bpftrace's warning, uncoloured, then as auto (here no terminal: no colours)
        String[] bad = runWithColor("sometimes", "--backend", "vm", "-e", "BEGIN { warnf(\"w\"); exit(); }");
        assertEquals("WARNING: Invalid env value! The valid values of `BPFTRACE_COLOR` are [auto|always|never]. "
                + "The current value is sometimes!\nAttached 1 probe\nstdin:1:9-19: WARNING: w\n", bad[1]);
    }

    @Test
    void theRunEndsWhenTheProcessOfPidEnds() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Process sleeper = new ProcessBuilder("sleep", "1").start();
        try {
            long start = System.nanoTime();
            Cli r = Cli.run("trace", "-p", Long.toString(sleeper.pid()), "-e",
                    "tracepoint:syscalls:sys_enter_write { @ = count(); } END { printf(\"end\\n\"); }");
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            // current bpftrace stops polling once the traced process exits: END, then the maps
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertEquals("end\n\n\n", r.out());
            assertTrue(seconds < 30, "the run went on " + seconds + " s after the process ended");
        } finally {
            sleeper.destroyForcibly();
        }
    }
}
