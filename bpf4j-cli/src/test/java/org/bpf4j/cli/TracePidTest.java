package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j trace -p PID} limits every probe to the process, as current bpftrace: profile,
 * software and hardware events are opened for the process, tracepoints and raw tracepoints
 * return at once in other processes. Skipped with the reason without bpf().
 */
class TracePidTest {
    private static final Pattern KEY = Pattern.compile("^@(\\w*)\\[(\\d+)\\]: \\d+$", Pattern.MULTILINE);

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    @Test
    void everyProbeSeesOnlyTheProcess() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        // busy on the CPU and making system calls itself (echo is a builtin: no child)
        Process busy = new ProcessBuilder("sh", "-c", "while :; do echo x > /dev/null; done").start();
        try {
            String pid = Long.toString(busy.pid());
            Cli r = Cli.run("trace", "-p", pid, "-e", "profile:hz:499 { @p[pid] = count(); } "
                    + "software:cpu-clock:2000000 { @s[pid] = count(); } "
                    + "tracepoint:raw_syscalls:sys_enter { @t[pid] = count(); } "
                    + "rawtracepoint:sys_exit { @r[pid] = count(); } interval:ms:700 { exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            List<String> maps = new ArrayList<>();
            Matcher m = KEY.matcher(r.out());
            while (m.find()) {
                assertEquals(pid, m.group(2), () -> "a key of another process in " + r.out());
                maps.add(m.group(1));
            }
            // without the limit, this JVM's threads (which poll for events) would be there too
            assertEquals(List.of("p", "r", "s", "t"), maps.stream().sorted().toList(), r.out());
        } finally {
            busy.destroyForcibly().waitFor();
        }
    }

    @Test
    void aProcessThatNeverRunsGivesNoSamples() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Process idle = new ProcessBuilder("sleep", "30").start();
        try {
            Cli r = Cli.run("trace", "-p", Long.toString(idle.pid()), "-e",
                    "software:cpu-clock:1000000 { @s = count(); } tracepoint:raw_syscalls:sys_enter { @t = count(); } "
                            + "interval:ms:500 { exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertFalse(r.out().contains("@"), r.out());
            assertTrue(r.err().contains("Attached 3 probes"), r.err());
        } finally {
            idle.destroyForcibly().waitFor();
        }
    }
}
