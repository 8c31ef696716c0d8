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
        assertEquals("// caf\u00e9 \u2014 d\u00e9j\u00e0 vu\nBEGIN\n{\n  print(\"\\xc3\\xa9\");\n}\n", r.out());
    }

    @Test
    void writesTheScriptsBytesOnStandardOutputWhateverTheLocale(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("a.bt");
        byte[] latin1 = {'/', '/', ' ', 'c', 'a', 'f', (byte) 0xe9, '\n'}; // not UTF-8 either
        byte[] utf8 = "// d\u00e9j\u00e0\nBEGIN { }\n".getBytes(StandardCharsets.UTF_8);
        byte[] in = new byte[latin1.length + utf8.length];
        System.arraycopy(latin1, 0, in, 0, latin1.length);
        System.arraycopy(utf8, 0, in, latin1.length, utf8.length);
        Files.write(script, in);
        String[] r = TraceSettingsTest.run(java.util.Map.of("LANG", "C", "LC_ALL", "C"), "--fmt", script.toString());
        assertEquals("0", r[2], r[1]);
        byte[] want = new byte[in.length - " { }\n".length() + "\n{}\n".length()];
        System.arraycopy(in, 0, want, 0, in.length - " { }\n".length());
        System.arraycopy("\n{}\n".getBytes(StandardCharsets.US_ASCII), 0, want, in.length - " { }\n".length(), 4);
        assertEquals(new String(want, StandardCharsets.ISO_8859_1), r[3]);
    }
}
