package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bpf4j trace} prints the bytes the script holds, as bpftrace does: a UTF-8 string in a
 * script file, in {@code -e} and in a positional parameter reaches standard output and the file of
 * {@code -o} as the same bytes (it was decoded as one char per byte, then encoded as UTF-8 again:
 * {@code "—"} came out as six bytes, twice that from a file). Each run is a process of its own: the
 * bytes of its streams are what is checked.
 */
class TraceBytesTest {
    @TempDir
    Path work;

    /** A script with non-ASCII text in its strings: printf's format, a printed string, str($1). */
    private static final String SCRIPT = "BEGIN { printf(\"a \u2014 b %s\\n\", \"\u00e9\"); print(\"\u00fc\"); "
            + "printf(\"%s\\n\", str($1)); exit(); }\n";

    @Test
    void aScriptFilesBytesArePrintedAsTheyAre() throws Exception {
        Path script = work.resolve("utf8.bt");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        String[] r = TraceSettingsTest.run(Map.of(), "--backend", "vm", script.toString(), "\u00f1");
        assertEquals("0", r[2], r[1]);
        assertEquals("a \u2014 b \u00e9\n\u00fc\n\u00f1\n\n\n", r[0]);
    }

    @Test
    void theFileOfOutputGetsTheSameBytes() throws Exception {
        Path script = work.resolve("utf8.bt");
        Path out = work.resolve("out.txt");
        Files.writeString(script, SCRIPT, StandardCharsets.UTF_8);
        String[] r = TraceSettingsTest.run(Map.of(), "--backend", "vm", "-o", out.toString(), script.toString(), "x");
        assertEquals("0", r[2], r[1]);
        assertEquals("a \u2014 b \u00e9\n\u00fc\nx\n\n\n", Files.readString(out, StandardCharsets.UTF_8));
    }

    @Test
    void aProgramOnTheCommandLineToo() throws Exception {
        // the command line reaches the child as bytes in the platform's encoding: UTF-8 needed here
        Assumptions.assumeTrue("UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding")),
                "SKIPPED: the command line's encoding is not UTF-8");
        String[] r = TraceSettingsTest.run(Map.of(), "--backend", "vm", "-e", SCRIPT, "\u00f1");
        assertEquals("0", r[2], r[1]);
        assertEquals("a \u2014 b \u00e9\n\u00fc\n\u00f1\n\n\n", r[0]);
    }
}
