package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.Writer;

/**
 * A writer that passes its text on to another, except while a capture is on: then the text is kept,
 * for {@code --mode test}, which shows a test's output only when the test fails. The two writers of
 * one {@link Output} (its output and its messages) share a capture ({@link #sharing}), so that their
 * lines stay in the order they were written. Not thread-safe: the runtime's thread writes.
 */
public final class Capture extends Writer {
    private final Writer target;
    private final StringBuilder[] kept;

    /** Passes text on to {@code target} until a capture starts. */
    public Capture(Writer target) {
        this(target, new StringBuilder[1]);
    }

    private Capture(Writer target, StringBuilder[] kept) {
        this.target = target;
        this.kept = kept;
    }

    /** A writer on {@code target} whose text goes into this one's captures. */
    public Capture sharing(Writer other) {
        return new Capture(other, kept);
    }

    /** Starts keeping the text (of this writer and the ones sharing it). */
    void start() {
        kept[0] = new StringBuilder();
    }

    /** Stops keeping the text; returns what was kept since {@link #start}. */
    String stop() {
        String s = kept[0] == null ? "" : kept[0].toString();
        kept[0] = null;
        return s;
    }

    @Override
    public void write(char[] chars, int off, int len) throws IOException {
        if (kept[0] != null) {
            kept[0].append(chars, off, len);
        } else {
            target.write(chars, off, len);
        }
    }

    @Override
    public void flush() throws IOException {
        if (kept[0] == null) {
            target.flush();
        }
    }

    @Override
    public void close() throws IOException {
        target.close();
    }
}
