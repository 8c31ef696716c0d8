package org.bpf4j.linux.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files stored in ZIP archives ({@code ARCHIVE.zip!/MEMBER}): the attach tests' binary stored in
 * an archive written here reads as the same ELF file, and a uprobe on it goes into the archive at
 * the member's data offset plus the function's offset in the member.
 */
class ArchiveMemberTest {
    private static final Path TARGET = Path.of("src/test/resources/attach/target").toAbsolutePath();

    private static Path archive(Path dir, boolean stored) throws IOException {
        byte[] elf = Files.readAllBytes(TARGET);
        Path zip = dir.resolve("app.zip");
        try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry("README"));
            z.write("an archive with a program in it\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            z.closeEntry();
            ZipEntry e = new ZipEntry("lib/target");
            if (stored) {
                CRC32 crc = new CRC32();
                crc.update(elf);
                e.setMethod(ZipEntry.STORED);
                e.setSize(elf.length);
                e.setCompressedSize(elf.length);
                e.setCrc(crc.getValue());
            }
            z.putNextEntry(e);
            z.write(elf);
            z.closeEntry();
        }
        return zip;
    }

    @Test
    void aStoredMemberIsFoundAndReadsAsItsFile(@TempDir Path dir) throws IOException {
        Path zip = archive(dir, true);
        String name = zip + "!/lib/target";
        ArchiveMember m = ArchiveMember.of(name).orElseThrow();
        assertEquals(zip, m.archive());
        assertArrayEquals(Files.readAllBytes(TARGET), m.read());
        assertEquals(NativeElf.read(TARGET).symbols(), NativeElf.read(Path.of(name)).symbols());
        // the probe goes into the archive, where the kernel maps the member from
        UprobeTarget plain = UprobeTarget.ofSymbol(TARGET.toString(), "bpf4j_add", 0);
        UprobeTarget inZip = UprobeTarget.ofSymbol(name, "bpf4j_add", 0);
        assertEquals(zip, inZip.path());
        assertEquals(m.dataOffset() + plain.offset(), inZip.offset());
        assertEquals(Path.of(name), UprobeTarget.locate(name));
    }

    @Test
    void aCompressedOrMissingMemberIsRefusedWithTheReason(@TempDir Path dir) throws IOException {
        Path zip = archive(dir, false);
        MalformedInputException compressed = assertThrows(MalformedInputException.class,
                () -> ArchiveMember.of(zip + "!/lib/target"));
        assertTrue(compressed.getMessage().contains("compressed (method 8)"), compressed.getMessage());
        MalformedInputException missing = assertThrows(MalformedInputException.class,
                () -> ArchiveMember.of(zip + "!/lib/nothing"));
        assertTrue(missing.getMessage().endsWith("no member 'lib/nothing'"), missing.getMessage());
        assertTrue(ArchiveMember.of(zip.toString()).isEmpty());
    }
}
