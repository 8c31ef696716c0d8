package org.bpf4j.trace.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bpf4j.linux.probe.NativeElf;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@link UserSymbols} keeps of processes, as current bpftrace's {@code cache_user_symbols}:
 * {@code PER_PID} keeps each process's memory map (read at its first address, or preloaded when the
 * probes are attached) and resolves nothing of a process never seen alive; {@code PER_PROGRAM} also
 * looks such a process's addresses up in the probed program; {@code NONE} keeps nothing. The
 * program, {@code trace-symbols/marker.c}, is built here with {@code cc -no-pie} (skipped without a
 * C compiler).
 */
class UserSymbolsCacheTest {
    /** A pid no process has (above the kernel's largest pid_max). */
    private static final int GONE = Integer.MAX_VALUE;

    @TempDir
    static Path work;

    private static Path bin;
    private static long marker;
    private static NativeElf.Segment text;

    @BeforeAll
    static void build() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/cc")), "SKIPPED: cc is needed to build the program");
        Path src = Path.of(UserSymbolsCacheTest.class.getResource("/trace-symbols/marker.c").toURI());
        bin = work.resolve("marker");
        Process p = new ProcessBuilder("cc", "-O1", "-no-pie", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        NativeElf elf = NativeElf.read(bin);
        marker = elf.symbols().stream().filter(s -> s.name().equals("marker")).findFirst().orElseThrow().value();
        text = elf.segments().stream().filter(s -> marker >= s.vaddr() && marker < s.vaddr() + s.fileSize())
                .findFirst().orElseThrow();
    }

    private static UserSymbols symbols(UserSymbols.Cache cache) {
        return new UserSymbols(List.of(bin), true, cache);
    }

    @Test
    void anExitedProcessNeverSeenResolvesInItsProgramOnlyPerProgram() {
        assertEquals("marker+1", symbols(UserSymbols.Cache.PER_PROGRAM).resolve(GONE, marker + 1, true));
        String hex = KernelSymbols.hex(marker + 1);
        assertEquals(hex, symbols(UserSymbols.Cache.PER_PID).resolve(GONE, marker + 1, true));
        assertEquals(hex, symbols(UserSymbols.Cache.NONE).resolve(GONE, marker + 1, true));
    }

    @Test
    void aKeptMemoryMapResolvesAfterTheProcessExitedUnlessNone() {
        // the program as if loaded elsewhere: only the kept map can place the address
        long base = 0x100000000000L;
        String maps = Long.toHexString(base + text.vaddr()) + "-" + Long.toHexString(base + text.vaddr() + text.fileSize())
                + " r-xp " + Long.toHexString(text.offset()) + " 00:00 0 " + bin + "\n";
        for (UserSymbols.Cache cache : UserSymbols.Cache.values()) {
            UserSymbols s = symbols(cache);
            s.remember(GONE, maps);
            String expected = cache == UserSymbols.Cache.NONE ? KernelSymbols.hex(base + marker) : "marker";
            assertEquals(expected, s.resolve(GONE, base + marker, false), cache.name());
        }
    }

    @Test
    void perPidPreloadsTheProcessesRunningTheProgram() throws Exception {
        Process running = new ProcessBuilder(bin.toString()).start();
        try {
            int pid = (int) running.pid();
            waitForExec(pid);
            UserSymbols preloaded = symbols(UserSymbols.Cache.PER_PID);
            preloaded.preload(-1);
            UserSymbols none = symbols(UserSymbols.Cache.NONE);
            none.preload(-1);
            UserSymbols notPreloaded = symbols(UserSymbols.Cache.PER_PID);
            running.destroyForcibly();
            assertTrue(running.waitFor(10, TimeUnit.SECONDS));
            assertEquals("marker", preloaded.resolve(pid, marker, false));
            assertEquals(KernelSymbols.hex(marker), none.resolve(pid, marker, false));
            assertEquals(KernelSymbols.hex(marker), notPreloaded.resolve(pid, marker, false));
        } finally {
            running.destroyForcibly();
        }
    }

    @Test
    void theDefaultIsPerProgramWithACommand() {
        assertEquals(UserSymbols.Cache.PER_PROGRAM, UserSymbols.Cache.of("default", true));
        assertEquals(UserSymbols.Cache.NONE, UserSymbols.Cache.of("none", true));
        assertEquals(UserSymbols.Cache.PER_PID, UserSymbols.Cache.of("per_pid", true));
        assertEquals(UserSymbols.Cache.PER_PROGRAM, UserSymbols.Cache.of("per_program", false));
    }

    /** Waits until the started process runs the program (its exe is the program, not the JVM). */
    private static void waitForExec(int pid) throws Exception {
        Path exe = Path.of("/proc/" + pid + "/exe");
        for (int i = 0; i < 200; i++) {
            if (Files.readSymbolicLink(exe).equals(bin.toRealPath())) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the program did not start");
    }
}
