package org.bpf4j.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.KernelException;
import org.bpf4j.vm.VmTrapException;

/**
 * A failure that a command reports as one line, {@code error: MESSAGE}, ending the command with
 * an exit status. The message names the file it is about. Immutable.
 */
final class CommandFailure extends RuntimeException {
    private final int exitStatus;

    /** A failure with an exit status and a message that already names the file. */
    CommandFailure(int exitStatus, String message, Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /** A failure of malformed input ({@link Main#EXIT_BAD_INPUT}). */
    static CommandFailure badInput(String message) {
        return new CommandFailure(Main.EXIT_BAD_INPUT, message, null);
    }

    /**
     * The failure for an exception about a file: the exception's message, prefixed with the
     * file's name unless it already starts with it. A {@link VmTrapException}, a kernel call
     * failure or a kernel verifier refusal exits with {@link Main#EXIT_FAILED}, any other bpf4j
     * exception with {@link Main#EXIT_BAD_INPUT}.
     *
     * @param source the file's name as the user gave it
     * @param e what went wrong
     */
    static CommandFailure about(String source, Bpf4jException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (!message.startsWith(source + ":")) {
            message = source + ": " + message;
        }
        return new CommandFailure(statusOf(e), message, e);
    }

    /** {@link Main#EXIT_FAILED} for a run-time trap, {@link Main#EXIT_BAD_INPUT} for any other bpf4j exception. */
    static int statusOf(Bpf4jException e) {
        return e instanceof VmTrapException || e instanceof KernelException
                || e instanceof KernelBackend.KernelRefusal ? Main.EXIT_FAILED : Main.EXIT_BAD_INPUT;
    }

    /** The failure for a file that cannot be read or written. */
    static CommandFailure io(Path file, String verb, IOException e) {
        String reason = switch (e) {
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return new CommandFailure(Main.EXIT_BAD_INPUT, file + ": cannot " + verb + ": " + reason, e);
    }

    /** The exit status the command ends with. */
    int exitStatus() {
        return exitStatus;
    }
}
