package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Imported BPF C ({@code import "lib.bpf.c";}) in the kernel: its functions called from a
 * tracepoint's predicate, a map key and a {@code for} loop's callback (BPF-to-BPF calls the kernel
 * verifies). The VM's runs are in bpf4j-trace's {@code ImportsTest}.
 */
class TraceImportTest {
    @TempDir
    Path dir;

    @Test
    void importedCFunctionsRunInTheKernel() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && (Files.isExecutable(Path.of(d, "clang-19"))
                        || Files.isExecutable(Path.of(d, "clang")))), "SKIPPED: no clang-19 or clang on the PATH");
        Files.writeString(dir.resolve("lib.bpf.c"), """
                static long square(long v) { return v * v; }
                int __add_one(int val) { return 1 + val; }
                long sum_of_squares(int a, int b) { return square(a) + square(b); }
                """);
        Path script = dir.resolve("main.bt");
        Files.writeString(script, """
                import "lib.bpf.c";
                tracepoint:syscalls:sys_enter_clock_nanosleep /__add_one(pid) > 0 && pid == cpid/ {
                  @[__add_one(3)] = sum_of_squares(3, 4);
                  for ($kv : @) { printf("%d %d\\n", __add_one((int32)$kv.0), $kv.1); }
                  exit();
                }
                """);
        Cli r = Cli.run("trace", "--backend", "kernel", "-c", "/bin/sleep 0.1", script.toString());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("5 25\n\n\n@[4]: 25\n", r.out());
    }
}
