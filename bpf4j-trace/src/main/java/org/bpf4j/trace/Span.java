package org.bpf4j.trace;

/**
 * A range of characters in a {@link Source}, {@code [begin, end)} as offsets.
 *
 * @param begin offset of the first character
 * @param end offset after the last character
 */
public record Span(int begin, int end) {
    /** No location (for nodes made by the compiler). */
    public static final Span NONE = new Span(0, 0);

    public Span {
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("bad span " + begin + ".." + end);
        }
    }

    /** The span from this one's start to {@code other}'s end. */
    public Span to(Span other) {
        return new Span(Math.min(begin, other.begin), Math.max(end, other.end));
    }
}
