package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Iterator probes ({@code iter:task}, {@code iter:task_file}, {@code iter:task_vma}) run for real
 * in the kernel, checked against what this JVM knows of itself: its pid and name, a file it holds
 * open, its memory mappings. Skipped with the reason without bpf() or kernel BTF.
 */
class TraceIteratorTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    private static void needsKernelBtf() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "SKIPPED: no kernel BTF");
    }

    /** The name of this process (its main thread's, which ctx.task.comm shows for the leader). */
    private static String processName() throws Exception {
        return Files.readString(Path.of("/proc/self/comm")).strip();
    }

    @Test
    void taskListsThisJvmWithItsName() throws Exception {
        needsKernelBtf();
        Cli r = Cli.run("trace", "-e", "iter:task { printf(\"%d %d %s\\n\", ctx.task.tgid, ctx.task.pid, ctx.task.comm); }");
        String out = r.ok();
        String leader = PID + " " + PID + " " + processName();
        assertTrue(out.lines().anyMatch(leader::equals), out);
        // every line is a task: the last call of the iterator (no task) printed nothing
        List<String> lines = out.lines().filter(l -> !l.isEmpty()).toList();
        assertTrue(lines.size() > 10, out);
        assertTrue(lines.stream().allMatch(l -> l.matches("[1-9][0-9]* [1-9][0-9]* .*")), out);
        assertEquals("Attached 1 probe", r.err().strip());
    }

    @Test
    void shortNameAndOneProcess() throws Exception {
        needsKernelBtf();
        // -p gives the kernel the process (the iterator's link info), as bpftrace does
        String out = Cli.run("trace", "-p", String.valueOf(PID), "-e",
                "it:task { printf(\"%d\\n\", ctx.task.tgid); }").ok();
        List<String> lines = out.lines().filter(l -> !l.isEmpty()).toList();
        assertFalse(lines.isEmpty(), out);
        assertTrue(lines.stream().allMatch(l -> l.equals(String.valueOf(PID))), out);
    }

    @Test
    void taskFileShowsAFileThisJvmHoldsOpenWithItsPath() throws Exception {
        needsKernelBtf();
        Path f = dir.resolve("held-open");
        Files.writeString(f, "x");
        long inode = (Long) Files.getAttribute(f, "unix:ino");
        try (RandomAccessFile held = new RandomAccessFile(f.toFile(), "r")) {
            String out = Cli.run("trace", "-e", "iter:task_file /ctx.task.pid == " + PID + "/ { "
                    + "printf(\"%d %llu %s\\n\", ctx.fd, ctx.file.f_inode.i_ino, path(ctx.file.f_path)); }").ok();
            // the file's inode, and its path from the kernel's d_path
            String real = f.toRealPath().toString();
            assertTrue(out.lines().anyMatch(l -> l.matches("[1-9][0-9]* " + inode + " " + java.util.regex.Pattern.quote(real))),
                    () -> inode + " " + real + " not in\n" + out);
        }
    }

    @Test
    void taskVmaShowsThisJvmsMappings() throws Exception {
        needsKernelBtf();
        String first = Files.readAllLines(Path.of("/proc/self/maps")).getFirst();
        // /proc/PID/maps pads the addresses to 8 digits, %lx does not
        String[] ends = first.substring(0, first.indexOf(' ')).split("-");
        String range = Long.toHexString(Long.parseUnsignedLong(ends[0], 16)) + "-"
                + Long.toHexString(Long.parseUnsignedLong(ends[1], 16));
        String out = Cli.run("trace", "-e", "iter:task_vma /ctx.task.tgid == " + PID + "/ { "
                + "printf(\"%lx-%lx\\n\", ctx.vma.vm_start, ctx.vma.vm_end); }").ok();
        assertTrue(out.lines().anyMatch(range::equals), () -> range + " not in\n" + out);
    }

    @Test
    void commOfPidAndExit() throws Exception {
        needsKernelBtf();
        // comm(pid): the kfunc bpf_task_from_pid; exit() ends nothing early, the maps print at the end
        String out = Cli.run("trace", "-e", "iter:task { @ = comm(pid); @n = count(); exit() }").ok();
        String name = processName();
        assertTrue(out.contains("@: " + name + "\n"), out);
        long n = Long.parseLong(out.lines().filter(l -> l.startsWith("@n: ")).findFirst().orElseThrow().substring(4));
        assertTrue(n > 10, out);
        // no such task (pid_max is at most 4194304): "N/A" and the standard library's warning
        Cli r = Cli.run("trace", "-e", "iter:task /ctx.task.pid == " + PID + "/ { printf(\"[%s]\\n\", comm(99999999)); }");
        assertEquals(List.of("[N/A]"), r.ok().lines().filter(l -> !l.isEmpty()).toList(), r.out());
        assertTrue(r.err().contains("stdin:1:") && r.err().contains(": WARNING: No such process (pid=99999999)\n"), r.err());
    }

    @Test
    void beginAndEndComeAfterTheIteratorsText() {
        needsKernelBtf();
        // as current bpftrace: the iterator's text is written as it is read; the events of BEGIN,
        // and END's, are printed after it
        String out = Cli.run("trace", "-e", "BEGIN { printf(\"begin\\n\"); } iter:task /ctx.task.pid == " + PID
                + "/ { printf(\"%s: %d\\n\", \"task\", 42); } END { printf(\"end\\n\"); }").ok();
        int task = out.indexOf("task: 42\n");
        int begin = out.indexOf("begin\n");
        int end = out.indexOf("end\n");
        assertTrue(task >= 0 && task < begin && begin < end, out);
    }

    @Test
    void pinnedIteratorIsReadByOthers() throws Exception {
        needsKernelBtf();
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/fs/bpf")), "SKIPPED: no bpf file system at /sys/fs/bpf");
        String name = "bpf4j_iter_test_" + PID;
        Path pin = Path.of("/sys/fs/bpf", name);
        Files.deleteIfExists(pin);
        try {
            Cli r = Cli.run("trace", "-e", "iter:task:" + name + " /ctx.task.pid == " + PID + "/ { printf(\"pinned %d\\n\", "
                    + "ctx.task.pid); }");
            assertTrue(r.ok().startsWith("Program pinned to " + pin + "\n"), r.out());
            // reading the pinned file runs the iterator again, for the reader
            String read = new String(Files.readAllBytes(pin), StandardCharsets.UTF_8);
            assertEquals("pinned " + PID + "\n", read);
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void aPinThatFailsIsAnErrorAndTheRunGoesOn() throws Exception {
        needsKernelBtf();
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/sys/fs/bpf")), "SKIPPED: no bpf file system at /sys/fs/bpf");
        String name = "bpf4j_iter_twice_" + PID;
        Path pin = Path.of("/sys/fs/bpf", name);
        Files.deleteIfExists(pin);
        try {
            String script = "iter:task:" + name + " /ctx.task.pid == " + PID + "/ { @n = count(); } "
                    + "END { printf(\"end\\n\"); }";
            assertTrue(Cli.run("trace", "-e", script).ok().startsWith("Program pinned to " + pin + "\n"));
            // the path is taken now: current bpftrace logs its error (BPFtrace::run_iter) and goes on to
            // END and the maps, status 0
            Cli again = Cli.run("trace", "-e", script);
            assertEquals(Main.EXIT_OK, again.status(), again.err());
            assertEquals("Attached 2 probes\nERROR: Failed to pin iter probe link\n", again.err());
            assertEquals("end\n\n\n", again.out());
            // a directory that does not exist, the same
            Cli bad = Cli.run("trace", "-e", "iter:task:/no/such/dir/pin { @n = count(); }");
            assertEquals(Main.EXIT_OK, bad.status(), bad.err());
            assertEquals("Attached 1 probe\nERROR: Failed to pin iter probe link\n", bad.err());
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void unknownIteratorAndListing() {
        needsKernelBtf();
        Cli r = Cli.run("trace", "-e", "iter:no_such_iterator { printf(\"x\\n\"); }");
        assertTrue(r.error(Main.EXIT_FAILED).startsWith("stdin:1:1-22: ERROR: iter no_such_iterator not available for "
                + "your kernel version."), r.err());
        Cli all = Cli.run("trace", "-l", "iter:*");
        String listed = all.ok();
        // as current bpftrace: an iterator whose trial program the kernel refuses is left out, with a warning
        for (String line : all.err().lines().toList()) {
            assertTrue(line.matches("WARNING: The kernel contains bpf_iter__\\w+ struct but does not support loading an "
                    + "iterator program against it. Please report this bug."), all.err());
            assertFalse(listed.contains("iter:" + line.substring(line.indexOf("bpf_iter__") + 10, line.indexOf(" struct"))
                    + "\n"), listed);
        }
        assertTrue(listed.lines().toList().containsAll(List.of("iter:task", "iter:task_file", "iter:task_vma")), listed);
        assertTrue(listed.lines().allMatch(l -> l.startsWith("iter:")), listed);
        String verbose = Cli.run("trace", "-lv", "iter:task_file").ok();
        assertEquals("iter:task_file\n    struct task_struct * task\n    u32 fd\n    struct file * file\n", verbose);
    }
}
