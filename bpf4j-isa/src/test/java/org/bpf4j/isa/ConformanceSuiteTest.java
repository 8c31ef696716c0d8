package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every program of the bpf_conformance suite parses, assembles, survives encode/decode and
 * disassemble/assemble unchanged, and renders as an objdump listing.
 */
class ConformanceSuiteTest {

    @Test
    void suiteIsComplete() {
        List<Path> files = SharedData.conformanceFiles();
        assertTrue(files.size() >= 313, "expected the 313 files of the suite, found " + files.size());
    }

    @TestFactory
    Stream<DynamicTest> parsesAndAssembles() {
        return SharedData.perFile(p -> () -> {
            DataFile file = DataFile.read(p);
            Code code = file.code();
            assertTrue(code.size() > 0, "empty program");
            assertTrue(file.expectedResult().isPresent(), "every file of the suite has a result");
            assertFalse(file.asmText().isBlank(), "every file of the suite has an asm section");
            assertTrue(code.instructions().contains(new Instruction.Exit()), "every program has an exit");
        });
    }

    @TestFactory
    Stream<DynamicTest> encodeDecodeIsIdentity() {
        return SharedData.perFile(p -> () -> {
            Code code = DataFile.read(p).code();
            long[] words = code.toWords();
            assertEquals(code.slotCount(), words.length);
            assertEquals(code, Encoding.decode(words));
            assertEquals(code, Encoding.decode(code.toBytes()));
            assertArrayEquals(words, Encoding.decode(words).toWords());
        });
    }

    @TestFactory
    Stream<DynamicTest> disassembleAssembleIsIdentity() {
        return SharedData.perFile(p -> () -> {
            Code code = DataFile.read(p).code();
            String text = Disassembler.toAssembly(code);
            assertEquals(code, Assembler.assemble(text, name(p) + ".disassembled"), text);
            // And the text is a fixed point.
            assertEquals(text, Disassembler.toAssembly(Assembler.assemble(text, "again")));
        });
    }

    @TestFactory
    Stream<DynamicTest> objdumpListingHasOneLinePerInstruction() {
        return SharedData.perFile(p -> () -> {
            Code code = DataFile.read(p).code();
            String[] lines = Disassembler.toObjdump(code, "entry").split("\n");
            assertEquals("0000000000000000 <entry>:", lines[0]);
            assertEquals(code.size() + 1, lines.length);
            for (int i = 1; i < lines.length; i++) {
                assertFalse(lines[i].contains("<unknown>"), lines[i]);
                assertTrue(lines[i].startsWith(String.format("%8d:\t", code.slotOf(i - 1))), lines[i]);
            }
        });
    }

    @Test
    void lddwRawAndAsmAgree() {
        DataFile file = DataFile.read(SharedData.conformanceDir().resolve("lddw.data"));
        assertTrue(file.section("raw").isPresent());
        Code fromAsm = Assembler.assemble(file.asmText(), "lddw.data asm");
        assertEquals(fromAsm, file.code());
        assertEquals(List.of(Instruction.LoadImm64.of(0, 0x1122334455667788L), new Instruction.Exit()),
                file.code().instructions());
        assertEquals(0x1122334455667788L, file.expectedResult().getAsLong());
    }

    @Test
    void memoryAndResultsAreRead() {
        DataFile subnet = DataFile.read(SharedData.conformanceDir().resolve("subnet.data"));
        byte[] mem = subnet.memory().orElseThrow();
        assertEquals(74, mem.length);
        assertEquals((byte) 0xc0, mem[2]);
        assertEquals(3, mem[mem.length - 2]);
        assertTrue(subnet.section("c").orElseThrow().contains("uint64_t entry(void *mem)"));
        DataFile add = DataFile.read(SharedData.conformanceDir().resolve("add.data"));
        assertFalse(add.hasMemory());
        assertTrue(add.memory().isEmpty());
        assertEquals(3, add.expectedResult().getAsLong());
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }
}
