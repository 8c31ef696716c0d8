package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Malformed input, usage errors and bugs: exit statuses and one-line messages without stack traces. */
class ErrorsTest {
    @TempDir
    Path dir;

    @Test
    void badAssemblyLineNamesFileAndLine() throws IOException {
        Path source = dir.resolve("bad.s");
        Files.writeString(source, "mov %r0, 1\nmovx %r1, 2\nexit\n");
        for (String command : new String[] {"asm", "disasm", "run"}) {
            String error = Cli.run(command, source.toString()).error(Main.EXIT_BAD_INPUT);
            assertEquals("error: " + source + ":2: unknown mnemonic 'movx'", error, command);
        }
    }

    @Test
    void badDataFileNamesFileAndLine() throws IOException {
        Path data = dir.resolve("bad.data");
        Files.writeString(data, "-- asm\nmov %r0, 1\nexit\n-- mem\n00 0g\n");
        String error = Cli.run("run", data.toString()).error(Main.EXIT_BAD_INPUT);
        assertTrue(error.startsWith("error: " + data + ":5: "), error);
    }

    @Test
    void truncatedRawFileNamesTheInstruction() throws IOException {
        Path raw = dir.resolve("trunc.bin");
        Files.write(raw, Arrays.copyOf(new byte[] {(byte) 0xb7, 0, 0, 0, 7, 0, 0, 0, (byte) 0x95}, 12));
        for (String command : new String[] {"disasm", "run"}) {
            String error = Cli.run(command, raw.toString()).error(Main.EXIT_BAD_INPUT);
            assertTrue(error.startsWith("error: " + raw + ": "), error);
            assertTrue(error.contains("instruction 1"), error);
        }
    }

    @Test
    void invalidEncodingNamesTheInstruction() throws IOException {
        Path raw = dir.resolve("bad.bin");
        byte[] bytes = new byte[16];
        bytes[0] = (byte) 0xb7;
        bytes[8] = (byte) 0xff; // no such opcode
        Files.write(raw, bytes);
        String error = Cli.run("run", raw.toString()).error(Main.EXIT_BAD_INPUT);
        assertTrue(error.startsWith("error: " + raw + ": instruction 1"), error);
    }

    @Test
    void unknownEngineIsAUsageErrorListingTheValidOnes() throws IOException {
        Path source = dir.resolve("ok.s");
        Files.writeString(source, "mov %r0, 1\nexit\n");
        for (String command : new String[] {"run", "conformance"}) {
            Cli r = Cli.run(command, "--engine", "warp", source.toString());
            assertEquals(Main.EXIT_BAD_INPUT, r.status(), command);
            r.assertNoStackTrace();
            assertTrue(r.err().contains("unknown engine 'warp' (valid engines: interp, jit, kernel)"), r.err());
            assertEquals("", r.out());
        }
        assertEquals("r0 = 0x1\n", Cli.run("run", "--engine", "interp", source.toString()).ok());
        assertEquals("r0 = 0x1\n", Cli.run("run", "--engine", "jit", source.toString()).ok());
    }

    @Test
    void badHexIsMalformedInput() throws IOException {
        Path source = dir.resolve("ok.s");
        Files.writeString(source, "mov %r0, 1\nexit\n");
        assertTrue(Cli.run("run", source.toString(), "--mem", "00 zz").error(Main.EXIT_BAD_INPUT)
                .startsWith("error: --mem: 'z' at character 4"));
        assertTrue(Cli.run("run", source.toString(), "--mem", "001").error(Main.EXIT_BAD_INPUT)
                .startsWith("error: --mem: the digit at character 3 has no partner"));
    }

    @Test
    void unreadableFilesAreMalformedInput() {
        Path missing = dir.resolve("missing.s");
        for (String command : new String[] {"asm", "disasm", "run"}) {
            assertEquals("error: " + missing + ": cannot read: no such file",
                    Cli.run(command, missing.toString()).error(Main.EXIT_BAD_INPUT), command);
        }
        assertEquals("error: " + missing + ": no such file or directory",
                Cli.run("conformance", missing.toString()).error(Main.EXIT_BAD_INPUT));
    }

    @Test
    void programTheVmCannotLoadIsAnError() throws IOException {
        Path source = dir.resolve("helper.s");
        Files.writeString(source, "call 9999\nexit\n");
        // the verifier refuses it first (exit 1); unverified, the VM refuses to load it (exit 2)
        assertTrue(Cli.run("run", source.toString()).error(Main.EXIT_FAILED)
                .contains("rejected by the verifier at insn 0: invalid func unknown#9999"));
        String error = Cli.run("run", "--no-verify", source.toString()).error(Main.EXIT_BAD_INPUT);
        assertTrue(error.startsWith("error: " + source + ": instruction 0: "), error);
    }

    @Test
    void truncatedElfObjectIsMalformed() throws IOException {
        Path object = dir.resolve("prog.o");
        Files.write(object, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        String error = Cli.run("run", object.toString()).error(Main.EXIT_BAD_INPUT);
        assertEquals("error: " + object + ": file is 8 bytes, too short for an ELF header (64 bytes)", error);
    }

    @Test
    void emptyProgramCannotRun() throws IOException {
        Path source = dir.resolve("empty.s");
        Files.writeString(source, "# nothing\n");
        assertEquals("error: " + source + ": the program has no instructions",
                Cli.run("run", source.toString()).error(Main.EXIT_BAD_INPUT));
    }

    @Test
    void usageErrorsExitWithTwo() {
        for (String[] args : new String[][] {
            {"frobnicate"}, {"run"}, {"run", "--repeat", "0", "x.s"}, {"run", "--budget", "0", "x.s"},
            {"run", "--repeat", "many", "x.s"}, {"disasm", "--syntax", "intel", "x.bin"}, {"conformance"}
        }) {
            Cli r = Cli.run(args);
            assertEquals(Main.EXIT_BAD_INPUT, r.status(), () -> String.join(" ", args) + ": " + r.err());
            r.assertNoStackTrace();
            assertFalse(r.err().isBlank(), String.join(" ", args));
        }
        assertTrue(Cli.run("disasm", "--syntax", "intel", "x.bin").err()
                .contains("unknown syntax 'intel' (valid: objdump, asm)"));
        assertEquals(Main.EXIT_BAD_INPUT, Cli.run().status(), "no command: usage");
    }

    @Test
    void internalErrorsHideTheStackTraceUnlessDebug() {
        CommandLine cl = Main.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int status = new ErrorHandler().handleExecutionException(new IllegalStateException("boom"), cl,
                cl.parseArgs("run", "x.s"));
        assertEquals(Main.EXIT_INTERNAL, status);
        assertTrue(err.toString().startsWith("internal error: java.lang.IllegalStateException: boom\n"), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());

        CommandLine debug = Main.newCommandLine();
        StringWriter debugErr = new StringWriter();
        debug.setErr(new PrintWriter(debugErr, true));
        status = new ErrorHandler().handleExecutionException(new IllegalStateException("boom"), debug,
                debug.parseArgs("run", "--debug", "x.s"));
        assertEquals(Main.EXIT_INTERNAL, status);
        assertTrue(debugErr.toString().contains("\tat "), "--debug shows the stack trace");
    }

    @Test
    void bpf4jExceptionsWithoutAFileAreStillOneLine() {
        CommandLine cl = Main.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        int status = new ErrorHandler().handleExecutionException(new MalformedInputException("x.s:3: bad"), cl,
                cl.parseArgs("run", "x.s"));
        assertEquals(Main.EXIT_BAD_INPUT, status);
        assertEquals("error: x.s:3: bad\n", err.toString());
    }
}
