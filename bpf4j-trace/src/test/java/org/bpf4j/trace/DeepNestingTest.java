package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deeply nested scripts compile (current bpftrace's parser and passes recurse on its 8 MiB stack,
 * bpftrace 0.17 takes 20,000 parentheses), on {@link DeepStack}'s thread; one nested deeper than
 * even that stack holds is an error at the place it nests deepest, never an internal error.
 */
class DeepNestingTest {
    private static TraceCompiler.Result compile(String script) {
        return TraceCompiler.compile(new Source("deep.bt", script), List.of());
    }

    private static void compiles(String script) {
        TraceCompiler.Result r = compile(script);
        assertFalse(r.diagnostics().hasErrors(), () -> r.diagnostics().render(new Source("deep.bt", script)));
        assertTrue(r.compiled().isPresent());
    }

    @Test
    void threeThousandParentheses() {
        compiles("BEGIN { $x = " + "(".repeat(3000) + "1" + ")".repeat(3000) + "; print($x) }");
    }

    @Test
    void threeThousandNestedBlocks() {
        compiles("BEGIN " + "{".repeat(3000) + " print(1); " + "}".repeat(3000));
    }

    @Test
    void blocksNestDeeperThanMacros() {
        // block expressions are expanded as macros are: their nesting is not the 64 levels of macros
        compiles("BEGIN " + "{ $x = 1; ".repeat(100) + " print($x); " + "}".repeat(100));
        compiles("BEGIN { $v = " + "{ ".repeat(100) + "1" + " }".repeat(100) + "; print($v) }");
    }

    @Test
    void aThousandNestedIfs() {
        compiles("BEGIN { $x = 0; " + "if ($x == 0) { ".repeat(1000) + "print(1); " + "}".repeat(1000) + " }");
    }

    @Test
    void aLongChainOfOperators() {
        compiles("BEGIN { $x = 1" + " + 1".repeat(3000) + "; print($x) }");
    }

    @Test
    void tooDeepIsAnErrorAtTheDeepestBracket() {
        String script = "BEGIN { $s = \"((((((\"; // ((((((((\n  $x = ((((1)))) + [(2)]; }\n";
        assertEquals("deep.bt:2:11-12: ERROR: The script is nested too deeply for bpf4j trace to compile (5 levels "
                + "of brackets here; a long chain of operators such as 1+1+...+1 nests as deeply)\n"
                + "  $x = ((((1)))) + [(2)]; }\n"
                + "          ~\n",
                TraceCompiler.nestedTooDeeply(new Source("deep.bt", script)).diagnostics()
                        .render(new Source("deep.bt", script)));
    }

    @Test
    void whatTheWorkThrowsIsThrownToTheCaller() {
        // thrown, not reached: an endless recursion would fill (and commit) the whole 1 GiB stack,
        // 8 to 70 s of a test run
        assertThrows(StackOverflowError.class, () -> DeepStack.call(() -> {
            throw new StackOverflowError();
        }));
        assertThrows(IllegalArgumentException.class, () -> DeepStack.call(() -> {
            throw new IllegalArgumentException("x");
        }));
        assertEquals("done", DeepStack.call(() -> "done"));
    }

    @Test
    void withoutADeepThreadTheWorkRunsOnTheCaller() {
        // a stack no system gives (64 TiB): the thread cannot start, the work still runs
        Thread caller = Thread.currentThread();
        assertEquals(caller, DeepStack.call(Thread::currentThread, 1L << 46));
        assertEquals("done", DeepStack.call(() -> "done", 1L << 46));
    }
}
