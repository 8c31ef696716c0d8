package org.bpf4j.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A script's text and the name diagnostics use for it ({@code stdin} for {@code -e}, else the
 * file name as given). Immutable.
 */
public final class Source {
    private final String name;
    private final String text;
    private final int[] lineStarts;

    /** A source named {@code name} with the given text. */
    public Source(String name, String text) {
        this.name = Objects.requireNonNull(name);
        this.text = Objects.requireNonNull(text);
        List<Integer> starts = new ArrayList<>();
        starts.add(0);
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                starts.add(i + 1);
            }
        }
        lineStarts = starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The name used in diagnostics. */
    public String name() {
        return name;
    }

    /** The text. */
    public String text() {
        return text;
    }

    /** The 1-based line of a character offset. */
    public int lineOf(int offset) {
        int lo = 0, hi = lineStarts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (lineStarts[mid] <= offset) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo + 1;
    }

    /** The 1-based column of a character offset. */
    public int columnOf(int offset) {
        return offset - lineStarts[lineOf(offset) - 1] + 1;
    }

    /** The text of a 1-based line, without its newline. */
    public String line(int line) {
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        return text.substring(start, Math.max(start, end));
    }
}
