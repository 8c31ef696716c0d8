package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.trace.symbols.DebugFiles;
import org.bpf4j.trace.symbols.Dwarf;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Debug information wherever it is (in the binary, in a separate file found by build id, debug
 * link or search path, in split {@code .dwo} files or a {@code .dwp} package), source lines to
 * addresses and addresses to source locations with their inlined frames, against the toolchain:
 * {@code trace/dwarf/lines.c} is built with {@code cc} here and {@code addr2line} (binutils) is
 * the oracle. Skipped when the tools are missing.
 */
class DebugInfoTest {
    private Path work;

    @BeforeEach
    void setUp() throws IOException {
        work = Files.createTempDirectory("bpf4j-debuginfo");
    }

    @AfterEach
    void tearDown() throws IOException {
        DebugFiles.searchFirst(List.of());
        try (var s = Files.walk(work)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static boolean has(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (" + rc + "): " + out);
        }
        return out;
    }

    private Path build(String name, String... flags) throws Exception {
        return buildFrom("lines.c", name, flags);
    }

    private Path buildFrom(String source, String name, String... flags) throws Exception {
        assumeTrue(has("cc") && has("addr2line") && has("objcopy") && has("nm"),
                "skipped: cc, addr2line, objcopy and nm (binutils) are needed to build and check the test program");
        Path src = Scripts.dir("dwarf").resolve(source);
        List<String> cmd = new ArrayList<>(List.of("cc"));
        cmd.addAll(List.of(flags));
        cmd.addAll(List.of("-o", work.resolve(name).toString(), src.toString()));
        run(work, cmd.toArray(String[]::new));
        return work.resolve(name);
    }

    private static long symbol(Path bin, String name) throws Exception {
        for (String line : run(bin.getParent(), "nm", bin.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3 && f[2].equals(name)) {
                return Long.parseUnsignedLong(f[0], 16);
            }
        }
        throw new AssertionError("no symbol " + name + " in " + bin);
    }

    private static List<String> params(Dwarf d, String function) {
        return d.params(function).orElse(List.of()).stream().map(p -> p.type().name() + " " + p.name()).toList();
    }

    /**
     * Each line of {@code branch} maps to an address that addr2line maps back to that line in
     * {@code bin} (the binary with its debug information).
     */
    private static void checkLines(Path bin, Dwarf d) throws Exception {
        assertEquals(symbol(bin, "branch"), d.lineAddress("lines.c", 30, 0), "the opening line of branch()");
        for (int line : new int[] {31, 32, 33, 34, 36}) {
            long a = d.lineAddress("dwarf/lines.c", line, 0);
            String back = run(bin.getParent(), "addr2line", "-e", bin.toString(), Long.toHexString(a)).strip();
            assertTrue(back.matches(".*/lines\\.c:" + line + "( \\(discriminator \\d+\\))?"), line + " -> " + back);
        }
    }

    @Test
    void inTheBinary() throws Exception {
        Path bin = build("plain", "-g", "-O0");
        Dwarf d = Dwarf.read(bin);
        assertEquals(List.of("struct point* p", "char c"), params(d, "outer"));
        assertEquals(List.of("int argc", "char** argv"), params(d, "main"));
        checkLines(bin, d);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> d.lineAddress("nope.c", 3, 0));
        assertEquals("No compilation unit matches nope.c", none.getMessage());
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> d.lineAddress("lines.c", 2, 0));
        assertEquals("Unable to map 'lines.c:2' to address", blank.getMessage());
    }

    @Test
    void separateFileOnTheSearchPath() throws Exception {
        Path bin = build("full", "-g", "-O0");
        Path stripped = work.resolve("stripped");
        Files.createDirectories(work.resolve("ext"));
        run(work, "objcopy", "--only-keep-debug", bin.toString(), work.resolve("ext/stripped.debug").toString());
        run(work, "objcopy", "--strip-debug", bin.toString(), stripped.toString());
        DebugFiles.searchFirst(List.of());
        assertFalse(Dwarf.read(stripped).available(), "found without --debuginfo");
        DebugFiles.searchFirst(List.of("./nowhere", "./ext"));
        Dwarf d = Dwarf.read(stripped);
        assertEquals(List.of("struct point* p", "char c"), params(d, "outer"));
        checkLines(bin, d);
    }

    @Test
    void separateFileByDebugLinkInDotDebug() throws Exception {
        Path bin = build("linked", "-g", "-O0");
        Path stripped = work.resolve("linked-stripped");
        Files.createDirectories(work.resolve(".debug"));
        Path debug = work.resolve(".debug/linked.dbg");
        run(work, "objcopy", "--only-keep-debug", bin.toString(), debug.toString());
        run(work, "objcopy", "--strip-debug", "--add-gnu-debuglink=" + debug, bin.toString(), stripped.toString());
        Dwarf d = Dwarf.read(stripped);
        assertEquals(List.of("int n"), params(d, "branch"));
    }

    @Test
    void separateFileByBuildId() throws Exception {
        Path bin = build("withid", "-g", "-O0", "-Wl,--build-id");
        String id = DebugFiles.buildId(org.bpf4j.linux.probe.NativeElf.read(bin)).orElseThrow();
        Path root = work.resolve("debugroot");
        Path debug = root.resolve(".build-id/" + id.substring(0, 2) + "/" + id.substring(2) + ".debug");
        Files.createDirectories(debug.getParent());
        Path stripped = work.resolve("withid-stripped");
        run(work, "objcopy", "--only-keep-debug", bin.toString(), debug.toString());
        run(work, "objcopy", "--strip-debug", bin.toString(), stripped.toString());
        DebugFiles.searchFirst(List.of(root.toString()));
        assertEquals(List.of("int n"), params(Dwarf.read(stripped), "branch"));
        // a debug file of another build is not taken for this one
        Path other = build("other", "-g", "-O0", "-Wl,--build-id=0x1234");
        Path otherStripped = work.resolve("other-stripped");
        run(work, "objcopy", "--strip-debug", other.toString(), otherStripped.toString());
        Files.copy(debug, work.resolve("other-stripped.debug"));
        DebugFiles.searchFirst(List.of());
        assertFalse(Dwarf.read(otherStripped).available(), "a debug file with another build id was taken");
    }

    @Test
    void splitDwarfFiles() throws Exception {
        Path bin = build("split", "-g", "-O0", "-gsplit-dwarf");
        Dwarf d = Dwarf.read(bin);
        assertEquals(List.of("struct point* p", "char c"), params(d, "outer"));
        assertTrue(d.missingSplitFiles().isEmpty());
        checkLines(bin, d);
        deleteDwo();
        Dwarf skeleton = Dwarf.read(bin);
        assertEquals(Optional.empty(), skeleton.params("outer"));
        assertEquals(1, skeleton.missingSplitFiles().size(), skeleton.missingSplitFiles().toString());
        checkLines(bin, skeleton); // a skeleton keeps the line table
    }

    @Test
    void splitDwarfPackage() throws Exception {
        Path bin = buildFrom("split.c", "packaged", "-g", "-O0", "-gsplit-dwarf");
        String dwp = has("llvm-dwp-19") ? "llvm-dwp-19" : has("llvm-dwp") ? "llvm-dwp" : null;
        assumeTrue(dwp != null, "skipped: llvm-dwp is needed to package split DWARF (binutils' dwp fails on DWARF 5)");
        Process p = new ProcessBuilder(dwp, "-e", bin.toString(), "-o", work.resolve("packaged.dwp").toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("dwp.log").toFile())
                .start();
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            assumeTrue(false, "skipped: " + dwp + " did not finish packaging in 60 s (it loops on some split files)");
        }
        assertEquals(0, p.exitValue(), Files.readString(work.resolve("dwp.log")));
        deleteDwo();
        Dwarf packaged = Dwarf.read(bin);
        assertEquals(List.of("struct point* p", "char c"), params(packaged, "outer"));
        assertEquals(List.of("int n"), params(packaged, "branch"));
        assertTrue(packaged.missingSplitFiles().isEmpty());
        assertEquals(symbol(bin, "branch"), packaged.lineAddress("split.c", 14, 0), "the opening line of branch()");
    }

    private void deleteDwo() throws IOException {
        try (var s = Files.list(work)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".dwo")).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Every address of {@code outer} at -O2 has addr2line's frames: the inlined functions, then outer. */
    @Test
    void inlinedFramesMatchAddr2line() throws Exception {
        Path bin = build("inlined", "-g", "-O2");
        Dwarf d = Dwarf.read(bin);
        long start = symbol(bin, "outer");
        int inlinedSeen = 0;
        for (long pc = start; pc < start + 24; pc++) {
            String[] a2l = run(work, "addr2line", "-f", "-i", "-e", bin.toString(), Long.toHexString(pc)).split("\n");
            List<String> expected = new ArrayList<>();
            for (int k = 0; k + 1 < a2l.length; k += 2) {
                String loc = a2l[k + 1].replaceFirst(" \\(discriminator \\d+\\)$", "");
                expected.add(a2l[k] + "@" + loc.substring(loc.lastIndexOf('/') + 1));
            }
            List<String> actual = d.frames(pc).stream()
                    .map(f -> f.function() + "@" + (f.file() == null ? "??" : Path.of(f.file()).getFileName()) + ":" + f.line())
                    .toList();
            assertEquals(expected, actual, "frames of 0x" + Long.toHexString(pc));
            inlinedSeen += actual.size() > 1 ? 1 : 0;
        }
        assertTrue(inlinedSeen > 0, "no address of outer() is in an inlined function: the test proves nothing");
    }
}
