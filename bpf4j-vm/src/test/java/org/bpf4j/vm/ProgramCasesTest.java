package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.MapOfMaps;
import org.bpf4j.vm.map.PerfEventArrayMap;
import org.bpf4j.vm.map.PerfEventReader;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the programs in {@code src/test/resources/program-cases}: maps and a host environment, an
 * assembly program that calls helpers, then steps that run it and check what it returned and what
 * it left in maps, perf buffers, the trace sink and the recorded actions. Each file has three
 * parts: setup lines ({@code map}, {@code env}, {@code perfopen}, {@code set}), {@code -- asm} and
 * {@code -- steps}, where each step is {@code op args -> expected}. Runs on the default engine, so
 * the JIT module reruns it on the JIT.
 *
 * <p>Setup: {@code map NAME TYPE key= value= max= [flags= lock= timer= inner=MAP]} (maps are
 * {@code map_idx} 0, 1, ... in order); {@code env kstack|ustack A,B,...}, {@code env task A},
 * {@code env cgroups ROOT,...,SELF}, {@code env func IP ARG,... RET}, {@code env cookie C},
 * {@code env pid TGID TID}, {@code env clock START} (a {@link VirtualClock}), {@code env tai OFFSET};
 * {@code perfopen MAP PAGES}; {@code set MAP KEY INNER} (map of maps).
 *
 * <p>Steps: {@code run [ARG...] -> R0} (decimal, {@code 0x} hex or {@code -ENAME}), {@code trap
 * [ARG...] -> TEXT} (the run must trap with a message containing TEXT), {@code get MAP KEY -> HEX},
 * {@code put MAP KEY HEX}, {@code perfpoll MAP -> CPU:HEX ...} (the running thread's CPU prints as
 * {@code cur}), {@code advance NANOS -> FIRED}, {@code actions -> ...}, {@code trace -> TEXT}.
 */
class ProgramCasesTest {
    private static final HexFormat HEX = HexFormat.of();

