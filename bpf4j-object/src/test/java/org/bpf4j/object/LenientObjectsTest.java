package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;

/**
 * Damage that libbpf tolerates (it copies instructions unjudged and reads only the symbols it
 * needs) parses and makes only the affected programs unloadable; damage libbpf refuses is refused.
 * The objects are {@code features.o} with one edit each.
 */
class LenientObjectsTest {
    private static final byte[] FEATURES = TestObjects.bytes("features.o");

    @Test
    void anInvalidRegisterMakesOnlyItsProgramUnloadable() {
        // xdp_main slot 0 is 'r6 = r1' (bf 16): the register byte 0x16 becomes 0xf6, dst r6 -> src r15.
        byte[] bytes = ElfEdits.instructionByte(FEATURES, "xdp", 0, 1, 0xf6);
        ObjectSpec spec = ObjectFile.parse(bytes, "edited.o");
        ProgramSpec xdp = spec.program("xdp_main").orElseThrow();
        assertTrue(xdp.defect().isPresent());
        assertEquals(0, xdp.code().size());
        assertEquals(ObjectFile.parse(FEATURES, "features.o").program("xdp_main").orElseThrow().ownSlots(),
                xdp.ownSlots(), "the raw size is kept");
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> spec.linkedProgram("xdp_main"));
        assertTrue(e.getMessage().startsWith("edited.o: program 'xdp_main' (section 'xdp') cannot be loaded: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("instruction 0") && e.getMessage().contains("r15"), e.getMessage());
        spec.programs().stream().filter(p -> !p.name().equals("xdp_main")).forEach(p -> {
            assertTrue(p.defect().isEmpty(), p.name());
        });
    }

    @Test
    void aJumpOutOfItsFunctionIsTheProgramsDefect() {
        // xdp_main slot 10 is 'if r0 == 0 goto +3': offset +3 becomes +0x7f03, far past the end.
        byte[] bytes = ElfEdits.instructionByte(FEATURES, "xdp", 10, 3, 0x7f);
        ObjectSpec spec = ObjectFile.parse(bytes, "edited.o");
        String defect = spec.program("xdp_main").orElseThrow().defect().orElseThrow();
        assertTrue(defect.contains("instruction 10 jumps to") && defect.contains("outside the function"), defect);
    }

    @Test
    void anUnreadableNameOfAFunctionIsRefused() {
        ObjectSpec clean = ObjectFile.parse(FEATURES, "features.o");
        // The local FUNC 'add' is a function of a code section, which libbpf refuses to leave unnamed.
        byte[] bytes = ElfEdits.symbolNameOffset(FEATURES, "add", 0x7fffff);
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> ObjectFile.parse(bytes, "e.o"));
        assertTrue(e.getMessage().startsWith("e.o: symbol table"), e.getMessage());
        assertTrue(e.getMessage().contains("name offset 0x7fffff is outside the string table")
                && e.getMessage().contains("function of code section"), e.getMessage());
        assertFalse(clean.programs().isEmpty());
    }

    @Test
    void anUnusableSymbolTableLeavesProgramsBySection() {
        byte[] bytes = ElfEdits.sectionEntrySize(TestObjects.bytes("legacy.o"), ".symtab", 8);
        ObjectSpec spec = ObjectFile.parse(bytes, "edited.o");
        assertEquals(1, spec.warnings().size(), spec.warnings().toString());
        assertTrue(spec.warnings().get(0).contains("entry size is 8, expected 24"), spec.warnings().get(0));
        assertFalse(spec.programs().isEmpty());
        int defective = 0;
        for (ProgramSpec p : spec.programs()) {
            assertEquals(p.sectionName(), p.name(), "a program is its whole section");
            if (!p.mapReferences().isEmpty() || p.defect().isPresent()) {
                String defect = p.defect().orElseThrow();
                assertTrue(defect.contains("refers to symbol") && defect.contains("cannot be used"), defect);
                defective++;
            }
        }
        assertTrue(defective > 0, "legacy.o's programs use maps through relocations");
    }

    @Test
    void btfMapsNeedTheSymbolTable() {
        byte[] bytes = ElfEdits.sectionEntrySize(FEATURES, ".symtab", 8);
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> ObjectFile.parse(bytes, "e.o"));
        assertTrue(e.getMessage().contains("has no symbol in the section") && e.getMessage().contains("entry size is 8"),
                e.getMessage());
    }
}
