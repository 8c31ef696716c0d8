package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bpf4j trace} with what a binary's DWARF gives (current bpftrace): {@code args} as a whole
 * value, user stacks with source lines, uprobes on a source line. The traced program,
 * {@code trace-dwarf/loop.c}, is built here with {@code cc -g -O0 -no-pie} and calls {@code work(i, 100)}
 * for i = 0, 1, 2... until the trace's end kills it (so it is alive when its stacks are
 * symbolized); {@code addr2line} gives the expected source lines. Skipped, with the reason,
 * without bpf() or the tools.
 */
class TraceDwarfTest {
    @TempDir
    static Path work;

    private static String loop;

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    private static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** The built program (built once). */
    private static synchronized String loop() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(has("cc") && has("addr2line") && has("nm"),
                "SKIPPED: cc, addr2line and nm are needed to build and check the traced program");
        if (loop == null) {
            Path src = Path.of(TraceDwarfTest.class.getResource("/trace-dwarf/loop.c").toURI());
            Path bin = work.resolve("loop");
            run("cc", "-g", "-O0", "-no-pie", "-o", bin.toString(), src.toString());
            loop = bin.toString();
        }
        return loop;
    }

    /** The source line addr2line gives for a symbol's address. */
    private static int line(String bin, String symbol) throws Exception {
        for (String l : run("nm", bin).split("\n")) {
            String[] f = l.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(symbol)) {
                String at = run("addr2line", "-e", bin, f[0]).strip();
                return Integer.parseInt(at.substring(at.lastIndexOf(':') + 1).split(" ")[0]);
            }
        }
        throw new AssertionError("no symbol " + symbol + " in " + bin);
    }

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    @Test
    void argsAsAWholeValue() throws Exception {
        String bin = loop();
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + ":work /args.a < 3/ { @[args] = sum(args.a + 1); "
                + "@last = args; @t = (args, 1); if (args.a == 2) { print(args); print(@last.b); exit(); } }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("{ .a = 2, .b = 100 }\n100\n\n\n@[{ .a = 0, .b = 100 }]: 1\n@[{ .a = 1, .b = 100 }]: 2\n"
                + "@[{ .a = 2, .b = 100 }]: 3\n@last: { .a = 2, .b = 100 }\n@t: ({ .a = 2, .b = 100 }, 1)\n", r.out());
    }

    @Test
    void userStacksShowSourceLines() throws Exception {
        String bin = loop();
        int line = line(bin, "work");
        // @++ (one shared value), not count(): count() is per CPU, and the traced process may move to another
        // CPU between hits, so `@ == 3` on count() would see only this CPU's part and miss the third hit
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + ":work { printf(\"%s|%s\", ustack(1), "
                + "ustack(perf, 1)); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // bpftrace mode: NAME+OFFSET@FILE:LINE (the line of the function's entry); perf mode: no file and line
        assertTrue(r.out().matches("(?s)\n\\s+work\\+0@\\S*/loop\\.c:" + line + "\n\\|\n\t[0-9a-f]+ work\\+0 \\("
                + java.util.regex.Pattern.quote(bin) + "\\)\n.*"), r.out());
        Cli off = Cli.run("trace", "-c", bin, "-e", "config = { show_debug_info = 0 } uprobe:" + bin
                + ":work { printf(\"%s\", ustack(1)); exit(); }");
        assertTrue(off.out().matches("(?s)\n\\s+work\\+0\n.*"), off.out());
    }

    @Test
    void uprobeOnASourceLine() throws Exception {
        String bin = loop();
        int line = line(bin, "work");
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + "@loop.c:" + line + " { @++; "
                + "@pc[reg(\"pc\") == (uint64) uaddr(\"work\")] = count(); if (@ == 3) { exit(); } }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().endsWith("\n\n@: 3\n@pc[true]: 3\n"), r.out());
        Cli bad = Cli.run("trace", "-e", "uprobe:" + bin + "@loop.c:1 { @ = count(); }");
        assertEquals(Main.EXIT_FAILED, bad.status());
        assertTrue(bad.err().contains("ERROR: Unable to map 'loop.c:1' to address"), bad.err());
    }

    @Test
    void userStacksAsBuildIdsAndOffsets() throws Exception {
        String bin = loop();
        org.bpf4j.linux.probe.NativeElf elf = org.bpf4j.linux.probe.NativeElf.read(Path.of(bin));
        String id = org.bpf4j.trace.symbols.DebugFiles.buildId(elf).orElseThrow();
        assertTrue(run("readelf", "-n", bin).contains("Build ID: " + id), "the build id readelf shows");
        long work = elf.symbol("work").orElseThrow().value();
        long offset = elf.fileOffset(work);
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + ":work { print(ustack(build_id, 2)); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // the probed function's frame: the file's build id and the offset of work() in the file
        assertTrue(r.out().startsWith("\n" + id + " 0x" + Long.toHexString(offset) + "\n" + id + " 0x"), r.out());
        Cli k = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { print(kstack(build_id)); }");
        assertEquals(Main.EXIT_FAILED, k.status());
        assertTrue(k.err().contains("ERROR: 'build_id' stack mode can only be used for ustack"), k.err());
    }
}
