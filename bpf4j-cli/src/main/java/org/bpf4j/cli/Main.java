package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.OptionalInt;
import picocli.CommandLine;

/**
 * The {@code bpf4j} command: {@code asm}, {@code disasm}, {@code run} and {@code conformance}.
 * Every command and subcommand takes {@code --help}; {@code bpf4j --version} prints the version.
 *
 * <p>Exit status: {@value #EXIT_OK} on success; {@value #EXIT_FAILED} when the program trapped
 * at run time or a conformance test failed; {@value #EXIT_BAD_INPUT} for malformed input, an
 * unreadable file, an unsupported feature or a usage error; {@value #EXIT_INTERNAL} for an
 * internal error (a bug in bpf4j; {@code --debug} prints its stack trace). Errors are one line on
 * standard error, {@code error: FILE: message}, without a stack trace.
 *
 * <p>Each call of {@link #newCommandLine()} makes an independent command line; the class has no
 * shared mutable state.
 */
public final class Main {
    /** Exit status: success. */
    public static final int EXIT_OK = 0;
    /** Exit status: the program trapped at run time, or a conformance test failed. */
    public static final int EXIT_FAILED = 1;
    /** Exit status: malformed input, an unreadable file, an unsupported feature or a usage error. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit status: an internal error, a bug in bpf4j. */
    public static final int EXIT_INTERNAL = 3;

    private Main() {}

    /**
     * The process's standard output, as a writer: what may write bytes instead of text to it
     * (bytes of a script, which the output's charset, ASCII in the C locale, could not all
     * encode) knows it by its class.
     */
    static final class StandardOutput extends PrintWriter {
        StandardOutput() {
            super(System.out, true);
        }
    }

    /**
     * Runs the command with the process's arguments and exits the JVM with its status.
     *
     * @param args the command-line arguments
     */
    public static void main(String[] args) {
        // bytes out as they are: bpf4j trace's strings hold one char per byte (see Bytes)
        System.setOut(Bytes.stream(java.io.FileDescriptor.out));
        System.setErr(Bytes.stream(java.io.FileDescriptor.err));
        PrintWriter out = new StandardOutput();
        PrintWriter err = new PrintWriter(System.err, true);
        OptionalInt fast = FastTrace.run(args, out, err);
        out.flush();
        err.flush();
        if (fast.isPresent()) {
            System.exit(fast.getAsInt());
        }
        CommandLine cl = newCommandLine();
        cl.setOut(out);
        cl.setErr(err);
        System.exit(execute(cl, args));
    }

    /**
     * Runs the command on standard output and error and returns its exit status, without exiting.
     *
     * @param args the command-line arguments
     * @return the exit status
     */
    public static int execute(String... args) {
        return execute(newCommandLine(), args);
    }

    /**
     * A new command line: the {@code bpf4j} command with its subcommands and error handling, which
     * callers may give other output streams ({@link CommandLine#setOut}, {@link CommandLine#setErr})
     * before {@link CommandLine#execute} (or {@link #execute(CommandLine, String...)}).
     *
     * @return a new, independent command line
     */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new Bpf4jCommand());
        ErrorHandler handler = new ErrorHandler();
        cl.setExecutionExceptionHandler(handler);
        cl.setParameterExceptionHandler(handler);
        return cl;
    }

    /**
     * Runs a command line and returns its exit status. Unlike {@link CommandLine#execute}, this also
     * reports a JVM {@link Error} (such as running out of memory) as an internal error.
     *
     * @param cl a command line from {@link #newCommandLine()}
     * @param args the command-line arguments
     * @return the exit status
     */
    public static int execute(CommandLine cl, String... args) {
        try {
            return cl.execute(args);
        } catch (Error e) {
            PrintWriter err = cl.getErr();
            ErrorHandler.internalError(e, err, ErrorHandler.debugRequested(args));
            return EXIT_INTERNAL;
        }
    }
}
