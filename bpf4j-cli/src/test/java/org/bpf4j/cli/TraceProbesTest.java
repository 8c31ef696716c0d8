package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf4j trace} with kernel probes and its options: {@code -l}, {@code -c}, {@code cpid},
 * {@code --unsafe}, attach errors. The tests that attach skip with the reason without bpf().
 */
class TraceProbesTest {
    private static final Path TARGET = Path.of("..", "bpf4j-linux", "src", "test", "resources", "attach", "target");

    private static void needsTheKernel() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
    }

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    @Test
    void arraysInMemoryAsCurrentBpftraceReadsThem() {
        needsTheKernel();
        // a struct over a tuple variable's bytes: an index past int z[2] warns while the script runs
        // (and is read), int y[0] is read at any index, uint8 y[4] casts to an int32 of its bytes
        String script = "struct A { unsigned char y[4]; int z[2]; } struct D { int x; int y[0]; }\n"
                + "BEGIN { $v = ((uint64)0x00000005ddccbbaa, (uint64)7, (uint64)9); $a = (struct A *)&$v;\n"
                + "  $i = (uint64)3; printf(\"%x %d %d\\n\", (int32)$a->y, $a->z[$i], $a->z[0]);\n"
                + "  $d = (struct D *)&$v; printf(\"%d %d\\n\", $d->y[0], $d->y[1]); exit(); }";
        Cli r = Cli.run("trace", "--backend", "kernel", "-e", script);
        assertEquals("ddccbbaa 9 5\n5 7\n\n\n", r.ok());
        assertTrue(r.err().contains("stdin:3:54-63: WARNING: Array access out of bounds. This can lead to unexpected "
                + "results.\n"), r.err());
        assertEquals(1, r.err().split("out of bounds", -1).length - 1, r.err()); // not for the constant index
    }

    @Test
    void tracepointAddressArraysGoToNtop(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        needsTheKernel();
        // sock:inet_sock_set_state's `__u8 saddr[4]` and `__u8 daddr_v6[16]` are arrays: ntop() takes
        // them, [i] indexes them, print() shows them (the book's tcpconnect-tp.bt); a connection
        // to a closed port of 127.0.0.1 (refused) moves a socket through SYN_SENT to CLOSE
        Path connect = dir.resolve("connect.sh");
        Files.writeString(connect, "#!/bin/bash\n(echo > /dev/tcp/127.0.0.1/1) 2>/dev/null\nexit 0\n");
        connect.toFile().setExecutable(true);
        Cli r = Cli.run("trace", "-c", connect.toString(), "-e", "tracepoint:sock:inet_sock_set_state "
                + "/args.dport == 1/ { @[ntop(args.family, args.daddr), args.daddr[0], ntop(args.daddr_v6)] = count(); "
                + "@a = args.saddr; }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().matches("(?s).*\n@\\[127\\.0\\.0\\.1, 127, ::ffff:127\\.0\\.0\\.1\\]: \\d+\n"
                + "@a: \\[127,0,0,1\\]\n"), r.out());
        // a user pointer kept in a map (connect()'s struct sockaddr *), cast to another struct, is still
        // read from user memory (the book's soconnect.bt printed 0.0.0.0:0)
        Cli u = Cli.run("trace", "-c", connect.toString(), "-e", "tracepoint:syscalls:sys_enter_connect "
                + "/args.uservaddr->sa_family == 2/ { @s[tid] = args.uservaddr; } tracepoint:syscalls:sys_exit_connect "
                + "/@s[tid]/ { $in = (struct sockaddr_in *)@s[tid]; "
                + "@p[ntop(2, $in->sin_addr.s_addr), bswap($in->sin_port)] = count(); delete(@s, tid); }");
        assertEquals(Main.EXIT_OK, u.status(), u.err());
        assertTrue(u.out().contains("\n@p[127.0.0.1, 1]: "), u.out());
        // raw_syscalls:sys_enter's `unsigned long args[6]`: sized, indexed, kept in a variable (a map:
        // probes on other CPUs may run once more before exit() takes effect)
        Cli a = Cli.run("trace", "-e", "tracepoint:raw_syscalls:sys_enter { $a = args.args; "
                + "@r[sizeof(args.args), sizeof($a[0])] = args.args[2] == $a[2] && args.args[5] == $a[5]; exit(); }");
        assertEquals("\n\n@r[48, 8]: true\n", a.ok());
    }

    @Test
    void cpidWithoutCommandIsAnErrorAtItsPlace() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { printf(\"%d\\n\", cpid); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("stdin:1:24-28: ERROR: cpid cannot be used without child command\n"
                + "BEGIN { printf(\"%d\\n\", cpid); }\n"
                + "                       ~~~~\n", r.err());
    }

    @Test
    void systemNeedsUnsafe() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { system(\"echo hi\"); exit(); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().contains("ERROR: system() is an unsafe function being used in safe mode"), r.err());
        Cli ok = Cli.run("trace", "--backend", "vm", "--unsafe", "-e", "BEGIN { system(\"echo hi %d\", 7); exit(); }");
        assertEquals(Main.EXIT_OK, ok.status(), ok.err());
        assertEquals("hi 7\n\n\n\n", ok.out()); // current bpftrace: a newline after the output
        assertEquals("Attached 1 probe\n", ok.err());
    }

    @Test
    void kernelProbesNeedTheKernelBackend() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "tracepoint:sched:sched_switch { @ = count(); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().startsWith("stdin:1:1-30: ERROR: tracepoint probes need the kernel backend"), r.err());
    }

    @Test
    void listsTracepointsAndTheirFields() {
        needsTheKernel();
        Cli r = Cli.run("trace", "-lv", "tracepoint:sched:sched_process_exec");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("tracepoint:sched:sched_process_exec\n    __data_loc char[] filename\n    pid_t pid\n"
                + "    pid_t old_pid\n", r.out());
    }

    @Test
    void listsTheFunctionsAndUsdtProbesOfABinary() {
        needsTheKernel();
        String target = TARGET.toAbsolutePath().normalize().toString();
        Cli f = Cli.run("trace", "-l", "uprobe:" + target + ":bpf4j_*");
        assertEquals("uprobe:" + target + ":bpf4j_add\nuprobe:" + target + ":bpf4j_sub\n", f.out());
        Cli u = Cli.run("trace", "-l", "usdt:" + target + ":*");
        assertEquals("usdt:" + target + ":bpf4j:tick\n", u.out());
    }

    @Test
    void tracesACommandWithUprobesAndUsdt() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        Cli r = Cli.run("trace", "-c", target + " probe 4", "-e", "uprobe:" + target + ":bpf4j_add { @a = sum(arg0); } "
                + "uretprobe:" + target + ":bpf4j_sub { @r = max(retval); } usdt:" + target + ":bpf4j:tick { @t = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.err().contains("Attached 3 probes\n"), r.err());
        // retval is the 64-bit rax: sub(0, 1) leaves 0xffffffff (eax, zero-extended), as bpftrace shows it
        assertTrue(r.out().endsWith("\n\n@a: 6\n@r: 4294967295\n@t: 4\n"), r.out());
    }

    @Test
    void probesKeepCountingUntilExitIsReadButPrintNoMore() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        // as current bpftrace: exit() is an event; the probes run until user space reads it and
        // detaches them (bpf4j's stop themselves 0.5 ms after it at the latest), so the calls that
        // follow at once are counted (not just the first), while what they print after the exit
        // event is dropped
        Cli r = Cli.run("trace", "-c", target + " probe 300", "-e", "uprobe:" + target
                + ":bpf4j_add { @n = count(); @s = sum(arg0); printf(\"call %d\\n\", arg0); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("call 0\n\n\n@n: "), r.out());
        long n = Long.parseLong(r.out().substring(r.out().indexOf("@n: ") + 4, r.out().indexOf('\n',
                r.out().indexOf("@n: "))));
        // how many of the following calls land within the 0.5 ms depends on the machine's timing
        // (1 in some runs here under load), so only the counts' consistency is checked
        assertTrue(n >= 1, r.out());
        // the first n calls: arguments 0..n-1
        assertTrue(r.out().endsWith("@s: " + n * (n - 1) / 2 + "\n"), r.out());
    }

    @Test
    void percpuKaddrReadsAKernelVariableOrSaysWhyNot() throws Exception {
        needsKernelBtf();
        Cli r = Cli.run("trace", "-e", "BEGIN { $r = (struct rq *)percpu_kaddr(\"runqueues\", 0); "
                + "if ($r != 0) { printf(\"%d %d\\n\", $r.cpu, *percpu_kaddr(\"process_counts\") > 0); } exit(); }");
        // the kernel finds the variable's address in kallsyms, which holds data symbols only with
        // CONFIG_KALLSYMS_ALL; without them the load fails, for bpftrace too
        boolean dataSymbols = Files.readAllLines(Path.of("/proc/kallsyms")).stream()
                .anyMatch(l -> l.endsWith(" runqueues"));
        if (dataSymbols) {
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertEquals("0 1\n\n\n", r.out());
        } else {
            assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.err());
            // current bpftrace's words without -v; with it, the kernel's log says why
            assertEquals("ERROR: Error loading BPF program for begin_1. Error code: -2 (No such file or directory). "
                    + "Use -v for full kernel error log.\n", r.err());
            Cli v = Cli.run("trace", "-v", "-e", "BEGIN { $r = (struct rq *)percpu_kaddr(\"runqueues\", 0); exit(); }");
            assertTrue(v.err().contains("ldimm64 failed to find the address for kernel symbol 'runqueues'."), v.err());
            r.assertNoStackTrace();
        }
        // the program names the variable by its BTF id (an ld_imm64 of kind var_addr), then calls
        // bpf_per_cpu_ptr (a CPU given) or bpf_this_cpu_ptr
        Cli d = Cli.run("trace", "-d", "--dry-run", "-e",
                "BEGIN { @a = *percpu_kaddr(\"process_counts\", 1); @b = *percpu_kaddr(\"process_counts\"); }");
        assertTrue(d.out().matches("(?s).*lddw %r1, var_addr\\(\\d+\\)\ncall 153\n.*lddw %r1, var_addr\\(\\d+\\)\ncall 154\n.*"),
                d.out());
        Cli missing = Cli.run("trace", "-e", "BEGIN { @a = percpu_kaddr(\"no_such_variable\"); }");
        assertTrue(missing.err().startsWith("stdin:1:14-46: ERROR: Could not resolve variable \"no_such_variable\" from BTF\n"),
                missing.err());
    }

    @Test
    void lenOfAStackIsItsNumberOfFrames() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        // current bpftrace: len(stack) counts the frames captured (at most the stack's limit);
        // each stack is printed too, one frame a line, so that the count can be checked
        Cli r = Cli.run("trace", "-q", "-c", target + " probe 1", "-e", "uprobe:" + target + ":bpf4j_add { "
                + "$u = ustack(3); print(len($u)); print($u); print(len(ustack(1))); "
                + "@k[kstack(4)] = len(kstack(4)); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        String[] parts = r.out().split("\n", 2);
        int frames = Integer.parseInt(parts[0]);
        // how many frames the unwinder finds depends on the binary's frame pointers: 1 to 3
        assertTrue(frames >= 1 && frames <= 3, r.out());
        // print($u): an empty line, then one line per frame, then the empty line print() ends with
        String[] lines = parts[1].split("\n");
        assertEquals("", lines[0], r.out());
        for (int i = 1; i <= frames; i++) {
            assertTrue(lines[i].startsWith("        ") && !lines[i].isBlank(), r.out());
        }
        assertEquals("", lines[frames + 1], r.out());
        assertEquals("1", lines[frames + 2], r.out());
        // the map: @k[<the kernel stack, one frame a line>]: its length (a uprobe's may be empty)
        String map = r.out().substring(r.out().indexOf("@k["));
        long kernelFrames = map.lines().filter(l -> l.startsWith("        ")).count();
        assertTrue(kernelFrames <= 4, r.out());
        assertTrue(map.strip().endsWith("]: " + kernelFrames), r.out());
        // a value that is not a map nor a stack is refused as before
        Cli bad = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { $x = 1; @ = len($x); }");
        assertTrue(bad.err().contains("ERROR: len() expects a map argument"), bad.err());
    }

    @Test
    void kprobesFailAtTheirAttachmentWithTheReason() {
        needsTheKernel();
        Assumptions.assumeTrue(!Files.isDirectory(Path.of("/sys/bus/event_source/devices/kprobe")),
                "SKIPPED: this kernel has kprobes");
        // compiled and loaded as bpftrace does, refused when attached (exit status 255, as bpftrace's attach failures)
        Cli r = Cli.run("trace", "-e", "kprobe:vfs_read { @[kstack] = count(); } kretprobe:vfs_read { @r = retval; }");
        assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.err());
        assertEquals("ERROR: kprobes cannot be attached: this kernel has no kprobes (no kprobe PMU in "
                + "/sys/bus/event_source/devices: CONFIG_KPROBES is not set)\nERROR: Unable to attach probe: "
                + "kprobe:vfs_read. If this is expected, set the 'missing_probes' config variable to 'warn'.\n", r.err());
        // with missing_probes = "warn", the run goes on without them
        Cli warn = Cli.run("trace", "-e", "config = { missing_probes = \"warn\" } kprobe:vfs_read { } "
                + "BEGIN { printf(\"up\\n\"); exit(); }");
        assertEquals(Main.EXIT_OK, warn.status(), warn.err());
        assertTrue(warn.err().contains("WARNING: Unable to attach probe: kprobe:vfs_read. Skipping."), warn.err());
        assertEquals("up\n", warn.out().lines().filter(l -> !l.isEmpty()).findFirst().orElse("") + "\n", warn.out());
        // the rest of the script is type-checked as for any probe: a wrong program is refused for what it is
        Cli typeError = Cli.run("trace", "-e", "kprobe:vfs_read { @ = \"a\" + 1; }");
        assertEquals(Main.EXIT_FAILED, typeError.status());
        assertTrue(typeError.err().startsWith("stdin:1:23-30: ERROR: Type mismatch for '+'"), typeError.err());
    }

    @Test
    void kprobeAttachPointsAreCheckedAgainstTheTraceableFunctions() throws Exception {
        needsTheKernel();
        // a function the kernel does not have: a warning and, in safe mode, no match
        Cli missing = Cli.run("trace", "-e", "kprobe:vmlinux:nonsense_bpf4j { }");
        assertEquals(Main.EXIT_FAILED, missing.status());
        assertTrue(missing.err().contains("WARNING: nonsense_bpf4j is not traceable (either non-existing, inlined, or "
                + "marked as \"notrace\"); attaching to it will likely fail"), missing.err());
        assertTrue(missing.err().contains("ERROR: No matches for kprobe vmlinux:nonsense_bpf4j."), missing.err());
        // a module that is not loaded
        Cli module = Cli.run("trace", "-e", "kprobe:nonsense:vfs_read { }");
        assertTrue(module.err().contains("ERROR: specified module nonsense in probe kprobe:nonsense:vfs_read is not "
                + "loaded."), module.err());
        // --traceable-functions replaces the kernel's list
        Path list = Files.createTempFile("bpf4j-traceable", ".txt");
        try {
            Files.writeString(list, "vfs_write\nsome_module_function [some_module]\n");
            Cli listed = Cli.run("trace", "--traceable-functions", list.toString(), "-e", "kprobe:vfs_read { }");
            assertTrue(listed.err().contains("ERROR: No matches for kprobe vfs_read."), listed.err());
            Cli wildcard = Cli.run("trace", "--traceable-functions", list.toString(), "-l", "-e", "kprobe:vfs_* { }");
            assertEquals("kprobe:vfs_write\n", wildcard.out(), wildcard.err());
        } finally {
            Files.delete(list);
        }
        Cli unreadable = Cli.run("trace", "--traceable-functions", "/nonexistent/functions", "-e", "kprobe:vfs_read { }");
        assertEquals("ERROR: Could not read functions from /nonexistent/functions.\n", unreadable.err());
        // rcu_* functions are never traceable (as bpftrace): the wildcard matches nothing
        Cli rcu = Cli.run("trace", "-e", "kprobe:rcu_* { }");
        assertTrue(rcu.err().contains("ERROR: Probe has no valid attach points."), rcu.err());
    }

    private static void needsKernelBtf() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "SKIPPED: no kernel BTF");
    }

    @Test
    void listsRawTracepointsWithTheirArgumentsFromBtf() {
        needsKernelBtf();
        Cli r = Cli.run("trace", "-lv", "rawtracepoint:sys_enter");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("rawtracepoint:vmlinux:sys_enter\n    struct pt_regs * regs\n    long int id\n", r.out());
        Cli all = Cli.run("trace", "-l", "rawtracepoint:sys_*");
        assertEquals("rawtracepoint:vmlinux:sys_enter\nrawtracepoint:vmlinux:sys_exit\n", all.out());
    }

    @Test
    void rawTracepointWildcardsAndArgumentsByName() {
        needsKernelBtf();
        // any module's sys_ente*: one match; args.id and args.regs typed from the kernel's BTF
        Cli r = Cli.run("trace", "-e", "rawtracepoint:vmlinu*:sys_ente* { printf(\"%s %d %d\\n\", probe, args.id >= 0, "
                + "args.regs != 0); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // (two CPUs may both print before exit() stops the probe)
        assertEquals(List.of("rawtracepoint:vmlinux:sys_enter 1 1"), r.out().lines().filter(l -> !l.isEmpty()).distinct()
                .toList(), r.out());
        assertEquals("Attached 1 probe\n", r.err());
    }

    @Test
    void missingRawTracepointsAreReportedAsCurrentBpftrace() {
        needsKernelBtf();
        Cli any = Cli.run("trace", "-e", "rawtracepoint:nonsense { exit(); }");
        assertEquals(Main.EXIT_FAILED, any.status());
        assertTrue(any.err().startsWith("stdin:1:1-23: ERROR: Probe has no valid attach points. If this is expected, "
                + "set the 'missing_probes' config variable to 'warn'.\n"), any.err());
        Cli module = Cli.run("trace", "-e", "rawtracepoint:nonsense:sys_exit { exit(); }");
        assertEquals(Main.EXIT_FAILED, module.status());
        assertTrue(module.err().startsWith("stdin:1:1-32: ERROR: No matches for rawtracepoint nonsense:sys_exit.\n"),
                module.err());
    }

    @Test
    void wildcardUprobesShareOneUprobeMultiLink() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        // one attach point, one program, one uprobe_multi link ("type 12" to this bpftool) for both
        // functions; the probe builtin (the attach cookie) tells them apart
        Cli r = Cli.run("trace", "-c", target + " probe 3", "-e", "uprobe:" + target + ":bpf4j_* { @[probe] = count(); } "
                + "uretprobe:" + target + ":bpf4j_* { @r[probe] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.err().contains("Attached 2 probes\n"), r.err());
        for (String f : new String[] {"bpf4j_add", "bpf4j_sub"}) {
            assertTrue(r.out().contains("@[uprobe:" + target + ":" + f + "]: 3\n"), r.out());
            assertTrue(r.out().contains("@r[uretprobe:" + target + ":" + f + "]: 3\n"), r.out());
        }
    }

    @Test
    void noFeatureUprobeMultiAttachesEachSiteAlone() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        // current bpftrace's --no-feature uprobe_multi: the same counts through one link per site
        // (the attach cookie still tells the matches apart); --traceable-functions is accepted
        Cli r = Cli.run("trace", "--no-feature", "uprobe_multi,kprobe_multi", "--traceable-functions", "/dev/null",
                "-c", target + " probe 3", "-e", "uprobe:" + target + ":bpf4j_* { @[probe] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        for (String f : new String[] {"bpf4j_add", "bpf4j_sub"}) {
            assertTrue(r.out().contains("@[uprobe:" + target + ":" + f + "]: 3\n"), r.out());
        }
        Cli bad = Cli.run("trace", "--no-feature", "uprobe_multi,bogus", "-e", "BEGIN { exit(); }");
        assertEquals(Main.EXIT_FAILED, bad.status());
        assertEquals("ERROR: USAGE: --no-feature can only have values 'kprobe_multi,kprobe_session,uprobe_multi'.\n",
                bad.err());
    }

    @Test
    void theProbeOfAWildcardShowsTheRelativePathAsWrittenAndIsAString() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        // as current bpftrace: probe keeps the path as written (relative here); as a string operand
        // each match gets its own program, with its own name
        String written = TARGET.toString();
        Cli r = Cli.run("trace", "-c", TARGET.toAbsolutePath().normalize() + " probe 2", "-e", "uprobe:" + written
                + ":bpf4j_* { @[probe] = count(); if (strcontains(probe, \"_sub\")) { @sub = count(); } "
                + "if (probe == \"uprobe:" + written + ":bpf4j_add\") { @add = count(); } }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("@[uprobe:" + written + ":bpf4j_add]: 2\n"), r.out());
        assertTrue(r.out().contains("@[uprobe:" + written + ":bpf4j_sub]: 2\n"), r.out());
        assertTrue(r.out().contains("@add: 2\n") && r.out().contains("@sub: 2\n"), r.out());
    }

    @Test
    void uaddrOfAPositionIndependentExecutableIsMovedByItsLoadBase() {
        needsTheKernel();
        Assumptions.assumeTrue(Files.isExecutable(TARGET), "SKIPPED: no " + TARGET);
        String target = TARGET.toAbsolutePath().normalize().toString();
        // the attach test binary is PIE: _IO_stdin_used (glibc's 0x20001) at its link-time address
        // 0x2000 would be unmapped; moved by the load base it reads
        Cli r = Cli.run("trace", "-c", target + " probe 1", "-e", "uprobe:" + target + ":bpf4j_add { printf(\"%x\\n\", "
                + "*uaddr(\"_IO_stdin_used\")); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("\n20001\n") || r.out().startsWith("20001\n"), r.out());
    }
}
