package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** asm, disasm and run on one small program, through every format the commands take. */
class RoundTripTest {
    /** Sums the bytes of the memory and adds 2^32 (an lddw, a loop, a byte load). */
    static final String PROGRAM = """
            # r0 = sum of the bytes at r1 (r2 of them) + 0x100000000
            mov %r0, 0
            loop:
            jeq %r2, 0, done
            ldxb %r3, [%r1]
            add %r0, %r3
            add %r1, 1
            sub %r2, 1
            ja loop
            done:
            lddw %r4, 0x100000000
            add %r0, %r4
            exit
            """;

    @TempDir
    Path dir;

    @Test
    void assembleDisassembleAndRun() throws IOException {
        Path source = dir.resolve("sum.s");
        Files.writeString(source, PROGRAM);

        String wrote = Cli.run("asm", source.toString()).ok();
        Path bin = dir.resolve("sum.bin");
        assertEquals("wrote 10 instructions to " + bin, wrote.strip());
        byte[] raw = Files.readAllBytes(bin);
        assertEquals(11 * 8, raw.length, "10 instructions, one of them an lddw of two slots");

        String listing = Cli.run("disasm", bin.toString()).ok();
        assertTrue(listing.startsWith("0000000000000000 <.text>:\n"), listing);
        assertTrue(listing.contains("       2:\t71 13 00 00 00 00 00 00\tr3 = *(u8 *)(r1 + 0x0)"), listing);
        assertTrue(listing.contains("\texit\n"), listing);
        assertEquals(listing, Cli.run("disasm", "--syntax", "objdump", source.toString()).ok(),
                "the listing of the source and of its assembled form agree");

        String asm = Cli.run("disasm", "--syntax", "asm", bin.toString()).ok();
        Path again = dir.resolve("again.asm");
        Files.writeString(again, asm);
        Path bin2 = dir.resolve("again.raw");
        Cli.run("asm", again.toString(), "-o", bin2.toString()).ok();
        assertArrayEquals(raw, Files.readAllBytes(bin2), "disassembled text assembles to the same bytes");

        String mem = "01 02 03 ff";
        assertEquals("r0 = 0x100000105\n", Cli.run("run", source.toString(), "--mem", mem).ok());
        assertEquals("r0 = 0x100000105\n", Cli.run("run", bin.toString(), "--mem", "010203ff").ok());
        assertEquals("r0 = 0x100000105\n", Cli.run("run", again.toString(), "--mem", mem).ok());
        assertEquals("r0 = 0x100000000\n", Cli.run("run", bin.toString()).ok(), "no memory: r1 = r2 = 0");
    }

    @Test
    void formatsAreRecognisedByContentWithoutAnExtension() throws IOException {
        Path source = dir.resolve("sum.s");
        Files.writeString(source, PROGRAM);
        Path raw = dir.resolve("program");
        Cli.run("asm", source.toString(), "-o", raw.toString()).ok();
        Path text = dir.resolve("program-text");
        Files.writeString(text, PROGRAM);
        Path data = dir.resolve("program-data");
        Files.writeString(data, "-- asm\n" + PROGRAM + "-- mem\n05 06\n-- result\n0x10000000b\n");

        assertEquals("r0 = 0x100000001\n", Cli.run("run", raw.toString(), "--mem", "01").ok());
        assertEquals("r0 = 0x100000001\n", Cli.run("run", text.toString(), "--mem", "01").ok());
        assertEquals("r0 = 0x10000000b\n", Cli.run("run", data.toString()).ok());
    }

    @Test
    void dataFileGivesItsMemoryUnlessMemIsGiven() throws IOException {
        Path data = dir.resolve("sum.data");
        Files.writeString(data, "-- asm\n" + PROGRAM + "-- mem\n10 20\n-- result\n0x100000030\n");
        assertEquals("r0 = 0x100000030\n", Cli.run("run", data.toString()).ok());
        assertEquals("r0 = 0x100000001\n", Cli.run("run", data.toString(), "--mem", "01").ok());
        assertEquals("r0 = 0x100000000\n", Cli.run("run", data.toString(), "--mem", "").ok(), "empty memory");

        Cli.run("asm", data.toString()).ok();
        assertTrue(Files.size(dir.resolve("sum.bin")) == 88);
    }

    @Test
    void runPrintsAllSixtyFourBitsInLowerCaseHex() throws IOException {
        Path source = dir.resolve("neg.s");
        Files.writeString(source, "mov %r0, -1\nexit\n");
        assertEquals("r0 = 0xffffffffffffffff\n", Cli.run("run", source.toString()).ok());
        Files.writeString(source, "mov %r0, 0\nexit\n");
        assertEquals("r0 = 0x0\n", Cli.run("run", source.toString()).ok());
    }

    @Test
    void repeatPrintsTimings() throws IOException {
        Path source = dir.resolve("sum.s");
        Files.writeString(source, PROGRAM);
        String out = Cli.run("run", source.toString(), "--mem", "01 02 03 ff", "--repeat", "50").ok();
        String[] lines = out.split("\n");
        assertEquals("r0 = 0x100000105", lines[0]);
        assertTrue(lines[1].matches("ns/run: [0-9]+\\.[0-9]"), out);
        assertTrue(lines[2].matches("cpu ns/run: [0-9]+\\.[0-9]"), out);
        assertEquals(3, lines.length, "the VM does not count instructions exactly, so prints no count: " + out);
    }

    @Test
    void budgetEndsARunawayLoopWithATrap() throws IOException {
        Path source = dir.resolve("spin.s");
        Files.writeString(source, "spin:\nja spin\nexit\n");
        // the verifier refuses it (the exit is unreachable); unverified, the budget ends it
        assertEquals("error: " + source + ": rejected by the verifier at insn 1: unreachable insn 1 (--no-verify runs "
                + "it unverified, with every check)", Cli.run("run", source.toString()).error(Main.EXIT_FAILED));
        String error = Cli.run("run", "--no-verify", source.toString(), "--budget", "1000").error(Main.EXIT_FAILED);
        assertEquals("error: " + source + ": instruction 0: instruction budget exhausted", error);
    }

    @Test
    void trapNamesTheFileAndTheInstruction() throws IOException {
        Path source = dir.resolve("load.s");
        Files.writeString(source, "mov %r0, 0\nldxdw %r0, [%r1]\nexit\n");
        assertTrue(Cli.run("run", source.toString(), "--mem", "01 02").error(Main.EXIT_FAILED)
                .endsWith(": rejected by the verifier at insn 1: invalid access to memory, mem_size=2 off=0 size=8 "
                        + "R1 min value is outside of the allowed memory range (--no-verify runs it unverified, with every check)"));
        String error = Cli.run("run", "--no-verify", source.toString(), "--mem", "01 02").error(Main.EXIT_FAILED);
        assertTrue(error.startsWith("error: " + source + ": instruction 1: invalid read of 8 bytes"), error);
        assertEquals("r0 = 0x807060504030201\n",
                Cli.run("run", source.toString(), "--mem", "01 02 03 04 05 06 07 08").ok());
    }
}
