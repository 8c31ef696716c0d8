package org.bpf4j.spec;

import java.util.Optional;

/**
 * A load-time property that a section name implies, following libbpf's conventions.
 * {@link #token()} is the spelling in {@code section-names.tsv}.
 */
public enum SectionFlag {
    /** Attached through {@code BPF_PROG_ATTACH} (cgroup and similar hooks); informative today. */
    ATTACHABLE("attachable"),
    /** The expected attach type may be left out when the kernel does not support giving one. */
    ATTACH_OPTIONAL("attach_optional"),
    /** The attach target is named by BTF: a kernel function or another program's function, after the slash. */
    ATTACH_BTF("attach_btf"),
    /** The program is loaded with {@code BPF_F_SLEEPABLE} and may call sleepable helpers. */
    SLEEPABLE("sleepable"),
    /** The XDP program handles multi-buffer packets; loaded with {@code BPF_F_XDP_HAS_FRAGS}. */
    XDP_FRAGS("xdp_frags"),
    /** A USDT probe: libbpf sets the attach type to {@code trace_uprobe_multi} where the kernel supports it. */
    USDT("usdt");

    private final String token;

    SectionFlag(String token) {
        this.token = token;
    }

    /** The spelling in the data file, such as {@code "sleepable"}. */
    public String token() {
        return token;
    }

    /** The flag spelled {@code token} in the data file. */
    public static Optional<SectionFlag> byToken(String token) {
        for (SectionFlag f : values()) {
            if (f.token.equals(token)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
