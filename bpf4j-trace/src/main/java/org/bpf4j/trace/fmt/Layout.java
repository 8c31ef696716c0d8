package org.bpf4j.trace.fmt;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Text being laid out: lines of pieces, each plain text or a comment. The formatter builds one
 * for each node and joins them ({@link #append}), so a node's layout can be measured
 * ({@link #width}, {@link #lines}) before its parent decides where to break. A comment that ends
 * a line is written {@code // text}, one in the middle of a line {@code /* text *}{@code /}.
 */
final class Layout {
    private record Piece(String text, boolean comment) {}

    private final List<List<Piece>> lines = new ArrayList<>();

    Layout() {
        lines.add(new ArrayList<>());
    }

    private List<Piece> last() {
        return lines.getLast();
    }

    /** Adds text to the last line. */
    Layout text(String s) {
        last().add(new Piece(s, false));
        return this;
    }

    /** Starts a new line. */
    Layout lineBreak() {
        lines.add(new ArrayList<>());
        return this;
    }

    /** Appends {@code other} at the current column, its later lines aligned under its first. */
    Layout append(Layout other) {
        return append(other, 0, true);
    }

    /** Appends {@code other} on new lines indented by {@code indent}, ending with a new line. */
    Layout append(Layout other, int indent) {
        return append(other, indent, true);
    }

    /**
     * Appends {@code other}. With {@code indent} 0 it goes on at the current column and, when
     * {@code align}, its later lines start at that column; otherwise it starts on a new line at
     * column {@code indent}, every line of it so indented, and a new line follows it.
     */
    Layout append(Layout other, int indent, boolean align) {
        if (other.lines() == 0) {
            return this;
        }
        int col = columns(last());
        if (indent > 0) {
            lines.add(new ArrayList<>());
            col = indent;
        }
        for (int i = 0; i < other.lines.size(); i++) {
            List<Piece> line = other.lines.get(i);
            if (align && col != 0 && last().isEmpty()) {
                last().add(new Piece(" ".repeat(col), false));
            }
            last().addAll(line);
            if (indent > 0 || i < other.lines.size() - 1) {
                lines.add(new ArrayList<>());
            }
        }
        return this;
    }

    /**
     * Adds the comments (and, unless inline, the blank lines) of {@code meta}. Inline
     * ({@code minBlank} null), comments join the last line and blank lines are dropped; otherwise
     * {@code minBlank} new lines come first (counting as the first blank lines of {@code meta}),
     * and each comment has a line of its own.
     */
    Layout metadata(Metadata meta, Integer minBlank) {
        if (minBlank == null) {
            for (Metadata.Entry e : meta.all()) {
                if (e.comment() != null) {
                    last().add(new Piece(e.comment(), true));
                }
            }
            return this;
        }
        for (int i = 0; i < minBlank; i++) {
            lines.add(new ArrayList<>());
        }
        int blanks = 0;
        for (Metadata.Entry e : meta.all()) {
            if (e.comment() == null) {
                if (blanks >= minBlank) {
                    lines.add(new ArrayList<>());
                }
                blanks++;
            } else {
                last().add(new Piece(e.comment(), true));
                lines.add(new ArrayList<>());
            }
        }
        return this;
    }

    /** Adds the comments of {@code meta} to the last line, dropping its blank lines. */
    Layout metadata(Metadata meta) {
        return metadata(meta, null);
    }

    /** The widest line's columns. */
    long width() {
        long max = 0;
        for (List<Piece> line : lines) {
            max = Math.max(max, columns(line));
        }
        return max;
    }

    /** The lines, not counting an empty last one. */
    int lines() {
        return last().isEmpty() ? lines.size() - 1 : lines.size();
    }

    private static int columns(List<Piece> line) {
        return render(line).length();
    }

    private static String render(List<Piece> line) {
        StringBuilder sb = new StringBuilder();
        boolean blank = true;
        for (int i = 0; i < line.size(); i++) {
            Piece p = line.get(i);
            if (!p.comment()) {
                sb.append(p.text());
                blank = blank && p.text().isBlank();
            } else {
                if (!blank) {
                    sb.append(' ');
                }
                if (i == line.size() - 1) {
                    sb.append(p.text().isEmpty() ? "//" : "// " + p.text());
                } else {
                    sb.append("/* ").append(p.text()).append(" */");
                }
            }
        }
        return sb.toString();
    }

    /** The text: each line with its trailing blanks removed, and a newline after each. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines(); i++) {
            sb.append(render(lines.get(i)).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    /**
     * The comments and blank lines of a script, in order, each where it was written; formatting
     * takes them out as it passes the nodes they come before ({@link #before}).
     */
    static final class Metadata {
        /** A comment (its text, without {@code //}) or, with {@code comment} null, a blank line. */
        record Entry(int begin, int end, String comment) {}

        private final TreeMap<Long, Entry> entries = new TreeMap<>();

        /** Records an entry; one already recorded at the same place stays. */
        void add(int begin, int end, String comment) {
            entries.putIfAbsent(((long) begin << 32) | end, new Entry(begin, end, comment));
        }

        /** All entries, in order (they stay). */
        List<Entry> all() {
            return List.copyOf(entries.values());
        }

        /** Takes out the entries that start at or before {@code pos}, and returns them. */
        Metadata before(int pos) {
            Metadata taken = new Metadata();
            while (!entries.isEmpty() && entries.firstEntry().getValue().begin() <= pos) {
                var e = entries.pollFirstEntry();
                taken.entries.put(e.getKey(), e.getValue());
            }
            return taken;
        }
    }
}
