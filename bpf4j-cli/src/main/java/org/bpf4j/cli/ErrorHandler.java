package org.bpf4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns exceptions into the command's error lines and exit statuses: a {@link CommandFailure}
 * or a bpf4j exception is one line {@code error: ...}; a usage error is picocli's message and a
 * hint (for {@code trace}, the usage page, as bpftrace prints it); anything else is a bug, reported as {@code internal error: ...} with the stack trace only
 * under {@code --debug}. Stateless.
 */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        return ErrorReport.report(ex, cmd.getErr(), debugRequested(parsed));
    }

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(ex.getMessage());
        if (cmd.getCommandName().equals("trace")) {
            // as bpftrace: the usage page after a bad option
            cmd.usage(err);
        } else if (!UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /** Reports a bug: one line, and the stack trace under {@code --debug}. */
    static void internalError(Throwable t, PrintWriter err, boolean debug) {
        ErrorReport.internalError(t, err, debug);
    }

    /** True if {@code --debug} was given to the command or any subcommand. */
    static boolean debugRequested(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** True if {@code --debug} stands among raw arguments, for errors before parsing completed. */
    static boolean debugRequested(String[] args) {
        for (String a : args) {
            if (a.equals("--debug")) {
                return true;
            }
        }
        return false;
    }
}
