package org.bpf4j.trace.ast;

import java.util.List;
import org.bpf4j.trace.Span;

/**
 * One attach point of a probe as written ({@code kprobe:vfs_read}, {@code BEGIN},
 * {@code interval:s:1}), split at the colons that are not inside quotes, with the provider's
 * short form expanded ({@code i} → {@code interval}, {@code t} → {@code tracepoint}...).
 *
 * @param raw the text as written
 * @param provider the provider's full name
 * @param parts the parts after the provider
 * @param span where it is written
 */
public record AttachPoint(String raw, String provider, List<String> parts, Span span) {
    public AttachPoint {
        parts = List.copyOf(parts);
    }

    /** The probe's name as the {@code probe} builtin shows it: provider and parts joined by colons. */
    public String name() {
        if (parts.isEmpty()) {
            // current bpftrace's begin/end keep their lowercase spelling
            return raw.equals("begin") || raw.equals("end") ? raw : provider;
        }
        return provider + ":" + String.join(":", parts);
    }
}
