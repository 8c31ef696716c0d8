package org.bpf4j.spec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ELF section-name conventions that select a program's type, expected attach type and load
 * flags ({@code SEC("kprobe/do_unlinkat")}, {@code SEC("xdp")}, {@code SEC("tcx/ingress")},
 * {@code SEC("cgroup/connect4")}, ...), following libbpf so that objects built for libbpf load the
 * same way here. The table is the resource {@code section-names.tsv}; the first matching entry
 * wins, as in libbpf, so {@code kprobe.multi/...} is not taken for {@code kprobe+}.
 *
 * <p>Not covered: custom section handlers that an application registers with libbpf, and the
 * legacy guessing of program types from names that libbpf no longer does. Thread-safe.
 */
public final class SectionNames {
    private static final String FILE = "section-names.tsv";

    private SectionNames() {
    }

    private static final class Table {
        static final List<SectionDef> ALL = parse(Tsv.resource(FILE), FILE);
    }

    /** Every convention in match order. */
    public static List<SectionDef> all() {
        return Table.ALL;
    }

    /**
     * {@code sectionName} without libbpf's leading {@code ?}, which only keeps the program from
     * being loaded by default ({@code SEC("?tp")} is a tracepoint program).
     */
    public static String withoutAutoloadMark(String sectionName) {
        return sectionName.startsWith("?") ? sectionName.substring(1) : sectionName;
    }

    /**
     * The convention {@code sectionName} follows, if any (a leading {@code ?} is ignored): {@code resolve("kprobe/do_unlinkat")}
     * gives {@code kprobe+} ({@link ProgramType#KPROBE}), {@code resolve("xdp.frags")} gives
     * {@link ProgramType#XDP} with {@link AttachType#XDP} and {@link SectionFlag#XDP_FRAGS}.
     */
    public static Optional<SectionDef> resolve(String sectionName) {
        Objects.requireNonNull(sectionName, "sectionName");
        for (SectionDef def : Table.ALL) {
            if (def.matches(sectionName)) {
                return Optional.of(def);
            }
        }
        return Optional.empty();
    }

    /** Parses a table in the format of {@code section-names.tsv}: pattern, program, attach, flags, auto. */
    static List<SectionDef> parse(String text, String source) {
        List<SectionDef> out = new ArrayList<>();
        for (Tsv.Line line : Tsv.parse(text, source)) {
            List<String> f = line.fields();
            if (f.size() != 5) {
                throw line.error("expected 5 tab-separated fields (pattern, program, attach, flags, auto), found "
                        + f.size());
            }
            ProgramType type = HelperTable.constant(line, ProgramType.class, f.get(1));
            Optional<AttachType> attach = f.get(2).equals("-") ? Optional.empty()
                    : Optional.of(HelperTable.constant(line, AttachType.class, f.get(2)));
            Set<SectionFlag> flags = EnumSet.noneOf(SectionFlag.class);
            for (String token : Tsv.list(f.get(3))) {
                flags.add(SectionFlag.byToken(token).orElseThrow(() -> line.error("unknown flag '" + token + "'")));
            }
            Optional<String> auto = f.get(4).equals("-") ? Optional.empty() : Optional.of(f.get(4));
            try {
                out.add(new SectionDef(f.get(0), type, attach, flags, auto));
            } catch (IllegalArgumentException e) {
                throw line.error(e.getMessage());
            }
        }
        return List.copyOf(out);
    }
}