    @TestFactory
    Stream<DynamicTest> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(ProgramCasesTest.class.getResource("/program-cases").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "the program cases are present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private static void run(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        Map<String, PerfEventReader> readers = new LinkedHashMap<>();
        Environment env = Environment.system().withTracee(Tracee.none());
        Tracee tracee = Tracee.none();
        List<String> actions = new ArrayList<>();
        StringBuilder trace = new StringBuilder();
        VirtualClock clock = null;
        int asmStart = lines.indexOf("-- asm");
        int stepsStart = lines.indexOf("-- steps");
        assertTrue(asmStart > 0 && stepsStart > asmStart, file + ": needs -- asm then -- steps");
        try {
            for (int i = 0; i < asmStart; i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] w = line.split("\\s+");
                switch (w[0]) {
                    case "cpus" -> Assumptions.assumeTrue(Cpus.count() >= Integer.parseInt(w[1]),
                            "SKIPPED " + file.getFileName() + ": needs " + w[1] + " VM CPUs (set -Dbpf4j.cpus)");
                    case "map" -> maps.put(w[1], BpfMap.create(definition(w, maps)));
                    case "perfopen" -> readers.put(w[1], ((PerfEventArrayMap) maps.get(w[1])).open(Integer.parseInt(w[2])));
                    case "set" -> ((MapOfMaps) maps.get(w[1])).set(HEX.parseHex(w[2]), maps.get(w[3]), BpfMap.ANY);
                    case "env" -> {
                        switch (w[1]) {
                            case "kstack" -> tracee = tracee.withStacks(longs(w[2]), tracee.userStack());
                            case "ustack" -> tracee = tracee.withStacks(tracee.kernelStack(), longs(w[2]));
                            case "task" -> tracee = tracee.withTask(num(w[2]));
                            case "cgroups" -> tracee = tracee.withCgroups(longs(w[2]));
                            case "func" -> tracee = tracee.withFunction(num(w[2]), longs(w[3]), num(w[4]));
                            case "cookie" -> tracee = tracee.withAttachCookie(num(w[2]));
                            case "tai" -> tracee = tracee.withTaiOffset(num(w[2]));
                            case "pid" -> env = env.withTask(num(w[2]) << 32 | num(w[3]), 0, "test");
                            case "clock" -> {
                                clock = new VirtualClock(num(w[2]));
                                env = env.withClock(clock);
                            }
                            default -> fail(file.getFileName() + ": unknown env " + w[1]);
                        }
                    }
                    default -> fail(file.getFileName() + ":" + (i + 1) + ": unknown setup " + w[0]);
                }
            }
            tracee = tracee.withActions(a -> actions.add(switch (a) {
                case Tracee.Signal s -> "signal:" + s.signal() + (s.thread() ? ":thread" : ":process");
                case Tracee.OverrideReturn o -> "override:" + o.value();
            }));
            env = env.withTracee(tracee).withTraceSink(trace::append);
            String asm = String.join("\n", lines.subList(asmStart + 1, stepsStart));
            VmProgram program = VmProgram.load(file.getFileName().toString(),
                    Assembler.assemble(asm, file.getFileName().toString(), asmStart + 2),
                    new ArrayList<>(maps.values()), VmOptions.defaults().withEnvironment(env).withInstructionBudget(1_000_000));
            Execution ex = program.newExecution();
            for (int i = stepsStart + 1; i < lines.size(); i++) {
                String line = lines.get(i).strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String where = file.getFileName() + ":" + (i + 1) + ": " + line;
                String[] parts = line.split("->", 2);
                String[] w = parts[0].trim().split("\\s+");
                String expected = parts.length > 1 ? parts[1].trim() : "";
                switch (w[0]) {
                    case "run" -> assertEquals(expected, r0(ex.run(args(w)), expected), where);
                    case "trap" -> {
                        try {
                            long r0 = ex.run(args(w));
                            fail(where + ": ran to r0 = " + r0);
                        } catch (VmTrapException e) {
                            assertTrue(e.getMessage().contains(expected), where + ": trapped with " + e.getMessage());
                        }
                    }
                    case "get" -> assertEquals(expected, maps.get(w[1]).lookup(HEX.parseHex(w[2])).map(HEX::formatHex)
                            .orElse("none"), where);
                    case "put" -> maps.get(w[1]).put(HEX.parseHex(w[2]), HEX.parseHex(w[3]), BpfMap.ANY);
                    case "putcpu" -> {
                        BpfMap m = maps.get(w[1]);
                        int stride = (m.definition().valueSize() + 7) & ~7;
                        byte[] all = new byte[stride * Cpus.count()];
                        String[] values = w[3].split(",");
                        for (int c = 0; c < values.length; c++) {
                            byte[] v = HEX.parseHex(values[c]);
                            System.arraycopy(v, 0, all, c * stride, v.length);
                        }
                        m.put(HEX.parseHex(w[2]), all, BpfMap.ANY);
                    }
                    case "perfpoll" -> {
                        List<String> got = new ArrayList<>();
                        int me = ex.cpu();
                        readers.get(w[1]).poll(new PerfEventReader.Handler() {
                            @Override
                            public void sample(int cpu, byte[] data) {
                                got.add((cpu == me ? "cur" : Integer.toString(cpu)) + ":" + HEX.formatHex(data));
                            }

                            @Override
                            public void lost(int cpu, long count) {
                                got.add((cpu == me ? "cur" : Integer.toString(cpu)) + ":lost=" + count);
                            }
                        });
                        assertEquals(expected, String.join(" ", got), where);
                    }
                    case "advance" -> assertEquals(expected, Integer.toString(clock.advanceBy(num(w[1]))), where);
                    case "actions" -> {
                        assertEquals(expected, String.join(" ", actions), where);
                        actions.clear();
                    }
                    case "trace" -> {
                        assertEquals(expected, trace.toString().replace("\n", "\\n"), where);
                        trace.setLength(0);
                    }
                    default -> fail(where + ": unknown step " + w[0]);
                }
            }
        } finally {
            readers.values().forEach(PerfEventReader::close);
            maps.values().forEach(BpfMap::close);
        }
    }

    private static long[] args(String[] w) {
        return Arrays.stream(w, 1, w.length).mapToLong(ProgramCasesTest::num).toArray();
    }

    /** A decimal number, or 0x and 64 bits of hex. */
    private static long num(String s) {
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    /** R0 as the expectation is written: an errno name, hex, or decimal. */
    private static String r0(long r0, String expected) {
        if (expected.startsWith("-E")) {
            return r0 < 0 && r0 > -4096 ? "-" + Errno.name((int) -r0) : Long.toString(r0);
        }
        return expected.startsWith("0x") ? "0x" + Long.toHexString(r0) : Long.toString(r0);
    }

    private static List<Long> longs(String csv) {
        if (csv.equals("-")) {
            return List.of();
        }
        return Arrays.stream(csv.split(",")).map(ProgramCasesTest::num).toList();
    }

    private static MapDefinition definition(String[] w, Map<String, BpfMap> maps) {
        int key = 0, value = 0, max = 0, flags = 0, lock = -1, timer = -1;
        MapDefinition inner = null;
        for (int i = 3; i < w.length; i++) {
            String[] kv = w[i].split("=");
            switch (kv[0]) {
                case "key" -> key = Integer.parseInt(kv[1]);
                case "value" -> value = Integer.parseInt(kv[1]);
                case "max" -> max = Integer.parseInt(kv[1]);
                case "flags" -> flags = Integer.parseInt(kv[1]);
                case "lock" -> lock = Integer.parseInt(kv[1]);
                case "timer" -> timer = Integer.parseInt(kv[1]);
                case "inner" -> inner = maps.get(kv[1]).definition();
                default -> throw new IllegalArgumentException("unknown map attribute " + w[i]);
            }
        }
        MapDefinition d = new MapDefinition(w[1], MapType.byName(w[2]).orElseThrow(), key, value, max, flags, 0);
        d = inner == null ? d : d.withInnerMap(inner);
        d = lock < 0 ? d : d.withSpinLock(lock);
        return timer < 0 ? d : d.withTimer(timer);
    }
}
