package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.linux.Bpffs;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bpftool's verbs against the real kernel ({@code prog show|dump}, {@code map
 * show|lookup|update|getnext|delete|dump}, {@code btf show|dump}, {@code link show}) on a program
 * that {@code prog load --pin} leaves in a bpf file system the test mounts; skipped, with the
 * reason, where bpf() does not work. The object is bpf4j-linux's {@code pinned.bpf.o}.
 */
class KernelVerbsTest {
    private static final Path OBJECT = Path.of("../bpf4j-linux/src/test/resources/attach/pinned.bpf.o");

    @TempDir
    Path dir;
    private Path fs;
    private List<Path> preloaded;

    @BeforeEach
    void load() throws IOException {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        fs = Files.createDirectory(dir.resolve("bpffs"));
        Bpffs.mount(fs);
        preloaded = list(fs);
    }

    @AfterEach
    void unload() throws IOException {
        if (fs == null) {
            return;
        }
        Files.deleteIfExists(fs.resolve("progs/count_runs"));
        Files.deleteIfExists(fs.resolve("progs"));
        for (Path p : list(fs)) {
            if (!preloaded.contains(p)) {
                Files.delete(p);
            }
        }
        Bpffs.unmount(fs);
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    private static Cli ok(String... args) {
        Cli r = Cli.run(args);
        assertEquals(Main.EXIT_OK, r.status(), String.join(" ", args) + ": " + r.err());
        return r;
    }

    private static String group(String regex, String text) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " not in:\n" + text);
        return m.group(1);
    }

    @Test
    void progMapBtfAndLinkVerbs() {
        Cli load = ok("prog", "load", "--pin", fs.resolve("progs").toString(), "--pinmaps-root", fs.toString(),
                OBJECT.toString());
        String progId = group("count_runs: loaded \\(id (\\d+)\\)", load.out());
        assertTrue(load.err().contains("map pin_counts: pinned at " + fs.resolve("pin_counts")), load.err());

        Cli show = ok("prog", "show", "id", progId);
        String line = show.out();
        assertTrue(line.startsWith(progId + ": socket_filter  name count_runs  tag "), line);
        String mapIds = group("map_ids ([0-9,]+)", line);
        String btfId = group("btf_id (\\d+)", line);
        assertEquals(3, mapIds.split(",").length, line);
        Cli json = ok("prog", "show", "id", progId, "--json");
        assertTrue(json.out().contains("\"name\": \"count_runs\""), json.out());

        // The translated code goes through our disassembler; the helper calls are named from kallsyms when visible.
        Cli xlated = ok("prog", "dump", "xlated", "id", progId);
        assertTrue(xlated.out().startsWith("   0: (b7) r1 = 0x0\n"), xlated.out());
        assertTrue(xlated.out().contains("(85) call "), xlated.out());
        assertTrue(xlated.out().strip().endsWith("(95) exit"), xlated.out());
        Cli jited = ok("prog", "dump", "jited", "id", progId);
        assertTrue(jited.out().matches("(?s)   0:\t[0-9a-f]{2}( [0-9a-f]{2}){15}\n.*"), jited.out());

        String configId = null;
        for (String id : mapIds.split(",")) {
            Cli m = ok("map", "show", "id", id);
            if (m.out().contains("name pin_config")) {
                configId = id;
                assertEquals(id + ": array  name pin_config  flags 0x0\n\tkey 4B  value 4B  max_entries 1  btf_id "
                        + btfId + "\n", m.out());
            }
        }
        assertTrue(configId != null, "no pin_config among " + mapIds);
        ok("map", "update", "id", configId, "key", "0", "0", "0", "0", "value", "hex", "2a", "00", "00", "00");
        assertEquals("key: 00 00 00 00  value: 2a 00 00 00\n",
                ok("map", "lookup", "pinned", fs.resolve("pin_config").toString(), "key", "0x0", "0", "0", "0").out());
        assertEquals("key: None\nnext key: 00 00 00 00\n", ok("map", "getnext", "id", configId).out());
        Cli last = Cli.run("map", "getnext", "id", configId, "key", "0", "0", "0", "0");
        assertEquals(Main.EXIT_FAILED, last.status());
        assertEquals("error: map getnext: no key after 00 00 00 00\n", last.err());

        Path counts = fs.resolve("pin_counts");
        ok("map", "update", "pinned", counts.toString(), "key", "7", "0", "0", "0", "value", "1", "0", "0", "0", "0",
                "0", "0", "0", "noexist");
        Cli again = Cli.run("map", "update", "pinned", counts.toString(), "key", "7", "0", "0", "0", "value", "1",
                "0", "0", "0", "0", "0", "0", "0", "noexist");
        assertEquals(Main.EXIT_FAILED, again.status());
        assertTrue(again.err().startsWith("error: map update: ") && again.err().contains("EEXIST"), again.err());
        assertEquals("key: 07 00 00 00  value: 01 00 00 00 00 00 00 00\nFound 1 element\n",
                ok("map", "dump", "pinned", counts.toString()).out());
        ok("map", "delete", "pinned", counts.toString(), "key", "7", "0", "0", "0");
        Cli gone = Cli.run("map", "delete", "pinned", counts.toString(), "key", "7", "0", "0", "0");
        assertEquals(Main.EXIT_FAILED, gone.status());
        assertEquals("error: map delete: no element with key 07 00 00 00 in map pin_counts\n", gone.err());

        Cli btf = ok("btf", "show", "id", btfId);
        assertEquals(btfId + ": name <anon>  size ", btf.out().substring(0, btf.out().indexOf("size ") + 5));
        assertTrue(btf.out().contains("prog_ids " + progId), btf.out());
        // The kernel's copy of the object's BTF prints as the file's does (the loader adds no types here).
        Cli fromKernel = ok("btf", "dump", "id", btfId);
        assertTrue(fromKernel.out().contains("[14] VAR 'pin_counts' type_id=13, linkage=global\n"), fromKernel.out());
        Cli c = ok("btf", "dump", "id", btfId, "format", "c");
        assertTrue(c.out().contains("typedef unsigned int __u32;"), c.out());
    }

    @Test
    void progRunTestRunsALoadedProgram() throws IOException {
        Cli load = ok("prog", "load", "--pin", fs.resolve("progs").toString(), "--pinmaps-root", fs.toString(),
                OBJECT.toString());
        String progId = group("count_runs: loaded \\(id (\\d+)\\)", load.out());
        byte[] packet = new byte[64];
        for (int i = 0; i < packet.length; i++) {
            packet[i] = (byte) (i * 7);
        }
        Path in = Files.write(dir.resolve("in.bin"), packet);
        Path out = dir.resolve("out.bin");
        // pin_config holds verdict 0; every run adds one to pin_counts[0].
        Cli run = ok("prog", "run", "pinned", fs.resolve("progs/count_runs").toString(), "data_in", in.toString(),
                "data_out", out.toString(), "repeat", "3");
        assertTrue(run.out().matches("Return value: 0, duration \\(average\\): \\d+ns\n"), run.out());
        // As bpftool shows it: a socket filter leaves its packet as it was, but the kernel hands back the
        // 14-byte Ethernet header zeroed (the program saw the packet from its network header on).
        byte[] expected = packet.clone();
        Arrays.fill(expected, 0, 14, (byte) 0);
        assertArrayEquals(expected, Files.readAllBytes(out));
        ok("map", "update", "pinned", fs.resolve("pin_config").toString(), "key", "0", "0", "0", "0", "value", "9",
                "0", "0", "0");
        Cli byId = ok("prog", "run", "id", progId, "data_in", in.toString(), "--json");
        assertTrue(byId.out().startsWith("{\n  \"retval\": 9,\n  \"duration\": "), byId.out());
        assertEquals("key: 00 00 00 00  value: 04 00 00 00 00 00 00 00\n",
                ok("map", "lookup", "pinned", fs.resolve("pin_counts").toString(), "key", "0", "0", "0", "0").out());

        Cli noInput = Cli.run("prog", "run", "id", progId);
        assertEquals(Main.EXIT_BAD_INPUT, noInput.status());
        assertEquals("error: prog run: 'data_in FILE' or 'ctx_in FILE' is required\n", noInput.err());
        Cli badWord = Cli.run("prog", "run", "id", progId, "data_in", in.toString(), "speed", "9");
        assertEquals(Main.EXIT_BAD_INPUT, badWord.status());
        assertEquals("error: prog run: expected data_in, data_out, ctx_in, ctx_out or repeat, got 'speed'\n",
                badWord.err());
        Cli missing = Cli.run("prog", "run", "id", progId, "data_in", dir.resolve("nope.bin").toString());
        assertEquals(Main.EXIT_BAD_INPUT, missing.status());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertTrue(missing.err().contains("nope.bin: cannot read"), missing.err());
    }

    @Test
    void userErrorsAreOneLine() {
        Cli noProg = Cli.run("prog", "show", "id", "2147483647");
        assertEquals(Main.EXIT_FAILED, noProg.status());
        assertEquals("error: prog show: no program with id 2147483647: bpf(BPF_PROG_GET_FD_BY_ID) failed: ENOENT "
                + "(No such file or directory)\n", noProg.err());
        Cli badId = Cli.run("map", "lookup", "id", "x", "key", "0");
        assertEquals(Main.EXIT_BAD_INPUT, badId.status());
        assertEquals("error: map lookup: 'x' is not an id (a positive number)\n", badId.err());
        Cli noLink = Cli.run("link", "show", "id", "2147483647");
        assertEquals(Main.EXIT_FAILED, noLink.status());
        assertTrue(noLink.err().startsWith("error: link show: no link with id 2147483647"), noLink.err());
        Cli dump = Cli.run("prog", "dump", "sideways", "id", "1");
        assertEquals(Main.EXIT_BAD_INPUT, dump.status());
        assertEquals("error: prog dump: expected 'xlated' or 'jited', got 'sideways'\n", dump.err());
        for (Cli r : List.of(noProg, badId, noLink, dump)) {
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }
}
