package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code .data} format. */
class DataFileTest {

    @Test
    void readsEverySection() {
        DataFile f = DataFile.parse("""
                # Copyright header
                # more header

                -- c
                #include <stdint.h>
                int x;
                -- asm
                mov %r0, 1 # one
                exit
                -- mem
                00 01 ff
                7f   10
                -- result
                0xffffffffffffffff
                -- no register offset
                call instruction
                """, "t.data");
        assertEquals(List.of("c", "asm", "mem", "result", "no register offset"), List.copyOf(f.sections().keySet()));
        assertEquals("#include <stdint.h>\nint x;\n", f.section("c").orElseThrow());
        assertEquals("call instruction\n", f.section("no register offset").orElseThrow());
        assertEquals("mov %r0, 1 # one\nexit\n", f.asmText());
        assertEquals(Code.of(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(1)), new Instruction.Exit()),
                f.code());
        assertArrayEquals(new byte[] {0, 1, (byte) 0xff, 0x7f, 0x10}, f.memory().orElseThrow());
        assertTrue(f.hasMemory());
        assertEquals(-1L, f.expectedResult().getAsLong());
        assertTrue(f.expectedError().isEmpty());
        assertEquals("t.data", f.sourceName());
    }

    @Test
    void memoryAbsentDiffersFromEmpty() {
        DataFile none = DataFile.parse("-- asm\nexit\n", "none.data");
        assertFalse(none.hasMemory());
        assertTrue(none.memory().isEmpty());
        assertTrue(none.expectedResult().isEmpty());
        DataFile empty = DataFile.parse("-- asm\nexit\n-- mem\n-- result\n0\n", "empty.data");
        assertTrue(empty.hasMemory());
        assertEquals(0, empty.memory().orElseThrow().length);
        assertEquals(0, empty.expectedResult().getAsLong());
    }

    @Test
    void memoryIsACopy() {
        DataFile f = DataFile.parse("-- asm\nexit\n-- mem\n01 02\n", "copy.data");
        f.memory().orElseThrow()[0] = 9;
        assertEquals(1, f.memory().orElseThrow()[0]);
    }

    @Test
    void resultsInDecimalAndLargeHex() {
        assertEquals(0x8000000000000000L,
                DataFile.parse("-- asm\nexit\n-- result\n0x8000000000000000\n", "r").expectedResult().getAsLong());
        assertEquals(-1L,
                DataFile.parse("-- asm\nexit\n-- result\n18446744073709551615\n", "r").expectedResult().getAsLong());
        assertEquals(42L, DataFile.parse("-- asm\nexit\n-- result\n42 # answer\n", "r").expectedResult().getAsLong());
        assertEquals(-5L, DataFile.parse("-- asm\nexit\n-- result\n-5\n", "r").expectedResult().getAsLong());
        assertEquals(0xaL, DataFile.parse("-- asm\nexit\n-- result\n0xA\n", "r").expectedResult().getAsLong());
    }

    @Test
    void rawReplacesAsm() {
        DataFile f = DataFile.parse("""
                -- asm
                mov %r0, 2
                exit
                -- raw
                0x00000001000000b7  # mov %r0, 1
                149
                -- error
                # what the loader says
                  invalid program
                """, "raw.data");
        assertEquals(Code.of(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(1)), new Instruction.Exit()),
                f.code());
        assertEquals("invalid program", f.expectedError().orElseThrow());
        assertEquals("mov %r0, 2\nexit\n", f.asmText());
    }

    @Test
    void errorsNameFileAndLine() {
        assertError("x.data:4: unknown mnemonic 'nop'", "# header\n-- asm\nmov %r0, 1\nnop\nexit\n");
        assertError("x.data:3: text before the first section: 'mov %r0, 1'", "# header\n\nmov %r0, 1\n-- asm\nexit\n");
        assertError("x.data: no '-- asm' or '-- raw' section", "-- result\n1\n");
        assertError("x.data:3: section '-- asm' appears twice (first on line 1)", "-- asm\nexit\n-- asm\nexit\n");
        assertError("x.data:1: section header without a name", "--\n");
        assertError("x.data:4: expected a byte as two hex digits, found 'abc'", "-- asm\nexit\n-- mem\nabc\n");
        assertError("x.data:5: expected a byte as two hex digits, found '0x01'",
                "-- asm\nexit\n-- mem\n00 01\n0x01\n");
        assertError("x.data:4: result section has more than one value: '2'", "-- asm\nexit\n-- result\n1 2\n");
        assertError("x.data:3: result section is empty", "-- asm\nexit\n-- result\n# nothing\n");
        assertError("x.data:4: result 0x10000000000000000 does not fit in 64 bits",
                "-- asm\nexit\n-- result\n0x10000000000000000\n");
        assertError("x.data:4: expected a result value in decimal or 0x hex, found 'ten'",
                "-- asm\nexit\n-- result\nten\n");
        assertError("x.data:3: instruction 1 (opcode 0x00): unknown opcode", "-- raw\n0x95\n0x00\n");
        assertError("x.data:2: instruction 0 (opcode 0x18): lddw is truncated: its second slot is missing",
                "-- raw\n0x0000000100000018\n");
        assertError("x.data:3: instruction 1: jump target 7 is outside the program (2 slots)",
                "-- raw\n0x95\n0x0000000000050005\n");
        assertError("x.data:2: expected an instruction word in decimal or 0x hex, found 'mov'", "-- raw\nmov\n");
        assertError("x.data:2: instruction word -1 does not fit in 64 bits", "-- raw\n-1\n");
    }

    private static void assertError(String message, String text) {
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> DataFile.parse(text, "x.data"));
        assertEquals(message, e.getMessage());
    }

    @Test
    void readsFromAPath(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("p.data");
        Files.writeString(file, "-- asm\nmov %r0, 7\nexit\n-- result\n7\n");
        DataFile f = DataFile.read(file);
        assertEquals(7, f.expectedResult().getAsLong());
        assertEquals(file.toString(), f.sourceName());
        Files.writeString(file, "-- asm\nmov %r0, 7\nbad\n");
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> DataFile.read(file));
        assertEquals(file + ":3: unknown mnemonic 'bad'", e.getMessage());
        Bpf4jException missing = assertThrows(Bpf4jException.class, () -> DataFile.read(dir.resolve("no.data")));
        assertTrue(missing.getMessage().startsWith(dir.resolve("no.data") + ": cannot read"), missing.getMessage());
    }
}
