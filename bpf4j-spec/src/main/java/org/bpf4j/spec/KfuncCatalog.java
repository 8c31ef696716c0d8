package org.bpf4j.spec;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kfuncs whose rules bpf4j knows beyond their BTF prototype ({@code kfuncs.tsv} beside this
 * class: flags and the program types of the set that registers each, as in Linux 6.18). A kfunc
 * missing here is one bpf4j cannot verify. Immutable and thread-safe.
 */
public final class KfuncCatalog {
    private static final String FILE = "kfuncs.tsv";
    private static final KfuncCatalog INSTANCE = new KfuncCatalog(Tsv.resource(FILE), FILE);

    private final Map<String, KfuncSpec> byName;

    private KfuncCatalog(String text, String source) {
        Map<String, Set<ProgramType>> sets = new HashMap<>();
        Map<String, KfuncSpec> out = new LinkedHashMap<>();
        for (Tsv.Line l : Tsv.parse(text, source)) {
            switch (l.field(0, "")) {
                case "set" -> {
                    Set<ProgramType> types = EnumSet.noneOf(ProgramType.class);
                    for (String t : l.field(2, "").split(",")) {
                        if (t.equals("all")) {
                            types.addAll(EnumSet.allOf(ProgramType.class));
                        } else {
                            types.add(ProgramType.byName(t).orElseThrow(() -> l.error("unknown program type " + t)));
                        }
                    }
                    sets.put(l.field(1, ""), types);
                }
                case "kfunc" -> {
                    Set<KfuncFlag> flags = EnumSet.noneOf(KfuncFlag.class);
                    String f = l.field(2, "-");
                    if (!f.equals("-")) {
                        for (String x : f.split(",")) {
                            try {
                                flags.add(KfuncFlag.byTsvName(x));
                            } catch (IllegalArgumentException e) {
                                throw l.error("unknown kfunc flag " + x);
                            }
                        }
                    }
                    Set<ProgramType> types = sets.get(l.field(3, ""));
                    if (types == null) {
                        throw l.error("unknown kfunc set " + l.field(3, ""));
                    }
                    out.put(l.field(1, ""), new KfuncSpec(l.field(1, ""), flags, types));
                }
                default -> throw l.error("expected a set or kfunc line");
            }
        }
        byName = Map.copyOf(out);
    }

    /** The catalog of Linux 6.18's kfuncs that bpf4j knows. */
    public static KfuncCatalog linux() {
        return INSTANCE;
    }

    /** The kfunc called {@code name}, if bpf4j knows its rules. */
    public Optional<KfuncSpec> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** The number of kfuncs known. */
    public int size() {
        return byName.size();
    }
}
