package org.bpf4j.trace.fmt;

import java.util.Optional;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;

/**
 * Current bpftrace's script formatter ({@code bpftrace --fmt}, {@code --mode format}): the script
 * parsed (syntax only: nothing expanded, imported or checked) and printed back in bpftrace's
 * layout, with its comments and blank lines. Stateless and thread-safe.
 */
public final class ScriptFormatter {
    private ScriptFormatter() {}

    /**
     * What formatting gave.
     *
     * @param text the formatted script, empty if it did not parse
     * @param diagnostics the syntax errors (current bpftrace's words, {@code syntax: ...}), none if it parsed
     */
    public record Result(Optional<String> text, Diagnostics diagnostics) {}

    /** Formats a script: the text, or the syntax errors that stop it. */
    public static Result format(Source source) {
        FormatParser parser = new FormatParser(source.text());
        Syntax.Script script = parser.script();
        Diagnostics diags = new Diagnostics();
        if (parser.hasErrors()) {
            for (Reader.Error e : parser.errors) {
                diags.error(new Span(e.begin(), Math.max(e.begin(), e.end())), "syntax: " + e.message());
            }
            return new Result(Optional.empty(), diags);
        }
        return new Result(Optional.of(Printer.print(script, parser.meta)), diags);
    }
}
