package org.bpf4j.trace;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects diagnostics from the passes over one script; a pass adds to it and carries on, so
 * that several errors are reported at once. Not thread-safe.
 */
public final class Diagnostics {
    private final List<Diagnostic> all = new ArrayList<>();

    /**
     * A scratch variable the parser renamed for its block ({@code $__s2_x}, the second declaration
     * of {@code $x} in a probe, by {@code parse.Scopes}): messages name it as written.
     */
    private static final Pattern RENAMED_VARIABLE = Pattern.compile("\\$__s\\d+_");

    /** Adds an error. */
    public void error(Span span, String message) {
        all.add(new Diagnostic(Diagnostic.Severity.ERROR, span, written(message)));
    }

    /** Adds a warning. */
    public void warning(Span span, String message) {
        all.add(new Diagnostic(Diagnostic.Severity.WARNING, span, written(message)));
    }

    private static String written(String message) {
        return message.contains("$__s") ? RENAMED_VARIABLE.matcher(message).replaceAll("\\$") : message;
    }

    /**
     * Adds a context of the error just added: a place it refers to, rendered as an error is
     * (current bpftrace's {@code left (int8)}, {@code right (string[2])} of a mismatch).
     */
    public void context(Span span, String message) {
        all.add(new Diagnostic(Diagnostic.Severity.CONTEXT, span, written(message)));
    }

    /** Adds a hint (printed {@code HINT: message}): what the user may have meant, after an error. */
    public void hint(String message) {
        all.add(new Diagnostic(Diagnostic.Severity.HINT, Span.NONE, message));
    }

    /**
     * Stops the script without an error message: it must not run, though nothing is wrong with it
     * (the script's options asked for with {@code -- --help}: a hint lists them). Counts as an error.
     */
    public void halt() {
        halted = true;
    }

    private boolean halted;

    /** True if any error was added (or {@link #halt} was called). */
    public boolean hasErrors() {
        return halted || all.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }

    /** Number of errors ({@link #halt} counts as one). */
    public int errorCount() {
        return (halted ? 1 : 0) + (int) all.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).count();
    }

    /** Every diagnostic in the order added. */
    public List<Diagnostic> list() {
        return List.copyOf(all);
    }

    /**
     * Every diagnostic rendered as current bpftrace prints them: first the warnings without a
     * place (which it logs as soon as they are found: the kernel's BTF, unstable features), then
     * all errors, then the other warnings; each in the order added, followed by its contexts and
     * hints.
     */
    public String render(Source source) {
        return render(source, true);
    }

    /**
     * The diagnostics rendered as {@link #render(Source)} does; without the warnings (and their
     * contexts and hints) unless {@code warnings}, as bpftrace's {@code --no-warnings}.
     */
    public String render(Source source, boolean warnings) {
        StringBuilder logged = new StringBuilder();
        StringBuilder errors = new StringBuilder();
        StringBuilder others = new StringBuilder();
        StringBuilder to = errors; // a hint or context before any error or warning: shown as an error's
        for (Diagnostic d : all) {
            switch (d.severity()) {
                case ERROR -> to = errors;
                case WARNING -> to = !warnings ? null : d.span().equals(Span.NONE) ? logged : others;
                default -> { } // belongs to the error or warning before it
            }
            if (to == null) {
                continue;
            }
            // a warning's context is shown as the warning is
            to.append(to != errors && d.severity() == Diagnostic.Severity.CONTEXT
                    ? new Diagnostic(Diagnostic.Severity.WARNING, d.span(), d.message()).render(source)
                    : d.render(source));
        }
        return logged.append(errors).append(others).toString();
    }
}
