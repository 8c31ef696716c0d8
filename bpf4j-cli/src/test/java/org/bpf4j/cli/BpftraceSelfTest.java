package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
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
 * Runs current bpftrace's self tests ({@code tests/self/*.bt}: {@code test:} probes of its standard
 * library) as its {@code self-tests.sh} runs them, {@code bpftrace --test FILE}, each file on the VM
 * and (where bpf() works) in the kernel: the exit status must be 0, which it is only when every
 * test passed. Opt-in, as {@link BpftraceRuntimeTest}: give the {@code tests} directory of a
 * bpftrace checkout with {@code -Dbpf4j.bpftrace.tests=DIR} (or {@code BPF4J_BPFTRACE_TESTS});
 * skipped without it, or for bpftrace 0.17's tests, which have no {@code self} directory.
 */
class BpftraceSelfTest {
    @TestFactory
    Stream<DynamicTest> bpftraceSelfTests() throws IOException {
        String dir = System.getProperty("bpf4j.bpftrace.tests", System.getenv("BPF4J_BPFTRACE_TESTS"));
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir, "self"))) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace self tests", () -> Assumptions.abort(
                    "SKIPPED: current bpftrace's self tests are not in this repository; give the tests directory of "
                            + "a bpftrace checkout with -Dbpf4j.bpftrace.tests=DIR (or BPF4J_BPFTRACE_TESTS)"
                            + (dir == null ? "" : "; " + dir + "/self not found"))));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(dir, "self"))) {
            files = s.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (Path f : files) {
            for (String backend : List.of("vm", "kernel")) {
                tests.add(DynamicTest.dynamicTest(f.getFileName() + " (" + backend + ")", () -> {
                    if (backend.equals("kernel")) {
                        Kernel.Availability a = Kernel.probe();
                        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
                    }
                    Cli r = Cli.run("trace", "--backend", backend, "--test", f.toString());
                    String plain = r.out().replaceAll("\u001b\\[[0-9;]*m", "");
                    assertEquals(0, r.status(), plain + r.err());
                    assertFalse(plain.contains("[  FAILED  ]"), plain);
                }));
            }
        }
        return tests.stream();
    }
}
