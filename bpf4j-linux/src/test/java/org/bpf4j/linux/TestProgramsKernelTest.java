package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.linux.testing.CpuPinning;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.junit.jupiter.api.Test;

/**
 * The project's test programs ({@code testprogs/}) loaded through bpf4j's loader and run in the
 * kernel, compared with the results recorded with bpftool ({@code testprogs/expected/*.txt}):
 * return values, output packets and contexts, and every map's contents after the runs. The
 * thread is pinned to CPU 0 as the recordings were (per-CPU values and CPU ids depend on it).
 */
@KernelTest
class TestProgramsKernelTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent().resolve("testprogs");
    private static final HexFormat HEX = HexFormat.of();

    private static byte[] hex(String s) {
        return s.equals("-") ? new byte[0] : HEX.parseHex(s);
    }

    @Test
    void recordedKernelResultsReproduceThroughTheLoader() throws Throwable {
        assumeTrue(Files.isDirectory(ROOT.resolve("expected")), "no test programs at " + ROOT);
        // Runs on CPU 0, as recorded.
        CpuPinning.onCpu(0, this::runAll);
    }

    private void runAll() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(ROOT.resolve("expected"))) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        Map<String, String> mismatches = new TreeMap<>();
        Map<String, String> skipped = new TreeMap<>();
        int cases = 0;
        int agreed = 0;
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f).stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            Path object = null;
            List<String> block = null;
            for (String l : lines) {
                if (l.startsWith("object ")) {
                    object = ROOT.resolve(l.substring(7)).normalize();
                } else if (l.startsWith("case ")) {
                    block = new ArrayList<>();
                    block.add(l);
                } else if (l.equals("end")) {
                    cases++;
                    String name = f.getFileName() + " " + block.get(0).substring(5);
                    List<String> expected = block.stream().filter(x -> !x.startsWith("note ")).map(
                            TestProgramsKernelTest::normalize).toList();
                    List<String> actual;
                    try {
                        actual = runCase(object, block);
                    } catch (RuntimeException e) {
                        actual = List.of(block.get(0), "failed: " + e.getMessage());
                    }
                    expected = mapsByName(expected);
                    actual = mapsByName(actual);
                    String quirk = org.bpf4j.linux.testing.KernelQuirks.explains(String.join("\n", actual));
                    if (expected.equals(actual)) {
                        agreed++;
                    } else if (quirk != null) {
                        skipped.put(name, quirk);
                    } else {
                        mismatches.put(name, diff(expected, actual));
                    }
                    block = null;
                } else if (block != null) {
                    block.add(l);
                }
            }
        }
        System.out.printf("test programs in the kernel through bpf4j's loader: %d of %d cases agree with the "
                + "recorded results, %d skipped%n", agreed, cases, skipped.size());
        skipped.forEach((k, v) -> System.out.println("  SKIPPED " + k + ": " + v));
        mismatches.forEach((k, v) -> System.out.println("  MISMATCH " + k + ": " + v));
        assertEquals(Map.of(), mismatches);
    }

    /** The lines with the map dumps ordered by map name (each map's own lines keep their order). */
    private static List<String> mapsByName(List<String> lines) {
        List<String> head = lines.stream().filter(l -> !l.startsWith("map ")).toList();
        List<String> maps = new ArrayList<>(lines.stream().filter(l -> l.startsWith("map ")).toList());
        maps.sort(java.util.Comparator.comparing(l -> l.split(" ")[1]));
        List<String> out = new ArrayList<>(head);
        out.addAll(maps);
        return out;
    }

    private static String normalize(String l) {
        return l.matches("map \\S+ skipped .*") ? l.substring(0, l.indexOf(" skipped") + 8) : l;
    }

    private static String diff(List<String> expected, List<String> actual) {
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String e = i < expected.size() ? expected.get(i) : "(end)";
            String a = i < actual.size() ? actual.get(i) : "(end)";
            if (!e.equals(a)) {
                return "line " + i + ": expected '" + e + "', got '" + a + "'";
            }
        }
        return "";
    }

    /** Runs one case and writes what happened in the expected files' format. */
    private static List<String> runCase(Path object, List<String> block) throws IOException {
        List<String> out = new ArrayList<>();
        out.add(block.get(0));
        ObjectSpec spec = ObjectFile.read(object);
        try (KernelObject obj = Kernel.system().load(spec, LoadOptions.defaults().withLayout(DataLayout.read(object)))) {
            KernelProgram prog = null;
            byte[] data = null;
            byte[] ctx = null;
            for (String l : block.subList(1, block.size())) {
                String[] w = l.split(" ");
                switch (w[0]) {
                    case "program" -> {
                        out.add(l);
                        prog = obj.program(w[1]).orElseThrow(() -> new IllegalStateException("program " + w[1]
                                + " not loaded: " + obj.rejected()));
                    }
                    case "update" -> {
                        out.add(l);
                        KernelMap m = obj.map(w[1]).orElseThrow();
                        byte[] value = hex(w[5]);
                        if (m.perCpu()) {
                            value = Arrays.copyOf(value, m.transferValueSize());
                        }
                        m.update(hex(w[3]), value, KernelMap.ANY);
                    }
                    case "run" -> {
                        flush(out, prog, data, ctx);
                        out.add("run");
                        data = new byte[0];
                        ctx = null;
                    }
                    case "data_in" -> data = hex(w[1]);
                    case "ctx_in" -> ctx = hex(w[1]);
                    default -> {
                    }
                }
            }
            flush(out, prog, data, ctx);
            for (Map.Entry<String, KernelMap> e : new TreeMap<>(obj.maps()).entrySet()) {
                dumpMap(out, e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static void flush(List<String> out, KernelProgram prog, byte[] data, byte[] ctx) {
        if (data == null) {
            return;
        }
        out.add("data_in " + (data.length == 0 ? "-" : HEX.formatHex(data)));
        if (ctx != null) {
            out.add("ctx_in " + HEX.formatHex(ctx));
        }
        try {
            KernelProgram.TestRunResult r = prog.testRun(new KernelProgram.TestRun(data, data.length + 4096, ctx,
                    ctx == null ? 0 : ctx.length, 1, 0));
            out.add("retval " + Integer.toUnsignedLong(r.retval()));
            out.add("data_out " + (r.dataOut().length == 0 ? "-" : HEX.formatHex(r.dataOut())));
            if (ctx != null) {
                out.add("ctx_out " + HEX.formatHex(r.ctxOut()));
            }
        } catch (KernelException e) {
            out.add("error " + e.errnoName());
        }
    }

    private static void dumpMap(List<String> out, String name, KernelMap m) {
        String type = m.mapType().map(t -> t.kernelName()).orElse("?");
        out.add("map " + name + " type " + type);
        switch (type) {
            case "prog_array", "array_of_maps", "hash_of_maps", "ringbuf", "perf_event_array", "bloom_filter" -> {
                out.add("map " + name + " skipped");
                return;
            }
            case "queue", "stack" -> {
                for (byte[] v = m.pop().orElse(null); v != null; v = m.pop().orElse(null)) {
                    out.add("map " + name + " pop " + HEX.formatHex(v));
                }
                return;
            }
            default -> {
            }
        }
        if (type.endsWith("hash") && (m.flags() & (1 << 6)) != 0) { // BPF_F_ZERO_SEED: a fixed iteration order
            List<String> order = m.keys().stream().map(HEX::formatHex).toList();
            out.add("map " + name + " order " + (order.isEmpty() ? "-" : String.join(" ", order)));
        }
        TreeMap<String, String> entries = new TreeMap<>();
        for (byte[] k : m.keys()) {
            byte[] v = m.lookup(k).orElse(null);
            if (v == null) {
                continue;
            }
            if (m.perCpu()) {
                byte[] cpu0 = m.splitPerCpu(v).get(0);
                if (type.endsWith("array") && isZero(v)) {
                    continue;
                }
                entries.put(HEX.formatHex(k), "cpu0 " + HEX.formatHex(cpu0));
            } else {
                if (type.endsWith("array") && isZero(v) || type.equals("devmap") && isZero(v)) {
                    continue;
                }
                entries.put(HEX.formatHex(k), "value " + HEX.formatHex(v));
            }
        }
        entries.forEach((k, v) -> out.add("map " + name + " key " + k + " " + v));
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
