package org.bpf4j.trace.fmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.trace.Source;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * bpftrace's own scripts as the formatter's oracle: current bpftrace keeps its {@code tools/*.bt}
 * (and its standard library and test scripts) in the layout of its {@code --fmt}
 * ({@code scripts/bpftrace_tidy.sh}, checked by its CI), so each must format to itself. Opt-in,
 * as bpftrace's files may not enter this repository: {@code -Dbpf4j.bpftrace.fmt=DIR} (every
 * {@code .bt} under it), else {@code -Dbpf4j.bpftrace.tools=DIR} (as {@code BpftraceToolsTest});
 * skipped without either. With {@code -Dbpf4j.bpftrace.fmt.before=DIR} as well, each file under
 * that directory (a version before a format run) must format to the file of the same path under
 * {@code bpf4j.bpftrace.fmt} (the version after it). And bpftrace's parser tests
 * ({@code tests/parser.cpp}), from the cases {@code LanguageCasesTest} reads
 * ({@code -Dbpf4j.cases=FILE}, the {@code parser:} ones): bpftrace formats every program its parser
 * accepts and checks that the output formats to itself, so must this formatter; a program refused
 * with a syntax error must be refused with the same text, and one refused by a later pass
 * (attach points, macros) formats.
 */
class BpftraceFormatTest {
    @TestFactory
    Stream<DynamicTest> bpftraceScripts() throws IOException {
        String dir = System.getProperty("bpf4j.bpftrace.fmt", System.getProperty("bpf4j.bpftrace.tools"));
        if (dir == null || dir.isBlank() || !Files.isDirectory(Path.of(dir))) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace scripts", () -> Assumptions.abort(
                    "SKIPPED: bpftrace's scripts are not in this repository; give a directory of them (a bpftrace "
                            + "checkout's tools) with -Dbpf4j.bpftrace.fmt=DIR"
                            + (dir == null ? "" : "; " + dir + " not found"))));
        }
        Path root = Path.of(dir);
        String before = System.getProperty("bpf4j.bpftrace.fmt.before");
        Path from = before == null ? root : Path.of(before);
        List<Path> files;
        try (Stream<Path> s = Files.walk(from)) {
            files = s.filter(p -> p.toString().endsWith(".bt") && Files.isRegularFile(p)).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(from.relativize(f).toString(), () -> {
            String in = FormatTest.read(f);
            String want = FormatTest.read(root.resolve(from.relativize(f)));
            ScriptFormatter.Result r = FormatTest.format(f.toString(), in);
            assertTrue(r.text().isPresent(), () -> r.diagnostics().render(new Source(f.toString(), in)));
            assertEquals(want, r.text().get());
        }));
    }

    @TestFactory
    Stream<DynamicTest> bpftraceParserCases() throws IOException {
        String file = System.getProperty("bpf4j.cases");
        if (file == null || file.isBlank() || !Files.isRegularFile(Path.of(file))) {
            return Stream.of(DynamicTest.dynamicTest("bpftrace parser cases", () -> Assumptions.abort(
                    "SKIPPED: give bpftrace's unit-test cases with -Dbpf4j.cases=FILE (LanguageCasesTest's)")));
        }
        List<String> lines = Files.readAllLines(Path.of(file), StandardCharsets.ISO_8859_1);
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).startsWith("=== parser:")) {
                continue;
            }
            String name = lines.get(i).substring(4);
            StringBuilder program = new StringBuilder();
            int j = i + 1;
            while (!lines.get(j).startsWith("--- ")) {
                program.append(program.isEmpty() ? "" : "\n").append(lines.get(j++));
            }
            boolean accept = lines.get(j).startsWith("--- accept");
            StringBuilder message = new StringBuilder();
            for (j++; j < lines.size() && !lines.get(j).startsWith("=== "); j++) {
                message.append(lines.get(j)).append('\n');
            }
            String text = program.toString();
            String expected = message.toString().strip();
            tests.add(DynamicTest.dynamicTest(name, () -> {
                ScriptFormatter.Result r = FormatTest.format("stdin", text);
                String errors = r.diagnostics().render(new Source("stdin", text));
                if (accept || !expected.contains("ERROR: syntax:")) {
                    assertTrue(r.text().isPresent(), errors);
                    String once = r.text().get();
                    assertEquals(once, FormatTest.format("stdin", once).text().orElse("(does not parse)"));
                } else {
                    assertEquals(expected, errors.strip());
                }
            }));
            i = j - 1;
        }
        return tests.stream();
    }
}
