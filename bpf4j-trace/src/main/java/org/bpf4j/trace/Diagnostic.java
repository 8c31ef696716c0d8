package org.bpf4j.trace;

import java.util.Objects;

/**
 * One message about a script: an error or a warning with where it applies.
 *
 * @param severity error or warning
 * @param span the characters it is about ({@link Span#NONE} for the script as a whole)
 * @param message the text, in bpftrace's wording where bpftrace has one
 */
public record Diagnostic(Severity severity, Span span, String message) {
    /** How bad a diagnostic is. */
    public enum Severity {
        /** The script cannot run. */
        ERROR,
        /** The script runs, but probably not as meant. */
        WARNING,
        /** What the user may have meant, after an error (bpftrace's {@code HINT:} lines). */
        HINT,
        /**
         * A place the error before refers to (current bpftrace's context lines: the operands of a
         * mismatch), shown as that error is ({@code ERROR:}); not an error of its own.
         */
        CONTEXT;

        /** The word a rendered diagnostic of this severity shows ({@code ERROR} for a context). */
        public String label() {
            return this == CONTEXT ? "ERROR" : name();
        }
    }

    public Diagnostic {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(span);
        Objects.requireNonNull(message);
    }

    /**
     * Renders as bpftrace does: {@code name:line:col-col: ERROR: message}, then the source line and
     * a {@code ~} underline (ending with a newline). A span over several lines is shown by its
     * first line, underlined to its end; but one that ends just after a newline (bpftrace's
     * location then ends at column 1 of the next line, as after a whole preprocessor line) as
     * bpftrace shows a location over several lines: {@code name:first-last: ...}, then each line,
     * without an underline. As current bpftrace, a tab is shown as four spaces (four marks under
     * it), and an empty span (the end of the input) by its line and an underline of spaces up to it.
     */
    public String render(Source source) {
        Source.Located at = source.locate(span);
        if (at.source() != source) {
            return new Diagnostic(severity, at.span(), message).render(at.source());
        }
        StringBuilder sb = new StringBuilder();
        if (span.equals(Span.NONE)) {
            return sb.append(severity.label()).append(": ").append(message).append('\n').toString();
        }
        int line = source.lineOf(span.begin());
        int col = source.columnOf(span.begin());
        String text = source.line(line);
        if (span.end() > span.begin() && span.end() <= source.text().length()
                && source.text().charAt(span.end() - 1) == '\n') {
            int last = source.lineOf(span.end());
            sb.append(source.name()).append(':').append(line).append('-').append(last).append(": ").append(severity.label())
                    .append(": ").append(message).append('\n');
            for (int l = line; l <= last; l++) {
                sb.append(source.line(l)).append('\n');
            }
            return sb.toString();
        }
        int endCol;
        if (span.begin() == span.end()) {
            endCol = col;
        } else if (source.lineOf(Math.max(span.begin(), span.end() - 1)) != line) {
            endCol = Math.max(text.length() + 1, col + 1);
        } else {
            endCol = Math.max(source.columnOf(span.end() - 1) + 1, col + 1);
        }
        sb.append(source.name()).append(':').append(line).append(':').append(col).append('-').append(endCol)
                .append(": ").append(severity.label()).append(": ").append(message).append('\n');
        sb.append(text.replace("\t", "    ")).append('\n');
        for (int x = 0; x < text.length() && x < endCol - 1; x++) {
            char mark = x < col - 1 ? ' ' : '~';
            sb.append(text.charAt(x) == '\t' ? String.valueOf(mark).repeat(4) : String.valueOf(mark));
        }
        if (span.begin() != span.end() && endCol - 1 > text.length()) {
            sb.append("~".repeat(endCol - 1 - Math.max(text.length(), col - 1))); // past the line's end
        }
        return sb.append('\n').toString();
    }
}
