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
                            types.addAll(hook(ProgramType.byName(t).orElseThrow(
                                    () -> l.error("unknown program type " + t))));
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

    private static final Set<ProgramType> TRACING_HOOK = EnumSet.of(ProgramType.TRACING, ProgramType.TRACEPOINT,
            ProgramType.PERF_EVENT, ProgramType.LSM);
    private static final Set<ProgramType> CGROUP_HOOK = EnumSet.of(ProgramType.CGROUP_SKB, ProgramType.CGROUP_SOCK,
            ProgramType.CGROUP_SOCK_ADDR, ProgramType.SOCK_OPS, ProgramType.CGROUP_DEVICE, ProgramType.CGROUP_SYSCTL,
            ProgramType.CGROUP_SOCKOPT);
    private static final Set<ProgramType> LWT_HOOK = EnumSet.of(ProgramType.LWT_IN, ProgramType.LWT_OUT,
            ProgramType.LWT_XMIT, ProgramType.LWT_SEG6LOCAL);

    // after the hooks, which the constructor reads
    private static final KfuncCatalog INSTANCE = new KfuncCatalog(Tsv.resource(FILE), FILE);

    /**
     * The program types a set registered for {@code type} reaches: Linux files a registration under
     * the type's hook ({@code bpf_prog_type_to_kfunc_hook}), which other types share. Checked on
     * Linux 6.18 with {@code bpf_task_from_pid} (registered for tracing and cgroup_skb): tracepoint
     * and perf_event programs may call it, raw_tp and kprobe ones may not, and every cgroup type
     * and sock_ops may.
     */
    static Set<ProgramType> hook(ProgramType type) {
        for (Set<ProgramType> h : java.util.List.of(TRACING_HOOK, CGROUP_HOOK, LWT_HOOK)) {
            if (h.contains(type)) {
                return h;
            }
        }
        return EnumSet.of(type);
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
