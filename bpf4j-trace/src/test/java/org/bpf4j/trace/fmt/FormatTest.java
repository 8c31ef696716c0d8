package org.bpf4j.trace.fmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bpf4j.trace.Source;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The formatter on data: each {@code trace/fmt/NAME.bt} formats to {@code NAME.fmt}, which formats
 * to itself, or fails with the errors of {@code NAME.err}; and every script of the trace goldens
 * ({@code trace/run}, {@code parse}, {@code vm}) formats, and its formatted text formats to itself,
 * but for the few listed here with the reason.
 */
class FormatTest {
    /** Scripts of the trace goldens the formatter refuses, as current bpftrace's parser does. */
    private static final Map<String, String> REFUSED = Map.of(
            "params_constants.bt", "`$a > 5 ? x : y;` as a statement: current bpftrace reads `$a > 5` as one "
                    + "(a statement that starts with a variable takes binary operators only), then wants ';'");

    /** Scripts whose formatted text formats differently again. */
    private static final Map<String, String> NOT_IDEMPOTENT = Map.of(
            "records.bt", "a record broken over lines with a block in it: the newline after the record's '(' is "
                    + "a blank line to current bpftrace's parser (after '(' it is not suppressed), and the block's "
                    + "first statement takes it");

    private static Path dir(String name) {
        try {
            return Path.of(FormatTest.class.getResource("/trace/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> scripts(String name) {
        try (Stream<Path> s = Files.list(dir(name))) {
            return s.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path sibling(Path script, String suffix) {
        String n = script.getFileName().toString();
        return script.resolveSibling(n.substring(0, n.length() - 3) + suffix);
    }

    static ScriptFormatter.Result format(String name, String text) {
        return ScriptFormatter.format(new Source(name, text));
    }

    @TestFactory
    List<DynamicTest> goldens() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : scripts("fmt")) {
            String name = p.getFileName().toString();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                String in = read(p);
                ScriptFormatter.Result r = format(name, in);
                Path err = sibling(p, ".err");
                if (Files.exists(err)) {
                    assertTrue(r.text().isEmpty(), () -> "formatted, but " + err + " expects errors");
                    assertEquals(read(err), r.diagnostics().render(new Source(name, in)));
                    return;
                }
                assertTrue(r.text().isPresent(), () -> r.diagnostics().render(new Source(name, in)));
                String want = read(sibling(p, ".fmt"));
                assertEquals(want, r.text().get());
                assertEquals(want, format(name, want).text().orElse("(does not parse)"), "formatting again");
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> traceGoldens() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String group : List.of("run", "parse", "vm")) {
            for (Path p : scripts(group)) {
                String name = p.getFileName().toString();
                tests.add(DynamicTest.dynamicTest(group + "/" + name, () -> {
                    String in = read(p);
                    ScriptFormatter.Result r = format(name, in);
                    if (REFUSED.containsKey(name)) {
                        assertTrue(r.text().isEmpty(), name + " is listed as refused, but it formats");
                        return;
                    }
                    assertTrue(r.text().isPresent(), () -> r.diagnostics().render(new Source(name, in)));
                    String once = r.text().get();
                    String twice = format(name, once).text().orElse("(does not parse)");
                    if (NOT_IDEMPOTENT.containsKey(name)) {
                        assertTrue(!once.equals(twice), name + " is listed as not idempotent, but it is");
                        return;
                    }
                    assertEquals(once, twice, "formatting the formatted text again");
                }));
            }
        }
        return tests;
    }

    @Test
    void breaksAtTheFirstPlacesThatFit() {
        // bit i-1: a break before item i; current bpftrace takes the smallest such number that fits
        assertEquals(0, Printer.breaks(new long[] {10, 10, 10}, 40));
        assertEquals(0b01, Printer.breaks(new long[] {30, 30, 30}, 60));
        assertEquals(0b10, Printer.breaks(new long[] {10, 50, 50}, 60));
        assertEquals(0b01, Printer.breaks(new long[] {50, 20, 20}, 60));
        assertEquals(0, Printer.breaks(new long[] {70, 10}, 60)); // nothing fits: one line
        // the last line as full as can be, then the one before it...: tried one by one for 20 items,
        // found bit by bit from the top for more (the same answer)
        long[] twenty = new long[20];
        java.util.Arrays.fill(twenty, 10);
        assertEquals((1L << 13) | (1L << 7) | (1L << 1), Printer.breaks(twenty, 60));
        long[] many = new long[25];
        java.util.Arrays.fill(many, 10);
        assertEquals((1L << 18) | (1L << 12) | (1L << 6) | 1L, Printer.breaks(many, 60));
    }
}
