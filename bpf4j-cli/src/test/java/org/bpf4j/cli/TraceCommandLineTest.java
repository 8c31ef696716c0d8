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
    void missingScriptFileIsReportedAsBpftraceDoes() {
        Cli r = Cli.run("trace", "--backend", "vm", "no_such_script.bt");
        assertEquals(Main.EXIT_BAD_INPUT, r.status());
        assertEquals("ERROR: failed to open file 'no_such_script.bt': No such file or directory\n", r.err());
    }

    @Test
    void pidIsCheckedAsBpftraceChecksIt() {
        for (String bad : new String[] {"a1111", "111a1", "not_a_pid", "-3"}) {
            Cli r = Cli.run("trace", "-p", bad, "-e", "BEGIN { exit(); }");
            assertEquals(Main.EXIT_BAD_INPUT, r.status());
            assertEquals("ERROR: pid '" + bad + "' is not a valid decimal number\n", r.err());
        }
        Cli r = Cli.run("trace", "-p", "5000000", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: pid '5000000' out of valid pid range [1,4194304]\n", r.err());
    }

    @Test
    void unknownOutputFormat() {
        Cli r = Cli.run("trace", "--backend", "vm", "-f", "jsonx", "-e", "BEGIN { exit(); }");
        assertEquals(Main.EXIT_BAD_INPUT, r.status());
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
}
