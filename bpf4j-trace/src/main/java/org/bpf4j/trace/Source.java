package org.bpf4j.trace;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A script's text and the name diagnostics use for it ({@code stdin} for {@code -e}, else the
 * file name as given). Immutable but for the files the script imports, which the compiler
 * {@linkplain #attach attaches} as it reads them.
 */
public final class Source {
    private final String name;
    private final String text;
    private final int[] lineStarts;

    /** The name of bpf4j trace's standard library in diagnostics (current bpftrace's file of those macros). */
    public static final String LIBRARY_NAME = "stdlib/base.bt";

    private static final Source LIBRARY = new Source(LIBRARY_NAME, readLibrary());

    private static String readLibrary() {
        try (InputStream in = Source.class.getResourceAsStream("stdlib/base.bt")) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("bpf4j trace's standard library is missing from its jar", e);
        }
    }

    /**
     * bpf4j trace's standard library: the macros every script may call ({@code assert},
     * {@code container_of}), in current bpftrace's words. A script's program holds them with the
     * offsets of {@link #withLibrary()}: past the end of the script's text.
     */
    public static Source library() {
        return LIBRARY;
    }

    /**
     * The text the library's macros are read in for this script: this text, a newline, then the
     * library's, so that their offsets follow the script's ({@link #locate}).
     */
    public String withLibrary() {
        return text + "\n" + LIBRARY.text;
    }

    /** A span in the source it lies in. */
    public record Located(Source source, Span span) {}

    /**
     * Where a span of this script's program lies: in this source, in the {@linkplain #library()
     * library} (offsets past this text and its newline), or in a file the script {@linkplain
     * #attach imports}, with the span in that source's offsets.
     */
    public Located locate(Span span) {
        int base = text.length() + 1;
        if (this != LIBRARY && span.begin() >= base && !span.equals(Span.NONE)) {
            synchronized (attached) {
                for (int i = attached.size() - 1; i >= 0; i--) {
                    Attached a = attached.get(i);
                    if (span.begin() >= a.base()) {
                        return new Located(a.source(), new Span(span.begin() - a.base(), span.end() - a.base()));
                    }
                }
            }
            return new Located(LIBRARY, new Span(span.begin() - base, span.end() - base));
        }
        return new Located(this, span);
    }

    /** A file this script imports, read with its offsets from {@code base} on. */
    private record Attached(Source source, int base) {}

    /** The files this script imports, by increasing base (after the library's offsets). */
    private final List<Attached> attached = new ArrayList<>();

    /**
     * The offset from which a file this script imports ({@code import "lib.bt";}) is read, so that
     * spans in it are told apart from the script's and {@link #locate} finds it: past this text, the
     * library's and the files attached before. The same file (name and text) attached again keeps its
     * offset. This is the one thing about a source that changes (append-only, thread-safe); its name
     * and text never do.
     */
    public int attach(Source imported) {
        synchronized (attached) {
            for (Attached a : attached) {
                if (a.source().name.equals(imported.name) && a.source().text.equals(imported.text)) {
                    return a.base();
                }
            }
            int base = attached.isEmpty() ? text.length() + 1 + LIBRARY.text.length() + 1
                    : attached.getLast().base() + attached.getLast().source().text.length() + 1;
            attached.add(new Attached(imported, base));
            return base;
        }
    }

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
