package org.bpf4j.spec;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One section-name convention: which ELF section names it matches and what they imply at load
 * time. Immutable and thread-safe; the table is {@link SectionNames#all()}.
 *
 * <p>Patterns follow libbpf: a pattern ending in {@code +} ({@code kprobe+}) matches the name
 * itself ({@code kprobe}) or the name followed by a slash and anything ({@code kprobe/do_unlinkat});
 * a pattern ending in {@code /} matches any section name starting with it; any other pattern
 * matches only itself. The part after the slash is the attach target ({@link #target(String)}).
 *
 * @param pattern the pattern as written, such as {@code kprobe+}, {@code tcx/ingress} or {@code xdp}
 * @param programType the program type the section's programs are loaded as
 * @param expectedAttachType the {@code expected_attach_type} given at load; empty for none (0)
 * @param flags the load-time properties the name implies
 * @param autoAttach how libbpf attaches such a program by itself ({@code kprobe}, {@code uprobe},
 *     {@code usdt}, {@code tp}, {@code raw_tp}, {@code trace}, {@code lsm}, {@code iter}, ...);
 *     empty when it is attached explicitly
 */
public record SectionDef(String pattern, ProgramType programType, Optional<AttachType> expectedAttachType,
        Set<SectionFlag> flags, Optional<String> autoAttach) {

    /** Checks the components and copies the flags. */
    public SectionDef {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(programType, "programType");
        Objects.requireNonNull(expectedAttachType, "expectedAttachType");
        Objects.requireNonNull(autoAttach, "autoAttach");
        if (pattern.isEmpty() || pattern.equals("+") || pattern.equals("/")) {
            throw new IllegalArgumentException("empty section pattern");
        }
        flags = flags.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    }

    /** The pattern without its trailing {@code +}: the section name's fixed part, such as {@code kprobe}. */
    public String prefix() {
        return pattern.endsWith("+") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }

    /** Whether {@code sectionName} follows this convention. */
    public boolean matches(String sectionName) {
        sectionName = SectionNames.withoutAutoloadMark(sectionName);
        if (pattern.endsWith("/")) {
            return sectionName.startsWith(pattern);
        }
        if (pattern.endsWith("+")) {
            String p = prefix();
            return sectionName.equals(p) || sectionName.startsWith(p + "/");
        }
        return sectionName.equals(pattern);
    }

    /**
     * The attach target written in {@code sectionName} after the fixed part and its slash, such as
     * {@code do_unlinkat} in {@code kprobe/do_unlinkat} or {@code sched/sched_switch} in
     * {@code tp/sched/sched_switch}; empty when there is none or the name does not match.
     */
    public Optional<String> target(String sectionName) {
        if (!matches(sectionName)) {
            return Optional.empty();
        }
        sectionName = SectionNames.withoutAutoloadMark(sectionName);
        String rest;
        if (pattern.endsWith("/")) {
            rest = sectionName.substring(pattern.length());
        } else if (pattern.endsWith("+") && sectionName.length() > prefix().length()) {
            rest = sectionName.substring(prefix().length() + 1);
        } else {
            rest = "";
        }
        return rest.isEmpty() ? Optional.empty() : Optional.of(rest);
    }

    /** Whether the name implies {@code flag}. */
    public boolean has(SectionFlag flag) {
        return flags.contains(flag);
    }

    /** Whether programs in such sections are loaded as sleepable. */
    public boolean sleepable() {
        return has(SectionFlag.SLEEPABLE);
    }
}
