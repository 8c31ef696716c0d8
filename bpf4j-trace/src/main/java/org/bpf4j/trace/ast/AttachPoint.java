package org.bpf4j.trace.ast;

import java.util.List;
import org.bpf4j.trace.Span;

/**
 * One attach point of a probe as written ({@code kprobe:vfs_read}, {@code BEGIN},
 * {@code interval:s:1}), split at the colons that are not inside quotes, with the provider's
 * short form expanded ({@code i} → {@code interval}, {@code t} → {@code tracepoint}...).
 *
 * @param raw the text as written (with its {@code NAME=} prefix, if any)
 * @param provider the provider's full name
 * @param parts the parts after the provider
 * @param span where it is written
 * @param given the name given before the provider ({@code NAME=provider:...}, current bpftrace's
 *     "reserved for internal use"), which is then the probe's name; null if none
 */
public record AttachPoint(String raw, String provider, List<String> parts, Span span, String given) {
    public AttachPoint {
        parts = List.copyOf(parts);
    }

    /** An attach point without a given name. */
    public AttachPoint(String raw, String provider, List<String> parts, Span span) {
        this(raw, provider, parts, span, null);
    }

    /**
     * This attach point with other parts (what it resolved to on the machine), keeping its given
     * name: as current bpftrace, the one attach point a name was given to keeps it (the matches
     * of a wildcard are new attach points, made with the four-part constructor, without it).
     */
    public AttachPoint withParts(List<String> newParts) {
        return new AttachPoint(raw, provider, newParts, span, given);
    }

    /**
     * The probe's name as the {@code probe} builtin shows it: the name given before the provider,
     * else provider and parts joined by colons.
     */
    public String name() {
        if (given != null) {
            return given;
        }
        if (parts.isEmpty()) {
            // current bpftrace's begin/end keep their lowercase spelling
            return raw.equals("begin") || raw.equals("end") ? raw : provider;
        }
        return provider + ":" + String.join(":", parts);
    }
}
