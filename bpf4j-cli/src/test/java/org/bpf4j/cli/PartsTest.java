package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The small parts: hex parsing, medians, format detection, default output names. */
class PartsTest {
    @Test
    void hexBytes() {
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, HexBytes.parse("00 01 ff", "--mem"));
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff}, HexBytes.parse("0001FF", "--mem"));
        assertArrayEquals(new byte[] {0x12, 0x34}, HexBytes.parse(" 1234\n", "--mem"));
        assertArrayEquals(new byte[0], HexBytes.parse("", "--mem"));
        assertThrows(CommandFailure.class, () -> HexBytes.parse("0 1", "--mem"));
        assertThrows(CommandFailure.class, () -> HexBytes.parse("0x01", "--mem"));
    }

    @Test
    void median() {
        assertEquals(3.0, Repeat.median(new double[] {5, 1, 3}));
        assertEquals(2.5, Repeat.median(new double[] {4, 1, 3, 2}));
        assertEquals(7.0, Repeat.median(new double[] {7}));
    }

    @Test
    void formatByExtensionThenByContent() {
        byte[] text = "mov %r0, 1\nexit\n".getBytes(StandardCharsets.UTF_8);
        byte[] data = "# c\n-- asm\nexit\n".getBytes(StandardCharsets.UTF_8);
        byte[] raw = {(byte) 0x95, 0, 0, 0, 0, 0, 0, 0};
        assertEquals(ProgramFile.Format.DATA, ProgramFile.detect(Path.of("x.data"), raw));
        assertEquals(ProgramFile.Format.ASSEMBLY, ProgramFile.detect(Path.of("x.s"), raw));
        assertEquals(ProgramFile.Format.ASSEMBLY, ProgramFile.detect(Path.of("x.ASM"), raw));
        assertEquals(ProgramFile.Format.RAW, ProgramFile.detect(Path.of("x.bin"), text));
        assertEquals(ProgramFile.Format.ASSEMBLY, ProgramFile.detect(Path.of("x"), text));
        assertEquals(ProgramFile.Format.DATA, ProgramFile.detect(Path.of("x.txt"), data));
        assertEquals(ProgramFile.Format.RAW, ProgramFile.detect(Path.of("x"), raw));
        assertEquals(ProgramFile.Format.RAW, ProgramFile.detect(Path.of("x"), new byte[] {(byte) 0xc3, 0x28}));
    }

    @Test
    void asmDefaultOutput() {
        assertEquals(Path.of("d/p.bin"), AsmCommand.defaultOutput(Path.of("d/p.s")));
        assertEquals(Path.of("p.bin"), AsmCommand.defaultOutput(Path.of("p")));
        assertEquals(Path.of("p.bin.bin"), AsmCommand.defaultOutput(Path.of("p.bin")));
        assertEquals(Path.of(".s.bin"), AsmCommand.defaultOutput(Path.of(".s")));
    }

    @Test
    void expectedErrorOfAnUnparsableFile() {
        assertEquals(Optional.of("a\nb"), ConformanceCase.expectedError("-- asm\nx\n-- error\n# c\n a \n\nb\n-- c\nz\n"));
        assertEquals(Optional.empty(), ConformanceCase.expectedError("-- asm\nx\n-- result\n1\n"));
    }
}
