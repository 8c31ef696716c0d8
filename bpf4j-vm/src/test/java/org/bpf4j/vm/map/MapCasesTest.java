package org.bpf4j.vm.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.Cpus;
import org.bpf4j.vm.Memory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the map scripts in {@code src/test/resources/map-cases}: each line is an operation and its
 * expected outcome, as the kernel defines it. {@code op@N} runs a program-side operation on CPU N;
 * {@code get}/{@code put} are the host's per-CPU-aware operations. {@code keys} gives the keys as
 * a sorted set (what a map holds); {@code order} gives them in iteration order (the kernel's order
 * for a map with {@code BPF_F_ZERO_SEED}, flags=64, whose buckets do not depend on a random seed).
 */
class MapCasesTest {
    private static final HexFormat HEX = HexFormat.of();

    @TestFactory
    Stream<DynamicTest> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(MapCasesTest.class.getResource("/map-cases").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "the map cases are present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(f)));
    }

    private static void run(Path file) throws IOException {
        BpfMap map = null;
        java.util.Map<String, BpfMap> maps = new java.util.LinkedHashMap<>();
        PerfEventReader reader = null;
        int lineNo = 0;
        try {
            for (String raw : Files.readAllLines(file)) {
                lineNo++;
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String where = file.getFileName() + ":" + lineNo + ": " + line;
                String[] parts = line.split("->");
                String[] w = parts[0].trim().split("\\s+");
                String expected = parts.length > 1 ? parts[1].trim() : "";
                String op = w[0];
                int cpu = 0;
                if (op.contains("@")) {
                    cpu = Integer.parseInt(op.substring(op.indexOf('@') + 1));
                    op = op.substring(0, op.indexOf('@'));
                }
                switch (op) {
                    case "cpus" -> Assumptions.assumeTrue(Cpus.count() >= Integer.parseInt(w[1]),
                            "SKIPPED " + file.getFileName() + ": needs " + w[1] + " VM CPUs (set -Dbpf4j.cpus)");
                    case "cpus-exactly" -> Assumptions.assumeTrue(Cpus.count() == Integer.parseInt(w[1]),
                            "SKIPPED " + file.getFileName() + " with " + Cpus.count() + " VM CPUs: recorded from a kernel "
                                    + "with " + w[1] + " possible CPUs (the map-cases-two-cpus run has them)");
                    case "map" -> {
                        map = BpfMap.create(definition(w, maps));
                        maps.put(w[1], map);
                    }
                    case "use" -> map = maps.get(w[1]);
                    case "set" -> {
                        String got = "0";
                        try {
                            ((MapOfMaps) map).set(HEX.parseHex(w[1]), maps.get(w[2]), flags(w[3]));
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno());
                        }
                        assertEquals(expected, got, where);
                    }
                    case "stackid" -> {
                        long[] ips = java.util.Arrays.stream(w[2].split(",")).mapToLong(x -> Long.parseUnsignedLong(x.substring(2), 16)).toArray();
                        long id = ((StackTraceMap) map).stackId(ips, stackFlags(w[1]));
                        assertEquals(expected, id >= 0 ? Long.toString(id) : "-" + Errno.name((int) id), where);
                    }
                    case "perfopen" -> reader = ((PerfEventArrayMap) map).open(Integer.parseInt(w[1]));
                    case "perfout" -> {
                        long index = w[1].equals("cur") ? PerfEventArrayMap.CURRENT_CPU : Long.parseLong(w[1]);
                        byte[] data = w[2].startsWith("zeros:") ? new byte[Integer.parseInt(w[2].substring(6))]
                                : HEX.parseHex(w[2]);
                        int r = ((PerfEventArrayMap) map).output(cpu, index, data);
                        assertEquals(expected, result(r), where);
                    }
                    case "perfpoll" -> {
                        List<String> got = new ArrayList<>();
                        reader.poll(new PerfEventReader.Handler() {
                            @Override
                            public void sample(int c, byte[] data) {
                                got.add(c + ":" + (data.length > 16 ? data.length + "B" : HEX.formatHex(data)));
                            }

                            @Override
                            public void lost(int c, long count) {
                                got.add(c + ":lost=" + count);
                            }
                        });
                        assertEquals(expected, String.join(" ", got), where);
                    }
                    case "lookup_batch", "lookup_and_delete_batch" -> {
                        byte[] from = w[1].equals("-") ? null : HEX.parseHex(w[1]);
                        String got;
                        try {
                            BpfMap.Batch batch = op.equals("lookup_batch")
                                    ? map.lookupBatch(from, Integer.parseInt(w[2]), flags(w[3]))
                                    : map.lookupAndDeleteBatch(from, Integer.parseInt(w[2]), flags(w[3]));
                            List<String> items = new ArrayList<>();
                            for (int i = 0; i < batch.keys().size(); i++) {
                                items.add(HEX.formatHex(batch.keys().get(i)) + "=" + HEX.formatHex(batch.values().get(i)));
                            }
                            got = String.join(" ", items) + " | " + batch.next().map(HEX::formatHex).orElse("end");
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno());
                        }
                        assertEquals(expected, got.strip(), where);
                    }
                    case "update_batch" -> {
                        List<byte[]> keys = new ArrayList<>();
                        List<byte[]> values = new ArrayList<>();
                        for (String kv : w[1].split(",")) {
                            keys.add(HEX.parseHex(kv.split("=")[0]));
                            values.add(HEX.parseHex(kv.split("=")[1]));
                        }
                        String got;
                        try {
                            got = Integer.toString(map.updateBatch(keys, values, flags(w[2])));
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno()) + (e.processed() >= 0 ? "@" + e.processed() : "");
                        }
                        assertEquals(expected, got, where);
                    }
                    case "delete_batch" -> {
                        List<byte[]> keys = new ArrayList<>();
                        for (String k : w[1].split(",")) {
                            keys.add(HEX.parseHex(k));
                        }
                        String got;
                        try {
                            got = Integer.toString(map.deleteBatch(keys));
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno()) + (e.processed() >= 0 ? "@" + e.processed() : "");
                        }
                        assertEquals(expected, got, where);
                    }
                    case "create" -> {
                        try {
                            BpfMap.create(definition(w, maps)).close();
                            fail(where + ": created");
                        } catch (MapException e) {
                            assertEquals(expected, "-" + Errno.name(e.errno()), where);
                        }
                    }
                    case "lookup" -> {
                        long addr = map.lookupAddress(HEX.parseHex(w[1]), cpu);
                        String got;
                        if (addr == 0) {
                            got = "none";
                        } else if (map instanceof MapOfMaps) {
                            got = "map:" + BpfMap.ofHandle(addr).map(m -> m.definition().name()).orElse("?");
                        } else {
                            got = HEX.formatHex(new Memory().read(addr, map.definition().valueSize(), 0));
                        }
                        assertEquals(expected, got, where);
                    }
                    case "get" -> {
                        String got;
                        try {
                            got = map.lookup(HEX.parseHex(w[1]), w.length > 2 ? flags(w[2]) : 0)
                                    .map(HEX::formatHex).orElse("none");
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno());
                        }
                        assertEquals(expected, got, where);
                    }
                    case "update" -> assertEquals(expected, result(map.update(HEX.parseHex(w[1]), HEX.parseHex(w[2]),
                            flags(w[3]), cpu)), where);
                    case "put" -> {
                        String got = "0";
                        try {
                            map.put(HEX.parseHex(w[1]), HEX.parseHex(w[2]), flags(w[3]));
                        } catch (MapException e) {
                            got = "-" + Errno.name(e.errno());
                        }
                        assertEquals(expected, got, where);
                    }
                    case "delete" -> assertEquals(expected, result(map.delete(HEX.parseHex(w[1]))), where);
                    case "next" -> {
                        Optional<byte[]> next = map.nextKey(w[1].equals("-") ? null : HEX.parseHex(w[1]));
                        assertEquals(expected, next.map(HEX::formatHex).orElse("end"), where);
                    }
                    case "push" -> {
                        byte[] v = HEX.parseHex(w[1]);
                        int r = map instanceof QueueStackMap q ? q.push(v, flags(w[2])) : ((BloomFilterMap) map).push(v, flags(w[2]));
                        assertEquals(expected, result(r), where);
                    }
                    case "pop" -> assertEquals(expected, ((QueueStackMap) map).pop().map(HEX::formatHex).orElse("none"), where);
                    case "peek" -> {
                        if (map instanceof BloomFilterMap b) {
                            assertEquals(expected, result(b.peek(HEX.parseHex(w[1]))), where);
                        } else {
                            assertEquals(expected, ((QueueStackMap) map).peek().map(HEX::formatHex).orElse("none"), where);
                        }
                    }
                    case "keys", "order" -> {
                        List<String> keys = new ArrayList<>();
                        map.keys().forEach(k -> keys.add(HEX.formatHex(k)));
                        if (op.equals("keys")) {
                            keys.sort(null);
                        }
                        assertEquals(expected, String.join(" ", keys), where);
                    }
                    default -> fail(where + ": unknown operation " + op);
                }
            }
        } finally {
            if (reader != null) {
                reader.close();
            }
            for (BpfMap m : maps.values()) {
                m.close();
            }
        }
    }

    private static long stackFlags(String f) {
        long flags = 0;
        for (String part : f.split(",")) {
            flags |= switch (part) {
                case "0" -> 0;
                case "user" -> StackTraceMap.USER_STACK;
                case "fast" -> StackTraceMap.FAST_STACK_CMP;
                case "reuse" -> StackTraceMap.REUSE_STACKID;
                default -> {
                    if (part.startsWith("skip=")) {
                        yield Long.parseLong(part.substring(5));
                    }
                    yield Long.decode(part);
                }
            };
        }
        return flags;
    }

    private static MapDefinition definition(String[] w, java.util.Map<String, BpfMap> maps) {
        int key = 0, value = 0, max = 0, flags = 0, lock = -1, timer = -1;
        long extra = 0;
        MapDefinition inner = null;
        for (int i = 3; i < w.length; i++) {
            String[] kv = w[i].split("=");
            switch (kv[0]) {
                case "key" -> key = Integer.parseInt(kv[1]);
                case "value" -> value = Integer.parseInt(kv[1]);
                case "max" -> max = Integer.parseInt(kv[1]);
                case "flags" -> flags = Integer.parseInt(kv[1]);
                case "extra" -> extra = Long.parseLong(kv[1]);
                case "lock" -> lock = Integer.parseInt(kv[1]);
                case "timer" -> timer = Integer.parseInt(kv[1]);
                case "inner" -> inner = maps.get(kv[1]).definition();
                default -> throw new IllegalArgumentException("unknown map attribute " + w[i]);
            }
        }
        MapType type = MapType.byName(w[2]).orElseThrow();
        MapDefinition d = new MapDefinition(w[1], type, key, value, max, flags, extra);
        d = inner == null ? d : d.withInnerMap(inner);
        d = lock < 0 ? d : d.withSpinLock(lock);
        return timer < 0 ? d : d.withTimer(timer);
    }

    private static long flags(String f) {
        return switch (f) {
            case "any" -> BpfMap.ANY;
            case "noexist" -> BpfMap.NOEXIST;
            case "exist" -> BpfMap.EXIST;
            case "lock" -> BpfMap.F_LOCK;
            default -> Long.parseLong(f);
        };
    }

    private static String result(int r) {
        return r == 0 ? "0" : "-" + Errno.name(r);
    }
}
