package org.bpf4j.trace.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.trace.sema.Type;

/**
 * {@code tseries()} maps as current bpftrace prints them. Each stored element is one bucket of one
 * key (the key ends with the bucket number) holding, per CPU, {value, meta, epoch}; the CPUs' copies
 * of the newest epoch are combined (the last value by its time, sums, minima, maxima, averages), a
 * bucket never written (epoch 0) counting as the value 0 at epoch 0. The intervals shown end at the
 * newest epoch of the whole map and span the map's number of intervals, each key from its first
 * epoch in that window; intervals without data show as missing. Text is a sideways graph of the
 * values against local times, JSON a list of {@code {"interval_start", "value"}} in UTC.
 */
final class TimeSeries {
    private static final int GRAPH_WIDTH = 53;
    private static final int PADDING = 21;
    private static final DateTimeFormatter JSON_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    private TimeSeries() {}

    /** One key's intervals: epoch to value, null for an interval without data. */
    record Series(byte[] key, List<Long> epochs, List<Long> values) {}

    /**
     * Groups the stored elements (key with the bucket number at {@code prefix}, values of
     * {@code cpus} copies) by key, in the order of their key bytes, and lays each out over the
     * window of intervals that ends at the map's newest epoch.
     */
    static List<Series> collect(Type.Agg agg, List<byte[]> keys, List<byte[]> values, int prefix, int cpus) {
        Map<byte[], TreeMap<Long, Long>> byKey = new TreeMap<>(Arrays::compareUnsigned);
        long last = 0;
        boolean any = false;
        for (int i = 0; i < keys.size(); i++) {
            byte[] k = Arrays.copyOf(keys.get(i), prefix);
            long[] reduced = reduce(agg, values.get(i), cpus);
            byKey.computeIfAbsent(k, x -> new TreeMap<>(Long::compareUnsigned)).putIfAbsent(reduced[0], reduced[1]);
            last = any ? Math.max(last, reduced[0]) : reduced[0];
            any = true;
        }
        // current bpftrace's window: [last - intervals + 1, last] in unsigned arithmetic (empty when it wraps)
        long first = last - agg.series().intervals() + 1;
        List<Series> out = new ArrayList<>();
        for (Map.Entry<byte[], TreeMap<Long, Long>> e : byKey.entrySet()) {
            TreeMap<Long, Long> v = e.getValue();
            long start = last;
            for (long epoch : v.keySet()) {
                if (Long.compareUnsigned(epoch, first) >= 0 && Long.compareUnsigned(epoch, start) < 0) {
                    start = epoch;
                }
            }
            List<Long> epochs = new ArrayList<>();
            List<Long> vals = new ArrayList<>();
            for (long epoch = first; Long.compareUnsigned(epoch, last) <= 0; epoch++) {
                if (Long.compareUnsigned(epoch, start) >= 0) {
                    epochs.add(epoch);
                    vals.add(v.get(epoch));
                }
                if (epoch == last) {
                    break;
                }
            }
            out.add(new Series(e.getKey(), epochs, vals));
        }
        return out;
    }

    /** {epoch, value} of one bucket: its CPUs' copies of the newest epoch combined; {0, 0} if never written. */
    private static long[] reduce(Type.Agg agg, byte[] v, int cpus) {
        String how = agg.series().reduce();
        int stride = v.length / cpus;
        long latest = 0;
        Map<Long, long[]> byEpoch = new TreeMap<>();
        for (int c = 0; c < cpus; c++) {
            long val = Values.u64(v, c * stride);
            long meta = Values.u64(v, c * stride + 8);
            long epoch = Values.u64(v, c * stride + 16);
            if (epoch == 0) {
                continue;
            }
            latest = Long.compareUnsigned(epoch, latest) > 0 ? epoch : latest;
            long[] cur = byEpoch.get(epoch);
            if (cur == null) {
                byEpoch.put(epoch, new long[] {val, meta});
                continue;
            }
            switch (how) {
                case "avg" -> {
                    cur[0] += val;
                    cur[1] += meta;
                }
                case "sum" -> cur[0] += val;
                case "min" -> cur[0] = less(agg.signed(), val, cur[0]) ? val : cur[0];
                case "max" -> cur[0] = less(agg.signed(), cur[0], val) ? val : cur[0];
                default -> {
                    if (Long.compareUnsigned(meta, cur[1]) > 0) {
                        cur[0] = val;
                        cur[1] = meta;
                    }
                }
            }
        }
        if (latest == 0) {
            return new long[] {0, 0};
        }
        long[] l = byEpoch.get(latest);
        long value = l[0];
        if (how.equals("avg") && l[1] != 0) {
            value = agg.signed() ? value / l[1] : Long.divideUnsigned(value, l[1]);
        }
        return new long[] {latest, value};
    }

    private static boolean less(boolean signed, long a, long b) {
        return signed ? a < b : Long.compareUnsigned(a, b) < 0;
    }

