package org.bpf4j.trace.fmt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bpf4j.trace.Diagnostic;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.parse.Parser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The formatter's parser and the compiler's ({@link Parser}) read one grammar, current bpftrace's:
 * for every script of the trace goldens ({@code trace/**}{@code /*.bt}) and every program of the
 * language cases ({@code trace/cases/*.cases}), the formatter formats it exactly when the compiler's
 * parser reports no syntax error, but for the differences listed here with the reason. Running the
 * two side by side over bpftrace's tools and tests, 304 public scripts and mutants of them found
 * scripts one accepted and the other refused; each fixed one is in {@code grammar.cases} or
 * {@code syntax.cases}.
 */
class ParserAgreementTest {
    /** Programs the parsers judge differently on purpose: the name (file, or case) and why. */
    private static final Map<String, String> DIFFERENT = Map.of(
            "params_constants.bt", "a ternary statement led by a variable: bpf4j's parser accepts it, as 0.17 "
                    + "(docs/trace-differences.md); the formatter refuses it, as current bpftrace",
            "casts-derefs.cases:cpu_before_operator_stays_binary_as_0_17", "(cpu) - 1, (jiffies) & 1: a bpf4j builtin "
                    + "in parentheses before an operator stays an operand, as 0.17 (docs/trace-differences.md); "
                    + "current bpftrace's parser, and the formatter, read a cast there ((jiffies) & 1 is then refused)");

    private static Path resources() {
        try {
            return Path.of(ParserAgreementTest.class.getResource("/trace").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each program: its name and text. */
    private static List<String[]> programs() throws IOException {
        List<String[]> out = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(resources())) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.endsWith(".bt")) {
                out.add(new String[] {name, Files.readString(f, StandardCharsets.ISO_8859_1)});
            } else if (name.endsWith(".cases")) {
                List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    if (!lines.get(i).startsWith("=== ")) {
                        continue;
                    }
                    String caseName = lines.get(i).substring(4).split(" ")[0];
                    StringBuilder text = new StringBuilder();
                    int j = i + 1;
                    while (j < lines.size() && !lines.get(j).startsWith("--- ")) {
                        text.append(text.isEmpty() ? "" : "\n").append(lines.get(j++));
                    }
                    out.add(new String[] {name + ":" + caseName, text.toString()});
                    i = j;
                }
            }
        }
        return out;
    }

    /**
     * Whether the compiler's parser finds a syntax error of the script's own text: a C macro's
     * expansion ({@code #define}), which the formatter keeps as written, does not count.
     */
    private static boolean syntaxError(Source source) {
        Diagnostics d = new Diagnostics();
        Parser.parse(source, d);
        for (Diagnostic e : d.list()) {
            if (e.severity() == Diagnostic.Severity.ERROR && e.message().startsWith("syntax:")) {
                return true;
            }
        }
        return false;
    }

    @TestFactory
    List<DynamicTest> bothParsersAgree() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (String[] p : programs()) {
            if (p[1].contains("#define") || p[1].contains("#include") || p[1].contains("#if")) {
                continue; // the compiler's parser reads the preprocessed text
            }
            tests.add(DynamicTest.dynamicTest(p[0], () -> {
                Source source = new Source("stdin", p[1]);
                boolean formats = ScriptFormatter.format(source).text().isPresent();
                boolean parses = !syntaxError(source);
                String why = DIFFERENT.get(p[0]);
                assertEquals(why == null, formats == parses, () -> (why != null ? "listed as different (" + why
                        + "), but both parsers " + (formats ? "accept" : "refuse") + " it"
                        : (formats ? "the formatter accepts it, the compiler's parser refuses it"
                                : "the compiler's parser accepts it, the formatter refuses it"))
                        + ":\n" + p[1]);
            }));
        }
        return tests;
    }
}
