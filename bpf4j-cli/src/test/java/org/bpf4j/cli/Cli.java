package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs the {@code bpf4j} command in-process with captured output, for tests.
 *
 * @param status the exit status
 * @param out what the command printed on standard output
 * @param err what it printed on standard error
 */
record Cli(int status, String out, String err) {
    /** Runs the command with arguments. */
    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.newCommandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = Main.execute(cl, args);
        return new Cli(status, out.toString(), err.toString());
    }

    /** Asserts success and returns standard output. */
    String ok() {
        assertEquals(0, status, () -> "exit status; stderr: " + err + "; stdout: " + out);
        return out;
    }

    /** Asserts a failure with one error line and no stack trace; returns that line. */
    String error(int expectedStatus) {
        assertEquals(expectedStatus, status, () -> "exit status; stderr: " + err + "; stdout: " + out);
        assertNoStackTrace();
        return err.strip();
    }

    /** Asserts that standard error holds no stack trace. */
    void assertNoStackTrace() {
        assertFalse(err.contains("\tat ") || err.contains("Exception"), () -> "a stack trace in stderr: " + err);
    }
}
