package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * {@code system(fmt, ...)} (with {@code --unsafe}): runs a command line with {@code /bin/sh -c}, as
 * current bpftrace does (its {@code exec_system}): what the command writes on its standard output
 * and standard error is collected, and it is the call's output only if the command exits with 0.
 */
final class SystemCommand {
    private SystemCommand() {}

    /**
     * What a command printed (both its streams, in the order written), and {@code error} the words
     * current bpftrace logs instead of printing it (the command did not exit with 0), or null.
     */
    record Result(String output, String error) {}

    /** Runs {@code sh -c command} to its end. */
    static Result run(String command) {
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            String text;
            try (InputStream in = p.getInputStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            }
            int status = p.waitFor();
            return status == 0 ? new Result(text, null) : new Result(text, "command exited with code " + status);
        } catch (IOException e) {
            return new Result("", "fork() failed");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result("", "waitpid() failed");
        }
    }
}
