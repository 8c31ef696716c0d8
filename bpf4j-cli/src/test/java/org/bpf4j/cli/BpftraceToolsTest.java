package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs bpftrace's tools ({@code tools/*.bt} of a bpftrace checkout, or the {@code /usr/sbin/*.bt}
 * of a distribution's package) as bpftrace's {@code tools-parsing-test.sh} runs them: {@code
 * bpftrace -l TOOL}, then {@code bpftrace --unsafe -v --dry-run TOOL}, which compiles the tool,
 * loads its programs into the kernel and attaches them, then stops. A tool passes when it
 * attaches; a tool that uses kprobes, on a kernel without them, passes when it fails at that
 * attachment with the reason (exit status 255, as bpftrace), having been compiled and loaded. Any
 * other failure fails the test unless {@code bpftrace-tools/known.txt} lists the tool with the
 * error it gives and why (a kernel symbol this machine does not export, a 0.17 tool that current
 * bpftrace refuses). Opt-in: {@code -Dbpf4j.bpftrace.tools=DIR} (or {@code BPF4J_BPFTRACE_TOOLS});
 * skipped without it. Needs the kernel.
 */
class BpftraceToolsTest {
    /** The reason the kernel backend gives for a kprobe it cannot attach (KernelBackend). */
    private static final String NO_KPROBES = "cannot be attached: this kernel has no kprobes";

    /** A known failure: the tool, a piece of the error it gives, why. */
    private record Known(String tool, String error, String why) {}

    @TestFactory
    Stream<DynamicTest> bpftraceTools() throws IOException {
        String dir = System.getProperty("bpf4j.bpftrace.tools", System.getenv("BPF4J_BPFTRACE_TOOLS"));
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace tools", () -> Assumptions.abort(
                    "SKIPPED: bpftrace's tools are not in this repository; give their directory (a bpftrace "
                            + "checkout's tools, or /usr/sbin for a distribution's) with -Dbpf4j.bpftrace.tools=DIR"
                            + (dir == null ? "" : "; " + dir + " not found"))));
        }
        List<Path> tools;
        try (Stream<Path> s = Files.list(Path.of(dir))) {
            tools = s.filter(p -> p.toString().endsWith(".bt") && Files.isRegularFile(p)).sorted().toList();
        }
        List<Known> known = known();
        List<DynamicTest> tests = new ArrayList<>();
        for (Path tool : tools) {
            tests.add(DynamicTest.dynamicTest(tool.getFileName().toString(), () -> check(tool, known)));
        }
        return tests.stream();
    }

    private static void check(Path tool, List<Known> known) {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        String name = tool.getFileName().toString();
        Cli list = Cli.run("trace", "-l", tool.toString());
        Cli dry = list.status() == 0 ? Cli.run("trace", "--unsafe", "-v", "--dry-run", tool.toString()) : list;
        String err = dry.err();
        for (Known k : known) {
            if (k.tool().equals(name) && err.contains(k.error())) {
                assertTrue(dry.status() != 0, name + " is listed as failing (" + k.why() + ") but passes: take it off "
                        + "bpftrace-tools/known.txt");
                Assumptions.abort("SKIPPED: a known failure: " + k.why());
            }
        }
        if (list.status() != 0) {
            fail(name + ": -l failed (" + list.status() + "):\n" + list.err());
        }
        if (dry.status() == 0) {
            assertTrue(!list.out().isBlank(), name + " lists no probe");
            return;
        }
        boolean kprobes = !Files.isDirectory(Path.of("/sys/bus/event_source/devices/kprobe"));
        if (kprobes && dry.status() == TraceCommand.EXIT_RUN_FAILED && err.contains(NO_KPROBES)) {
            // compiled and loaded; refused where bpftrace is refused, at the attachment of a kprobe
            assertTrue(err.contains("ERROR: Unable to attach probe: k"), err);
            assertEquals(-1, err.indexOf(":" + " ERROR:"), "an error of the script before the attachment:\n" + err);
            return;
        }
        fail(name + ": --dry-run failed (" + dry.status() + "):\n" + err);
    }

    private static List<Known> known() {
        List<Known> out = new ArrayList<>();
        try (InputStream in = BpftraceToolsTest.class.getResourceAsStream("/bpftrace-tools/known.txt")) {
            if (in == null) {
                return out;
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split(" -- ", 3);
                if (f.length == 3) {
                    out.add(new Known(f[0].strip(), f[1].strip(), f[2].strip()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
