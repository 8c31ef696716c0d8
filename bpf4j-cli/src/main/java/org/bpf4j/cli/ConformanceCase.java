package org.bpf4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.Bpf4jException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.DataFile;

/**
 * Runs one conformance {@code .data} file on an engine and judges the outcome. Stateless.
 *
 * <p>A file with {@code -- result} passes when the run returns exactly that R0. A file with
 * {@code -- error} passes when parsing, loading or running fails with a message that contains the
 * expected text. A file with neither is skipped, and so is one whose program needs a feature the
 * engine does not support (an {@link UnsupportedFeatureException} at load time), unless that was
 * the expected error.
 */
final class ConformanceCase {
    /** How a test ended. */
    sealed interface Outcome {
        /** The test passed. */
        record Pass() implements Outcome {}

        /** The test failed; the message says how. */
        record Fail(String message) implements Outcome {}

        /** The test did not run; the reason says why. */
        record Skip(String reason) implements Outcome {}
    }

    private ConformanceCase() {}

    /**
     * Runs a test.
     *
     * @param file the {@code .data} file
     * @param backend the engine
     * @param budget the instruction budget of the run
     */
    static Outcome run(Path file, Backend backend, long budget) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Outcome.Fail(CommandFailure.io(file, "read", e).getMessage());
        }
        DataFile data;
        try {
            data = DataFile.parse(text, file.toString());
        } catch (Bpf4jException e) {
            // The file may expect exactly this error (a jump into an lddw, say).
            return judgeError(expectedError(text), e);
        }
        Optional<String> expectedError = data.expectedError();
        if (data.expectedResult().isEmpty() && expectedError.isEmpty()) {
            return new Outcome.Skip("no '-- result' or '-- error' section");
        }
        long r0;
        try (Backend.Runner runner = backend.load(file.getFileName().toString(), data.code(), budget)) {
            r0 = runner.run(data.memory().orElse(null));
        } catch (UnsupportedFeatureException e) {
            if (expectedError.isEmpty() || e instanceof KernelBackend.KernelRefusal) {
                return new Outcome.Skip("the " + backend.name() + " engine does not support this: " + e.getMessage());
            }
            return judgeError(expectedError, e);
        } catch (Bpf4jException e) {
            return judgeError(expectedError, e);
        }
        if (expectedError.isPresent()) {
            return new Outcome.Fail("expected the error \"" + expectedError.get() + "\", got r0 = " + hex(r0));
        }
        long expected = data.expectedResult().getAsLong();
        if (expected != r0) {
            return new Outcome.Fail("expected " + hex(expected) + ", got " + hex(r0));
        }
        return new Outcome.Pass();
    }

    private static Outcome judgeError(Optional<String> expected, Bpf4jException e) {
        String message = String.valueOf(e.getMessage());
        if (expected.isEmpty()) {
            return new Outcome.Fail(message);
        }
        if (message.contains(expected.get())) {
            return new Outcome.Pass();
        }
        return new Outcome.Fail("expected the error \"" + expected.get() + "\", got \"" + message + "\"");
    }

    /**
     * The {@code -- error} section of a file that did not parse: its lines, trimmed, without blank
     * lines and {@code #} comments, joined by newlines, as {@link DataFile#expectedError()} gives it.
     */
    static Optional<String> expectedError(String text) {
        List<String> kept = new ArrayList<>();
        boolean inError = false;
        for (String line : text.split("\r?\n")) {
            if (line.startsWith("--")) {
                inError = line.substring(2).strip().equals("error");
                continue;
            }
            String s = line.strip();
            if (inError && !s.isEmpty() && !s.startsWith("#")) {
                kept.add(s);
            }
        }
        return kept.isEmpty() && !text.contains("-- error") ? Optional.empty() : Optional.of(String.join("\n", kept));
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
