package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The assembler, driven by {@code assembler-cases.txt} and {@code assembler-errors.txt}. */
class AssemblerTest {

    @TestFactory
    Stream<DynamicTest> assemblesToExpectedWords() {
        List<Resources.Case> cases = Resources.cases("assembler-cases.txt");
        assertTrue(cases.size() > 90, "cases file read");
        return cases.stream().map(c -> dynamicTest(c.toString(), () -> {
            long[] expected = Arrays.stream(c.expected().split("\\s+"))
                    .mapToLong(s -> Long.parseUnsignedLong(s.substring(2), 16)).toArray();
            Code code = Assembler.assemble(c.program(), "case.s");
            assertArrayEquals(expected, code.toWords(), () -> "got " + hex(code.toWords()));
            // Every case also survives disassembly.
            assertEquals(code, Assembler.assemble(Disassembler.toAssembly(code), "again.s"));
        }));
    }

    @TestFactory
    Stream<DynamicTest> rejectsWithFileAndLine() {
        List<Resources.Case> cases = Resources.cases("assembler-errors.txt");
        assertTrue(cases.size() > 40, "errors file read");
        return cases.stream().map(c -> dynamicTest(c.toString(), () -> {
            MalformedInputException e = assertThrows(MalformedInputException.class,
                    () -> Assembler.assemble(c.program(), "prog.s"));
            assertEquals(c.expected(), e.getMessage());
        }));
    }

    @Test
    void firstLineShiftsLineNumbers() {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> Assembler.assemble("mov %r0, 1\nnop\n", "f.data", 10));
        assertEquals("f.data:11: unknown mnemonic 'nop'", e.getMessage());
    }

    @Test
    void instructionsAreTheExpectedRecords() {
        Code code = Assembler.assemble("""
                mov32 %r0, 0x80000000
                lock add [%r10-8], %r1
                lock add32 [%r10-8], %r1
                lock fetch or32 [%r10-4], %r3
                swap16 %r0
                bswap32 %r0
                be64 %r0
                movsx1632 %r4, %r3
                lddw %r2, map_value_idx(7, 16)
                ldxsh %r0, [%r10-2]
                stw [%r10-4], -2
                jsle32 %r1, -1, exit
                call local fn
                exit
                fn:
                callx %r3
                exit
                """, "records.s");
        assertEquals(List.of(
                new Instruction.Alu(false, AluOp.MOV, 0, Operand.imm(Integer.MIN_VALUE)),
                new Instruction.Atomic(Size.DW, AtomicOp.ADD, 10, 1, (short) -8),
                new Instruction.Atomic(Size.W, AtomicOp.ADD, 10, 1, (short) -8),
                new Instruction.Atomic(Size.W, AtomicOp.FETCH_OR, 10, 3, (short) -4),
                new Instruction.Endian(EndianOp.SWAP, 0, 16),
                new Instruction.Endian(EndianOp.SWAP, 0, 32),
                new Instruction.Endian(EndianOp.BE, 0, 64),
                new Instruction.MovSx(false, 4, 3, 16),
                new Instruction.LoadImm64(2, Imm64Kind.MAP_VALUE_BY_INDEX, 7, 16),
                new Instruction.Load(Size.H, true, 0, 10, (short) -2),
                new Instruction.Store(Size.W, 10, (short) -4, Operand.imm(-2)),
                new Instruction.Jump(false, JumpOp.JSLE, 1, Operand.imm(-1), (short) 1),
                Instruction.Call.local(1),
                new Instruction.Exit(),
                new Instruction.CallReg(3),
                new Instruction.Exit()), code.instructions());
        assertEquals(17, code.slotCount());
        // The jump reaches the first exit, at slot 14; the call reaches fn, at slot 15.
        assertEquals(14, code.targetOf(12));
        assertEquals(15, code.targetOf(13));
    }

    @Test
    void codeAddressTargetsALabel() {
        Code code = Assembler.assemble("lddw %r1, code_addr(f, 3)\nexit\nf:\nexit\n", "ca.s");
        Instruction.LoadImm64 l = (Instruction.LoadImm64) code.get(0);
        assertEquals(Imm64Kind.CODE_ADDRESS, l.kind());
        assertEquals(3, l.nextImm());
        assertEquals(3, code.targetOf(0));
    }

    @Test
    void acceptsWindowsLineEndingsAndTrailingSpaces() {
        Code code = Assembler.assemble("mov %r0, 1   \r\nja +0 \r\nexit\r\n", "crlf.s");
        assertEquals(3, code.size());
    }

    @Test
    void emptyProgramIsEmpty() {
        assertEquals(0, Assembler.assemble("# nothing\n\n", "empty.s").size());
    }

    private static String hex(long[] words) {
        StringBuilder sb = new StringBuilder();
        for (long w : words) {
            sb.append(String.format("0x%016x ", w));
        }
        return sb.toString().strip();
    }
}
