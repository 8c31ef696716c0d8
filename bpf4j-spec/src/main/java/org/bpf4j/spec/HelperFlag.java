package org.bpf4j.spec;

import java.util.Optional;

/**
 * A property of a helper prototype that the verifier (or the VM) must know beyond argument and
 * return types. {@link #token()} is the spelling used in {@code helpers.tsv}.
 */
public enum HelperFlag {
    /** Only programs with a GPL-compatible license may call it ({@code gpl_only}). */
    GPL_ONLY("gpl"),
    /** The call may move or resize packet data, invalidating packet pointers ({@code bpf_helper_changes_pkt_data}). */
    CHANGES_PACKET_DATA("pkt_data"),
    /** The helper accepts pointers into packet data for its memory arguments ({@code pkt_access}). */
    PACKET_ACCESS("pkt_access"),
    /** The returned object (or the dynptr it initializes) is a reference the program must release. */
    ACQUIRES("acquire"),
    /** The call releases the reference held in argument {@link HelperSpec#releasedArg()} ({@code OBJ_RELEASE}). */
    RELEASES("release"),
    /** The helper casts a socket pointer and keeps its reference ({@code is_ptr_cast_function}). */
    POINTER_CAST("cast"),
    /** The helper calls a BPF callback synchronously, before it returns. */
    CALLBACK("callback"),
    /** The helper registers a BPF callback that runs later ({@code timer_set_callback}). */
    ASYNC_CALLBACK("async_callback"),
    /** The helper may sleep: only sleepable programs may call it ({@code might_sleep}). */
    SLEEPABLE("sleepable"),
    /** The call preserves caller-saved registers in the kernel's fast-call convention ({@code allow_fastcall}). */
    FASTCALL("fastcall"),
    /** The kernel further restricts which attach targets may call it (the prototype's {@code allowed} hook). */
    ATTACH_RESTRICTED("attach_restricted"),
    /** Not a helper: id 0, {@code BPF_FUNC_unspec}. */
    RESERVED("reserved");

    private final String token;

    HelperFlag(String token) {
        this.token = token;
    }

    /** The spelling in the data files, such as {@code "gpl"}. */
    public String token() {
        return token;
    }

    /** The flag spelled {@code token} in the data files. */
    public static Optional<HelperFlag> byToken(String token) {
        for (HelperFlag f : values()) {
            if (f.token.equals(token)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
