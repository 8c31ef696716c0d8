package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Current bpftrace's warning levels for failed helper calls: a map update that finds the map full
 * is reported by default (level 1), what a script can see in a result (a delete of a missing key,
 * a lookup that finds nothing) only with {@code -k}, nothing with {@code --no-warnings}.
 */
class TraceRuntimeWarningsTest {
    private static final String FULL = "Map full; can't update element. Try increasing max_map_keys config or "
            + "manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`";

    @Test
    void aFullHashMapIsReportedByDefaultAtTheAssignment() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "let @h = hash(2); BEGIN { @h[7] = 1; @h[8] = 2; @h[9] = 3; exit(); }");
        // printed with the script's output, as bpf4j prints failed helper calls
        String out = r.ok();
        assertTrue(out.startsWith("stdin:1:49-58: WARNING: " + FULL + "\n"
                + "Additional Info - helper: map_update_elem, retcode: -7\n"), out);
        // the two elements that fit are kept
        assertTrue(out.endsWith("\n\n@h[7]: 1\n@h[8]: 2\n"), out);
    }

    @Test
    void aggregationsAndIncrementsAreCheckedToo() {
        Cli count = Cli.run("trace", "--backend", "vm", "-e",
                "let @c = percpuhash(1); BEGIN { @c[\"a\"] = count(); @c[\"b\"] = count(); exit(); }");
        assertTrue(count.out().contains("stdin:1:52-69: WARNING: " + FULL), count.out());
        Cli inc = Cli.run("trace", "--backend", "vm", "-e", "let @i = hash(1); BEGIN { @i[1]++; @i[2]++; exit(); }");
        assertTrue(inc.out().contains("stdin:1:36-41: WARNING: " + FULL), inc.out());
    }

    @Test
    void lruMapsNeverFillAndOverwritesOfAKeyFit() {
        Cli lru = Cli.run("trace", "--backend", "vm", "-e", "let @l = lruhash(1); BEGIN { @l[1] = 1; @l[2] = 2; exit(); }");
        assertFalse(lru.out().contains("WARNING"), lru.out());
        Cli same = Cli.run("trace", "--backend", "vm", "-e", "let @h = hash(1); BEGIN { @h[1] = 1; @h[1] = 2; exit(); }");
                assertEquals("\n\n@h[1]: 2\n", same.out());
    }

    @Test
    void whatAScriptCanSeeIsReportedOnlyWithK() {
        String script = "BEGIN { @[1] = 1; delete(@[2]); printf(\"%d\\n\", @[3]); exit(); }";
        Cli quiet = Cli.run("trace", "--backend", "vm", "-e", script);
        assertFalse(quiet.out().contains("WARNING"), quiet.out());
        Cli k = Cli.run("trace", "--backend", "vm", "-k", "-e", script);
        assertTrue(k.out().contains("WARNING: Can't delete map element because it does not exist."), k.out());
        assertTrue(k.out().contains("WARNING: Can't lookup map element because it does not exist."), k.out());
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
    }
}
