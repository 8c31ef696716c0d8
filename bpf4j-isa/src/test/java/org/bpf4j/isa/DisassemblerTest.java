package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The disassembler: golden {@code llvm-objdump-19 -d} listings under {@code objdump/}, and the
 * assembly round trip.
 */
class DisassemblerTest {
    private static final List<String> GOLDEN =
            List.of("llvm-mc-all-forms", "llvm-mc-jumps", "llvm-mc-pseudo", "clang-loop");
    private static final Pattern HEADER = Pattern.compile("0000000000000000 <(.*)>:");
    private static final Pattern LINE = Pattern.compile(" *[0-9]+:\t([0-9a-f]{2}(?: [0-9a-f]{2})*)\t.*");

    /**
     * Each golden file is llvm-objdump's text for one function (after {@code #} comment lines);
     * its byte column is the program. Decoding the bytes and printing them must give the same text.
     */
    @TestFactory
    Stream<DynamicTest> matchesLlvmObjdump() {
        return GOLDEN.stream().map(name -> dynamicTest(name, () -> {
            String expected = withoutComments(Resources.text("objdump/" + name + ".txt"));
            String[] lines = expected.split("\n");
            Matcher header = HEADER.matcher(lines[0]);
            assertTrue(header.matches(), lines[0]);
            Code code = Encoding.decode(bytesOf(lines));
            assertEquals(expected, Disassembler.toObjdump(code, header.group(1)));
            // The listed program also survives the assembly round trip.
            assertEquals(code, Assembler.assemble(Disassembler.toAssembly(code), name));
        }));
    }

