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
 * {@code get}/{@code put} are the host's per-CPU-aware operations.
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
                    case "map" -> map = BpfMap.create(definition(w));
                    case "create" -> {
                        try {
                            BpfMap.create(definition(w)).close();
                            fail(where + ": created");
                        } catch (MapException e) {
                            assertEquals(expected, "-" + Errno.name(e.errno()), where);
                        }
                    }
                    case "lookup" -> {
                        long addr = map.lookupAddress(HEX.parseHex(w[1]), cpu);
                        String got = addr == 0 ? "none"
                                : HEX.formatHex(new Memory().read(addr, map.definition().valueSize(), 0));
                        assertEquals(expected, got, where);
                    }
                    case "get" -> assertEquals(expected, map.lookup(HEX.parseHex(w[1])).map(HEX::formatHex).orElse("none"), where);
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
                    case "keys" -> {
                        List<String> keys = new ArrayList<>();
                        map.keys().forEach(k -> keys.add(HEX.formatHex(k)));
                        assertEquals(expected, String.join(" ", keys), where);
                    }
                    default -> fail(where + ": unknown operation " + op);
                }
            }
        } finally {
            if (map != null) {
                map.close();
            }
        }
    }

    private static MapDefinition definition(String[] w) {
        int key = 0, value = 0, max = 0, flags = 0;
        long extra = 0;
        for (int i = 3; i < w.length; i++) {
            String[] kv = w[i].split("=");
            switch (kv[0]) {
                case "key" -> key = Integer.parseInt(kv[1]);
                case "value" -> value = Integer.parseInt(kv[1]);
                case "max" -> max = Integer.parseInt(kv[1]);
                case "flags" -> flags = Integer.parseInt(kv[1]);
                case "extra" -> extra = Long.parseLong(kv[1]);
                default -> throw new IllegalArgumentException("unknown map attribute " + w[i]);
            }
        }
        MapType type = MapType.byName(w[2]).orElseThrow();
        return new MapDefinition(w[1], type, key, value, max, flags, extra);
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
