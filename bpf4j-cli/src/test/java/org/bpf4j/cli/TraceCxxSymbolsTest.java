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
 * User-space symbols of C++ programs as bpftrace shows them: {@code func}, {@code usym} and user
 * stacks demangled ({@code geo::Shape::area(int) const}), mangled with
 * {@code config = { cpp_demangle = false }}; and a stripped library's local functions named from
 * its separate debug file ({@code __libc_start_call_main} in libc, with Debian's libc6-dbg), as
 * bcc's symbolizer names them. The traced program, {@code trace-cxx/shapes.cpp}, is built here with
 * {@code c++ -O0 -no-pie}. Skipped, with the reason, without bpf() or a C++ compiler.
 */
class TraceCxxSymbolsTest {
    @TempDir
    static Path work;

    private static String shapes;

    private static synchronized String shapes() throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/c++")), "SKIPPED: c++ is needed to build the traced program");
        if (shapes == null) {
            Path src = Path.of(TraceCxxSymbolsTest.class.getResource("/trace-cxx/shapes.cpp").toURI());
            Path bin = work.resolve("shapes");
            Process p = new ProcessBuilder("c++", "-O0", "-no-pie", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), out);
            shapes = bin.toString();
        }
        return shapes;
    }

    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    @Test
    void cppNamesAreDemangled() throws Exception {
        String bin = shapes();
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + ":_ZNK3geo5Shape4areaEi { printf(\"%s|%s|%s\", "
                + "func, usym(reg(\"ip\")), ustack(2)); @[func] = count(); exit(); } uprobe:" + bin
                + ":_Z5twiceIiET_S0_ { @t[func] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("geo::Shape::area(int) const|geo::Shape::area(int) const|\n"
                + "        geo::Shape::area(int) const+0\n        main+"), r.out());
        assertTrue(r.out().contains("\n@[geo::Shape::area(int) const]: 1\n"), r.out());
        assertTrue(r.out().contains("\n@t[int twice<int>(int)]: "), r.out());
    }

    @Test
    void cppDemangleOffKeepsTheSymbolTablesNames() throws Exception {
        String bin = shapes();
        Cli r = Cli.run("trace", "-c", bin, "-e", "config = { cpp_demangle = false } uprobe:" + bin
                + ":_ZNK3geo5Shape4areaEi { printf(\"%s|%s\", func, ustack(1)); exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("_ZNK3geo5Shape4areaEi|\n        _ZNK3geo5Shape4areaEi+0\n"), r.out());
        Cli bad = Cli.run("trace", "-e", "config = { cpp_demangle = maybe } BEGIN { exit(); }");
        assertEquals(Main.EXIT_FAILED, bad.status(), bad.err());
        assertTrue(bad.err().contains("cpp_demangle: Invalid bool value: valid values are true, false, 1 or 0."), bad.err());
    }

    @Test
    void strippedLibraryFramesAreNamedFromTheDebugFile() throws Exception {
        String bin = shapes();
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        Assumptions.assumeTrue(Files.isReadable(libc), "SKIPPED: no x86-64 glibc");
        org.bpf4j.linux.probe.NativeElf elf = org.bpf4j.linux.probe.NativeElf.read(libc);
        String id = org.bpf4j.trace.symbols.DebugFiles.buildId(elf).orElse("");
        Assumptions.assumeTrue(elf.section(".symtab").isEmpty() && id.length() > 2
                && Files.isReadable(Path.of("/usr/lib/debug/.build-id", id.substring(0, 2), id.substring(2) + ".debug")),
                "SKIPPED: libc's separate debug file (libc6-dbg) is not installed");
        boolean local = org.bpf4j.linux.probe.NativeElf.read(Path.of("/usr/lib/debug/.build-id", id.substring(0, 2),
                id.substring(2) + ".debug")).symbol("__libc_start_call_main").isPresent();
        Assumptions.assumeTrue(local, "SKIPPED: this libc has no __libc_start_call_main");
        Cli r = Cli.run("trace", "-c", bin, "-e", "uprobe:" + bin + ":_ZNK3geo5Shape4areaEi { printf(\"%s\", ustack(3)); "
                + "exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // main's caller is a local function of libc: in its debug file's symbol table only
        assertTrue(r.out().matches("(?s)\n\\s+geo::Shape::area\\(int\\) const\\+0\n\\s+main\\+\\d+\n"
                + "\\s+__libc_start_call_main\\+\\d+\n.*"), r.out());
    }
}
