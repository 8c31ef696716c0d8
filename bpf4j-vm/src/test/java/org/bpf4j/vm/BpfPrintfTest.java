package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.vm.map.Errno;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The printk format language, from {@code printf-cases.txt}, and the helpers around it. */
class BpfPrintfTest {
    @TestFactory
    Stream<DynamicTest> cases() throws Exception {
        Path file = Path.of(BpfPrintfTest.class.getResource("/printf-cases.txt").toURI());
        List<DynamicTest> tests = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file)) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(" \\| ", -1);
            String where = "printf-cases.txt:" + lineNo + ": " + line;
            tests.add(DynamicTest.dynamicTest(where, () -> check(where, f[0], f[1], f[2])));
        }
        return tests.stream();
    }

    private static void check(String where, String fmt, String args, String expected) {
        Memory mem = new Memory();
        mem.add("string", "hello\0".getBytes(StandardCharsets.US_ASCII), false);
        long[] values = args.equals("-") ? new long[0]
                : java.util.Arrays.stream(args.split(",")).mapToLong(a -> Long.parseUnsignedLong(a.trim(), 16)).toArray();
        BpfPrintf.Result r = BpfPrintf.format(mem, fmt.getBytes(StandardCharsets.ISO_8859_1), values);
        String got = r.error() < 0 ? "!" + Errno.name(r.error()) : new String(r.text(), StandardCharsets.ISO_8859_1);
        assertEquals(expected, got, where);
    }

    @Test
    void tracePrintkWritesToTheSinkAndReturnsTheLength() {
        StringBuilder sink = new StringBuilder();
        var options = VmOptions.defaults().withEnvironment(Environment.system().withTraceSink(sink::append));
        var prog = Assembler.assemble("""
                lddw %r1, 0x000a6425203d2078   # "x = %d\\n\\0" little-endian
                stxdw [%r10-8], %r1
                mov %r1, %r10
                add %r1, -8
                mov %r2, 8
                mov %r3, -7
                call 6
                exit
                """, "printk.s");
        long r0 = VmProgram.load("printk", prog, options).newExecution().run();
        assertEquals("x = -7\n", sink.toString());
        assertEquals(7, r0);
    }

    @Test
    void snprintfWritesAndReturnsTheLengthWithNul() {
        var prog = Assembler.assemble("""
                lddw %r1, 0x0000000064256425   # "%d%d\\0"
                stxdw [%r10-8], %r1
                stdw [%r10-24], 12
                stdw [%r10-16], 345
                mov %r1, %r10
                add %r1, -40
                mov %r2, 4
                mov %r3, %r10
                add %r3, -8
                mov %r4, %r10
                add %r4, -24
                mov %r5, 16
                call 165
                ldxw %r1, [%r10-40]
                lsh %r0, 32
                or %r0, %r1
                exit
                """, "snprintf.s");
        long r0 = VmProgram.load("snprintf", prog).newExecution().run();
        assertEquals(6, r0 >>> 32, "\"12345\" is 5 bytes and a NUL");
        assertEquals(0x00333231, (int) r0, "cut to 3 characters and a NUL");
    }
}