    private static String withoutComments(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.startsWith("#")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    private static byte[] bytesOf(String[] lines) {
        List<Byte> bytes = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            Matcher m = LINE.matcher(lines[i]);
            assertTrue(m.matches(), "listing line: " + lines[i]);
            for (String b : m.group(1).split(" ")) {
                bytes.add((byte) Integer.parseInt(b, 16));
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    @Test
    void formatsOneInstruction() {
        assertEquals("       3:\t2d 21 03 00 00 00 00 00\tif r1 > r2 goto +0x3 <.text+0x38>",
                Disassembler.format(new Instruction.Jump(true, JumpOp.JGT, 1, Operand.reg(2), (short) 3), 3));
        assertEquals("       0:\t05 00 fe ff 00 00 00 00\tgoto -0x2 <f+0xfffffffffffffff8>",
                Disassembler.format(new Instruction.Goto(false, -2), 0, "f"));
        assertEquals("      12:\t95 00 00 00 00 00 00 00\texit", Disassembler.format(new Instruction.Exit(), 12));
        assertEquals("0000000000000000 <.text>:\n       0:\t95 00 00 00 00 00 00 00\texit\n",
                Disassembler.toObjdump(Code.of(new Instruction.Exit())));
    }

    /** Load-acquire and store-release in LLVM 20's syntax (LLVM 19 prints {@code <unknown>}). */
    @Test
    void formatsLoadAcquireAndStoreRelease() {
        assertEquals("r0 = load_acquire((u64 *)(r1 + 0x0))",
                Disassembler.llvm(new Instruction.Atomic(Size.DW, AtomicOp.LOAD_ACQ, 0, 1, (short) 0), 0, "f"));
        assertEquals("w0 = load_acquire((u8 *)(r1 + 0x0))",
                Disassembler.llvm(new Instruction.Atomic(Size.B, AtomicOp.LOAD_ACQ, 0, 1, (short) 0), 0, "f"));
        assertEquals("w2 = load_acquire((u16 *)(r10 - 0x2))",
                Disassembler.llvm(new Instruction.Atomic(Size.H, AtomicOp.LOAD_ACQ, 2, 10, (short) -2), 0, "f"));
        assertEquals("store_release((u64 *)(r2 - 0x8), r1)",
                Disassembler.llvm(new Instruction.Atomic(Size.DW, AtomicOp.STORE_REL, 2, 1, (short) -8), 0, "f"));
        assertEquals("store_release((u32 *)(r1 + 0x8), w2)",
                Disassembler.llvm(new Instruction.Atomic(Size.W, AtomicOp.STORE_REL, 1, 2, (short) 8), 0, "f"));
    }

    @Test
    void indirectPacketLoadShowsItsImmediate() {
        assertEquals("r0 = *(u8 *)skb[r1]",
                Disassembler.llvm(new Instruction.LoadPacket(Size.B, true, 1, 0), 0, "f"));
        assertEquals("r0 = *(u16 *)skb[r1 + 0x5]",
                Disassembler.llvm(new Instruction.LoadPacket(Size.H, true, 1, 5), 0, "f"));
        assertEquals("r0 = *(u32 *)skb[r2 - 0x4]",
                Disassembler.llvm(new Instruction.LoadPacket(Size.W, true, 2, -4), 0, "f"));
        assertEquals("r0 = *(u32 *)skb[-0x4]",
                Disassembler.llvm(new Instruction.LoadPacket(Size.W, false, 0, -4), 0, "f"));
    }

    @Test
    void assemblyHasGeneratedLabels() {
        Code code = Assembler.assemble("""
                mov %r0, 0x12345678
                jeq %r0, -1, out
                lddw %r1, map_value_fd(3, 8)
                lddw %r2, code_addr(fn)
                lddw %r3, 0x8000000000000000
                call local fn
                ja32 out
                fn:
                call kfunc 7, 1
                stw [%r10-4], 0xffff0000
                ldindh %r1, 100000
                lock load_acquire16 %r1, [%r2+2]
                out:
                exit
                """, "labels.s");
        assertEquals("""
                mov %r0, 0x12345678
                jeq %r0, -1, L14
                lddw %r1, map_value_fd(3, 8)
                lddw %r2, code_addr(L10)
                lddw %r3, 0x8000000000000000
                call local L10
                ja32 L14
                L10:
                call kfunc 7, 1
                stw [%r10-4], 0xffff0000
                ldindh %r1, 0x186a0
                lock load_acquire16 %r1, [%r2+2]
                L14:
                exit
                """, Disassembler.toAssembly(code));
    }

    @Test
    void assemblyRefusesWhatTheEncodingCannotDecode() {
        Code code = Code.of(new Instruction.Call(CallKind.HELPER, 5, (short) 1), new Instruction.Exit());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Disassembler.toAssembly(code));
        assertEquals("a helper call with offset field 1 has no assembly form", e.getMessage());
    }

    /**
     * Random words, kept where they decode to an instruction that does not transfer control:
     * every such program disassembles and assembles back to itself, and its listing has a text
     * for every instruction.
     */
    @Test
    void randomProgramsSurviveTheRoundTrip() {
        Random random = new Random(0x5eed);
        int programs = 0;
        for (int round = 0; round < 200; round++) {
            List<Instruction> insns = new ArrayList<>();
            while (insns.size() < 50) {
                int opcode = random.nextInt(256);
                // Reserved fields must be zero, so draw zero often.
                int src = random.nextBoolean() ? 0 : random.nextInt(11);
                int off = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(65536) - 32768;
                    case 1 -> random.nextInt(5) * 8;
                    default -> 0;
                };
                int imm = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt();
                    case 1 -> random.nextInt(300);
                    default -> 0;
                };
                long[] words = {Encoding.word(opcode, random.nextInt(11), src, off, imm), random.nextLong() << 32};
                try {
                    Instruction insn = Encoding.decodeAt(words, 0);
                    if (!transfers(insn)) {
                        insns.add(insn);
                    }
                } catch (MalformedInputException e) {
                    // Not an instruction; draw again.
                }
            }
            insns.add(new Instruction.Exit());
            Code code = Code.of(insns);
            String text = Disassembler.toAssembly(code);
            assertEquals(code, Assembler.assemble(text, "random-" + round + ".s"), text);
            assertEquals(code, Encoding.decode(code.toWords()));
            assertFalse(Disassembler.toObjdump(code).contains("<unknown>"));
            programs++;
        }
        assertEquals(200, programs);
    }

    private static boolean transfers(Instruction insn) {
        return switch (insn) {
            case Instruction.Jump j -> true;
            case Instruction.Goto g -> true;
            case Instruction.MayGoto m -> true;
            case Instruction.Call c -> c.kind() == CallKind.LOCAL;
            case Instruction.LoadImm64 l -> l.kind() == Imm64Kind.CODE_ADDRESS;
            default -> false;
        };
    }
}
