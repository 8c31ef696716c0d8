package org.bpf4j.trace.sema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.TraceCompiler;
import org.junit.jupiter.api.Test;

/**
 * {@link Builtins#FUNCTIONS}, the catalog of the functions typed by name, against the switches that
 * act on those names: every label of the type checker's switch ({@code Calls.call}) is in it, and
 * every label of the code generator's ({@code codegen/Calls.java}) is a builtin name
 * ({@link Builtins#isBuiltinName}); every name in it is known to the type checker (a call of it is
 * never "Unknown function"). The switches are read from their source files.
 */
class BuiltinsCatalogTest {
    private static final Path SEMA = Path.of("src/main/java/org/bpf4j/trace/sema/Calls.java");
    private static final Path CODEGEN = Path.of("src/main/java/org/bpf4j/trace/codegen/Calls.java");

    /** The names of the case labels of {@code text} ({@code case "a", "b" ->}). */
    private static Set<String> labels(String text) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\\bcase\\s+((?:\"[^\"]+\"\\s*,\\s*)*\"[^\"]+\")\\s*->").matcher(text);
        while (m.find()) {
            Matcher q = Pattern.compile("\"([^\"]+)\"").matcher(m.group(1));
            while (q.find()) {
                out.add(q.group(1));
            }
        }
        return out;
    }

    /** The type checker's switch: the body of {@code Type call(Expr.Call c)}. */
    private static Set<String> typeCheckerLabels() throws IOException {
        String text = Files.readString(SEMA);
        int from = text.indexOf("    Type call(Expr.Call c) {");
        assertTrue(from >= 0, "Calls.call not found in " + SEMA);
        int to = text.indexOf("\n    }\n", from);
        return labels(text.substring(from, to));
    }

    @Test
    void theTypeCheckersSwitchIsInTheCatalog() throws IOException {
        Set<String> missing = new TreeSet<>(typeCheckerLabels());
        missing.removeAll(Builtins.FUNCTIONS);
        assertEquals(Set.of(), missing, "labels of Calls.call that Builtins.FUNCTIONS lacks");
        Set<String> extra = new TreeSet<>(Builtins.FUNCTIONS);
        extra.removeAll(typeCheckerLabels());
        // treated in the switch's default, or builtin variables also called as functions
        assertEquals(new TreeSet<>(List.of("comm", "cpu", "offsetof", "unwatch", "write_user")), extra);
    }

    @Test
    void theCodeGeneratorsSwitchesNameBuiltins() throws IOException {
        Set<String> unknown = new TreeSet<>();
        for (String n : labels(Files.readString(CODEGEN))) {
            if (!Builtins.isBuiltinName(n)) {
                unknown.add(n);
            }
        }
        assertEquals(Set.of(), unknown, "labels of codegen Calls that are no builtin name");
    }

    @Test
    void everyCatalogNameIsKnownToTheTypeChecker() {
        for (String n : Builtins.FUNCTIONS) {
            // with arguments of each kind too: none may make the compiler throw
            for (String args : List.of("", "1", "\"s\"", "@m", "1, 2, 3, 4, 5", "\"%d\", 1", "kstack, 1")) {
                String text = "BEGIN { @m = 1; " + n + "(" + args + "); }";
                TraceCompiler.Result r = TraceCompiler.compile(new Source("t.bt", text), List.of());
                // comm and cpu are functions without arguments only
                assertFalse(args.isEmpty() && r.diagnostics().list().stream()
                        .anyMatch(d -> d.message().startsWith("Unknown function")), text + ": " + r.diagnostics().list());
            }
        }
        TraceCompiler.Result r = TraceCompiler.compile(new Source("t.bt", "BEGIN { no_such_builtin(); }"), List.of());
        assertTrue(r.diagnostics().list().stream().anyMatch(d -> d.message().equals("Unknown function: no_such_builtin")),
                r.diagnostics().list().toString());
        assertFalse(Builtins.isBuiltinName("no_such_builtin"));
    }
}
