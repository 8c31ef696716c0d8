package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kernel commands against the real kernel: skipped, with the reason, where bpf() does not work. */
class KernelCommandsTest {
    private static final Path SHARED = Path.of(System.getProperty("bpf4j.shared", "../../shared"));

    @BeforeEach
    void needsTheKernel() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
    }

    @Test
    void conformanceOnTheKernelEngine() {
        Path suite = SHARED.resolve("conformance");
        Assumptions.assumeTrue(Files.isDirectory(suite), "SKIPPED: no conformance suite at " + suite);
        Cli r = Cli.run("conformance", "--engine", "kernel", suite.toString());
        assertTrue(r.out().endsWith("300 passed, 0 failed, 13 skipped\n"), r.out());
        assertTrue(r.out().contains("SKIP lsh64-imm-high.data: the kernel engine does not support this: the "
                + "kernel's verifier refuses it: invalid shift 68 (EINVAL)"), r.out());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
    }

    @Test
    void runOnTheKernelEngine() {
        Path add = SHARED.resolve("conformance/add64.data");
        Assumptions.assumeTrue(Files.isRegularFile(add), "SKIPPED: no " + add);
        Cli r = Cli.run("run", "--engine", "kernel", add.toString());
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("r0 = 0x3\n", r.out());
        Cli refused = Cli.run("run", "--engine", "kernel", SHARED.resolve(
                "conformance/lsh64-imm-high.data").toString());
        assertEquals(Main.EXIT_FAILED, refused.status());
        assertTrue(refused.err().contains("the kernel's verifier refuses it: invalid shift 68"), refused.err());
    }

    @Test
    void progLoadPrintsOneLinePerProgram() {
        Path samples = SHARED.resolve("corpus/ebpf-samples");
        Assumptions.assumeTrue(Files.isDirectory(samples), "SKIPPED: no corpus at " + samples);
        Cli ok = Cli.run("prog", "load", samples.resolve("new_linux/tracex1_kern.o").toString());
        assertEquals(Main.EXIT_OK, ok.status(), ok.err());
        assertTrue(ok.out().matches("bpf_prog1: loaded \\(id \\d+\\)\n"), ok.out());

        Cli rejected = Cli.run("prog", "load", "--type", "socket_filter",
                samples.resolve("build/badmapptr.o").toString());
        assertEquals(Main.EXIT_FAILED, rejected.status(), rejected.err());
        assertEquals("test_repro: rejected: R1 pointer arithmetic on map_ptr prohibited (EACCES)\n", rejected.out());

        Cli noType = Cli.run("prog", "load", samples.resolve("build/badmapptr.o").toString());
        assertEquals(Main.EXIT_FAILED, noType.status());
        assertTrue(noType.out().contains("implies no program type; give one with --type"), noType.out());

        Cli unknown = Cli.run("prog", "load", "--prog", "nope", samples.resolve("new_linux/tracex1_kern.o").toString());
        assertEquals(Main.EXIT_BAD_INPUT, unknown.status());
        assertTrue(unknown.err().contains("no program 'nope' (programs: bpf_prog1)"), unknown.err());
    }

    @Test
    void mapListAndDumpAndProgLoadWithPins(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path fs = Files.createDirectory(dir.resolve("bpffs"));
        org.bpf4j.linux.Bpffs.mount(fs);
        try (org.bpf4j.linux.KernelMap m = Kernel.system().createMap("t_cli_dump",
                org.bpf4j.spec.MapType.HASH, 4, 2, 4, 0)) {
            m.update(new byte[] {1, 0, 0, 0}, new byte[] {(byte) 0xab, (byte) 0xcd}, 0);
            m.pin(fs.resolve("m").toString());
            Cli dump = Cli.run("map", "dump", "--pinned", fs.resolve("m").toString());
            assertEquals(Main.EXIT_OK, dump.status(), dump.err());
            assertEquals("key: 01 00 00 00  value: ab cd\nFound 1 element\n", dump.out());
            Cli list = Cli.run("map", "list");
            assertTrue(list.out().contains(m.id() + ": hash  name t_cli_dump  flags 0x0\n\tkey 4B  value 2B  "
                    + "max_entries 4\n"), list.out());
            Path samples = SHARED.resolve("corpus/ebpf-samples");
            if (Files.isDirectory(samples)) {
                Cli pinned = Cli.run("prog", "load", "--pin", fs.resolve("progs").toString(),
                        samples.resolve("new_linux/tracex1_kern.o").toString());
                assertEquals(Main.EXIT_OK, pinned.status(), pinned.err());
                assertTrue(Files.exists(fs.resolve("progs/bpf_prog1")));
                Cli progs = Cli.run("prog", "list");
                assertTrue(progs.out().contains(": kprobe  name bpf_prog1  tag "), progs.out());
                Files.delete(fs.resolve("progs/bpf_prog1"));
                Files.delete(fs.resolve("progs"));
            }
            Cli notBpffs = Cli.run("prog", "load", "--pin", dir.toString(),
                    samples.resolve("new_linux/tracex1_kern.o").toString());
            assertEquals(Main.EXIT_BAD_INPUT, notBpffs.status());
            assertTrue(notBpffs.err().contains("not in a bpf file system"), notBpffs.err());
        } finally {
            Files.deleteIfExists(fs.resolve("m"));
            org.bpf4j.linux.Bpffs.unmount(fs);
        }
    }

    @Test
    void objectFilesRunInTheKernelAsOnTheVm() {
        Path maps = Path.of(System.getProperty("user.dir")).getParent().resolve("testprogs/maps.o");
        Assumptions.assumeTrue(Files.isRegularFile(maps), "SKIPPED: no " + maps);
        String data = "02000000000202000000000108000000002100010000401166c90a0000010a0000029c400035000dff737175657279";
        Cli kernel = Cli.run("run", "--engine", "kernel", maps.toString(), "--prog", "map_array", "--data", data);
        Cli vm = Cli.run("run", maps.toString(), "--prog", "map_array", "--data", data);
        assertEquals(Main.EXIT_OK, kernel.status(), kernel.err());
        assertEquals(Main.EXIT_OK, vm.status(), vm.err());
        assertTrue(kernel.out().startsWith("retval = 2\n"), kernel.out());
        // The VM has no perf event arrays; every other line is the same.
        java.util.function.Function<String, java.util.List<String>> lines = s -> s.lines()
                .filter(l -> !l.startsWith("map events")).toList();
        assertEquals(lines.apply(vm.out()), lines.apply(kernel.out()));
    }
}
