package org.bpf4j.trace.runtime;

/** hist() and lhist() as bpftrace draws them (text) or lists them (JSON). */
final class Histograms {
    private Histograms() {}

    private static final int WIDTH = 52;

    static String linearLabel(long n) {
        if (n == 0) {
            return "0";
        }
        if (n % 1048576 == 0) {
            return n / 1048576 + "M";
        }
        if (n % 1024 == 0) {
            return n / 1024 + "K";
        }
        return Long.toString(n);
    }

    private static String row(String header, long count, long max) {
        int bar = max == 0 ? 0 : (int) ((float) count / (float) max * WIDTH);
        return String.format("%-16s%8d |%-52s|\n", header, count, "@".repeat(bar));
    }

    /** The buckets of a hist() with {@code k} bits (current bpftrace's numbering). */
    static int log2Buckets(int k) {
        return ((65 - k) << k) + 1;
    }

    /**
     * The upper bound of hist bucket {@code i} with {@code k} bits, as current bpftrace labels it:
     * {value, text, 1 if shown as a plain number}; bucket i holds [bound(i - 1), bound(i)).
     */
    private static Object[] bound(int i, int k) {
        if (i <= (2 << k)) {
            return new Object[] {(long) i, Long.toString(i), true};
        }
        int n = 1 << k;
        int interval = i & (n - 1);
        int power = (i >> k) - 1;
        long value = (1L << power) * (n + interval);
        int decade = power / 10;
        String suffix = decade == 0 ? "" : String.valueOf("KMGTPE".charAt(decade - 1));
        long shown = (1L << (power - 10 * decade)) * (n + interval);
        return new Object[] {value, shown + suffix, false};
    }

    /** A hist() with {@code k} bits per power of 2 (k = 0: powers of 2), text or JSON. */
    static String log2(long[] v, int k, boolean json) {
        return log2(v, k, json, 1);
    }

    /**
     * As {@link #log2(long[], int, boolean)}, each count divided by {@code div} ({@code print(@h, top, div)}):
     * the buckets shown are those around the counts before the division, as current bpftrace's
     * {@code build_histogram} chooses them; the bars are drawn from the divided counts.
     */
    static String log2(long[] v, int k, boolean json, long div) {
        int min = -1, maxIndex = -1;
        for (int i = 0; i < v.length; i++) {
            if (v[i] > 0) {
                if (min == -1) {
                    min = i;
                }
                maxIndex = i;
            }
        }
        if (div != 1) {
            long[] divided = new long[v.length];
            for (int i = 0; i < v.length; i++) {
                divided[i] = Long.divideUnsigned(v[i], div);
            }
            v = divided;
        }
        long max = 0;
        for (long c : v) {
            max = Math.max(max, c);
        }
        if (maxIndex == -1) {
            return json ? "[]" : "";
        }
        StringBuilder sb = new StringBuilder(json ? "[" : "");
        for (int i = min; i <= maxIndex; i++) {
            Object[] hi = bound(i, k);
            Object[] lo = i == 0 ? null : bound(i - 1, k);
            if (json) {
                if (i > min) {
                    sb.append(", ");
                }
                sb.append('{');
                if (lo != null) {
                    sb.append("\"min\": ").append(lo[0]).append(", ");
                }
                sb.append("\"max\": ").append(i == 0 ? -1 : (long) hi[0] - 1).append(", ");
                sb.append("\"count\": ").append(v[i]).append('}');
                continue;
            }
            String header;
            if (lo == null) {
                header = "(..., 0)";
            } else if ((boolean) lo[2] && (boolean) hi[2] && (long) lo[0] + 1 == (long) hi[0]) {
                header = "[" + lo[1] + "]";
            } else {
                header = "[" + lo[1] + ", " + hi[1] + ")";
            }
            sb.append(row(header, v[i], max));
        }
        return json ? sb.append(']').toString() : sb.toString();
    }

    static String linear(long[] v, long min, long maxValue, long step, boolean json) {
        int buckets = (int) ((maxValue - min) / step);
        int start = -1, end = 0;
        long max = 0;
        for (int i = 0; i < v.length; i++) {
            max = Math.max(max, v[i]);
        }
        for (int i = 0; i <= buckets + 1 && i < v.length; i++) {
            if (v[i] > 0) {
                if (start == -1) {
                    start = i;
                }
                end = i;
            }
        }
        if (start == -1) {
            return json ? "[]" : "";
        }
        StringBuilder sb = new StringBuilder(json ? "[" : "");
        for (int i = start; i <= end; i++) {
            if (json) {
                if (i > start) {
                    sb.append(", ");
                }
                sb.append('{');
                if (i == 0) {
                    sb.append("\"max\": ").append(min - 1).append(", ");
                } else if (i == buckets + 1) {
                    sb.append("\"min\": ").append(maxValue).append(", ");
                } else {
                    sb.append("\"min\": ").append((i - 1) * step + min).append(", \"max\": ")
                            .append(i * step + min - 1).append(", ");
                }
                sb.append("\"count\": ").append(v[i]).append('}');
                continue;
            }
            String header = i == 0 ? "(..., " + linearLabel(min) + ")"
                    : i == buckets + 1 ? "[" + linearLabel(maxValue) + ", ...)"
                    : "[" + linearLabel((i - 1) * step + min) + ", " + linearLabel(i * step + min) + ")";
            sb.append(row(header, v[i], max));
        }
        return json ? sb.append(']').toString() : sb.toString();
    }
}
