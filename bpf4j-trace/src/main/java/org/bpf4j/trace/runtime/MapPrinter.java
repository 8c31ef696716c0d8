package org.bpf4j.trace.runtime;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.codegen.MapLayout;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;

/**
 * Prints a map as bpftrace does: integer maps sorted by value, others by key; hist and lhist as
 * ASCII art sorted by total count; avg and stats sorted by average; per-CPU values reduced.
 */
final class MapPrinter {
    private final Output out;
    private final Values values;
    private final int cpus;

    MapPrinter(Output out, Values values, int cpus) {
        this.out = out;
        this.values = values;
        this.cpus = cpus;
    }

    private record Entry(byte[] key, long[] cpuWords0, long[] cpuWords1, byte[] raw) {}

    /**
     * Prints a map as current bpftrace does: a map without elements prints nothing, except that
     * {@code print(@m)} of a map without keys (not a histogram or time series) prints its zero value.
     *
     * @param explicit true for {@code print()}, false for the maps printed when the script ends
     */
    void print(MapInfo info, Backend.MapStore map, long top, long div, boolean explicit) {
        if (div == 0) {
            div = 1;
        }
        int[] offsets = storedKeyOffsets(info);
        List<Entry> entries = new ArrayList<>();
        for (byte[] key : map.keys()) {
            byte[] v = map.lookup(key).orElse(null);
            if (v == null) {
                continue;
            }
            if (!info.perCpu()) {
                v = MapLayout.toStored(info.value(), v, 0); // an int8 value: its byte, sign-extended to 8
            }
            int copies = info.perCpu() ? cpus : 1;
            int stride = v.length / copies;
            long[] w0 = new long[copies];
            long[] w1 = new long[copies];
            for (int c = 0; c < copies; c++) {
                w0[c] = Values.u64(v, c * stride);
                w1[c] = stride >= 16 ? Values.u64(v, c * stride + 8) : 0;
            }
            entries.add(new Entry(key, w0, w1, v));
        }
        Type value = info.value();
        if (entries.isEmpty()) {
            if (explicit && info.keys().isEmpty() && !(value instanceof Type.Agg a && (a.kind() == Type.AggKind.HIST
                    || a.kind() == Type.AggKind.LHIST || a.kind() == Type.AggKind.TSERIES))) {
                out.map(value instanceof Type.Agg a && a.kind() == Type.AggKind.STATS ? "stats" : "map", info.name(),
                        List.<String[]>of(new String[] {out.json() ? "" : info.name(), zero(value)}), false, false,
                        false);
            }
            return;
        }
        if (value instanceof Type.Agg agg) {
            switch (agg.kind()) {
                case HIST, LHIST -> hist(info, agg, entries, offsets, top, div);
                case TSERIES -> series(info, agg, entries, offsets);
                case AVG, STATS -> stats(info, agg, entries, offsets, top, div);
                case COUNT, SUM, MIN, MAX -> {
                    List<long[]> reduced = new ArrayList<>();
                    for (Entry e : entries) {
                        reduced.add(new long[] {reduce(agg, e)});
                    }
                    // current bpftrace: min and max sorted as unsigned (their per-CPU values too)
                    List<Integer> order = agg.kind() == Type.AggKind.MIN || agg.kind() == Type.AggKind.MAX
                            ? sortedByValue(unsignedReduced(agg, entries), false) : sortedByValue(reduced, agg.signed());
                    List<String[]> elems = new ArrayList<>();
                    for (int i : trim(order, top)) {
                        long v = reduced.get(i)[0];
                        String text = agg.signed()
                                ? Long.toString(v / div) : Long.toUnsignedString(Long.divideUnsigned(v, div));
                        elems.add(new String[] {name(info, entries.get(i).key(), offsets), text});
                    }
                    out.map("map", info.name(), elems, !info.keys().isEmpty(), false, false);
                }
            }
            return;
        }
        List<Integer> order;
        if (value instanceof Type.Int it && !it.bool() && !it.isPointer()) {
            // current bpftrace sorts integer values (not bools nor pointers: by key)
            List<long[]> vals = new ArrayList<>();
            for (Entry e : entries) {
                vals.add(new long[] {Values.asType(e.cpuWords0()[0], it)});
            }
            order = sortedByValue(vals, it.signed() || it.bits() < 64);
        } else {
            order = sortedByKey(info, entries);
        }
        List<String[]> elems = new ArrayList<>();
        for (int i : trim(order, top)) {
            Entry e = entries.get(i);
            String text = value instanceof Type.Int it && div != 1
                    ? Long.toString(Values.asType(e.cpuWords0()[0], it) / div)
                    : values.render(value, e.raw(), 0, out.json());
            elems.add(new String[] {name(info, e.key(), offsets), text});
        }
        out.map("map", info.name(), elems, !info.keys().isEmpty(), false, false);
    }

