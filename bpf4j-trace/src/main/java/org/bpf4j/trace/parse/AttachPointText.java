package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.AttachPoint;

/**
 * The text of an attach point split into its provider and parts, as bpftrace splits it: quoted
 * parts kept whole (with their escapes), C++'s {@code ::} kept inside a part, short provider names
 * expanded, current bpftrace's {@code interval:1s} short form and its {@code NAME=} prefix. For
 * {@link Parser}.
 */
final class AttachPointText {
    private AttachPointText() {}

    /** An attach point from its raw text ({@code uprobe:/bin/x:"f"}): its provider (expanded) and parts. */
    static AttachPoint parse(String raw, Span span) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                continue;
            }
            if (c == '\\' && quoted && i + 1 < raw.length()) {
                // usdt:FILE:test:"\"probe1\"": a quoted part's escapes (the name is "probe1", quotes included)
                cur.append(raw.charAt(++i));
                continue;
            }
            if (c == ':' && !quoted) {
                // "uprobe:/lib/x.so:func" and "usdt:path:provider:name" keep their parts; a C++
                // "ns::f" keeps the double colon (not at the end: k:vfs_open:: has two empty parts, as bpftrace
                // splits it). usdt's parts may be empty (usdt:FILE::NAME, usdt:::NAME with -p).
                if (i + 2 < raw.length() && raw.charAt(i + 1) == ':' && !parts.isEmpty()
                        && !expandProvider(parts.getFirst()).equals("usdt")) {
                    cur.append("::");
                    i++;
                    continue;
                }
                parts.add(cur.toString());
                cur.setLength(0);
                continue;
            }
            cur.append(c);
        }
        parts.add(cur.toString());
        String front = parts.removeFirst();
        // current bpftrace's NAME=provider:...: a '=' in the provider's part (not its last character)
        // ends a name given to the probe
        String given = null;
        int eq = front.indexOf('=');
        if (eq >= 0 && eq != front.length() - 1) {
            given = front.substring(0, eq);
            front = front.substring(eq + 1);
        }
        String provider = expandProvider(front);
        if ((provider.equals("interval") || provider.equals("profile")) && parts.size() == 1
                && parts.getFirst().matches("[0-9]+(s|ms|us|ns|hz)")) {
            // current bpftrace's short form: interval:1s is interval:s:1, profile:99hz is profile:hz:99
            String p = parts.removeFirst();
            int unit = p.length() - (p.endsWith("ms") || p.endsWith("us") || p.endsWith("ns") || p.endsWith("hz") ? 2 : 1);
            parts.add(p.substring(unit));
            parts.add(p.substring(0, unit));
        } else if ((provider.equals("interval") || provider.equals("profile")) && parts.size() == 1) {
            // interval:RATE, in nanoseconds or with a unit (1000000, 1_000us, 1m), as current
            // bpftrace reads it: microseconds; a rate it refuses is left for the type checker to report
            try {
                long ns = IntText.parseUnsigned(parts.getFirst());
                if (Long.compareUnsigned(ns, 1000) >= 0) {
                    parts.set(0, "us");
                    parts.add(Long.toUnsignedString(Long.divideUnsigned(ns, 1000)));
                }
            } catch (IntText.Invalid e) {
                // reported by the type checker
            }
        }
        return new AttachPoint(raw, provider, parts, span, given);
    }

    /**
     * The full name of a provider written in short form ({@code i} → {@code interval}); other names
     * in lower case, as current bpftrace reads them ({@code KPROBE}, {@code BENCH}, {@code Begin}).
     */
    public static String expandProvider(String p) {
        return switch (p) {
            // current bpftrace spells the special probes begin and end
            case "begin" -> "BEGIN";
            case "end" -> "END";
            case "i" -> "interval";
            case "t" -> "tracepoint";
            case "k" -> "kprobe";
            case "kr" -> "kretprobe";
            case "u" -> "uprobe";
            case "ur" -> "uretprobe";
            case "U" -> "usdt";
            case "p" -> "profile";
            case "s" -> "software";
            case "h" -> "hardware";
            case "f" -> "kfunc";
            case "fr" -> "kretfunc";
            case "rawtracepoint", "rt" -> "rawtracepoint";
            case "w" -> "watchpoint";
            case "it" -> "iter";
            default -> {
                String lower = p.toLowerCase(java.util.Locale.ROOT);
                yield lower.equals(p) ? p : expandProvider(lower);
            }
        };
    }
}
