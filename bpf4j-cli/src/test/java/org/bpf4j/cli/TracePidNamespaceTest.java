package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pid}, {@code tid} and their {@code (curr_ns)} and {@code (init)} forms (current bpftrace):
 * the ids seen from the tracer's PID namespace, or from the initial one. A tracer started as the
 * first process of a new namespace ({@code unshare --fork --pid}) sees itself as process 1; a
 * tracer in the initial namespace sees a namespaced process by its global id. Skipped, with the
 * reason, without bpf(), root or unshare.
 */
class TracePidNamespaceTest {
    @TempDir
    static Path work;

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    private static void needsNamespaces() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "SKIPPED: no /usr/bin/unshare");
    }

    private static long initNamespaceInode() throws Exception {
        return ((Number) Files.getAttribute(Path.of("/proc/self/ns/pid"), "unix:ino")).longValue();
    }

    @Test
    void modesAreCheckedInTheirWords() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { print((pid(all), tid(1 + 1))); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().startsWith("stdin:1:20-23: ERROR: Invalid PID namespace mode: all (expects: curr_ns or init)\n"),
                r.err());
        assertTrue(r.err().contains("stdin:1:26-36: ERROR: tid() only supports curr_ns and init as the argument\n"),
                r.err());
    }

    @Test
    void aTracerInANewNamespaceIsProcessOne() throws Exception {
        needsNamespaces();
        Assumptions.assumeTrue(initNamespaceInode() == 0xeffffffcL, "SKIPPED: this JVM is not in the initial PID namespace");
        // -XX:-UsePerfData, as the bpf4j launcher: a JVM that is pid 1 of its namespace would share
        // /tmp/hsperfdata_root/1 with any other such JVM on the machine
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/unshare", "--fork", "--pid", "--mount-proc",
                ProcessHandle.current().info().command().orElseThrow(), "-XX:-UsePerfData",
                "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "trace", "-q", "-e",
                "BEGIN { printf(\"%d %d %d %d %d %d\\n\", pid, pid(curr_ns), pid(init), tid, tid(curr_ns), tid(init)); "
                        + "exit(); }"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the tracer in a new namespace did not end");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String[] ids = out.strip().split(" ");
        assertEquals(6, ids.length, out);
        assertEquals("1", ids[0], out);
        assertEquals("1", ids[1], out);
        // the global id: a process of the initial namespace, not 1 (the init system)
        assertTrue(Long.parseLong(ids[2]) > 1, out);
        // BEGIN runs on the process's first thread, as bpftrace's on its main thread
        // (current bpftrace's runtime test pid_namespace.pid_tid_inside)
        assertEquals("1", ids[3], out);
        assertEquals("1", ids[4], out);
        assertEquals(ids[2], ids[5], out);
    }

    @Test
    void aTracerOutsideSeesANamespacedProcessByItsGlobalId() throws Exception {
        needsNamespaces();
        // the traced processes live in a new namespace; a copy of sleep with a name of its own,
        // so that no other process's sleep is traced
        Path sleep = work.resolve("nssleeper");
        Files.copy(Path.of("/bin/sleep"), sleep);
        sleep.toFile().setExecutable(true);
        Process target = new ProcessBuilder("/usr/bin/unshare", "--fork", "--pid", "--mount-proc", "/bin/sh", "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do " + sleep + " 0.5; done").start();
        try {
            Cli r = Cli.run("trace", "-q", "-e", "tracepoint:syscalls:sys_enter_clock_nanosleep /comm == \"nssleeper\"/ "
                    + "{ printf(\"%d %d %d %d %d %d\\n\", pid, pid(curr_ns), pid(init), tid, tid(init), "
                    + "curtask->real_parent->tgid); exit(); }");
            assertEquals(0, r.status(), r.err());
            String[] ids = r.out().strip().split("\n")[0].split(" ");
            assertEquals(6, ids.length, r.out());
            assertNotEquals("1", ids[0], r.out());
            assertEquals(ids[0], ids[1], r.out());
            assertEquals(ids[0], ids[2], r.out());
            assertEquals(ids[3], ids[4], r.out());
            // the sleeper descends from unshare: its parent (the shell, which outlives the tracer;
            // the 0.5 s sleeper itself may be gone by now) is one of unshare's descendants
            long shell = Long.parseLong(ids[5]);
            assertTrue(target.descendants().anyMatch(h -> h.pid() == shell), r.out());
        } finally {
            target.descendants().forEach(ProcessHandle::destroy);
            target.destroy();
        }
    }
}
