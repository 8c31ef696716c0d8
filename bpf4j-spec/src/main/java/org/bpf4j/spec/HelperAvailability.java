package org.bpf4j.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.MalformedInputException;

/**
 * Parses {@code helper-availability.tsv} and resolves, for every program type, which helpers it
 * may call and with which prototype. The file mirrors the kernel's {@code get_func_proto()}
 * functions: each is a group with its own cases, groups it consults first ({@code include=}) and
 * groups it falls back to ({@code fallback=}).
 */
final class HelperAvailability {
    /** What a program type gets for one helper: the prototype, and the kernel's condition as text ("" if none). */
    record Access(HelperSpec prototype, String condition) {
    }

    /** One helper line of a group; {@code prototype} is null for an explicit deny. */
    private record Entry(HelperSpec prototype, String condition) {
        boolean allowed() {
            return prototype != null;
        }
    }

    private record Group(String name, List<String> includes, List<String> fallbacks, Map<String, Entry> own,
            Tsv.Line line) {
    }

    private static final String ALL = "*";
    private static final String NONE = "-";
    private static final String EXT_CONDITION = "freplace programs take the helpers of the program they replace";
    private static final int MAX_DEPTH = 32;

    private HelperAvailability() {
    }

    /**
     * Parses the file and resolves every program type.
     *
     * @param helpers the general prototypes, indexed by id
     * @param protos every prototype (general and variant) by kernel symbol
     */
    static Map<ProgramType, Map<Integer, Access>> parse(String text, String source, List<HelperSpec> helpers,
            Map<String, HelperSpec> protos) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (HelperSpec h : helpers) {
            ids.put(h.name(), h.id());
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        Map<ProgramType, String> roots = new EnumMap<>(ProgramType.class);
        Group current = null;
        for (Tsv.Line line : Tsv.parse(text, source)) {
            String t = line.text();
            if (t.startsWith("@group ")) {
                current = group(line);
                if (groups.putIfAbsent(current.name(), current) != null) {
                    throw line.error("group '" + current.name() + "' is defined twice");
                }
            } else if (t.startsWith("@program ")) {
                String[] parts = t.split(" +");
                if (parts.length != 3) {
                    throw line.error("expected '@program <PROGRAM_TYPE> <group|*|->'");
                }
                ProgramType type = HelperTable.constant(line, ProgramType.class, parts[1]);
                if (roots.put(type, parts[2]) != null) {
                    throw line.error("program type " + type + " is listed twice");
                }
                current = null;
            } else if (current == null) {
                throw line.error("helper line outside a group");
            } else {
                String helper = line.fields().get(0);
                if (!ids.containsKey(helper)) {
                    throw line.error("unknown helper '" + helper + "'");
                }
                String symbol = line.field(1, "");
                HelperSpec proto = null;
                if (!symbol.equals("deny")) {
                    proto = protos.get(symbol);
                    if (proto == null || !proto.name().equals(helper)) {
                        throw line.error("'" + symbol + "' is not a prototype of helper " + helper
                                + " in helpers.tsv or helper-variants.tsv");
                    }
                }
                if (current.own().put(helper, new Entry(proto, line.field(2, ""))) != null) {
                    throw line.error("helper " + helper + " is listed twice in group " + current.name());
                }
            }
        }
        for (Group g : groups.values()) {
            for (String ref : concat(g.includes(), g.fallbacks())) {
                if (!groups.containsKey(ref)) {
                    throw g.line().error("group " + g.name() + " refers to unknown group '" + ref + "'");
                }
            }
        }
        Map<ProgramType, Map<Integer, Access>> out = new EnumMap<>(ProgramType.class);
        for (ProgramType type : ProgramType.values()) {
            String root = roots.get(type);
            if (root == null) {
                throw new MalformedInputException(source + ": no '@program " + type.name() + "' line");
            }
            Map<Integer, Access> allowed = new TreeMap<>();
            for (HelperSpec h : helpers) {
                if (h.reserved() || root.equals(NONE)) {
                    continue;
                }
                if (root.equals(ALL)) {
                    allowed.put(h.id(), new Access(h, EXT_CONDITION));
                    continue;
                }
                if (!groups.containsKey(root)) {
                    throw new MalformedInputException(
                            source + ": program type " + type + " names unknown group '" + root + "'");
                }
                Entry e = resolve(groups, root, h.name(), 0);
                if (e != null && e.allowed()) {
                    allowed.put(h.id(), new Access(e.prototype(), e.condition()));
                }
            }
            out.put(type, Collections.unmodifiableMap(allowed));
        }
        return Collections.unmodifiableMap(out);
    }

    private static Group group(Tsv.Line line) {
        String[] parts = line.text().split(" +");
        if (parts.length < 2) {
            throw line.error("expected '@group <name> [include=a,b] [fallback=c,d]'");
        }
        List<String> includes = List.of();
        List<String> fallbacks = List.of();
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].startsWith("include=")) {
                includes = Tsv.list(parts[i].substring("include=".length()));
            } else if (parts[i].startsWith("fallback=")) {
                fallbacks = Tsv.list(parts[i].substring("fallback=".length()));
            } else {
                throw line.error("unknown group attribute '" + parts[i] + "'");
            }
        }
        return new Group(parts[1], includes, fallbacks, new LinkedHashMap<>(), line);
    }

    /**
     * The kernel's lookup order: a group first asks the groups it includes and takes only a
     * positive answer, then its own cases (an explicit deny ends the search), then its fallbacks
     * in order, taking the first positive answer.
     */
    private static Entry resolve(Map<String, Group> groups, String name, String helper, int depth) {
        Group g = groups.get(name);
        if (depth > MAX_DEPTH) {
            throw g.line().error("groups refer to each other in a cycle through " + name);
        }
        for (String inc : g.includes()) {
            Entry e = resolve(groups, inc, helper, depth + 1);
            if (e != null && e.allowed()) {
                return e;
            }
        }
        Entry own = g.own().get(helper);
        if (own != null) {
            return own;
        }
        for (String fb : g.fallbacks()) {
            Entry e = resolve(groups, fb, helper, depth + 1);
            if (e != null && e.allowed()) {
                return e;
            }
        }
        return null;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
