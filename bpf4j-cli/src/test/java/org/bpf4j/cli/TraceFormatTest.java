package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpf4j trace --fmt} with {@code -o}, and a script that is not ASCII. */
class TraceFormatTest {
    @Test
    void formatsAFileInPlace(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("a.bt");
        Files.writeString(script, "BEGIN{printf(\"x\\n\");}");
        Cli r = Cli.run("trace", "--fmt", script.toString(), "-o", script.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        assertEquals("BEGIN\n{\n  printf(\"x\\n\");\n}\n", Files.readString(script));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "the temporary file is gone");
        }
    }

    @Test
    void leavesTheFileAloneWhenTheScriptDoesNotParse(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("a.bt");
        Files.writeString(script, "BEGIN { $x = ; }\n");
        Cli r = Cli.run("trace", "--fmt", script.toString(), "-o", script.toString());
        assertEquals(1, r.status());
        assertEquals(script + ":1:14-15: ERROR: syntax: expected expression\nBEGIN { $x = ; }\n             ~\n", r.err());
        assertEquals("BEGIN { $x = ; }\n", Files.readString(script));
    }

    @Test
    void keepsTheBytesOfUtf8Comments(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("a.bt");
        Path out = dir.resolve("b.bt");
        Files.writeString(script, "// caf\u00e9 \u2014 d\u00e9j\u00e0 vu\nBEGIN { print(\"\u00e9\"); }\n", StandardCharsets.UTF_8);
        assertEquals(0, Cli.run("trace", "--fmt", script.toString(), "-o", out.toString()).status());
        // the string's bytes are written as escapes, as current bpftrace writes what is not printable ASCII
        assertEquals("// caf\u00e9 \u2014 d\u00e9j\u00e0 vu\nBEGIN\n{\n  print(\"\\xc3\\xa9\");\n}\n",
                Files.readString(out, StandardCharsets.UTF_8));
        Cli r = Cli.run("trace", "--fmt", script.toString());
        // standard output gets the bytes (one char a byte, written as such by the command's streams)
        assertEquals("// caf\u00e9 \u2014 d\u00e9j\u00e0 vu\nBEGIN\n{\n  print(\"\\xc3\\xa9\");\n}\n",
                new String(r.out().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }
}
