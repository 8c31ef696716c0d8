package org.bpf4j.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.MalformedInputException;

/**
 * The program contexts as data: every {@link ContextLayout} and which one each program type
 * receives. The layouts are the resource {@code context-layouts.tsv} (generated from the UAPI header
 * and the access rules of the kernel's {@code *_is_valid_access()} functions, see
 * {@code tools/gen_context_layouts.py}); the choice by program type, attach type and architecture is
 * {@code context-programs.tsv}.
 *
 * <p>Not covered: contexts checked against BTF rather than a fixed struct (tracing, LSM,
 * struct_ops, extension programs: {@link #forProgram} is empty for them); the kernel's
 * capability checks (the layouts are those of a fully privileged loader); offloaded XDP programs
 * (which may write {@code rx_queue_index}). Thread-safe.
 */
public final class ContextLayouts {
    private static final String LAYOUTS = "context-layouts.tsv";
    private static final String PROGRAMS = "context-programs.tsv";

    /** One line of {@code context-programs.tsv}. */
    private record Choice(ProgramType program, Optional<AttachType> attach, Optional<Arch> arch, ContextLayout layout) {
        boolean matches(ProgramType p, Optional<AttachType> a, Arch ar) {
            return program == p && (attach.isEmpty() || attach.equals(a)) && (arch.isEmpty() || arch.get() == ar);
        }
    }

    private static final class Table {
        static final Map<String, ContextLayout> LAYOUTS_BY_NAME = parseLayouts(Tsv.resource(LAYOUTS), LAYOUTS);
        static final List<Choice> CHOICES = parseChoices(Tsv.resource(PROGRAMS), PROGRAMS, LAYOUTS_BY_NAME);
    }

    private ContextLayouts() {
    }

    /** Every layout, in the order of the data file. */
    public static List<ContextLayout> all() {
        return List.copyOf(Table.LAYOUTS_BY_NAME.values());
    }

    /** The layout with this name, such as {@code __sk_buff/tc} or {@code xdp_md}. */
    public static Optional<ContextLayout> byName(String name) {
        return Optional.ofNullable(Table.LAYOUTS_BY_NAME.get(name));
    }

    /**
     * The context a program of this type receives, for this expected attach type (empty: none was
     * given) on this architecture; empty when the context has no fixed layout (BTF-typed programs) or
     * the kernel would refuse to load the program without an attach type it lacks.
     */
    public static Optional<ContextLayout> forProgram(ProgramType type, Optional<AttachType> attach, Arch arch) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(attach, "attach");
        Objects.requireNonNull(arch, "arch");
        for (Choice c : Table.CHOICES) {
            if (c.matches(type, attach, arch)) {
                return Optional.of(c.layout());
            }
        }
        return Optional.empty();
    }

    /** {@link #forProgram(ProgramType, Optional, Arch)} on the {@linkplain Arch#host() host's} architecture. */
    public static Optional<ContextLayout> forProgram(ProgramType type, Optional<AttachType> attach) {
        return forProgram(type, attach, Arch.host());
    }

    /** Parses layouts in the format of {@code context-layouts.tsv}. */
    static Map<String, ContextLayout> parseLayouts(String text, String source) {
        Map<String, Integer> sizes = new LinkedHashMap<>();
        Map<String, List<ContextField>> fields = new LinkedHashMap<>();
        for (Tsv.Line line : Tsv.parse(text, source)) {
            List<String> f = line.fields();
            if (f.size() != 8) {
                throw line.error("expected 8 tab-separated fields (layout, field, offset, size, elem, kind, read, write), found "
                        + f.size());
            }
            String layout = f.get(0);
            if (f.get(1).equals("-")) {
                if (sizes.put(layout, number(line, f.get(3))) != null) {
                    throw line.error("layout " + layout + " is declared twice");
                }
                fields.put(layout, new ArrayList<>());
                continue;
            }
            List<ContextField> list = fields.get(layout);
            if (list == null) {
                throw line.error("field of layout " + layout + " before the line declaring its size (field \"-\")");
            }
            String kindToken = f.get(5);
            String btfType = "";
            if (kindToken.startsWith("btf:")) {
                btfType = kindToken.substring(4);
                kindToken = "btf";
            }
            String token = kindToken;
            ContextFieldKind kind = ContextFieldKind.byToken(token)
                    .orElseThrow(() -> line.error("unknown field kind '" + token + "'"));
            try {
                list.add(new ContextField(f.get(1), number(line, f.get(2)), number(line, f.get(3)), number(line, f.get(4)),
                        kind, btfType, widths(line, f.get(6)), widths(line, f.get(7))));
            } catch (IllegalArgumentException e) {
                throw line.error(e.getMessage());
            }
        }
        Map<String, ContextLayout> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : sizes.entrySet()) {
            try {
                out.put(e.getKey(), new ContextLayout(e.getKey(), e.getValue(), fields.get(e.getKey())));
            } catch (IllegalArgumentException ex) {
                throw new MalformedInputException(source + ": " + ex.getMessage());
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<Choice> parseChoices(String text, String source, Map<String, ContextLayout> layouts) {
        List<Choice> out = new ArrayList<>();
        for (Tsv.Line line : Tsv.parse(text, source)) {
            List<String> f = line.fields();
            if (f.size() != 4) {
                throw line.error("expected 4 tab-separated fields (program, attach, arch, layout), found " + f.size());
            }
            ProgramType type = HelperTable.constant(line, ProgramType.class, f.get(0));
            Optional<AttachType> attach = f.get(1).equals("-") ? Optional.empty()
                    : Optional.of(HelperTable.constant(line, AttachType.class, f.get(1)));
            Optional<Arch> arch = f.get(2).equals("-") ? Optional.empty()
                    : Optional.of(Arch.byName(f.get(2)).orElseThrow(() -> line.error("unknown architecture '" + f.get(2) + "'")));
            ContextLayout layout = layouts.get(f.get(3));
            if (layout == null) {
                throw line.error("unknown layout '" + f.get(3) + "'");
            }
            out.add(new Choice(type, attach, arch, layout));
        }
        return List.copyOf(out);
    }

    private static int number(Tsv.Line line, String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw line.error("'" + s + "' is not a number");
        }
    }

    private static Set<Integer> widths(Tsv.Line line, String field) {
        Set<Integer> out = new LinkedHashSet<>();
        for (String s : Tsv.list(field)) {
            out.add(number(line, s));
        }
        return out;
    }
}
