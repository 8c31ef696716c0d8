package org.bpf4j.trace.runtime;

/** hist() and lhist() as bpftrace draws them (text) or lists them (JSON). */
final class Histograms {
    private Histograms() {}

    private static final int WIDTH = 52;

    static String log2Label(int power) {
        String suffix = "";
        if (power >= 40) {
            suffix = "T";
            power -= 40;
        } else if (power >= 30) {
            suffix = "G";
            power -= 30;
        } else if (power >= 20) {
            suffix = "M";
            power -= 20;
        } else if (power >= 10) {
            suffix = "K";
            power -= 10;
        }
        return (1 << power) + suffix;
    }

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

    static String log2(long[] v, boolean json) {
        int min = -1, maxIndex = -1;
        long max = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] > 0) {
                if (min == -1) {
                    min = i;
                }
                maxIndex = i;
            }
            max = Math.max(max, v[i]);
        }
        if (maxIndex == -1) {
            return json ? "[]" : "";
        }
        StringBuilder sb = new StringBuilder(json ? "[" : "");
        for (int i = min; i <= maxIndex; i++) {
            if (json) {
                if (i > min) {
                    sb.append(", ");
                }
                sb.append('{');
                if (i == 0) {
                    sb.append("\"max\": -1, ");
                } else if (i == 1) {
                    sb.append("\"min\": 0, \"max\": 0, ");
                } else if (i == 2) {
                    sb.append("\"min\": 1, \"max\": 1, ");
                } else {
                    long low = 1L << (i - 2);
                    long high = (1L << (i - 1)) - 1;
                    sb.append("\"min\": ").append(low).append(", \"max\": ").append(high).append(", ");
                }
                sb.append("\"count\": ").append(v[i]).append('}');
                continue;
            }
            String header = i == 0 ? "(..., 0)" : i == 1 ? "[0]" : i == 2 ? "[1]"
                    : "[" + log2Label(i - 2) + ", " + log2Label(i - 1) + ")";
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