    /** The JSON list of one key's intervals (those with data). */
    static String json(Series s, Type.Agg agg) {
        StringBuilder sb = new StringBuilder("[");
        boolean first = true;
        for (int i = 0; i < s.epochs().size(); i++) {
            Long v = s.values().get(i);
            if (v == null) {
                continue;
            }
            if (!first) {
                sb.append(", ");
            }
            first = false;
            long ns = s.epochs().get(i) * agg.series().intervalNs();
            sb.append("{\"interval_start\": \"").append(JSON_TIME.format(instant(ns)))
                    .append('.').append(String.format("%09d", Math.floorMod(ns, 1_000_000_000L)))
                    .append("\", \"value\": ").append(number(v, agg.signed())).append('}');
        }
        return sb.append(']').toString();
    }

    /** The text graph of one key's intervals, ending with a line break ({@code <no data>} without one). */
    static String text(Series s, Type.Agg agg) {
        if (s.epochs().isEmpty()) {
            return "<no data>";
        }
        boolean signed = agg.signed();
        Long min = null;
        Long max = null;
        for (Long v : s.values()) {
            if (v != null) {
                min = min == null || less(signed, v, min) ? v : min;
                max = max == null || less(signed, max, v) ? v : max;
            }
        }
        if (min == null) {
            min = 0L;
            max = 0L;
        }
        if (min.equals(max)) {
            // some room on both sides of the points, unless at the bounds of the type
            if (signed ? min != Long.MIN_VALUE : min != 0) {
                min--;
            }
            if (signed ? max != Long.MAX_VALUE : max != -1L) {
                max++;
            }
        }
        int n = s.epochs().size();
        long step = n > 1 ? (s.epochs().get(n - 1) - s.epochs().getFirst()) * agg.series().intervalNs() / (n - 1) : 0;
        int digits = step >= 1_000_000_000L ? 0 : step >= 1_000_000L ? 3 : step >= 1_000L ? 6 : 9;
        String unit = switch (digits) {
            case 3 -> "ms";
            case 6 -> "\u03bcs";
            case 9 -> "ns";
            default -> "";
        };
        String timeFormat = "hh:mm:ss" + (digits > 0 ? "." + unit : "");
        int timeSize = 8 + (digits > 0 ? 1 + digits : 0);
        String lo = number(min, signed);
        String hi = number(max, signed);
        StringBuilder sb = new StringBuilder();
        String bounds = " ".repeat(timeSize + 1) + padRight(lo, PADDING) + padLeft(hi, GRAPH_WIDTH - PADDING) + "\n";
        sb.append(bounds);
        sb.append(padRight(timeFormat, timeSize + 1)).append('|').append("_".repeat(GRAPH_WIDTH - 2)).append("|\n");
        int zero = 0;
        if (distance(min, 0, signed) < 0 && distance(0, max, signed) < 0) {
            zero = (int) ((float) GRAPH_WIDTH * (float) distance(min, 0, signed) / (float) distance(min, max, signed));
        }
        for (int i = 0; i < n; i++) {
            long ns = s.epochs().get(i) * agg.series().intervalNs();
            sb.append(TEXT_TIME.format(instant(ns)));
            if (digits > 0) {
                long frac = Math.floorMod(ns, 1_000_000_000L);
                sb.append('.').append(String.format("%0" + digits + "d", frac / pow10(9 - digits)));
            }
            sb.append(' ');
            char[] line = " ".repeat(GRAPH_WIDTH).toCharArray();
            line[0] = '|';
            line[GRAPH_WIDTH - 1] = '|';
            if (zero > 0) {
                line[zero] = '.';
            }
            Long v = s.values().get(i);
            if (v != null) {
                int at = GRAPH_WIDTH / 2;
                if (!min.equals(max)) {
                    at = (int) ((float) (GRAPH_WIDTH - 1) * (float) distance(min, v, signed)
                            / (float) distance(min, max, signed));
                }
                line[Math.max(0, Math.min(GRAPH_WIDTH - 1, at))] = '*';
                sb.append(line).append(' ').append(number(v, signed));
            } else {
                sb.append(line).append(" -");
            }
            sb.append('\n');
        }
        char[] bottom = "_".repeat(GRAPH_WIDTH).toCharArray();
        bottom[0] = 'v';
        bottom[GRAPH_WIDTH - 1] = 'v';
        sb.append(" ".repeat(timeSize)).append(' ').append(bottom).append('\n');
        sb.append(bounds);
        return sb.toString();
    }

    /** current bpftrace's distance between two values of the series' type (p - other). */
    private static long distance(long p, long other, boolean signed) {
        if (signed) {
            return p - other;
        }
        if (other < 0) {
            return -other + p;
        }
        return Long.compareUnsigned(p, other) > 0 ? p - other : -(other - p);
    }

    private static long pow10(int n) {
        long r = 1;
        for (int i = 0; i < n; i++) {
            r *= 10;
        }
        return r;
    }

    private static Instant instant(long ns) {
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    private static String number(long v, boolean signed) {
        return signed ? Long.toString(v) : Long.toUnsignedString(v);
    }

    /** Pads to {@code width} bytes of UTF-8 (as C++'s setw counts), text on the left. */
    private static String padRight(String s, int width) {
        int len = s.getBytes(StandardCharsets.UTF_8).length;
        return len >= width ? s : s + " ".repeat(width - len);
    }

    private static String padLeft(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
