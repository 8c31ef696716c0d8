package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import org.bpf4j.Bpf4jException;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;

/** Object files for the commands: detection by the ELF magic and parsing with one-line errors. */
final class ObjectFiles {
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    private ObjectFiles() {}

    /** Whether the bytes start like an ELF file. */
    static boolean isElf(byte[] bytes) {
        return bytes.length >= 4 && Arrays.equals(bytes, 0, 4, ELF_MAGIC, 0, 4);
    }

    /** Parses an object file's bytes, turning a malformed object into a failure that names the file. */
    static ObjectSpec parse(Path path, byte[] bytes) {
        try {
            return ObjectFile.parse(bytes, path.toString());
        } catch (Bpf4jException e) {
            throw CommandFailure.about(path.toString(), e);
        }
    }
}
