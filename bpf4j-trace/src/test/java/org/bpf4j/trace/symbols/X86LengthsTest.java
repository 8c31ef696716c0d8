package org.bpf4j.trace.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.probe.NativeElf;
import org.junit.jupiter.api.Test;

/**
 * The x86-64 instruction lengths against LLVM's disassembler: every instruction llvm-objdump
 * decodes in the .text of a few system binaries must have the same length here. Skipped, with the
 * reason, where llvm-objdump or the binaries are missing.
 */
class X86LengthsTest {
    private static final java.util.Set<String> PREFIXES = java.util.Set.of("lock", "rep", "repe", "repne", "repz",
            "repnz", "data16", "notrack", "cs", "ds", "es", "ss", "fs", "gs", "addr32", "rex64", "bnd", "xacquire",
            "xrelease");
    private static final int PER_BINARY = 150_000;
    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\s+(.*)$");

    @Test
    void lengthsAgreeWithLlvmObjdump() throws Exception {
        Path objdump = List.of(Path.of("/usr/bin/llvm-objdump-19"), Path.of("/usr/bin/llvm-objdump")).stream()
                .filter(Files::isExecutable).findFirst().orElse(null);
        assumeTrue(objdump != null, "skipped: llvm-objdump is not installed");
        List<Path> binaries = List.of(Path.of("/bin/bash"), Path.of("/usr/bin/ls"), Path.of("/usr/bin/bpftrace"),
                Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so"))
                .stream().filter(Files::isReadable).toList();
        assumeTrue(!binaries.isEmpty(), "skipped: no system binaries to compare with");
        long compared = 0;
        for (Path bin : binaries) {
            NativeElf elf = NativeElf.read(bin);
            NativeElf.Section text = elf.section(".text").orElseThrow();
            ByteBuffer data = elf.data(text);
            byte[] code = new byte[data.remaining()];
            data.get(code);
            Process p = new ProcessBuilder(objdump.toString(), "-d", "--no-show-raw-insn", "--section=.text",
                    bin.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            List<long[]> insns = new ArrayList<>(); // address, 1 if llvm decoded it
            long pendingPrefix = -1;
            try (var r = p.inputReader()) {
                String l;
                while ((l = r.readLine()) != null) {
                    Matcher m = LINE.matcher(l);
                    if (m.matches()) {
                        String insn = m.group(2).strip();
                        boolean unknown = insn.contains("<unknown>") || insn.contains("(bad)");
                        long addr = Long.parseLong(m.group(1), 16);
                        if (PREFIXES.contains(insn)) {
                            pendingPrefix = addr; // LLVM lists a prefix on a line of its own
                            continue;
                        }
                        insns.add(new long[] {pendingPrefix >= 0 ? pendingPrefix : addr, unknown ? 0 : 1});
                        pendingPrefix = -1;
                    }
                }
            }
            p.waitFor();
            if (insns.size() < 1000) {
                System.out.println("x86-64 lengths: " + bin + " not compared (llvm-objdump listed " + insns.size()
                        + " instructions)");
                continue;
            }
            // the first instructions of each binary (a whole libjvm takes minutes on a loaded machine)
            for (int i = 0; i + 1 < Math.min(insns.size(), PER_BINARY); i++) {
                long addr = insns.get(i)[0];
                long next = insns.get(i + 1)[0];
                if (insns.get(i)[1] == 0 || next <= addr || next - addr > 15) {
                    continue; // not an instruction to LLVM, or a gap (padding, a new function)
                }
                int at = (int) (addr - text.address());
                int n = X86Lengths.length(code, at, code.length);
                assertEquals(next - addr, n, bin + " at 0x" + Long.toHexString(addr) + ": bytes "
                        + hex(code, at, (int) (next - addr)));
                compared++;
            }
        }
        System.out.println("x86-64 instruction lengths equal to llvm-objdump's: " + compared);
        assertTrue(compared > 100_000, "too few instructions compared: " + compared);
    }

    @Test
    void boundariesInsideAFunction() {
        // push rbp; mov rbp, rsp; sub rsp, 0x10; mov dword [rbp-4], edi; ret
        byte[] f = {0x55, 0x48, (byte) 0x89, (byte) 0xe5, 0x48, (byte) 0x83, (byte) 0xec, 0x10, (byte) 0x89, 0x7d,
            (byte) 0xfc, (byte) 0xc3};
        assertTrue(X86Lengths.isBoundary(f, 0, f.length, 0));
        assertTrue(X86Lengths.isBoundary(f, 0, f.length, 1));
        assertTrue(X86Lengths.isBoundary(f, 0, f.length, 4));
        assertTrue(X86Lengths.isBoundary(f, 0, f.length, 8));
        assertTrue(X86Lengths.isBoundary(f, 0, f.length, 11));
        assertTrue(!X86Lengths.isBoundary(f, 0, f.length, 2));
        assertTrue(!X86Lengths.isBoundary(f, 0, f.length, 5));
        assertTrue(!X86Lengths.isBoundary(f, 0, f.length, 9));
    }

    private static String hex(byte[] b, int at, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n && at + i < b.length; i++) {
            sb.append(String.format("%02x ", b[at + i] & 0xff));
        }
        return sb.toString().strip();
    }
}
