package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Function;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.fmt.ScriptFormatter;

/**
 * {@code bpf4j trace --fmt} ({@code --mode format}), as current bpftrace's: the script printed
 * in its layout on standard output, or into the file of {@code -o} (written beside it, then
 * renamed over it, so that {@code --fmt FILE -o FILE} is safe); a script that does not parse gets
 * its syntax errors on standard error and status 1, and nothing is written.
 */
final class TraceFormat {
    private TraceFormat() {}

    /**
     * Formats {@code source} (read as bytes, ISO-8859-1) and returns the exit status.
     *
     * @param output the file of {@code -o}, or null for {@code out}
     * @param render how the command renders diagnostics
     */
    static int run(Source source, Path output, PrintWriter out, PrintWriter err, Function<Diagnostics, String> render) {
        ScriptFormatter.Result result = ScriptFormatter.format(source);
        if (result.text().isEmpty()) {
            err.print(render.apply(result.diagnostics()));
            err.flush();
            return Main.EXIT_FAILED;
        }
        byte[] bytes = result.text().get().getBytes(StandardCharsets.ISO_8859_1);
        if (output == null && out instanceof Main.StandardOutput) {
            // the bytes as they were read, as current bpftrace writes them (whatever the locale)
            out.flush();
            System.out.write(bytes, 0, bytes.length);
            System.out.flush();
            return Main.EXIT_OK;
        }
        if (output == null) {
            out.print(text(bytes));
            out.flush();
            return Main.EXIT_OK;
        }
        Path dir = output.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(dir, output.getFileName() + ".", "");
        } catch (IOException e) {
            return error(err, "unable to create temporary file: " + e.getMessage());
        }
        try {
            Files.write(temp, bytes);
            Files.move(temp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // the error below is the one to report
            }
            return error(err, "failed to open file '" + output + "': " + e.getMessage());
        }
        return Main.EXIT_OK;
    }

    /**
     * The script's bytes as text, for a writer that is not the process's standard output (tests):
     * UTF-8 when they are (comments often are), else one character a byte.
     */
    private static String text(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private static int error(PrintWriter err, String message) {
        err.println("ERROR: " + message);
        err.flush();
        return Main.EXIT_FAILED;
    }
}
