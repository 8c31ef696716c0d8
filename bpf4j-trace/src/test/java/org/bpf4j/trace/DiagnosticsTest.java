package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Compiles every malformed script of {@code trace/errors} and compares the rendered diagnostics
 * with {@code NAME.expected}. Where bpftrace 0.17 words or places a message differently, the
 * golden file holds ours and {@code docs/trace-differences.md} lists the difference.
 */
class DiagnosticsTest {
    @TestFactory
    List<DynamicTest> diagnostics() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : Scripts.scripts("errors")) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                Path expected = Scripts.sibling(p, ".expected");
                assertTrue(Files.exists(expected), "missing golden file " + expected.getFileName());
                Source source = new Source(p.getFileName().toString(), Scripts.read(p));
                TraceCompiler.Result r = TraceCompiler.compile(source, List.of());
                assertTrue(r.diagnostics().hasErrors(), "the script compiled without errors");
                assertEquals(Scripts.read(expected), r.diagnostics().render(source));
            }));
        }
        return tests;
    }
}
