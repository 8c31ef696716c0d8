package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.sema.KernelTypes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Current bpftrace's {@code import} statement where the golden files of the command
 * ({@code bpf4j-cli}: {@code trace-import-*.golden}) cannot show it: permissions made at run time,
 * headers (their types need the kernel's BTF), imports inside blocks, extra import directories.
 */
class ImportsTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    /** Compiles for the VM a script in the temporary directory, named by its path. */
    private TraceCompiler.Result compile(String name, String text) throws IOException {
        Path script = write(name, text);
        return TraceCompiler.compile(new Source(script.toString(), text), List.of());
    }

    private static String rendered(TraceCompiler.Result r, Source s) {
        return r.diagnostics().render(s);
    }

    @Test
    void aWorldWritableDirectoryIsSkippedWithAWarning() throws IOException {
        write("a/lib/foo.bt", "begin { }\n");
        Files.setPosixFilePermissions(dir.resolve("a/lib"), PosixFilePermissions.fromString("rwxrwxrwx"));
        String text = "import \"lib\"; begin { exit(); }";
        Path script = write("a/main.bt", text);
        Source s = new Source(script.toString(), text);
        TraceCompiler.Result r = TraceCompiler.compile(s, List.of());
        String out = rendered(r, s);
        assertTrue(r.diagnostics().hasErrors());
        assertTrue(out.contains("WARNING: skipping due to global write permissions: \"" + dir.resolve("a/lib") + "\""), out);
        assertTrue(out.contains("ERROR: Unable to find suitable path for import"), out);
        assertTrue(out.contains("HINT: checked: " + dir.resolve("a/lib")), out);
        // a file in it, too
        text = "import \"lib/foo.bt\"; begin { exit(); }";
        s = new Source(script.toString(), text);
        r = TraceCompiler.compile(s, List.of());
        assertTrue(rendered(r, s).contains("skipping due to global write permissions"), rendered(r, s));
    }

    @Test
    void aWorldWritableFileInADirectoryIsRefused() throws IOException {
        write("b/lib/foo.bt", "begin { }\n");
        Files.setPosixFilePermissions(dir.resolve("b/lib/foo.bt"), PosixFilePermissions.fromString("rw-rw-rw-"));
        String text = "import \"lib\"; begin { exit(); }";
        Path script = write("b/main.bt", text);
        Source s = new Source(script.toString(), text);
        TraceCompiler.Result r = TraceCompiler.compile(s, List.of());
        assertEquals(script + ":1:1-13: ERROR: cowardly refusing to import from a directory with global write "
                + "permissions: \"" + dir.resolve("b/lib/foo.bt") + "\"\n"
                + "import \"lib\"; begin { exit(); }\n~~~~~~~~~~~~\n", rendered(r, s));
    }

    @Test
    void theImportDirectoriesAreSearchedAfterTheScriptsOwn() throws IOException {
        write("extra/lib.bt", "macro seven() { 7 }\n");
        write("own/lib.bt", "macro seven() { 8 }\n");
        String text = "import \"lib.bt\"; begin { print(seven()); exit(); }";
        Path script = write("own/main.bt", text);
        Source s = new Source(script.toString(), text);
        TraceCompiler.Result r = TraceCompiler.compile(s, List.of(), TraceCompiler.Options.vm(),
                new TraceCompiler.Setup(Map.of(), List.of(), List.of(), List.of(dir.resolve("extra"))));
        assertFalse(r.diagnostics().hasErrors(), rendered(r, s));
        Files.delete(dir.resolve("own/lib.bt"));
        Source again = new Source(script.toString(), text);
        r = TraceCompiler.compile(again, List.of(), TraceCompiler.Options.vm(),
                new TraceCompiler.Setup(Map.of(), List.of(), List.of(), List.of(dir.resolve("extra"))));
        assertFalse(r.diagnostics().hasErrors(), rendered(r, again));
        r = TraceCompiler.compile(again, List.of());
        assertTrue(rendered(r, again).contains("HINT: checked: " + dir.resolve("own/lib.bt") + "\n"), rendered(r, again));
    }

    @Test
    void aHeadersDefinitionsAreTheScripts() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(KernelTypes.VMLINUX),
                "skipped: " + KernelTypes.VMLINUX + " is not readable (kernel without BTF)");
        write("inc/types.h", """
                #ifndef TYPES_H
                #define TYPES_H
                #include <linux/types.h>
                typedef unsigned int my_int; /* skipped */
                struct point { int x; long y; };
                struct fwd;
                int f(int a, struct point *p);
                enum color { RED, GREEN = 5, BLUE };
                #endif
                """);
        String text = """
                import "inc/types.h";
                begin { $p = (struct point *)0; @y = $p->y; @blue = BLUE; exit(); }
                """;
        Path script = write("main.bt", text);
        TraceCompiler.Options kernel = new TraceCompiler.Options(false, ProbeSource.none(), AttachPoints.Target.KERNEL,
                false, true);
        Source s = new Source(script.toString(), text);
        TraceCompiler.Result r = TraceCompiler.compile(s, List.of(), kernel);
        assertFalse(r.diagnostics().hasErrors(), rendered(r, s));
        // without the import, the type is unknown
        String without = text.replace("import \"inc/types.h\";", "");
        Source s2 = new Source(script.toString(), without);
        r = TraceCompiler.compile(s2, List.of(), kernel);
        assertTrue(rendered(r, s2).contains("struct point"), rendered(r, s2));
    }

    @Test
    void importsInsideBlocksAreRefusedUnlessEnabled() throws IOException {
        TraceCompiler.Result r = compile("s1.bt", "begin { import \"stdlib/test\"; exit(); }");
        assertTrue(r.diagnostics().list().getFirst().message().startsWith(
                "Import statements that are not at the top level are primarily for the standard library."));
        r = compile("s2.bt", "config = { unstable_import_statement = enable }\n"
                + "begin { import \"stdlib/test\"; print(__always_true()); exit(); }");
        assertFalse(r.diagnostics().hasErrors(), r.diagnostics().list().toString());
        r = compile("s3.bt", "config = { unstable_import_statement = warn }\n"
                + "begin { import \"stdlib/test\"; print(__always_true()); exit(); }");
        assertEquals("WARNING: Script is using an unstable feature: import statements. To prevent this warning you "
                + "must explicitly enable it in the config e.g. unstable_import_statement=enable\n",
                r.diagnostics().list().getFirst().render(new Source("x", "")));
        write("lib.bt", "begin { }");
        r = compile("s4.bt", "config = { unstable_import_statement = 1 }\nbegin { import \"lib.bt\"; exit(); }");
        assertEquals("Import statements that are not at the root are limited to specific object (.o), header (.h), "
                + "or C source (.c or bpf.c) files", r.diagnostics().list().getFirst().message());
    }

    @Test
    void theEnvironmentDecidesOverTheConfigBlockForImportsInsideBlocks() throws IOException {
        String text = "config = { unstable_import_statement = error }\n"
                + "begin { import \"stdlib/test\"; print(__always_true()); exit(); }";
        Path script = write("env.bt", text);
        // as current bpftrace, which loads BPFTRACE_* after the config block
        for (String enable : List.of("enable", "1", "true", "yes")) {
            TraceCompiler.Result r = TraceCompiler.compile(new Source(script.toString(), text), List.of(),
                    TraceCompiler.Options.vm(), new TraceCompiler.Setup(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", enable),
                            List.of(), List.of()));
            assertFalse(r.diagnostics().hasErrors(), enable + ": " + r.diagnostics().list());
            assertTrue(r.diagnostics().list().isEmpty(), enable + ": " + r.diagnostics().list());
        }
        TraceCompiler.Result warn = TraceCompiler.compile(new Source(script.toString(), text), List.of(),
                TraceCompiler.Options.vm(), new TraceCompiler.Setup(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", "warn"),
                        List.of(), List.of()));
        assertFalse(warn.diagnostics().hasErrors(), warn.diagnostics().list().toString());
        assertEquals("WARNING: Script is using an unstable feature: import statements. To prevent this warning you "
                + "must explicitly enable it in the config e.g. unstable_import_statement=enable\n",
                warn.diagnostics().list().getFirst().render(new Source("x", "")));
        String enabled = text.replace("= error", "= enable");
        TraceCompiler.Result off = TraceCompiler.compile(new Source(script.toString(), enabled), List.of(),
                TraceCompiler.Options.vm(), new TraceCompiler.Setup(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", "0"),
                        List.of(), List.of()));
        assertTrue(off.diagnostics().list().getFirst().message().startsWith(
                "Import statements that are not at the top level are primarily for the standard library."),
                off.diagnostics().list().toString());
        TraceCompiler.Result bad = TraceCompiler.compile(new Source(script.toString(), enabled), List.of(),
                TraceCompiler.Options.vm(), new TraceCompiler.Setup(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", "maybe"),
                        List.of(), List.of()));
        // a bad value is an error (current bpftrace's words, with the variable's short name)
        assertEquals("ERROR: unstable_import_statement: Invalid value for unstable config: valid values are "
                + "enable, warn, and error.\n", rendered(bad, new Source(script.toString(), enabled)));
        // and no more than that when the block does not allow the import either: current bpftrace's
        // config pass fails before import statements are checked
        TraceCompiler.Result badOnly = TraceCompiler.compile(new Source(script.toString(), text), List.of(),
                TraceCompiler.Options.vm(), new TraceCompiler.Setup(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", "maybe"),
                        List.of(), List.of()));
        assertTrue(badOnly.program().isPresent(), badOnly.diagnostics().list().toString());
        assertTrue(badOnly.diagnostics().list().stream().noneMatch(d -> d.message().startsWith("Import statements")),
                badOnly.diagnostics().list().toString());
    }

    @Test
    void aDefineAfterAnImportIsRefused() throws IOException {
        write("lib.bt", "begin { }");
        // current bpftrace's parser reads preprocessor lines before the config block and the imports;
        // after them, one is "C definitions must appear ...", from the # to the start of the next line
        String text = "import \"lib.bt\";\n#define A 1\nbegin { printf(\"%d\\n\", A); exit(); }";
        TraceCompiler.Result r = compile("define.bt", text);
        assertEquals(dir.resolve("define.bt") + ":2-3: ERROR: syntax: C definitions must appear before probes and "
                + "functions\n#define A 1\nbegin { printf(\"%d\\n\", A); exit(); }\n",
                rendered(r, new Source(dir.resolve("define.bt").toString(), text)));
        // before the import, it is a definition like any other
        String before = "#define A 1\nimport \"lib.bt\";\nbegin { printf(\"%d\\n\", A); exit(); }";
        r = compile("define2.bt", before);
        assertFalse(r.diagnostics().hasErrors(), rendered(r, new Source(dir.resolve("define2.bt").toString(), before)));
    }

    @Test
    void cDefinitionsMustComeBeforeTheImports() throws IOException {
        write("lib.bt", "begin { }");
        String text = "import \"lib.bt\";\nstruct A { int x; }\nbegin { exit(); }";
        TraceCompiler.Result r = compile("defs.bt", text);
        assertEquals(dir.resolve("defs.bt") + ":2:1-20: ERROR: syntax: C definitions must appear before probes and "
                + "functions\nstruct A { int x; }\n~~~~~~~~~~~~~~~~~~~\n",
                rendered(r, new Source(dir.resolve("defs.bt").toString(), text)));
    }

    /** Skips a test when the machine has no clang to compile imported BPF C with. */
    private static void needsClang() {
        boolean found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> !d.isEmpty() && (Files.isExecutable(Path.of(d, "clang-19"))
                        || Files.isExecutable(Path.of(d, "clang"))));
        Assumptions.assumeTrue(found, "skipped: no clang-19 or clang on the PATH");
    }

    /** Compiles and runs on the VM a script in the temporary directory; its standard output. */
    private String run(String name, String text) throws IOException, InterruptedException {
        Path script = write(name, text);
        return Scripts.run(new Source(script.toString(), text), List.of(), false);
    }

    @Test
    void bpfCIsCompiledAndItsFunctionsCalled() throws IOException, InterruptedException {
        needsClang();
        // current bpftrace's documented example, and the C types' conversions both ways
        write("my_c_lib.bpf.c", """
                static int times(int v, int k) { return v * k; }
                int __add_one(int val) { return 1 + val; }
                long triple_plus(long a, unsigned char b) { return times(a, 3) + b; }
                short narrow(int v) { return v; }
                unsigned int as_unsigned(int v) { return v; }
                enum answer { NO, YES = 42 };
                enum answer yes(_Bool b) { return b ? YES : NO; }
                void nothing(int v) { }
                """);
        assertEquals("2\n29\n-32768\n4294967295\n42\ndone\n\n\n", run("c.bt", """
                import "my_c_lib.bpf.c";
                begin {
                  print(__add_one(1));
                  print(triple_plus(-5, 300));
                  print(narrow(32768));
                  print(as_unsigned(-1));
                  print((int64)yes(true));
                  nothing(1);
                  printf("done\\n");
                  exit();
                }
                """));
    }

    @Test
    void aCompiledObjectIsImportedToo() throws IOException, InterruptedException {
        needsClang();
        Path c = write("obj/add.bpf.c", "int add(int a, int b) { return a + b; }\n");
        Path clang = Files.isExecutable(Path.of("/usr/bin/clang-19")) ? Path.of("/usr/bin/clang-19") : Path.of("clang");
        Process p = new ProcessBuilder(clang.toString(), "-O2", "-g", "-target", "bpf", "-c", c.toString(), "-o",
                dir.resolve("obj/add.bpf.o").toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        Files.delete(c);
        assertEquals("42\n\n\n", run("o.bt", "import \"obj/add.bpf.o\"; begin { print(add(40, 2)); exit(); }"));
        // without -g: no prototype to type a call with
        p = new ProcessBuilder(clang.toString(), "-O2", "-target", "bpf", "-c", "-x", "c", "-", "-o",
                dir.resolve("obj/nobtf.bpf.o").toString()).start();
        try (var in = p.getOutputStream()) {
            in.write("int add(int a, int b) { return a + b; }\n".getBytes());
        }
        assertEquals(0, p.waitFor());
        TraceCompiler.Result r = compile("n.bt", "import \"obj/nobtf.bpf.o\"; begin { print(add(40, 2)); exit(); }");
        assertEquals("cannot call add() of obj/nobtf.bpf.o: its object has no BTF prototype for it (compile it with -g)",
                r.diagnostics().list().getFirst().message());
    }

    @Test
    void bpfCErrorsNameTheFileAndClangsMessages() throws IOException {
        needsClang();
        write("bad.bpf.c", "int broken(int x) { return x +; }\n");
        TraceCompiler.Result r = compile("b.bt", "import \"bad.bpf.c\"; begin { exit(); }");
        List<Diagnostic> d = r.diagnostics().list();
        assertEquals("failed to build", d.getFirst().message()); // current bpftrace's words, clang's as the hint
        assertTrue(d.get(1).message().contains("bad.bpf.c:1:31: error: expected expression"), d.toString());
        write("uses.bpf.c", """
                int counter;
                int bump(void) { return ++counter; }
                struct pair { int a; int b; };
                int add_pair(struct pair p) { return p.a + p.b; }
                int one(int v) { return v; }
                """);
        r = compile("u.bt", "import \"uses.bpf.c\"; begin { bump(); add_pair(1); one(1, 2); one(\"s\"); }");
        assertEquals(List.of("cannot call bump() of uses.bpf.c: it uses maps, global data, kernel functions or CO-RE "
                + "relocations, which bpf4j does not link",
                "cannot call add_pair() of uses.bpf.c: its parameter 'p' is not an integer, enum, bool or pointer",
                "Function `one` requires 1 arguments, got only 2",
                "Expected int for argument 1 of one() got string[2]"),
                r.diagnostics().list().stream().map(Diagnostic::message).toList());
    }
}
