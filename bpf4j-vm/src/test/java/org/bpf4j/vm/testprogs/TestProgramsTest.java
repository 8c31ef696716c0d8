package org.bpf4j.vm.testprogs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmObject;
import org.bpf4j.vm.VmOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The test programs of {@code testprogs/} against the results the Linux kernel gave for them
 * ({@code testprogs/expected/*.txt}, recorded by {@code testprogs/record-expected.sh}).
 *
 * <p>First the data: every expected file parses; its object parses with {@link ObjectFile}; each
 * case names a program of the object with a program type a test run supports; the maps a case
 * lists are exactly the object's maps, with the object's map types, key and value sizes and
 * element counts; updates fit their maps; every source in {@code testprogs/src} has its object
 * and its expected file; {@code examples/traffic.pcap} holds exactly the frames of the firewall
 * case. So an object rebuilt without re-recording, or a hand-edited expectation, fails here.
 *
 * <p>Then every case runs on the VM ({@link VmObject}, {@link org.bpf4j.vm.run.TestRun}) and is
 * compared exactly with the kernel's results: retval, data_out, ctx_out, refusals, and the
 * contents of every map the recorder could dump. Known differences are listed with their
 * reasons in {@code testprogs-vm-exclusions.tsv}; the JIT runs the same cases from its own tests
 * ({@code JitTestProgramsTest}, {@code testprogs-jit-exclusions.tsv}).
 */
public class TestProgramsTest {
    private static final Set<ProgramType> TEST_RUN_TYPES = Set.of(ProgramType.XDP, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.SOCKET_FILTER, ProgramType.CGROUP_SKB);

    /** The {@code testprogs/} directory ({@code -Dbpf4j.testprogs}, else {@code ../testprogs}). */
    public static Path testprogs() {
        Path p = Path.of(System.getProperty("bpf4j.testprogs", "../testprogs"));
        Assumptions.assumeTrue(Files.isDirectory(p.resolve("expected")),
                "testprogs not found at " + p.toAbsolutePath() + " (set -Dbpf4j.testprogs); skipping");
        return p;
    }

    /** The expected files, sorted. */
    public static List<Path> expectedFiles() throws IOException {
        try (Stream<Path> s = Files.list(testprogs().resolve("expected"))) {
            return s.filter(f -> f.toString().endsWith(".txt")).sorted().toList();
        }
    }

    @TestFactory
    Stream<DynamicNode> expectedFilesMatchTheirObjects() throws IOException {
        List<DynamicNode> out = new ArrayList<>();
        for (Path f : expectedFiles()) {
            ExpectedFile e = ExpectedFile.parse(f);
            Path objectPath = testprogs().resolve(e.object());
            assertTrue(Files.isRegularFile(objectPath), f.getFileName() + ": object " + e.object() + " is missing");
            ObjectSpec spec = ObjectFile.parse(Files.readAllBytes(objectPath), objectPath.getFileName().toString());
            List<DynamicTest> cases = e.cases().stream()
                    .map(c -> DynamicTest.dynamicTest(c.name(), () -> checkCase(e, c, spec))).toList();
            out.add(DynamicContainer.dynamicContainer(f.getFileName().toString(), cases));
        }
        assertFalse(out.isEmpty());
        return out.stream();
    }

    private static void checkCase(ExpectedFile file, ExpectedFile.Case c, ObjectSpec spec) {
        String where = file.path().getFileName() + ":" + c.line() + " case '" + c.name() + "'";
        ProgramSpec program = spec.program(c.program()).orElseThrow(() -> new AssertionError(where
                + ": the object has no program '" + c.program() + "'"));
        program.requireLinked();
        ProgramType type = program.programType().orElseThrow(() -> new AssertionError(where
                + ": no program type for section '" + program.sectionName() + "'"));
        assertTrue(TEST_RUN_TYPES.contains(type), where + ": the kernel's test run does not take " + type);
        Set<String> objectMaps = new TreeSet<>();
        spec.maps().forEach(m -> objectMaps.add(m.name()));
        assertEquals(objectMaps, new TreeSet<>(c.maps().keySet()), where + ": the maps recorded are the object's");
        for (ExpectedFile.MapState m : c.maps().values()) {
            MapSpec ms = spec.map(m.name()).orElseThrow();
            assertEquals(ms.typeName(), m.type(), where + ": type of map '" + m.name() + "'");
            boolean perCpu = ms.mapType().map(MapType::perCpu).orElse(false);
            for (ExpectedFile.Entry en : m.entries()) {
                assertEquals(ms.keySize(), en.key().length, where + ": key size of map '" + m.name() + "'");
                assertEquals(ms.valueSize(), en.value().length, where + ": value size of map '" + m.name() + "'");
                assertEquals(perCpu, en.perCpu(), where + ": map '" + m.name() + "' per-CPU");
                if (ms.typeName().endsWith("array")) {
                    long index = ByteBuffer.wrap(en.key()).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
                    assertTrue(index < ms.maxEntries(), where + ": index " + index + " of map '" + m.name() + "'");
                }
            }
            assertTrue(m.entries().size() <= ms.maxEntries(), where + ": more elements than map '" + m.name()
                    + "' holds");
            for (byte[] v : m.pops()) {
                assertEquals(ms.valueSize(), v.length, where + ": value size of map '" + m.name() + "'");
            }
            if (m.skipped().isPresent()) {
                assertTrue(m.entries().isEmpty() && m.pops().isEmpty(), where + ": skipped map with contents");
            }
        }
        for (ExpectedFile.Update u : c.updates()) {
            MapSpec ms = spec.map(u.map()).orElseThrow(() -> new AssertionError(where + ": no map " + u.map()));
            assertEquals(ms.keySize(), u.key().length, where + ": update key size of '" + u.map() + "'");
            assertEquals(ms.valueSize(), u.value().length, where + ": update value size of '" + u.map() + "'");
        }
        for (ExpectedFile.Run r : c.runs()) {
            assertTrue(r.dataIn().length >= 14, where + ": a test run needs at least an Ethernet header");
            switch (r.outcome()) {
                case ExpectedFile.Outcome.Returned ret -> r.ctxIn().ifPresent(ctx -> assertEquals(ctx.length,
                        ret.ctxOut().orElseThrow().length, where + ": ctx_out has ctx_in's size"));
                case ExpectedFile.Outcome.Refused ref -> assertTrue(ref.errno().matches("E[A-Z0-9]+"),
                        where + ": errno " + ref.errno());
            }
        }
    }

    /**
     * Every case on the VM's interpreter, compared with the kernel's results. A case listed in
     * {@code testprogs-vm-exclusions.tsv} (with the reason) is still run: it is reported as skipped
     * while it differs and fails once it agrees, so that the list stays true.
     */
    @TestFactory
    Stream<DynamicNode> runOnVm() throws IOException {
        return runAll(VmOptions.defaults().withEngine(Interpreter.INSTANCE), "testprogs-vm-exclusions.tsv");
    }

    /** The VM cases of every expected file with an engine, against an exclusion list. */
    public static Stream<DynamicNode> runAll(VmOptions options, String exclusionsResource) throws IOException {
        return runAll(options.engine().name(), (spec, program) -> options, exclusionsResource);
    }

    /**
     * The VM cases of every expected file with options chosen per object and program (named
     * {@code engine} in the summary), against an exclusion list.
     */
    public static Stream<DynamicNode> runAll(String engine,
            java.util.function.BiFunction<org.bpf4j.object.ObjectSpec, String, VmOptions> optionsFor,
            String exclusionsResource) throws IOException {
        Map<String, String> excluded = exclusions(exclusionsResource);
        Path root = testprogs();
        List<DynamicNode> out = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger agreed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger differ = new java.util.concurrent.atomic.AtomicInteger();
        List<Path> files = expectedFiles();
        for (Path f : files) {
            ExpectedFile e = ExpectedFile.parse(f);
            String file = f.getFileName().toString();
            List<DynamicTest> cases = new ArrayList<>();
            for (ExpectedFile.Case c : e.cases()) {
                String id = file + " " + c.name();
                cases.add(DynamicTest.dynamicTest(c.name(), () -> {
                    List<String> diffs;
                    try {
                        diffs = TestProgramsRunner.run(f, c.name(), root, optionsFor);
                    } catch (RuntimeException ex) {
                        diffs = List.of("not run: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
                    }
                    String reason = excluded.get(id);
                    if (diffs.isEmpty()) {
                        agreed.incrementAndGet();
                        if (reason != null) {
                            fail(id + " now agrees with the kernel: remove it from " + exclusionsResource);
                        }
                        return;
                    }
                    differ.incrementAndGet();
                    String report = id + ": " + diffs.size() + " difference(s) from the kernel:\n  "
                            + String.join("\n  ", diffs.subList(0, Math.min(diffs.size(), 12)));
                    if (reason != null) {
                        System.out.println(report);
                        Assumptions.abort("excluded (" + reason + "); " + diffs.get(0));
                    }
                    fail(report);
                }));
            }
            out.add(DynamicContainer.dynamicContainer(file, cases));
        }
        Set<String> known = new TreeSet<>();
        for (Path f : files) {
            ExpectedFile.parse(f).cases().forEach(c -> known.add(f.getFileName() + " " + c.name()));
        }
        out.add(DynamicTest.dynamicTest("exclusions name existing cases", () -> {
            for (String id : excluded.keySet()) {
                assertTrue(known.contains(id), exclusionsResource + ": no case " + id);
            }
            System.out.println("testprogs on the VM (" + engine + "): " + agreed.get()
                    + " cases agree with the kernel, " + differ.get() + " differ (" + excluded.size() + " excluded)");
        }));
        return out.stream();
    }

    /** case id (file, space, case) to reason. */
    static Map<String, String> exclusions(String resource) throws IOException {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        try (var in = TestProgramsTest.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                return out;
            }
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 2);
                if (f.length != 2 || f[1].isBlank()) {
                    throw new IllegalStateException(resource + ": an exclusion without a reason: " + line);
                }
                out.put(f[0], f[1]);
            }
        }
        return out;
    }

    @Test
    void everySourceHasItsObjectAndExpectations() throws IOException {
        Path root = testprogs();
        Set<String> expectedObjects = new TreeSet<>();
        for (Path f : expectedFiles()) {
            expectedObjects.add(ExpectedFile.parse(f).object());
        }
        List<Path> sources;
        try (Stream<Path> s = Files.list(root.resolve("src"))) {
            sources = s.filter(p -> p.toString().endsWith(".c")).sorted().toList();
        }
        assertFalse(sources.isEmpty());
        for (Path src : sources) {
            String object = src.getFileName().toString().replaceAll("\\.c$", ".o");
            assertTrue(Files.isRegularFile(root.resolve(object)), "no object for " + src);
            assertTrue(expectedObjects.contains(object), "no expected results for " + object);
        }
        assertTrue(expectedObjects.contains("../examples/xdp_firewall.o"), "the README example has expectations");
        System.out.println("testprogs: " + sources.size() + " sources, " + expectedObjects.size()
                + " objects with expected results");
    }

    @Test
    void trafficPcapHoldsTheFirewallCaseFrames() throws IOException {
        Path root = testprogs();
        Path pcap = root.resolve("../examples/traffic.pcap");
        ExpectedFile e = ExpectedFile.parse(root.resolve("expected/xdp_firewall.txt"));
        ExpectedFile.Case c = e.cases().stream().filter(k -> k.name().equals("traffic_pcap")).findFirst()
                .orElseThrow();
        List<byte[]> frames = readPcap(Files.readAllBytes(pcap));
        assertEquals(c.runs().size(), frames.size(), "frames in traffic.pcap");
        for (int i = 0; i < frames.size(); i++) {
            assertArrayEquals(c.runs().get(i).dataIn(), frames.get(i), "frame " + (i + 1));
        }
        long passed = c.runs().stream().filter(r -> r.outcome() instanceof ExpectedFile.Outcome.Returned ret
                && ret.retval() == 2).count();
        System.out.println("traffic.pcap: " + frames.size() + " frames; the kernel passed " + passed + ", dropped "
                + (frames.size() - passed));
    }

    /** The frames of a classic little-endian pcap file. */
    private static List<byte[]> readPcap(byte[] b) {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (buf.getInt(0) != 0xa1b2c3d4) {
            fail("not a little-endian microsecond pcap file");
        }
        List<byte[]> out = new ArrayList<>();
        int at = 24;
        while (at < b.length) {
            int caplen = buf.getInt(at + 8);
            byte[] f = new byte[caplen];
            System.arraycopy(b, at + 16, f, 0, caplen);
            out.add(f);
            at += 16 + caplen;
        }
        return out;
    }

    /** Counts, for the report. */
    @Test
    void summary() throws IOException {
        int cases = 0;
        int runs = 0;
        for (Path f : expectedFiles()) {
            ExpectedFile e = ExpectedFile.parse(f);
            cases += e.cases().size();
            runs += e.cases().stream().mapToInt(c -> c.runs().size()).sum();
        }
        System.out.println("testprogs: " + expectedFiles().size() + " expected files, " + cases + " cases, " + runs
                + " kernel test runs recorded");
        assertTrue(cases > 0);
    }
}
