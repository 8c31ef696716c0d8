package org.bpf4j.cli;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The map listing that {@code bpf4j run FILE.o} prints after a run, the same for every engine:
 * {@code map NAME (TYPE, key K, value V, max_entries N):}, then one line per element (per-CPU maps
 * list the CPUs with a non-zero value; arrays leave out all-zero elements and count them), and the
 * same content as a JSON-ready map.
 */
final class MapDump {
    private static final HexFormat HEX = HexFormat.of();

    /**
     * What the listing shows of one map.
     *
     * @param type the kernel's name of the map type
     * @param perCpu whether a value holds one slot per CPU
     * @param keys every key (empty when the map cannot list its keys)
     * @param values a key's value, split per CPU for per-CPU maps (one element otherwise); empty when
     *     the key is gone or cannot be read
     */
    record View(String type, int keySize, int valueSize, int maxEntries, boolean perCpu, List<byte[]> keys,
            Function<byte[], Optional<List<byte[]>>> values) {}

    private MapDump() {}

    /** Appends the listing of a map to {@code text} and returns the same content for JSON. */
    static Map<String, Object> dump(String name, View m, StringBuilder text) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("type", m.type());
        text.append("map ").append(name).append(" (").append(m.type()).append(", key ").append(m.keySize())
                .append(", value ").append(m.valueSize()).append(", max_entries ").append(m.maxEntries()).append("):\n");
        List<Object> entries = new ArrayList<>();
        int zeros = 0;
        for (byte[] k : m.keys()) {
            Optional<List<byte[]>> v = m.values().apply(k);
            if (v.isEmpty()) {
                continue;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("key", HEX.formatHex(k));
            if (m.perCpu()) {
                Map<String, Object> cpus = new LinkedHashMap<>();
                StringBuilder line = new StringBuilder();
                List<byte[]> values = v.get();
                for (int cpu = 0; cpu < values.size(); cpu++) {
                    if (!allZero(values.get(cpu))) {
                        cpus.put("cpu" + cpu, HEX.formatHex(values.get(cpu)));
                        line.append(" cpu").append(cpu).append(' ').append(HEX.formatHex(values.get(cpu)));
                    }
                }
                e.put("values", cpus);
                entries.add(e);
                if (cpus.isEmpty()) {
                    zeros++;
                } else {
                    text.append("  key ").append(HEX.formatHex(k)).append(line).append('\n');
                }
                continue;
            }
            byte[] value = v.get().get(0);
            e.put("value", HEX.formatHex(value));
            entries.add(e);
            if (m.type().endsWith("array") && allZero(value)) {
                zeros++;
                continue;
            }
            text.append("  key ").append(HEX.formatHex(k)).append(" value ").append(HEX.formatHex(value)).append('\n');
        }
        if (zeros > 0) {
            text.append("  (").append(zeros).append(zeros == 1 ? " element is" : " elements are").append(" zero)\n");
        }
        if (m.keys().isEmpty()) {
            text.append("  (no keys to list)\n");
        }
        doc.put("entries", entries);
        return doc;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
