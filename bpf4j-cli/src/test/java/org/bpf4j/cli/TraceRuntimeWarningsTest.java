package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Current bpftrace's warning levels for failed helper calls: a map update that finds the map full
 * is reported by default (level 1), what a script can see in a result (a lookup that finds
 * nothing, a memory read) only with {@code -k}, nothing with {@code --no-warnings}; a delete of a
 * missing key at no level (current bpftrace's delete() is a library function that returns false). The
 * warnings go to standard error, as current bpftrace prints them (0.17 printed them with the
 * script's output); JSON keeps them as records of the output.
 */
class TraceRuntimeWarningsTest {
    private static final String FULL = "Map full; can't update element. Try increasing max_map_keys config or "
            + "manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";

    @Test
    void aFullHashMapIsReportedByDefaultAtTheAssignment() {
        String script = "let @h = hash(2); BEGIN { @h[7] = 1; @h[8] = 2; @h[9] = 3; exit(); }";
        Cli r = Cli.run("trace", "--backend", "vm", "-e", script);
        // on standard error, with the place, the source line and its underline, as current bpftrace
        assertEquals("Attached 1 probe\n"
                + "stdin:1:49-58: WARNING: " + FULL + "\n"
                + "Additional Info - helper: map_update_elem, retcode: -7\n"
                + script + "\n"
                + " ".repeat(48) + "~".repeat(9) + "\n", r.err());
        // the two elements that fit are kept; nothing of the warning on the output
        assertEquals("\n\n@h[7]: 1\n@h[8]: 2\n", r.ok());
    }

    @Test
    void aggregationsAndIncrementsAreCheckedToo() {
        Cli count = Cli.run("trace", "--backend", "vm", "-e",
                "let @c = percpuhash(1); BEGIN { @c[\"a\"] = count(); @c[\"b\"] = count(); exit(); }");
        assertTrue(count.err().contains("stdin:1:52-69: WARNING: " + FULL), count.err());
        assertFalse(count.out().contains("WARNING"), count.out());
        Cli inc = Cli.run("trace", "--backend", "vm", "-e", "let @i = hash(1); BEGIN { @i[1]++; @i[2]++; exit(); }");
        assertTrue(inc.err().contains("stdin:1:36-41: WARNING: " + FULL), inc.err());
        assertFalse(inc.out().contains("WARNING"), inc.out());
    }

    @Test
    void lruMapsNeverFillAndOverwritesOfAKeyFit() {
        Cli lru = Cli.run("trace", "--backend", "vm", "-e", "let @l = lruhash(1); BEGIN { @l[1] = 1; @l[2] = 2; exit(); }");
        assertFalse(lru.out().contains("WARNING") || lru.err().contains("WARNING"), lru.err());
        Cli same = Cli.run("trace", "--backend", "vm", "-e", "let @h = hash(1); BEGIN { @h[1] = 1; @h[1] = 2; exit(); }");
                assertEquals("\n\n@h[1]: 2\n", same.out());
    }

    @Test
    void whatAScriptCanSeeIsReportedOnlyWithK() {
        String script = "BEGIN { @[1] = 1; _ = delete(@[2]); printf(\"%d\\n\", @[3]); exit(); }";
        Cli quiet = Cli.run("trace", "--backend", "vm", "-e", script);
        assertFalse(quiet.out().contains("WARNING") || quiet.err().contains("WARNING"), quiet.err());
        Cli k = Cli.run("trace", "--backend", "vm", "-k", "-e", script);
        // current bpftrace's delete() is a library function: a missing key is its false result, never a warning
        assertFalse(k.err().contains("map_delete_elem") || k.err().contains("Can't delete"), k.err());
        assertTrue(k.err().contains("WARNING: Can't lookup map element because it does not exist."), k.err());
        assertEquals("0\n\n\n@[1]: 1\n", k.out());
    }

    @Test
    void noWarningsSilencesAFullMap() {
        Cli r = Cli.run("trace", "--backend", "vm", "--no-warnings", "-e",
                "let @h = hash(1); BEGIN { @h[1] = 1; @h[2] = 2; exit(); }");
        assertEquals("Attached 1 probe\n", r.err());
        assertEquals("\n\n@h[1]: 1\n", r.out());
    }

    @Test
    void fullMapWarningsInJson() {
        Cli r = Cli.run("trace", "--backend", "vm", "-q", "-f", "json", "-e",
                "let @h = hash(1); BEGIN { @h[1] = 1; @h[2] = 2; exit(); }");
        assertTrue(r.out().contains("{\"type\": \"helper_error\", \"msg\": \"Argument list too long\", "
                + "\"helper\": \"map_update_elem\", \"retcode\": -7, \"filename\": \"stdin\", \"line\": 1, \"col\": 38}"),
                r.out());
        // as current bpftrace's JsonOutput: every record on the output, nothing on standard error
        assertEquals("", r.err());
    }
}
