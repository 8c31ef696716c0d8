package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.trace.ast.AstPrinter;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.parse.Parser;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Parser round trips: every script that parses is printed back as source, and that text parses to
 * a tree that prints the same (the trees are equal apart from source positions).
 */
class RoundTripTest {
    @TestFactory
    List<DynamicTest> roundTrips() {
        List<Path> all = new ArrayList<>(Scripts.scripts("run"));
        all.addAll(Scripts.scripts("parse"));
        all.addAll(Scripts.scripts("vm"));
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : all) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                Diagnostics d = new Diagnostics();
                Optional<Program> first = Parser.parse(new Source("a", Scripts.read(p)), d);
                assertTrue(first.isPresent(), () -> d.render(new Source("a", Scripts.read(p))));
                String printed = AstPrinter.source(first.get());
                Diagnostics d2 = new Diagnostics();
                Optional<Program> second = Parser.parse(new Source("b", printed), d2);
                assertFalse(d2.hasErrors(), () -> "printed form does not parse:\n" + printed + "\n"
                        + d2.render(new Source("b", printed)));
                assertEquals(printed, AstPrinter.source(second.get()));
                assertEquals(first.get().probes().size(), second.get().probes().size());
            }));
        }
        return tests;
    }
}
