package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpf4j trace} command-line errors in bpftrace's words, and {@code -o FILE}. */
class TraceCommandLineTest {
    @TempDir
    Path dir;

    @Test
    void infoHasCurrentBpftracesSections() {
        Cli r = Cli.run("trace", "--info");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().startsWith("System\n  OS: Linux "), r.out());
        assertTrue(r.out().contains("\nBuild\n  version: bpf4j "), r.out());
        assertTrue(r.out().contains("\n  libdw (DWARF support): no (bpf4j reads DWARF itself)\n"), r.out());
        if (org.bpf4j.linux.Kernel.probe().available()) {
            // two entries a line, each in 35 columns, as current bpftrace tabulates them
            // iter: whether an iterator program loads, as bpftrace's has_iter("task")
            String iter = TraceInfo.iteratorLoads(org.bpf4j.linux.Kernel.system()) ? "yes" : "no ";
            assertTrue(r.out().contains("\nProbe types\n  kprobe_multi: no                 uprobe_multi: no               "
                    + "    \n  kprobe_session: no               iter: " + iter + "                          \n"), r.out());
            assertTrue(r.out().matches("(?s).*\nKernel helpers\n  dpath: (yes|no) +get_tai_ns: (yes|no) +\n.*"), r.out());
        }
    }

    @Test
    void missingScriptFileIsReportedAsBpftraceDoes() {
        Cli r = Cli.run("trace", "--backend", "vm", "no_such_script.bt");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("ERROR: failed to open file 'no_such_script.bt': No such file or directory\n", r.err());
    }

    @Test
    void pidIsCheckedAsBpftraceChecksIt() {
        // current bpftrace's words (its integer reader: bases, suffixes; after a 0x, 0b or 0 prefix it
        // names the digits that follow, as its to_uint reads them again in that base)
        for (String[] bad : new String[][] {{"a1111", "invalid integer"}, {"111a1", "invalid trailing bytes"},
                {"not_a_pid", "invalid integer"}, {"-3", "invalid integer"}, {"0x", "invalid integer", ""},
                {"0x1g", "invalid trailing bytes", "1g"}}) {
            Cli r = Cli.run("trace", "-p", bad[0], "-e", "BEGIN { exit(); }");
            assertEquals(Main.EXIT_FAILED, r.status());
            assertEquals("ERROR: Failed to parse pid: " + bad[1] + ": " + (bad.length > 2 ? bad[2] : bad[0]) + "\n",
                    r.err());
        }
        Cli r = Cli.run("trace", "--pid", "5000000", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: Pid out of range: 5000000\n", r.err());
        r = Cli.run("trace", "--pid=0x400001", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: Pid out of range: 4194305\n", r.err());
        r = Cli.run("trace", "-p", "99999999999999999999", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: Failed to parse pid: overflow error, maximum value is 18446744073709551615: "
                + "99999999999999999999\n", r.err());
        r = Cli.run("trace", "-p", "1", "-c", "true", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: USAGE: Cannot use both -c and -p.\n", r.err());
    }

    @Test
    void positionalParametersAreLiteralsAndAMissingOneWarns() {
        // current bpftrace folds $N into a literal before typing: `pid == $1` is no comparison of
        // signed with unsigned (the book's ioprofile.bt: /$1 == 0 || pid == $1/); a parameter not
        // given is 0 with a warning at its use, except in str($N), where it is ""
        Cli r = Cli.run("trace", "--backend", "vm", "-e",
                "BEGIN { if ($1 == 0 || pid == $1) { printf(\"%d|%s|%d\\n\", $1, str($2), $#); } exit(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("0||0\n\n\n", r.out());
        assertTrue(!r.err().contains("different signs"), r.err());
        assertEquals(3, r.err().split("WARNING: Positional parameter \\$1 is empty or not provided. \n", -1).length - 1,
                r.err());
        assertTrue(!r.err().contains("Positional parameter $2"), r.err());
        Cli given = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { if (pid != $1) { printf(\"%d\\n\", $1); } exit(); }",
                "7");
        assertEquals("7\n\n\n", given.out());
        assertEquals("Attached 1 probe\n", given.err());
    }

    @Test
    void unknownOutputFormat() {
        Cli r = Cli.run("trace", "--backend", "vm", "-f", "jsonx", "-e", "BEGIN { exit(); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("ERROR: Invalid output format \"jsonx\"\nValid formats: 'text', 'json'\n", r.err());
    }

    @Test
    void listingShowsABinaryByThePathGivenAndHardwareEvents() {
        String target = "../bpf4j-linux/src/test/resources/attach/target";
        String listing = Cli.run("trace", "-l", "uprobe:" + target + ":*").ok();
        assertTrue(listing.lines().allMatch(l -> l.startsWith("uprobe:" + target + ":")), listing);
        assertTrue(listing.lines().anyMatch(l -> l.equals("uprobe:" + target + ":main")), listing);
        // a wildcard in the file's name, and a wildcard provider with a file
        String glob = target.replace("/target", "/t?rget");
        assertTrue(Cli.run("trace", "-l", "uprobe:" + glob + ":main").ok().lines()
                .anyMatch(l -> l.equals("uprobe:" + target + ":main")));
        assertTrue(Cli.run("trace", "-l", "*:" + target + ":main").ok().lines()
                .anyMatch(l -> l.equals("uprobe:" + target + ":main")));
        String hw = Cli.run("trace", "-l", "hardware:*").ok();
        assertTrue(hw.lines().anyMatch(l -> l.equals("hardware:cpu-cycles:")), hw);
        assertTrue(hw.lines().anyMatch(l -> l.equals("hardware:cache-misses:")), hw);
    }

    @Test
    void outputFileTakesWhatTheScriptPrints() throws IOException {
        Path out = dir.resolve("out.txt");
        String script = "BEGIN { printf(\"SUCCESS %d\\n\", 1); @x = 7; exit(); }";
        Cli r = Cli.run("trace", "--backend", "vm", "-o", out.toString(), "-e", script);
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertEquals("", r.out());
        String file = Files.readString(out);
        assertEquals(Cli.run("trace", "--backend", "vm", "-e", script).ok(), file);
        assertTrue(file.contains("SUCCESS 1\n") && file.contains("@x: 7\n"), file);
    }

    @Test
    void helpAndBadOptionsShowTheUsagePageAsBpftraceDoes() {
        assertTrue(Cli.run("trace", "-h").ok().startsWith("USAGE:\n    bpf4j trace "));
        Cli bad = Cli.run("trace", "-idonotexist");
        assertEquals(Main.EXIT_BAD_INPUT, bad.status());
        assertTrue(bad.err().startsWith("Unknown option: '-idonotexist'\nUSAGE:\n"), bad.err());
    }

    @Test
    void listingRefusesCharactersBpftracesLexerRefuses() {
        Cli r = Cli.run("trace", "-l", "\\n");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertEquals("stdin:1:1-2: ERROR: invalid character '\\'\n\\n\n~\n", r.err());
    }

    @Test
    void helperChecksWarnAtTheCallInTextAndJson() {
        // -k: a delete of a missing key is not checked (current bpftrace's delete() returns false, never warns)
        Cli k = Cli.run("trace", "--backend", "vm", "-k", "-e", "BEGIN { @[1] = 1; _ = delete(@[2]); exit(); }");
        assertEquals("\n\n@[1]: 1\n", k.ok());
        assertEquals("Attached 1 probe\n", k.err());
        // a lookup that finds nothing is checked (current bpftrace's -k; 0.17's -kk, kept as the same),
        // on standard error as current bpftrace prints it
        String script = "BEGIN { @[1] = 1; printf(\"%d\\n\", @[2]); exit(); }";
        assertTrue(Cli.run("trace", "--backend", "vm", "--warnings", "-e", script).err().contains("WARNING"));
        Cli quiet = Cli.run("trace", "--backend", "vm", "-k", "--no-warnings", "-e", script);
        assertEquals("ERROR: USAGE: -k, --warnings conflicts with --no-warnings\n", quiet.err());
        Cli kk = Cli.run("trace", "--backend", "vm", "-kk", "-e", script);
        assertEquals("0\n\n\n@[1]: 1\n", kk.ok());
        assertTrue(kk.err().contains("stdin:1:34-38: WARNING: Can't lookup map element because it does not exist.\n"
                + "Additional Info - helper: map_lookup_elem, retcode: 0\n"), kk.err());
        String json = Cli.run("trace", "--backend", "vm", "-kk", "-q", "-f", "json", "-e", script).ok();
        assertTrue(json.startsWith("{\"type\": \"helper_error\", \"msg\": \"Success\", \"helper\": \"map_lookup_elem\", "
                + "\"retcode\": 0, \"filename\": \"stdin\", \"line\": 1, \"col\": 34}\n"), json);
        // without -k map lookups are not checked (only map updates are, by default)
        Cli plain = Cli.run("trace", "--backend", "vm", "-e", script);
        assertTrue(!plain.ok().contains("WARNING") && !plain.err().contains("WARNING"), plain.err());
    }

    @Test
    void positionalStringParametersAreLiterals() {
        assertTrue(Cli.run("trace", "--backend", "vm", "-e",
                "BEGIN { printf(\"%s|%s|%s\\n\", str($1 + 1), str(1 + $1), str($1 + 5)); exit(); }", "hello").ok()
                .contains("ello|ello|\n"));
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { printf(\"%s\\n\", str($1 + 6)); exit(); }", "hello");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().startsWith("stdin:1:28-34: ERROR: only addition of a single constant less or equal to the "
                + "length of $1 (which is 5) is allowed inside str()\n"), r.err());
    }

    @Test
    void theLastScriptTextWins() {
        // as current bpftrace: -e given again replaces the script (picocli refused it before)
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { printf(\"first\\n\"); exit(); }", "-e",
                "BEGIN { printf(\"second\\n\"); exit(); }");
        assertEquals("second\n\n\n", r.ok());
    }
}
