package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The strict decoder: round trips over the field space, and the rejections of {@code encoding-rejections.txt}. */
class EncodingTest {

    /**
     * Every opcode RFC 9669 (plus Linux's load-acquire/store-release widths and {@code may_goto},
     * {@code JMP | JCOND}) defines: 129.
     */
    private static final Set<Integer> VALID_OPCODES = Set.of(
            // ALU
            0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74, 0x7c,
            0x84, 0x94, 0x9c, 0xa4, 0xac, 0xb4, 0xbc, 0xc4, 0xcc, 0xd4, 0xdc,
            // ALU64
            0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x4f, 0x57, 0x5f, 0x67, 0x6f, 0x77, 0x7f,
            0x87, 0x97, 0x9f, 0xa7, 0xaf, 0xb7, 0xbf, 0xc7, 0xcf, 0xd7,
            // JMP
            0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, 0x55, 0x5d, 0x65, 0x6d, 0x75, 0x7d,
            0x85, 0x8d, 0x95, 0xa5, 0xad, 0xb5, 0xbd, 0xc5, 0xcd, 0xd5, 0xdd, 0xe5,
            // JMP32
            0x06, 0x16, 0x1e, 0x26, 0x2e, 0x36, 0x3e, 0x46, 0x4e, 0x56, 0x5e, 0x66, 0x6e, 0x76, 0x7e,
            0xa6, 0xae, 0xb6, 0xbe, 0xc6, 0xce, 0xd6, 0xde,
            // LD, LDX, ST, STX
            0x18, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50,
            0x61, 0x69, 0x71, 0x79, 0x81, 0x89, 0x91,
            0x62, 0x6a, 0x72, 0x7a,
            0x63, 0x6b, 0x73, 0x7b, 0xc3, 0xcb, 0xd3, 0xdb);

    private static final int[] DSTS = {0, 1, 10, 11};
    private static final int[] SRCS = {0, 1, 2, 4, 6, 7, 10, 11};
    private static final int[] OFFS = {0, 1, -1, 8, 16, 32, Short.MIN_VALUE, Short.MAX_VALUE};
    private static final int[] IMMS = {0, 1, -1, 16, 32, 64, 0x40, 0x41, 0x51, 0xa0, 0xe1, 0xf1, 0x100, 0x110,
        Integer.MAX_VALUE, Integer.MIN_VALUE};
    private static final long[] SECOND = {0, 0x1234567800000000L, 0x95};

    @Test
    void everyDecodableWordReencodesToItself() {
        Set<Integer> accepted = new TreeSet<>();
        int decoded = 0;
        int rejected = 0;
        for (int opcode = 0; opcode < 256; opcode++) {
            long[] seconds = opcode == 0x18 ? SECOND : new long[] {0};
            for (int dst : DSTS) {
                for (int src : SRCS) {
                    for (int off : OFFS) {
                        for (int imm : IMMS) {
                            for (long second : seconds) {
                                long[] words = {Encoding.word(opcode, dst, src, off, imm), second};
                                Instruction insn;
                                try {
                                    insn = Encoding.decodeAt(words, 0);
                                } catch (MalformedInputException e) {
                                    String prefix = String.format("instruction 0 (opcode 0x%02x): ", opcode);
                                    assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
                                    rejected++;
                                    continue;
                                }
                                long[] again = Encoding.encode(insn);
                                assertArrayEquals(Arrays.copyOf(words, insn.slots()), again,
                                        () -> "round trip of " + insn);
                                assertEquals(insn.slots(), again.length);
                                accepted.add(opcode);
                                decoded++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(new TreeSet<>(VALID_OPCODES), accepted, "opcodes that decode for some field values");
        assertEquals(129, accepted.size());
        assertTrue(decoded > 10_000 && rejected > 100_000, decoded + " decoded, " + rejected + " rejected");
    }

    @TestFactory
    Stream<DynamicTest> rejectsWithInstructionIndex() {
        List<Resources.Case> cases = Resources.cases("encoding-rejections.txt");
        assertTrue(cases.size() > 30, "rejections file read");
        return cases.stream().map(c -> dynamicTest(c.toString(), () -> {
            long[] words = Arrays.stream(c.input().strip().split("\\s+"))
                    .mapToLong(s -> Long.parseUnsignedLong(s.substring(2), 16)).toArray();
            MalformedInputException e = assertThrows(MalformedInputException.class, () -> Encoding.decode(words));
            assertEquals(c.expected(), e.getMessage());
        }));
    }

    @Test
    void rejectsTruncatedBytes() {
        byte[] bytes = new byte[12];
        bytes[0] = (byte) 0x95;
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> Encoding.decode(bytes));
        assertEquals("program length 12 bytes is not a multiple of 8 (instruction 1 is truncated)", e.getMessage());
    }

    @Test
    void bytesAreLittleEndianWords() {
        Code code = Assembler.assemble("lddw %r0, 0x1122334455667788\nexit\n", "le.s");
        byte[] bytes = code.toBytes();
        assertEquals("18 00 00 00 88 77 66 55 00 00 00 00 44 33 22 11 95 00 00 00 00 00 00 00",
                IntStream.range(0, bytes.length).mapToObj(i -> String.format("%02x", bytes[i]))
                        .collect(Collectors.joining(" ")));
        assertEquals(code, Encoding.decode(bytes));
    }

    @Test
    void fieldAccessorsInvertWord() {
        long w = Encoding.word(0xdb, 10, 1, -8, 0xe1);
        assertEquals(0xdb, Encoding.opcode(w));
        assertEquals(10, Encoding.dst(w));
        assertEquals(1, Encoding.src(w));
        assertEquals(-8, Encoding.off(w));
        assertEquals(0xe1, Encoding.imm(w));
        assertEquals(0x000000e1fff81adbL, w);
    }
}
