package org.bpf4j.trace;

import java.util.List;
import org.bpf4j.MalformedInputException;

/**
 * A script that cannot be compiled: carries the diagnostics (already rendered in the message).
 */
public class TraceException extends MalformedInputException {
    private final transient List<Diagnostic> diagnostics;

    /** An exception for the errors of a script. */
    public TraceException(Source source, Diagnostics diagnostics) {
        super(diagnostics.render(source).stripTrailing());
        this.diagnostics = diagnostics.list();
    }

    /** The diagnostics, errors and warnings. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
