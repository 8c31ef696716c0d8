package org.bpf4j.trace.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.bpf4j.linux.probe.NativeElf;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The unwind rows {@code dw_ustack} walks, from the {@code .eh_frame} of the CLI tests' program
 * built without frame pointers ({@code bpf4j-cli/src/test/resources/dwunwind/nofp}, see its
 * build.sh): the rows were checked against {@code readelf --debug-dump=frames-interp} ({@code end}:
 * the return address undefined, as {@code _start}'s from its first instruction).
 */
class EhFrameTest {
    private static final Path NOFP = Path.of("..", "bpf4j-cli", "src", "test", "resources", "dwunwind", "nofp");

    private static String text(List<EhFrame.Row> rows) {
        return rows.stream().map(r -> Long.toHexString(r.pc()) + " " + switch (r.kind() & 0x3f) {
            case EhFrame.RA_REG -> "r" + (r.extra() & 0xff) + "+" + r.cfaOffset() + " ra@r" + (r.extra() >> 8);
            case EhFrame.CFA_DEREF_INDEX -> "*(" + ((r.cfaOffset() >> 30 & 1) == 1 ? "rbp" : "rsp") + "+r" + r.extra()
                    + "*" + (1 << (r.cfaOffset() >> 28 & 3)) + "+" + (r.cfaOffset() << 12 >> 12) + ")+"
                    + (r.cfaOffset() >> 20 & 0xff);
            case EhFrame.CFA_RSP -> "rsp+" + r.cfaOffset();
            case EhFrame.CFA_RBP -> "rbp+" + r.cfaOffset();
            case EhFrame.CFA_PLT -> "plt" + r.cfaOffset();
            case EhFrame.CFA_REG -> "r" + r.extra() + "+" + r.cfaOffset();
            case EhFrame.CFA_DEREF_RSP -> "*(rsp+" + r.cfaOffset() + ")+" + r.extra();
            case EhFrame.CFA_DEREF_RBP -> "*(rbp+" + r.cfaOffset() + ")+" + r.extra();
            case EhFrame.CFA_SIGNAL -> "signal*(rsp+" + r.cfaOffset() + ")";
            case EhFrame.END -> "end";
            default -> "stop";
        } + ((r.kind() & EhFrame.REGISTERS) != 0 && (r.kind() & 0x3f) != EhFrame.CFA_SIGNAL ? " rbp@r" + r.rbpOffset()
                : (r.kind() & EhFrame.RBP_AT_RBP) != 0 ? " rbp@rbp" + r.rbpOffset()
                : r.rbpOffset() != 0 ? " rbp@" + r.rbpOffset() : "")).collect(Collectors.joining("\n", "", "\n"));
    }

    @Test
    void rowsOfAProgramWithoutFramePointers() {
        Assumptions.assumeTrue(Files.exists(NOFP), "SKIPPED: " + NOFP + " is not there");
        assertEquals("""
                401020 rsp+16
                401026 rsp+24
                401030 plt11
                4010a0 rsp+8
                4010a1 rsp+16 rbp@-16
                4010a2 rsp+24 rbp@-16
                4010a9 rsp+32 rbp@-16
                4010ed rsp+24 rbp@-16
                4010f0 rsp+16 rbp@-16
                4010f1 rsp+8 rbp@-16
                4010f2 rsp+32 rbp@-16
                40116e stop
                401170 end
                401192 stop
                4011a0 rsp+8
                4011a1 stop
                401260 rsp+8
                40126b stop
                401270 rsp+8
                401277 rsp+224
                4012a3 rsp+8
                4012a4 stop
                4012b0 rsp+8
                4012b4 rsp+16
                4012cc rsp+8
                4012cd stop
                4012d0 rsp+8
                4012d4 rsp+16
                4012ec rsp+8
                4012ed stop
                """, text(EhFrame.rows(NativeElf.read(NOFP))));
    }

    @Test
    void rowsOfAStackRealignedByHand() {
        // frames.c's realign (as OpenSSL's assembly): the CFA in rax (DWARF register 0), then the
        // expression *(rsp+40)+8; readelf --debug-dump=frames-interp shows "rax+8" and "exp"
        Path frames = NOFP.resolveSibling("frames");
        Assumptions.assumeTrue(Files.exists(frames), "SKIPPED: " + frames + " is not there");
        NativeElf elf = NativeElf.read(frames);
        long at = elf.symbol("realign").orElseThrow().value();
        String all = text(EhFrame.rows(elf));
        String want = String.format("%x rsp+8%n%x r0+8%n%x *(rsp+40)+8%n%x r0+8%n%x rsp+8%n", at, at + 3, at + 0x11,
                at + 0x18, at + 0x1f);
        assertTrue(all.contains(want), want + " in\n" + all);
    }

    @Test
    void rowsOfGccsDynamicRealignment() {
        // frames.c's drap, as gcc builds it (DRAP): CFA r10 (DWARF register 10) while the stack is
        // realigned, rbp saved at rbp+0 (DW_CFA_expression rbp: DW_OP_breg6 0), then the CFA
        // *(rbp-8); readelf --debug-dump=frames-interp shows "r10+0", "exp" (rbp) and "exp" (CFA)
        Path frames = NOFP.resolveSibling("frames");
        Assumptions.assumeTrue(Files.exists(frames), "SKIPPED: " + frames + " is not there");
        NativeElf elf = NativeElf.read(frames);
        long at = elf.symbol("drap").orElseThrow().value();
        String all = text(EhFrame.rows(elf));
        String want = String.format("%x rsp+8%n%x r10+0%n%x r10+0 rbp@rbp0%n%x *(rbp+-8)+0 rbp@rbp0%n"
                + "%x r10+0 rbp@rbp0%n%x rsp+8 rbp@rbp0%n", at, at + 5, at + 0x1f, at + 0x21, at + 0x49, at + 0x5c);
        assertTrue(all.contains(want), want + " in\n" + all);
    }

    @Test
    void aRuleNotFollowedStopsAndAnUndefinedReturnAddressEnds() {
        // frames.c's odd: a CFA expression with DW_OP_xor (not followed: the walk fails there);
        // _start: the return address undefined (the outermost frame: the walk ends there)
        Path frames = NOFP.resolveSibling("frames");
        Assumptions.assumeTrue(Files.exists(frames), "SKIPPED: " + frames + " is not there");
        NativeElf elf = NativeElf.read(frames);
        long odd = elf.symbol("odd").orElseThrow().value();
        long start = elf.symbol("_start").orElseThrow().value();
        String all = text(EhFrame.rows(elf));
        // (odd's first row, rsp+8, is the one before it: rows repeating the rule before them are dropped)
        assertTrue(all.contains(String.format("%x stop%n%x rsp+8%n", odd + 4, odd + 10)), all);
        assertTrue(all.contains(String.format("%x end%n", start)), all);
    }

    @Test
    void rowsAreSortedAndAFunctionsStartWinsOverTheEndBeforeIt() {
        List<EhFrame.Row> rows = EhFrame.normalize(List.of(new EhFrame.Row(0x20, EhFrame.STOP, 0, 0),
                new EhFrame.Row(0x10, EhFrame.CFA_RSP, 8, 0), new EhFrame.Row(0x20, EhFrame.CFA_RSP, 16, 0),
                new EhFrame.Row(0x18, EhFrame.CFA_RSP, 8, 0), new EhFrame.Row(0x30, EhFrame.STOP, 0, 0),
                new EhFrame.Row(0x40, EhFrame.STOP, 0, 0)));
        assertEquals("10 rsp+8\n20 rsp+16\n30 stop\n", text(rows));
    }

    @Test
    void theCLibrarysRowsAreOrderedAndClosed() throws Exception {
        Path libc = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");
        Assumptions.assumeTrue(Files.exists(libc), "SKIPPED: no " + libc);
        // the C library has thousands of functions; rows in order, each function closed
        List<EhFrame.Row> rows = EhFrame.rows(NativeElf.read(libc));
        assertTrue(rows.size() > 1000, "rows: " + rows.size());
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i - 1).pc() < rows.get(i).pc());
        }
        assertEquals(EhFrame.STOP, rows.getLast().kind());
        // __restore_rt's signal frame: CFA = *(rsp+160) (uc_mcontext's rsp), rip at rsp+168, rbp at
        // rsp+120, and every other register where struct sigcontext has it (REGISTERS)
        int signal = EhFrame.CFA_SIGNAL | EhFrame.REGISTERS;
        assertEquals(1, rows.stream().filter(r -> r.kind() == signal).count(), "signal frames");
        EhFrame.Row sig = rows.stream().filter(r -> r.kind() == signal).findFirst().orElseThrow();
        assertEquals(List.of(160, 8, 120), List.of(sig.cfaOffset(), sig.extra(), sig.rbpOffset()), sig.toString());
    }

    @Test
    void aReturnAddressInARegisterIsARowOfItsOwn() {
        // registers.c's rareg pops its return address into rcx (DWARF register 2): CFA rsp+0 and
        // the return address in rcx after the pop; readelf --debug-dump=frames-interp shows
        // "rsp+0" and ra "r2 (rcx)"
        Path registers = NOFP.resolveSibling("registers");
        Assumptions.assumeTrue(Files.exists(registers), "SKIPPED: " + registers + " is not there");
        NativeElf elf = NativeElf.read(registers);
        long at = elf.symbol("rareg").orElseThrow().value();
        String all = text(EhFrame.rows(elf));
        String want = String.format("%x rsp+8%n%x r7+0 ra@r2%n", at, at + 1);
        assertTrue(all.contains(want), want + " in\n" + all);
        // montlike, as OpenSSL's bn_mul_mont: CFA rax+8 (rbp saved at CFA-16), then the expression
        // *(rsp+8+r9*8)+8, then rsi+8; readelf --debug-dump=frames-interp shows "exp" for it
        at = elf.symbol("montlike").orElseThrow().value();
        want = String.format("%x rsp+8%n%x r0+8%n%x r0+8 rbp@-16%n%x *(rsp+r9*8+8)+8 rbp@-16%n%x r4+8 rbp@-16%n"
                + "%x r4+8%n%x rsp+8%n", at, at + 3, at + 4, at + 0x19, at + 0x23, at + 0x27, at + 0x2a);
        assertTrue(all.contains(want), want + " in\n" + all);
        // rbpreg keeps rbp in r11 (DWARF register 11) from its second instruction on
        at = elf.symbol("rbpreg").orElseThrow().value();
        want = String.format("%x rsp+8%n%x rsp+8 rbp@r11%n%x rsp+8%n", at, at + 3, at + 9);
        assertTrue(all.contains(want), want + " in\n" + all);
    }

    /** The census line of a file: all rows, followed in any frame, where registers are known, ends, failures. */
    private static String census(Path file) {
        Assumptions.assumeTrue(Files.exists(file), "SKIPPED: no " + file);
        EhFrame.Census c = EhFrame.census(NativeElf.read(file));
        assertEquals(c.rows(), c.anyFrame() + c.knownRegisters() + c.ends() + c.failures(), c.toString());
        return c.rows() + " rows: " + c.anyFrame() + " any frame, " + c.knownRegisters() + " registers known, "
                + c.ends() + " ends, " + c.failures() + " not followed " + c.unsupported();
    }

    @Test
    void everyRowOfTheJvmIsFollowed() {
        // libjvm.so's stubs that keep their return address in rcx (4 rows) are followed where the
        // registers are known; every other row in every frame
        String c = census(Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so"));
        assertTrue(c.matches("\\d+ rows: \\d+ any frame, \\d+ registers known, 0 ends, 0 not followed \\{\\}"), c);
    }

    @Test
    void theCLibrarysRowsNotFollowedAreLongjmpsAndSetcontexts() {
        // __longjmp, __longjmp_chk (rsp in a register), setcontext (rip and rsp at the context's
        // place, the CFA in rdx): as readelf --debug-dump=frames shows them
        String c = census(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        assertTrue(c.endsWith(" 4 not followed {return address rule=1, rsp rule=3}"), c);
    }
}