    /** The zero value of a map's value type, as {@code print()} shows a map without keys that holds nothing. */
    private String zero(Type value) {
        if (value instanceof Type.Agg a) {
            if (a.kind() == Type.AggKind.STATS) {
                return out.json() ? "{\"count\": 0, \"average\": 0, \"total\": 0}"
                        : "{ .count = 0, .average = 0, .total = 0 }";
            }
            return "0";
        }
        return values.render(value, new byte[Type.align8(value.size())], 0, out.json());
    }

    /** The offsets of a map's keys in the key's frame layout ({@link MapLayout#toStored}). */
    private static int[] storedKeyOffsets(MapInfo info) {
        int[] offsets = new int[info.keys().size()];
        if (offsets.length > 1) {
            Type.Tuple keys = new Type.Tuple(info.keys());
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = keys.offset(i);
            }
        }
        return offsets;
    }

    /** A key as the map holds it (for a histogram, followed by its bucket) in its frame layout. */
    private static byte[] storedKey(MapInfo info, byte[] key) {
        return info.keys().isEmpty() ? key : MapLayout.toStored(info.keyType(), key, 0);
    }

    private String name(MapInfo info, byte[] key, int[] offsets) {
        String k = values.key(info.keys(), offsets, storedKey(info, key));
        return out.json() ? k : info.name() + k;
    }

    private long reduce(Type.Agg agg, Entry e) {
        long r = 0;
        boolean any = false;
        for (int c = 0; c < e.cpuWords0().length; c++) {
            long v = e.cpuWords0()[c];
            switch (agg.kind()) {
                case MIN, MAX -> {
                    if (e.cpuWords1()[c] == 0) {
                        continue;
                    }
                    boolean better = !any || (agg.kind() == Type.AggKind.MIN
                            ? (agg.signed() ? v < r : Long.compareUnsigned(v, r) < 0)
                            : (agg.signed() ? v > r : Long.compareUnsigned(v, r) > 0));
                    if (better) {
                        r = v;
                    }
                    any = true;
                }
                default -> r += v;
            }
        }
        return r;
    }

    /** Each entry's min or max as current bpftrace sorts them: reduced comparing as unsigned. */
    private List<long[]> unsignedReduced(Type.Agg agg, List<Entry> entries) {
        Type.Agg unsigned = new Type.Agg(agg.kind(), false, 0, 0, 0);
        List<long[]> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(new long[] {reduce(unsigned, e)});
        }
        return out;
    }

    private static List<Integer> sortedByValue(List<long[]> vals, boolean signed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < vals.size(); i++) {
            order.add(i);
        }
        Comparator<Integer> c = signed ? Comparator.comparingLong(i -> vals.get(i)[0])
                : (a, b) -> Long.compareUnsigned(vals.get(a)[0], vals.get(b)[0]);
        order.sort(c);
        return order;
    }

    /**
     * bpftrace's sort_by_key: stable sorts from the last key element to the first (the elements of a
     * tuple key, of several keys), on the keys in their frame layout.
     */
    private List<Integer> sortedByKey(MapInfo info, List<Entry> entries) {
        List<Integer> order = new ArrayList<>();
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            order.add(i);
            keys.add(storedKey(info, entries.get(i).key()));
        }
        List<Type> elements = info.keys().size() == 1 && info.keys().getFirst() instanceof Type.Tuple tu
                ? tu.elements() : info.keys();
        Type.Tuple whole = new Type.Tuple(elements);
        for (int k = elements.size() - 1; k >= 0; k--) {
            Type t = elements.get(k);
            int off = whole.offset(k);
            if (t instanceof Type.Int it) {
                // current bpftrace compares an integer key as a signed integer of its width, whatever its
                // sign (-1 before 2; a uint8 200 before 1); 0.17 compared the 64 bits unsigned
                Type.Int bits = new Type.Int(it.bits(), true);
                order.sort((a, b) -> Long.compare(Values.asType(Values.u64(keys.get(a), off), bits),
                        Values.asType(Values.u64(keys.get(b), off), bits)));
            } else if (t instanceof Type.Str s) {
                order.sort(Comparator.comparing(i -> Values.string(keys.get(i), off, s.size())));
            }
        }
        return order;
    }

    private static List<Integer> trim(List<Integer> order, long top) {
        if (top > 0 && order.size() > top) {
            return order.subList((int) (order.size() - top), order.size());
        }
        return order;
    }

    private void hist(MapInfo info, Type.Agg agg, List<Entry> entries, int[] offsets, long top, long div) {
        int prefix = CompiledScript.keySize(info) - 8;
        TreeMap<byte[], long[]> byKey = new TreeMap<>(Arrays::compareUnsigned);
        int buckets = agg.kind() == Type.AggKind.HIST ? Histograms.log2Buckets(agg.bits())
                : (int) ((agg.lhistMax() - agg.lhistMin()) / agg.lhistStep()) + 2;
        for (Entry e : entries) {
            byte[] k = Arrays.copyOf(e.key(), prefix);
            int bucket = (int) Values.u64(e.key(), prefix);
            long[] counts = byKey.computeIfAbsent(k, x -> new long[buckets]);
            if (bucket >= 0 && bucket < buckets) {
                counts[bucket] = reduce(agg, e);
            }
        }
        List<byte[]> keys = new ArrayList<>(byKey.keySet());
        List<long[]> totals = new ArrayList<>();
        for (byte[] k : keys) {
            totals.add(new long[] {Arrays.stream(byKey.get(k)).sum()});
        }
        List<String[]> elems = new ArrayList<>();
        for (int i : trim(sortedByValue(totals, false), top)) {
            long[] counts = byKey.get(keys.get(i));
            // current bpftrace divides the counts of a hist() by print's div, not those of an lhist()
            String body = agg.kind() == Type.AggKind.HIST ? Histograms.log2(counts, agg.bits(), out.json(), div)
                    : Histograms.linear(counts, agg.lhistMin(), agg.lhistMax(), agg.lhistStep(), out.json());
            elems.add(new String[] {name(info, keys.get(i), offsets), body});
        }
        out.map("hist", info.name(), elems, !info.keys().isEmpty(), false, true);
    }

    private void series(MapInfo info, Type.Agg agg, List<Entry> entries, int[] offsets) {
        int prefix = CompiledScript.keySize(info) - 8;
        List<byte[]> keys = new ArrayList<>();
        List<byte[]> raws = new ArrayList<>();
        for (Entry e : entries) {
            keys.add(e.key());
            raws.add(e.raw());
        }
        List<String[]> elems = new ArrayList<>();
        for (TimeSeries.Series s : TimeSeries.collect(agg, keys, raws, prefix, info.perCpu() ? cpus : 1)) {
            String body = out.json() ? TimeSeries.json(s, agg) : TimeSeries.text(s, agg);
            elems.add(new String[] {name(info, s.key(), offsets), body});
            if (info.keys().isEmpty()) {
                break; // a map without keys shows its one series
            }
        }
        out.map("tseries", info.name(), elems, !info.keys().isEmpty(), false, true);
    }

    private void stats(MapInfo info, Type.Agg agg, List<Entry> entries, int[] offsets, long top, long div) {
        List<long[]> sums = new ArrayList<>();
        for (Entry e : entries) {
            long count = 0, total = 0;
            for (int c = 0; c < e.cpuWords0().length; c++) {
                count += e.cpuWords0()[c];
                total += e.cpuWords1()[c];
            }
            sums.add(new long[] {count, total, count == 0 ? 0
                    : agg.signed() ? total / count : Long.divideUnsigned(total, count)});
        }
        List<long[]> averages = new ArrayList<>();
        for (long[] s : sums) {
            averages.add(new long[] {s[2]});
        }
        List<Integer> order = sortedByValue(averages, agg.signed());
        if (agg.kind() == Type.AggKind.AVG) {
            order = trim(order, top);
        }
        List<String[]> elems = new ArrayList<>();
        for (int i : order) {
            long[] s = sums.get(i);
            // an unsigned aggregation (its values all unsigned) shows its average and total unsigned
            String average = agg.signed() ? Long.toString(s[2]) : Long.toUnsignedString(s[2]);
            String total = agg.signed() ? Long.toString(s[1]) : Long.toUnsignedString(s[1]);
            String text;
            if (agg.kind() == Type.AggKind.STATS) {
                text = out.json() ? "{\"count\": " + s[0] + ", \"average\": " + average + ", \"total\": " + total + "}"
                        : "{ .count = " + s[0] + ", .average = " + average + ", .total = " + total + " }"; // current bpftrace's record
            } else {
                text = agg.signed() ? Long.toString(s[2] / div) : Long.toUnsignedString(Long.divideUnsigned(s[2], div));
            }
            elems.add(new String[] {name(info, entries.get(i).key(), offsets), text});
        }
        // current bpftrace: a stats value is a record, the map printed as any other (no blank line after it)
        out.map("stats", info.name(), elems, !info.keys().isEmpty(), false, false);
    }
}
