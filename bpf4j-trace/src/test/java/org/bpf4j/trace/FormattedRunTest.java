package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.trace.fmt.ScriptFormatter;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Formatting keeps a script's meaning: each script of {@code trace/run} and {@code trace/vm},
 * formatted ({@code --fmt}), runs on the VM to the same standard output as the script itself (its
 * golden {@code NAME.expected}, as {@link GoldenRunTest} runs it).
 */
class FormattedRunTest {
    /** Scripts the formatter refuses, as current bpftrace's parser does (see FormatTest). */
    private static final Set<String> REFUSED = Set.of("params_constants.bt");

    @TestFactory
    List<DynamicTest> formattedScriptsRunAlike() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String dir : List.of("run", "vm")) {
            for (Path p : Scripts.scripts(dir)) {
                String name = p.getFileName().toString();
                Path expected = Scripts.sibling(p, ".expected");
                if (REFUSED.contains(name) || !Files.exists(expected)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(dir + "/" + name, () -> {
                    Scripts.assumeRequirements(p);
                    ScriptFormatter.Result r = ScriptFormatter.format(new Source(name, Scripts.read(p)));
                    assertTrue(r.text().isPresent(), () -> r.diagnostics().render(new Source(name, Scripts.read(p))));
                    Source formatted = new Source(name, r.text().get());
                    Scripts.Streams run = Scripts.runStreams(formatted, Scripts.params(p), false, Scripts.env(p), true);
                    assertEquals(GoldenRunTest.localized(Scripts.read(expected)), run.out(),
                            () -> "the formatted script:\n" + r.text().get() + "\nits errors:\n" + run.err());
                }));
            }
        }
        return tests;
    }
}
