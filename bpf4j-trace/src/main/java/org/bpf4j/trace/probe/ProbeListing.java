package org.bpf4j.trace.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.bpf4j.linux.probe.UsdtProbe;

/**
 * The probes {@code bpf4j trace -l [PATTERN]} lists, as bpftrace writes them: tracepoints (from
 * tracefs), software and hardware events, and, when the pattern names a binary, its functions
 * ({@code uprobe:FILE:FUNCTION}) or USDT probes ({@code usdt:FILE:PROVIDER:NAME}). With
 * {@code verbose}, a tracepoint's fields follow it, indented. Stateless.
 */
public final class ProbeListing {
    private ProbeListing() {}

    /**
     * The lines to print for a pattern ({@code *} and {@code ?} match any text; an empty pattern
     * lists every tracepoint and event).
     *
     * @throws ProbeSource.ProbeException if the pattern names a binary that cannot be read
     */
    public static List<String> list(String pattern, boolean verbose, ProbeSource source) {
        String p = pattern == null || pattern.isEmpty() ? "*" : pattern;
        int colon = p.indexOf(':');
        String provider = colon < 0 ? "" : org.bpf4j.trace.parse.Parser.expandProvider(p.substring(0, colon));
        List<String> out = new ArrayList<>();
        if (provider.equals("uprobe") || provider.equals("uretprobe") || provider.equals("usdt")) {
            String rest = p.substring(colon + 1);
            int c2 = rest.indexOf(':');
            String binary = c2 < 0 ? rest : rest.substring(0, c2);
            String what = c2 < 0 ? "*" : rest.substring(c2 + 1);
            String file = source.locate(binary).toString();
            Pattern glob = AttachPoints.glob(what);
            TreeSet<String> lines = new TreeSet<>();
            if (provider.equals("usdt")) {
                for (UsdtProbe u : source.usdt(binary)) {
                    String pn = u.provider() + ":" + u.name();
                    if (glob.matcher(pn).matches() || glob.matcher(u.name()).matches()) {
                        lines.add("usdt:" + file + ":" + pn);
                    }
                }
            } else {
                for (String f : source.functions(binary)) {
                    if (glob.matcher(f).matches()) {
                        lines.add(provider + ":" + file + ":" + f);
                    }
                }
            }
            if (verbose && provider.equals("uprobe")) {
                // As bpftrace -lv: each function's parameters from the binary's DWARF.
                org.bpf4j.trace.symbols.Dwarf dwarf = org.bpf4j.trace.symbols.Dwarf.read(java.nio.file.Path.of(file));
                for (String line : lines) {
                    out.add(line);
                    for (var param : dwarf.params(line.substring(line.lastIndexOf(':') + 1)).orElse(List.of())) {
                        out.add("    " + param.type().name() + " " + param.name());
                    }
                }
                return out;
            }
            out.addAll(lines);
            return out;
        }
        Pattern full = AttachPoints.glob(colon < 0 ? "*" + p + "*" : provider + p.substring(colon));
        TreeSet<String> lines = new TreeSet<>();
        for (String e : AttachPoints.softwareEvents()) {
            String name = "software:" + e + ":";
            if (full.matcher(name).matches()) {
                lines.add(name);
            }
        }
        List<String> tps = new ArrayList<>();
        for (String tp : source.tracepoints()) {
            String name = "tracepoint:" + tp;
            if (full.matcher(name).matches()) {
                tps.add(name);
            }
        }
        out.addAll(lines);
        for (String name : tps) {
            out.add(name);
            if (verbose) {
                String[] cn = name.substring("tracepoint:".length()).split(":", 2);
                source.tracepointFormat(cn[0], cn[1]).ifPresent(f -> {
                    for (TracepointFormat.Field fd : f.fields()) {
                        out.add("    " + declaration(fd));
                    }
                });
            }
        }
        return out;
    }

    /** A field as bpftrace's {@code -lv} shows it: {@code char prev_comm[16]}, {@code pid_t prev_pid}. */
    static String declaration(TracepointFormat.Field f) {
        String t = f.type();
        int b = t.indexOf('[');
        if (b > 0 && !t.startsWith("__data_loc")) {
            return t.substring(0, b) + " " + f.name() + t.substring(b);
        }
        return t + " " + f.name();
    }
}
