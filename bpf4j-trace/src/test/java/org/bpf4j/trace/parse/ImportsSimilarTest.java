package org.bpf4j.trace.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The hints of a failed import: names of the standard library close to the path, and paths as C++ prints them. */
class ImportsSimilarTest {
    @Test
    void similarNamesAreCurrentBpftracesJudgement() {
        assertTrue(Imports.similar("stdlib/tes", "stdlib/test/test.bpf.c"));
        // the window's last length counts, not its longest ("st" at the end): as bpftrace, not similar
        assertFalse(Imports.similar("stdlib/tst", "stdlib/test/test.bpf.c"));
        assertFalse(Imports.similar("nope.bt", "stdlib/base.bpf.c")); // "e.b" in the middle, "t" last
        assertFalse(Imports.similar("zz", "stdlib/base.bpf.c"));
        assertFalse(Imports.similar("x", "x")); // one character is not enough
        assertFalse(Imports.similar("helpers.bt", "stdlib/test/test.bpf.c"));
    }

    @Test
    void pathsAreQuotedAsCppQuotesThem() {
        assertEquals("\"a/b\"", Imports.quoted("a/b"));
        assertEquals("\"a\\\"b\\\\c\"", Imports.quoted("a\"b\\c"));
    }
}
