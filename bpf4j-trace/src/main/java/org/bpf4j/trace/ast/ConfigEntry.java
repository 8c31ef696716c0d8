package org.bpf4j.trace.ast;

import java.util.Locale;
import org.bpf4j.trace.Span;

/**
 * One {@code KEY = VALUE} of a top-level {@code config = { ... }} block of current bpftrace.
 *
 * @param key the key as written ({@code max_map_keys} or {@code BPFTRACE_MAX_MAP_KEYS})
 * @param value the value's text (an integer, a string without its quotes, or an identifier)
 * @param integer true if the value is an integer
 * @param span the entry, from the key to the end of the value
 */
public record ConfigEntry(String key, String value, boolean integer, Span span) {
    /** The key in its short, lower-case form ({@code BPFTRACE_MAX_MAP_KEYS} is {@code max_map_keys}). */
    public String name() {
        String k = key.startsWith("BPFTRACE_") ? key.substring("BPFTRACE_".length()) : key;
        return k.toLowerCase(Locale.ROOT);
    }

    /**
     * The value of an {@code unstable_*} config variable as current bpftrace reads it: {@code enable}
     * (or a true value), {@code warn} or {@code error} (or a false value); null if it is none of them.
     */
    public static String unstable(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "enable", "1", "true", "on", "yes" -> "enable";
            case "warn" -> "warn";
            case "error", "0", "false", "off", "no" -> "error";
            default -> null;
        };
    }
}
