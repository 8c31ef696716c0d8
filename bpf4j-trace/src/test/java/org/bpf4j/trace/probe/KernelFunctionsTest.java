package org.bpf4j.trace.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code --traceable-functions} file as current bpftrace reads it, bytes: a line that is not
 * UTF-8 neither fails the read ("Could not read functions from FILE.") nor hides the other lines.
 */
class KernelFunctionsTest {
    @TempDir
    Path dir;

    @Test
    void aFileThatIsNotUtf8IsReadByteForByte() throws IOException {
        Path file = dir.resolve("functions");
        byte[] odd = {(byte) 0xff, (byte) 0xfe, '_', 'o', 'd', 'd'};
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes("vfs_read\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        b.writeBytes(odd);
        b.writeBytes("\nnaïve_fn\nmod_fn [mymod]\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Files.write(file, b.toByteArray());
        KernelFunctions k = KernelFunctions.read(file);
        assertTrue(k.functions().get("vmlinux").contains("vfs_read"), k.toString());
        // the bad line's bytes, one char each; a UTF-8 line as UTF-8
        assertTrue(k.functions().get("vmlinux").contains("\u00ff\u00fe_odd"), k.toString());
        assertTrue(k.functions().get("vmlinux").contains("naïve_fn"), k.toString());
        assertTrue(k.functions().get("mymod").contains("mod_fn"), k.toString());
        assertTrue(k.modules().contains("mymod"), k.toString());
        assertEquals(List.of("a", "", "b"), KernelFunctions.byteLines(write("a\n\nb")));
        assertEquals(List.of("a"), KernelFunctions.byteLines(write("a\n")));
    }

    private Path write(String text) throws IOException {
        Path f = Files.createTempFile(dir, "lines", "");
        Files.writeString(f, text);
        return f;
    }
}
