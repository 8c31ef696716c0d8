package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code dw_ustack}: user stacks unwound in the kernel by the {@code .eh_frame} rules, on
 * {@code src/test/resources/dwunwind/nofp} (and {@code nofp-pie}), built optimized without frame
 * pointers, where {@code funcA} calls {@code funcB} calls {@code funcC} (a 216-byte frame) calls
 * {@code funcD}: its probes see the whole stack where {@code ustack} (frame pointers) cannot; and
 * {@code frames} (and {@code frames-clang}) for the other rules: rbp-based frames under a callee
 * that reuses rbp, a PLT entry, a realigned stack (assembly as OpenSSL's), see {@code frames.c}.
 * Under {@code -c}, {@code -p}, {@code --dwarf-pid}; as a printed value, a map key, {@code len()}.
 * The tests skip with the reason where bpf() is unavailable or the binaries (x86-64) cannot run.
 */
class DwarfUnwindTest {
    private static final Path DIR = Path.of("src", "test", "resources", "dwunwind");
    private static final String ENABLED = "config = { show_debug_info=0; unstable_dw_ustack=enable } ";
    /** The frames from the probed funcD up to main, in bpftrace's mode (8 spaces, symbol+offset). */
    private static final Pattern TO_MAIN = Pattern.compile(
            "\n {8}funcD\\+0\n {8}funcC\\+\\d+\n {8}funcB\\+\\d+\n {8}funcA\\+\\d+\n {8}main\\+\\d+\n");

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    /** Skips unless bpf() works and this machine runs the x86-64 binary; its absolute path. */
    private static String nofp(String name) {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Path p = DIR.resolve(name);
        Assumptions.assumeTrue("amd64".equals(System.getProperty("os.arch")) && Files.isExecutable(p),
                "SKIPPED: " + p + " is an x86-64 binary");
        return p.toAbsolutePath().normalize().toString();
    }

    @Test
    void aCommandsStackHasEveryCallerWhereFramePointersStop() {
        String n = nofp("nofp");
        Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n
                + ":funcD { printf(\"%s\\nFP:%s\\n\", dw_ustack(), ustack()); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("Attached 1 probe\n", r.err());
        assertTrue(TO_MAIN.matcher(r.out()).lookingAt(), r.out());
        // the frame-pointer walk of the same stop loses the callers (rbp is not a frame pointer here)
        String fp = r.out().substring(r.out().indexOf("FP:"));
        assertTrue(fp.contains("funcD+0"), fp);
        assertFalse(fp.contains("funcC"), fp);
    }

    @Test
    void aProcessStackGoesThroughItsLibrariesToStart() throws Exception {
        for (String name : List.of("nofp", "nofp-pie")) {
            String n = nofp(name);
            Process loop = new ProcessBuilder(n, "loop").start();
            try {
                String pid = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                Cli r = Cli.run("trace", "-p", pid, "-e", ENABLED + "u:" + n
                        + ":funcD { printf(\"%s\", dw_ustack(perf)); exit(); }");
                assertEquals(Main.EXIT_OK, r.status(), r.err());
                String[] lines = r.out().split("\n");
                // perf mode: a tab, the address, the symbol and the file
                List<String> want = List.of("funcD+0", "funcC+", "funcB+", "funcA+", "main+");
                for (int i = 0; i < want.size(); i++) {
                    assertTrue(lines[i + 1].matches("\t[0-9a-f]+ " + Pattern.quote(want.get(i)) + "\\d* \\("
                            + Pattern.quote(n) + "\\)"), name + ": " + r.out());
                }
                // main's callers are in the C library (unwound by its .eh_frame), down to _start,
                // whose return address is undefined
                assertTrue(r.out().contains("libc"), name + ": " + r.out());
                assertTrue(lines[lines.length - 1].matches("\t[0-9a-f]+ _start\\+\\d+ \\(" + Pattern.quote(n) + "\\)"),
                        name + ": " + r.out());
            } finally {
                loop.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void inAKernelProbeTheTasksUserRegistersAreUnwound() throws Exception {
        String n = nofp("nofp");
        Process loop = new ProcessBuilder(n, "loop").start();
        try {
            String pid = new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            // main sleeps between its calls: from the system call, through the C library, to main and _start
            Cli r = Cli.run("trace", "-p", pid, "-e", ENABLED + "tracepoint:syscalls:sys_enter_clock_nanosleep "
                    + "{ printf(\"%s\", dw_ustack(perf)); exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            String[] lines = r.out().split("\n");
            assertTrue(lines[1].contains("libc"), r.out());
            assertTrue(Pattern.compile("\n\t[0-9a-f]+ usleep\\+\\d+ \\([^)]*libc[^)]*\\)\n\t[0-9a-f]+ main\\+\\d+ \\("
                    + Pattern.quote(n) + "\\)\n").matcher(r.out()).find(), r.out());
            assertTrue(lines[lines.length - 1].matches("\t[0-9a-f]+ _start\\+\\d+ \\(" + Pattern.quote(n) + "\\)"),
                    r.out());
        } finally {
            loop.destroyForcibly().waitFor();
        }
    }

    @Test
    void stacksAreMapKeysWithTheirLimitAndLength() {
        String n = nofp("nofp");
        Cli r = Cli.run("trace", "-c", n + " once 5", "-e", ENABLED + "u:" + n
                + ":funcD { @[dw_ustack(3)] = count(); @len = max(len(dw_ustack(2))); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(Pattern.compile("\n\n@\\[\n {4}funcD\\+0\n {4}funcC\\+\\d+\n {4}funcB\\+\\d+\n\\]: 5\n@len: 2\n")
                .matcher(r.out()).matches(), r.out());
    }

    @Test
    void aProcessWithoutTablesWarnsAndGetsTheFramePointerStack() throws Exception {
        String n = nofp("nofp");
        Process other = new ProcessBuilder("sleep", "30").start();
        Process loop = new ProcessBuilder(n, "loop").start();
        try {
            new BufferedReader(new InputStreamReader(loop.getInputStream(), StandardCharsets.UTF_8)).readLine();
            Cli r = Cli.run("trace", "--dwarf-pid", Long.toString(other.pid()), "-e", ENABLED + "u:" + n
                    + ":funcD { printf(\"%s\", dw_ustack()); exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertTrue(r.err().contains("WARNING: No DWARF unwind data available for this process. "
                    + "Use -p or --dwarf-pid to specify target PIDs."), r.err());
            assertTrue(r.out().startsWith("\n        funcD+0\n"), r.out());
            assertFalse(r.out().contains("funcC"), r.out());
        } finally {
            loop.destroyForcibly().waitFor();
            other.destroyForcibly().waitFor();
        }
    }

    /** leaf's callers in {@code frames}, perf mode, each line's symbol. */
    private static final List<String> FRAMES_CALLERS = List.of("clobber+", "vla+", "aligned+", "main+");

    private static void assertFrames(String what, String out, int first, List<String> want) {
        String[] lines = out.split("\n");
        for (int i = 0; i < want.size(); i++) {
            // "f+" any offset in f, "f+12" that one
            assertTrue(first + i < lines.length && lines[first + i].matches("\t[0-9a-f]+ "
                    + Pattern.quote(want.get(i)) + (want.get(i).endsWith("+") ? "\\d+" : "") + " \\(.*\\)"),
                    what + ": " + out);
        }
    }

    @Test
    void rbpIsRestoredWhereACalleeSavedIt() {
        // vla's and aligned's CFA is rbp+16; clobber saved rbp and zeroed it before calling leaf,
        // so only the rbp restored from clobber's save slot finds vla's frame (gcc and clang)
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n
                    + ":leaf { printf(\"%s\", dw_ustack(perf)); exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertTrue(r.out().startsWith("\n\t"), name + ": " + r.out());
            assertTrue(r.out().split("\n")[1].contains(" leaf+0 "), name + ": " + r.out());
            assertFrames(name, r.out(), 2, FRAMES_CALLERS);
        }
    }

    /**
     * The virtual address and file offset of {@code name}'s lazily bound PLT entry in a non-PIE
     * binary: the {@code .plt} section's entry after PLT0 at the index of its {@code .rela.plt}
     * relocation (16-byte entries), as {@code objdump -d} shows {@code name@plt}.
     */
    private static long[] pltEntry(String binary, String name) {
        org.bpf4j.linux.probe.NativeElf elf = org.bpf4j.linux.probe.NativeElf.read(Path.of(binary));
        org.bpf4j.linux.probe.NativeElf.Section plt = elf.section(".plt").orElseThrow();
        java.nio.ByteBuffer rela = elf.data(elf.section(".rela.plt").orElseThrow()).slice()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer dynsym = elf.data(elf.section(".dynsym").orElseThrow()).slice()
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer dynstr = elf.data(elf.section(".dynstr").orElseThrow()).slice();
        for (int k = 0; k * 24 < rela.limit(); k++) {
            int sym = (int) (rela.getLong(24 * k + 8) >>> 32);
            int at = dynsym.getInt(24 * sym);
            StringBuilder b = new StringBuilder();
            for (int c; (c = dynstr.get(at++)) != 0; ) {
                b.append((char) c);
            }
            if (b.toString().equals(name)) {
                return new long[] {plt.address() + 16L * (k + 1), plt.offset() + 16L * (k + 1)};
            }
        }
        throw new AssertionError("no PLT entry for " + name + " in " + binary);
    }

    @Test
    void aLazilyBoundPltEntryIsUnwoundInBothHalves() {
        // getppid@plt: its first instruction (CFA rsp+8) and, on the first (lazy) call only, its jump
        // to the resolver after the push, 11 bytes on (CFA rsp+16); leaf called it
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            long[] entry = pltEntry(n, "getppid");
            for (int half : new int[] {0, 11}) {
                // (--unsafe: the PLT has no symbol; as bpftrace, such an address is the file offset)
                String at = "0x" + Long.toHexString(entry[1] + half);
                Cli r = Cli.run("trace", "--unsafe", "-c", n + " once 2", "-e", ENABLED + "uprobe:" + n + ":" + at
                        + " { printf(\"%s\", dw_ustack(perf)); exit(); }");
                assertEquals(Main.EXIT_OK, r.status(), r.err());
                assertTrue(r.err().contains("Misaligned probes"), r.err());
                assertTrue(r.out().split("\n")[1].startsWith("\t" + Long.toHexString(entry[0] + half) + " "),
                        name + " " + at + ": " + r.out());
                List<String> callers = new java.util.ArrayList<>(List.of("leaf+"));
                callers.addAll(FRAMES_CALLERS);
                assertFrames(name + " " + at, r.out(), 2, callers);
            }
        }
    }

    @Test
    void aRealignedStackIsUnwoundThroughTheSavedStackPointerAndTheRegisterHoldingIt() {
        // realign (assembly, as OpenSSL's) keeps the old rsp in rax (CFA = rax+8), then in its
        // realigned frame (CFA = *(rsp+40)+8) while it calls tick
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            for (String probe : List.of("tick", "realign+3")) {
                Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n + ":" + probe
                        + " { printf(\"%s\", dw_ustack(perf)); exit(); }");
                assertEquals(Main.EXIT_OK, r.status(), r.err());
                List<String> want = probe.equals("tick") ? List.of("tick+0", "realign+", "main+")
                        : List.of("realign+3", "main+");
                String[] lines = r.out().split("\n");
                for (int i = 0; i < want.size(); i++) {
                    assertTrue(i + 1 < lines.length && lines[i + 1].matches("\t[0-9a-f]+ " + Pattern.quote(want.get(i))
                            + "\\d* \\(.*\\)"), name + " " + probe + ": " + r.out());
                }
            }
        }
    }

    @Test
    void aReturnAddressAPendingUretprobeReplacedIsRecovered() {
        // the uretprobe on funcB puts the kernel's trampoline ([uprobes]) where funcB returns to
        // funcA; the walk from funcD takes the original from the task's return instances
        String n = nofp("nofp");
        Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "ur:" + n + ":funcB { @r = count(); } "
                + "u:" + n + ":funcD { printf(\"%s\", dw_ustack(perf)); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("@r: 1"), r.out());
        String stack = r.out().substring(0, r.out().indexOf("@r"));
        List<String> want = List.of("funcD+0", "funcC+", "funcB+", "funcA+", "main+");
        String[] lines = stack.split("\n");
        for (int i = 0; i < want.size(); i++) {
            assertTrue(lines[i + 1].matches("\t[0-9a-f]+ " + Pattern.quote(want.get(i)) + "\\d* \\(.*\\)"), r.out());
        }
        assertFalse(stack.contains("[uprobes]"), r.out());
    }

    @Test
    void aRecursionUnderAUretprobeIsRecoveredAtEveryDepth() {
        // rec(12) recurses 12 times before it calls bottom: 13 return addresses of rec replaced by
        // the trampoline, more than the 4 instances one frame's search passes over
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "ur:" + n + ":rec { @r = count(); } "
                    + "u:" + n + ":bottom { printf(\"%s\", dw_ustack(perf)); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertTrue(r.out().contains("@r: 13"), r.out());
            List<String> want = new java.util.ArrayList<>(List.of("bottom+0"));
            for (int i = 0; i < 13; i++) {
                want.add("rec+");
            }
            want.add("main+");
            String[] lines = r.out().split("\n");
            for (int i = 0; i < want.size(); i++) {
                assertTrue(lines[i + 1].matches("\t[0-9a-f]+ " + Pattern.quote(want.get(i)) + "\\d* \\(.*\\)"),
                        name + ": " + r.out());
            }
        }
    }

    @Test
    void aStackGoesThroughASignalFrame() throws Exception {
        // onsignal is called by SIGALRM's handler, which the C library's __restore_rt signal frame
        // returns from into spin, at the instruction the signal interrupted (not past a call)
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            Process p = new ProcessBuilder(n, "signal").start();
            try {
                String pid = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                Cli r = Cli.run("trace", "-p", pid, "-e", ENABLED + "u:" + n
                        + ":onsignal { printf(\"%s\", dw_ustack(perf)); exit(); }");
                assertEquals(Main.EXIT_OK, r.status(), r.err());
                String[] lines = r.out().split("\n");
                assertTrue(lines.length > 6, name + ": " + r.out());
                assertTrue(lines[1].matches("\t[0-9a-f]+ onsignal\\+0 \\(.*\\)"), name + ": " + r.out());
                assertTrue(lines[2].matches("\t[0-9a-f]+ handler\\+\\d+ \\(.*\\)"), name + ": " + r.out());
                // the handler's return address is __restore_rt's first byte; a caller's frame is its
                // return address minus 1 (as current bpftrace): the byte before the trampoline, which
                // no symbol of this C library covers (current bpftrace prints it as an address too)
                assertTrue(lines[3].matches("\t([0-9a-f]+) (0x\\1 \\(\\[unknown\\]\\)|\\S+ \\(.*libc.*\\))"),
                        name + ": " + r.out());
                assertTrue(lines[4].matches("\t[0-9a-f]+ spin\\+\\d+ \\(.*\\)"), name + ": " + r.out());
                assertTrue(lines[5].matches("\t[0-9a-f]+ (signalled|main)\\+\\d+ \\(.*\\)"), name + ": " + r.out());
                assertTrue(lines[lines.length - 1].matches("\t[0-9a-f]+ _start\\+\\d+ \\(.*\\)"),
                        name + ": " + r.out());
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * The callers' frames in {@code registers} and {@code registers-clang}: each call's return
     * address minus 1, from {@code objdump -d} (the instruction after the call).
     */
    private static String caller(String binary, String function) {
        boolean gcc = binary.equals("registers");
        return function + "+" + switch (function) {
            case "callra", "callsys" -> gcc ? 8 : 5;
            case "vlacall" -> gcc ? 26 : 39;
            default -> gcc ? 15 : 12; // callmont, waitreg, waitra, waitmont
        };
    }

    @Test
    void rulesNamingOtherRegistersAreFollowedInTheInterruptedFrame() {
        // registers.c's rareg pops its return address into rcx (DW_CFA_register rip, rcx), as
        // libjvm.so's stubs do; montlike's CFA is *(rsp+8+r9*8)+8, as OpenSSL's bn_mul_mont's: a
        // probe there finds its caller (before, the walk ended in <unwind failure>); rasys keeps its
        // return address in rdx across a system call, where a kernel probe reads the task's
        // registers; rbpreg keeps rbp in r11 (zeroed), which vlacall's CFA (rbp+16) needs
        for (String name : List.of("registers", "registers-clang")) {
            String n = nofp(name);
            // montlike's row of that expression, from its .eh_frame (readelf shows it as "exp")
            org.bpf4j.linux.probe.NativeElf elf = org.bpf4j.linux.probe.NativeElf.read(Path.of(n));
            long mont = elf.symbol("montlike").orElseThrow().value();
            long at = org.bpf4j.trace.symbols.EhFrame.rows(elf).stream()
                    .filter(row -> row.kind() == org.bpf4j.trace.symbols.EhFrame.CFA_DEREF_INDEX).findFirst()
                    .orElseThrow().pc() - mont;
            for (String probe : List.of("rareg+1", "montlike+" + at, "rasys+", "rbpreg+6")) {
                String attach = probe.equals("rasys+") ? "tracepoint:syscalls:sys_enter_getppid /pid == cpid/"
                        : "u:" + n + ":" + probe;
                Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + attach
                        + " { printf(\"%s\", dw_ustack(perf)); exit(); }");
                assertEquals(Main.EXIT_OK, r.status(), r.err());
                String caller = caller(name, switch (probe.substring(0, 3)) {
                    case "rar" -> "callra";
                    case "ras" -> "callsys";
                    case "rbp" -> "vlacall";
                    default -> "callmont";
                });
                assertFrames(name + " " + probe, r.out(), 1, List.of(probe, caller, "main+",
                        "__libc_start_call_main+", "__libc_start_main+", "_start+"));
                assertEquals(7, r.out().split("\n").length, name + " " + probe + ": " + r.out());
            }
        }
    }

    @Test
    void theRegistersASignalFrameSavedAreKnownInTheFrameItInterrupted() throws Exception {
        // spinreg's CFA is rax+8, spinra's return address is in rcx, montlike's CFA is
        // *(rsp+8+r9*8)+8; a signal interrupts them, and
        // its handler calls onsignal: __restore_rt's frame saved every register (struct sigcontext),
        // so the walk restores them and follows those rules in the interrupted frame too (before,
        // it ended there in <unwind failure>)
        for (String name : List.of("registers", "registers-clang")) {
            for (String mode : List.of("sigreg", "sigra", "sigmont")) {
                String n = nofp(name);
                Process p = new ProcessBuilder(n, mode).start();
                try {
                    String pid = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                            .readLine();
                    Cli r = Cli.run("trace", "-p", pid, "-e", ENABLED + "u:" + n
                            + ":onsignal { printf(\"%s\", dw_ustack(perf)); exit(); }");
                    assertEquals(Main.EXIT_OK, r.status(), r.err());
                    String what = name + " " + mode;
                    String[] lines = r.out().split("\n");
                    assertTrue(lines.length == 11 && lines[3].matches("\t([0-9a-f]+) (0x\\1 \\(\\[unknown\\]\\)|\\S+ \\(.*libc.*\\))"),
                            what + ": " + r.out());
                    String spin = switch (mode) {
                        case "sigreg" -> "spinreg+";
                        case "sigra" -> "spinra+";
                        default -> "montlike+";
                    };
                    String wait = caller(name, "wait" + mode.substring(3));
                    assertFrames(what, r.out(), 1, List.of("onsignal+0", "handler+"));
                    assertFrames(what, r.out(), 4, List.of(spin, wait, "signalled+", "main+",
                            "__libc_start_call_main+", "__libc_start_main+", "_start+"));
                } finally {
                    p.destroyForcibly().waitFor();
                }
            }
        }
    }

    @Test
    void aPositionIndependentCommandIsUnwoundFromItsFirstEvent() {
        // the command of -c is stopped at its program's entry point (its libraries mapped), its
        // tables written, then continued: its first event has the whole stack (before, the program
        // of a PIE command had no rows until the maps were read again: a warning and ustack's stack)
        String n = nofp("nofp-pie");
        Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n
                + ":funcD { printf(\"%s\", dw_ustack(perf)); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("Attached 1 probe\n", r.err());
        assertFrames("nofp-pie", r.out(), 1, List.of("funcD+0", "funcC+", "funcB+", "funcA+", "main+",
                "__libc_start_call_main+", "__libc_start_main+", "_start+"));
        assertEquals(9, r.out().split("\n").length, r.out());
    }

    @Test
    void gccsDynamicRealignmentRestoresRbpFromTheFramesOwnRbp() {
        // frames.c's drap: gcc saves rbp at rbp+0 (DW_CFA_expression) and takes the CFA from
        // *(rbp-8); its caller dvla's CFA is rbp+16, so only the restored rbp finds main. The frames
        // are gdb's bt on these binaries (return addresses minus 1, as current bpftrace prints
        // callers), then the C library's callers of main (clang keeps rbp as drap's frame pointer)
        for (String name : List.of("frames", "frames-clang")) {
            String n = nofp(name);
            Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n
                    + ":drapleaf { printf(\"%s\", dw_ustack(perf)); exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            List<String> gdb = name.equals("frames") ? List.of("drapleaf+0", "drap+53", "dvla+26")
                    : List.of("drapleaf+0", "drap+62", "dvla+39");
            List<String> want = new java.util.ArrayList<>(gdb);
            want.addAll(List.of("main+", "__libc_start_call_main+", "__libc_start_main+", "_start+"));
            assertFrames(name, r.out(), 1, want);
            assertEquals(8, r.out().split("\n").length, name + ": " + r.out());
        }
    }

    @Test
    void aRuleNotFollowedEndsTheWalkInAFailureNotInAWrongFrame() {
        // frames.c's odd: its CFA is an expression with DW_OP_xor; gdb goes on to main, bpf4j ends
        // the walk there with "<unwind failure>" (in every mode); current bpftrace cannot convert
        // the expression and builds no tables for the process (its stacks are frame pointers')
        String n = nofp("frames");
        Cli r = Cli.run("trace", "-c", n + " once 1", "-e", ENABLED + "u:" + n
                + ":oddleaf { printf(\"%s|%s\", dw_ustack(), dw_ustack(perf)); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(Pattern.compile("\n {8}oddleaf\\+0\n {8}odd\\+5\n {8}<unwind failure>\n\\|\n\t[0-9a-f]+ oddleaf\\+0 "
                + "\\(.*\\)\n\t[0-9a-f]+ odd\\+5 \\(.*\\)\n {8}<unwind failure>\n").matcher(r.out()).lookingAt(), r.out());
    }

    @Test
    void twoWalksInOneProbeStayWithinTheVerifiersBudget() {
        // each dw_ustack is a loop the verifier walks frame by frame (about 200,000 instructions
        // processed on 6.18; a branch that splits its states per frame once made it 900,000, and two
        // walks in one probe then exceeded the 1,000,000 limit)
        String n = nofp("nofp");
        Cli r = Cli.run("trace", "-c", n + " once 2", "-e", ENABLED + "u:" + n
                + ":funcD { @a[dw_ustack()] = count(); @b[dw_ustack(perf)] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("funcA+"), r.out());
    }

    @Test
    void withoutATargetProcessItFails() {
        String n = nofp("nofp");
        Cli r = Cli.run("trace", "-e", "u:" + n + ":funcD { printf(\"%s\", dw_ustack()); exit(); }");
        assertEquals(TraceCommand.EXIT_RUN_FAILED, r.status(), r.out());
        assertEquals("WARNING: Script is using an unstable feature: dw_ustack (DWARF stack unwinding). To prevent "
                + "this warning you must explicitly enable it in the config e.g. unstable_dw_ustack=enable\n"
                + "ERROR: dw_ustack requires a target process. Use -p, -c, or --dwarf-pid to specify one.\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void aBadDwarfPidIsRefused() {
        Cli r = Cli.run("trace", "--dwarf-pid", "12x", "-e", "BEGIN { exit(); }");
        assertEquals(Main.EXIT_FAILED, r.status(), r.out());
        assertTrue(r.err().startsWith("ERROR: Failed to parse dwarf pid: "), r.err());
    }
}
