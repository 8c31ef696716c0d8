package org.bpf4j.cli;

import java.io.PrintWriter;
import org.bpf4j.Bpf4jException;

/**
 * The error lines of a command that ended with an exception, shared by picocli's handler
 * ({@link ErrorHandler}) and the picocli-free start of {@code trace} ({@link FastTrace}). Stateless.
 */
final class ErrorReport {
    private ErrorReport() {}

    /**
     * Reports an exception that ended a command: one line for a {@link CommandFailure} or a bpf4j
     * exception, an internal error for anything else; returns the exit status.
     */
    static int report(Exception ex, PrintWriter err, boolean debug) {
        CommandFailure failure = switch (ex) {
            case CommandFailure f -> f;
            case Bpf4jException e -> new CommandFailure(CommandFailure.statusOf(e), e.getMessage(), e);
            default -> null;
        };
        if (failure == null) {
            internalError(ex, err, debug);
            return Main.EXIT_INTERNAL;
        }
        err.println("error: " + failure.getMessage());
        if (debug && failure.getCause() != null) {
            failure.getCause().printStackTrace(err);
        }
        err.flush();
        return failure.exitStatus();
    }

    /** Reports a bug: one line, and the stack trace under {@code --debug}. */
    static void internalError(Throwable t, PrintWriter err, boolean debug) {
        err.println("internal error: " + t);
        if (debug) {
            t.printStackTrace(err);
        } else {
            err.println("(this is a bug in bpf4j; run again with --debug for the stack trace)");
        }
        err.flush();
    }
}
