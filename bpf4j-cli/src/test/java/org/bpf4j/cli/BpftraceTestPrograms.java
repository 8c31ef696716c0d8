package org.bpf4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds bpftrace's test programs ({@code tests/testprogs}) and test libraries
 * ({@code tests/testlibs}) into a working directory the way bpftrace's build does, so that its
 * runtime tests find them: for the current tree, as its CMake files say (frame pointers kept, a
 * {@code -pie} twin of each program, C++ and Rust programs, shared test libraries without the
 * executable bit, {@code usdt_lib} linked with {@code libusdt_tp.so}, the flat {@code false.bin},
 * {@code archive.zip}, stripped programs with separate and split debug information); for 0.17's,
 * as its {@code tests/CMakeLists.txt} says: {@code cc -g -O0 -no-pie} with the systemtap USDT
 * header when it is installed, the test libraries without the executable bit, {@code usdt_lib}
 * linked with {@code libusdt_tp.so}.
 */
final class BpftraceTestPrograms {
    private BpftraceTestPrograms() {}

    private static final String OBJCOPY = "llvm-objcopy-19";
    private static final String DWP = "llvm-dwp-19";

    /**
     * Builds everything.
     *
     * @param tests bpftrace's {@code tests} directory
     * @param work the working directory ({@code testprogs} and {@code testlibs} are made there)
     * @param current whether {@code tests} is the current tree (else 0.17's)
     * @return what did not build (a program's or library's name), with the first error line
     */
    static Map<String, String> build(Path tests, Path work, boolean current) throws IOException {
        Map<String, String> failed = new TreeMap<>();
        Path progs = work.resolve("testprogs");
        Files.createDirectories(progs);
        Path sources = tests.resolve("testprogs");
        if (!Files.isDirectory(sources)) {
            return failed;
        }
        Path libs = work.resolve("testlibs");
        Files.createDirectories(libs);
        if (!current) {
            // 0.17's tests/CMakeLists.txt: each testlibs/*.c a shared library without the executable
            // bit, usdt_lib built with -fPIC against libusdt_tp.so, everything -g -O0, programs -no-pie
            boolean sdt = compiles("#include <sys/sdt.h>\n");
            for (Path c : list(tests.resolve("testlibs"), ".c")) {
                Path so = libs.resolve("lib" + base(c) + ".so");
                List<String> cmd = new ArrayList<>(List.of("cc", "-g", "-O0", "-fPIC", "-shared"));
                if (sdt) {
                    cmd.add("-DHAVE_SYSTEMTAP_SYS_SDT_H");
                }
                cmd.addAll(List.of("-o", so.toString(), c.toString()));
                if (run(cmd, "lib" + base(c) + ".so", sources, failed)) {
                    so.toFile().setExecutable(false, false);
                }
            }
            for (Path c : list(sources, ".c")) {
                List<String> cmd = new ArrayList<>(List.of("cc", "-g", "-O0", "-no-pie"));
                if (sdt) {
                    cmd.add("-DHAVE_SYSTEMTAP_SYS_SDT_H");
                }
                if (base(c).equals("usdt_lib")) {
                    cmd.addAll(List.of("-fPIC", "-I" + tests.resolve("testlibs")));
                }
                cmd.addAll(List.of("-o", progs.resolve(base(c)).toString(), c.toString(), "-lpthread"));
                if (base(c).equals("usdt_lib")) {
                    cmd.addAll(List.of("-L" + libs, "-lusdt_tp", "-Wl,-rpath," + libs));
                }
                run(cmd, base(c), sources, failed);
            }
            return failed;
        }
        String include = "-I" + tests.resolve("include");
        for (Path c : list(tests.resolve("testlibs"), ".c")) {
            Path so = libs.resolve("lib" + base(c) + ".so");
            if (run(List.of("cc", "-g", "-O0", "-fPIC", "-shared", include, "-o", so.toString(), c.toString()),
                    "lib" + base(c) + ".so", sources, failed)) {
                // bpftrace's build clears the bit: uprobes must work on libraries that are not executable
                so.toFile().setExecutable(false, false);
            }
        }
        List<Path> cs = new ArrayList<>(list(sources, ".c"));
        cs.addAll(list(sources, ".cpp"));
        for (Path c : cs) {
            String name = base(c);
            for (boolean pie : new boolean[] {false, true}) {
                List<String> cmd = new ArrayList<>();
                cmd.add(c.toString().endsWith(".cpp") ? "c++" : "cc");
                if (name.equals("uprobe_nofp")) {
                    cmd.addAll(List.of("-g", "-O1", "-fomit-frame-pointer", "-fno-optimize-sibling-calls"));
                } else {
                    cmd.addAll(List.of("-g", "-O0", "-fno-omit-frame-pointer", "-mno-omit-leaf-frame-pointer"));
                }
                cmd.add(include);
                cmd.addAll(pie ? List.of("-fpie", "-pie") : List.of("-no-pie"));
                String out = name + (pie ? "-pie" : "");
                if (name.equals("usdt_lib")) {
                    cmd.addAll(List.of("-fPIC", "-I" + tests.resolve("testlibs")));
                }
                cmd.addAll(List.of("-o", progs.resolve(out).toString(), c.toString(), "-lpthread"));
                if (name.equals("usdt_lib")) {
                    cmd.addAll(List.of("-L" + libs, "-lusdt_tp", "-Wl,-rpath," + libs));
                }
                run(cmd, out, sources, failed);
            }
        }
        for (Path rs : list(sources, ".rs")) {
            run(List.of("rustc", "-C", "symbol_mangling_version=v0", "-o", progs.resolve(base(rs)).toString(),
                    rs.toString()), base(rs), sources, failed);
        }
        for (Path go : list(sources, ".go")) {
            // as bpftrace's CMake file: `go build` where a Go toolchain is installed
            run(List.of("go", "build", "-o", progs.resolve(base(go)).toString(), go.toString()), base(go), sources,
                    failed);
        }
        Path obj = progs.resolve("false.o");
        if (run(List.of("cc", "-c", sources.resolve("false.c").toString(), "-o", obj.toString()), "false.bin", sources,
                failed)) {
            run(List.of(OBJCOPY, "-S", "--only-section=.text", "--keep-symbol=main", "-O", "binary", obj.toString(),
                    progs.resolve("false.bin").toString()), "false.bin", sources, failed);
            Files.deleteIfExists(obj);
        }
        run(List.of("zip", "-q", "-0", "-j", progs.resolve("archive.zip").toString(), progs.resolve("true").toString()),
                "archive.zip", sources, failed);
        Path ext = progs.resolve("external_debug");
        Files.createDirectories(ext.resolve("dwo"));
        Files.createDirectories(ext.resolve("dwp"));
        Files.createDirectories(progs.resolve(".debug"));
        String test = progs.resolve("uprobe_test").toString();
        if (run(List.of(OBJCOPY, "--only-keep-debug", test, ext.resolve("uprobe_test-stripped.debug").toString()),
                "uprobe_test-stripped", sources, failed)) {
            run(List.of(OBJCOPY, "--strip-debug", test, progs.resolve("uprobe_test-stripped").toString()),
                    "uprobe_test-stripped", sources, failed);
        }
        String sep = progs.resolve("uprobe_separate_debug").toString();
        String sepDebug = progs.resolve(".debug/uprobe_separate_debug-stripped.debug").toString();
        String sepOut = progs.resolve("uprobe_separate_debug-stripped").toString();
        if (run(List.of(OBJCOPY, "--only-keep-debug", sep, sepDebug), "uprobe_separate_debug-stripped", sources, failed)
                && run(List.of(OBJCOPY, "--strip-debug", sep, sepOut), "uprobe_separate_debug-stripped", sources, failed)) {
            run(List.of(OBJCOPY, "--add-gnu-debuglink=" + sepDebug, sepOut), "uprobe_separate_debug-stripped", sources,
                    failed);
        }
        String uprobeTest = sources.resolve("uprobe_test.c").toString();
        run(List.of("cc", "-g", "-O0", "-gsplit-dwarf", uprobeTest, "-o", ext.resolve("dwo/uprobe_test-split").toString()),
                "external_debug/dwo/uprobe_test-split", ext.resolve("dwo"), failed);
        Path dwp = ext.resolve("dwp");
        if (run(List.of("cc", "-g", "-O0", "-gsplit-dwarf", uprobeTest, "-o", dwp.resolve("uprobe_test-split").toString()),
                "external_debug/dwp/uprobe_test-split", dwp, failed)) {
            run(List.of(DWP, "-e", dwp.resolve("uprobe_test-split").toString(), "-o",
                    dwp.resolve("uprobe_test-split.dwp").toString()), "external_debug/dwp/uprobe_test-split", dwp, failed);
            try (Stream<Path> s = Files.list(dwp)) {
                for (Path p : s.filter(p -> p.toString().endsWith(".dwo")).toList()) {
                    Files.delete(p);
                }
            }
        }
        return failed;
    }

    private static String base(Path p) {
        return p.getFileName().toString().replaceFirst("\\.[^.]+$", "");
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** Runs one build command in {@code dir}; false (and the first error line kept) if it fails. */
    private static boolean run(List<String> cmd, String what, Path dir, Map<String, String> failed) throws IOException {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                return true;
            }
            String first = out.lines().filter(l -> l.contains("error")).findFirst().orElse(out.strip());
            failed.putIfAbsent(what, cmd.getFirst() + ": " + first.replace(dir + "/", ""));
            return false;
        } catch (IOException e) {
            failed.putIfAbsent(what, cmd.getFirst() + " is not installed: " + e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** True if the C compiler accepts {@code source} (to know whether a header is installed). */
    private static boolean compiles(String source) throws IOException {
        try {
            Process p = new ProcessBuilder("cc", "-E", "-x", "c", "-").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (var in = p.getOutputStream()) {
                in.write(source.getBytes(StandardCharsets.UTF_8));
            }
            return p.waitFor() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
