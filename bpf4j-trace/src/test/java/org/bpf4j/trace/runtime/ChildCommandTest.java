package org.bpf4j.trace.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The held command of {@code -c}: held until released, keeping its pid, never run if not released. */
class ChildCommandTest {

    @Test
    void startReturnsOnlyOnceTheHeldShellHasOpenedTheFifo(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("ran");
        try (ChildCommand c = ChildCommand.start("/usr/bin/touch " + marker)) {
            // The shell holds the FIFO open for reading when start() returns: its start-up is over,
            // so probes attached from now on see only the command's own system calls.
            // (both ends' open() return together: the shell's descriptor may appear in /proc a
            // moment after ours, so wait for it rather than look once; and dash opens the file as
            // fd 3 and moves it to fd 0, so one listing may miss it in between: keep the listing
            // that saw it rather than list again)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> seen = openFiles(c.pid());
            while (seen.stream().noneMatch(f -> f.endsWith("/go")) && System.nanoTime() < deadline) {
                Thread.sleep(10);
                seen = openFiles(c.pid());
            }
            assertTrue(seen.stream().anyMatch(f -> f.endsWith("/go")), "held shell has the FIFO open: " + seen);
            assertFalse(Files.exists(marker), "the command ran before release");
            long pid = c.pid();
            c.release();
            ProcessHandle h = ProcessHandle.of(pid).orElse(null);
            if (h != null) {
                h.onExit().get(10, TimeUnit.SECONDS);
            }
            for (int i = 0; i < 200 && !c.exited(); i++) {
                Thread.sleep(10);
            }
            assertTrue(c.exited());
            assertTrue(Files.exists(marker), "the released command ran");
        }
    }

    @Test
    void aCommandNeverReleasedDoesNotRun(@TempDir Path tmp) throws Exception {
        Path marker = tmp.resolve("ran");
        long pid;
        try (ChildCommand c = ChildCommand.start("/usr/bin/touch " + marker)) {
            pid = c.pid();
        }
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
        assertFalse(Files.exists(marker));
    }

    @Test
    void missingProgramIsAClearError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ChildCommand.start("no-such-program-bpf4j --x"));
        // current bpftrace's words (the CLI puts "ERROR: Failed to fork child: " before them)
        assertEquals("Path 'no-such-program-bpf4j' does not exist or is not executable (No such file or directory)",
                e.getMessage());
        IllegalArgumentException dir = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ChildCommand.start("/tmp"));
        assertEquals("Path '/tmp' does not exist or is not executable (No such file or directory)", dir.getMessage());
    }

    private static List<String> openFiles(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return fds.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return "";
                }
            }).toList();
        }
    }
}
