package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Option;

/**
 * {@code bpf4j trace} parsed without picocli ({@link FastTrace}) behaves as parsed with picocli:
 * the command lines of {@code fasttrace/args.txt} give the same status, output and errors both
 * ways, and every option of {@link TraceCommand} is one that the fast path knows.
 */
class FastTraceTest {
    static Stream<String> lines() throws IOException {
        try (InputStream in = FastTraceTest.class.getResourceAsStream("/fasttrace/args.txt")) {
            List<String> lines = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    lines.add(line);
                }
            }
            return lines.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("lines")
    void sameAsPicocli(String line) {
        List<String> parts = new ArrayList<>(Arrays.asList(line.split("\t", -1)));
        boolean picocliOnly = parts.getLast().equals("#picocli");
        if (picocliOnly) {
            parts.removeLast();
        }
        String[] args = parts.toArray(String[]::new);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        OptionalInt status = FastTrace.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        if (picocliOnly) {
            assertTrue(status.isEmpty(), () -> "FastTrace ran what picocli should handle: " + out + err);
            return;
        }
        assertTrue(status.isPresent(), "FastTrace left a plain command line to picocli");
        Cli expected = Cli.run(args);
        assertEquals(expected.status(), status.getAsInt(), "exit status");
        assertEquals(expected.out(), out.toString(), "standard output");
        assertEquals(expected.err(), err.toString(), "standard error");
    }

    @Test
    void everyOptionIsAFastOption() {
        for (Field f : TraceCommand.class.getDeclaredFields()) {
            Option o = f.getAnnotation(Option.class);
            if (o == null) {
                continue;
            }
            for (String name : o.names()) {
                Boolean flag = TraceCommand.FAST_OPTIONS.get(name);
                assertTrue(flag != null, name + " is missing from TraceCommand.FAST_OPTIONS (and setFast)");
                assertEquals(f.getType() == boolean.class, flag, name + ": flag (boolean) or with a value");
                TraceCommand c = new TraceCommand();
                c.setFast(name, flag ? null : "1");
            }
        }
    }
}
