package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/** Loading programs and running them with BPF_PROG_TEST_RUN in the real kernel. */
@KernelTest
class KernelProgramTest {
    static Bpf.ProgLoad load(ProgramType type, Code code) {
        return new Bpf.ProgLoad(type.id(), code.toBytes(), "GPL", 0, 0, 0, 0, "t_prog", 0, 0, 0, new byte[0],
                new byte[0], 0, 0, new int[0]);
    }

    @Test
    void socketFilterReturnsItsValue() {
        Code code = Assembler.assemble("mov %r0, 42\nexit\n", "t.s");
        try (KernelProgram p = Kernel.system().loadProgram("t_prog", ProgramType.SOCKET_FILTER,
                load(ProgramType.SOCKET_FILTER, code))) {
            KernelProgram.TestRunResult r = p.testRun(KernelProgram.TestRun.ofData(new byte[64]));
            assertEquals(42, r.retval());
            assertTrue(p.id() > 0);
            assertEquals("t_prog", p.info().name());
        }
    }

    @Test
    void xdpWritesThePacket() {
        // if data + 2 > data_end: return XDP_ABORTED; *(u16 *) data = 0xbeef; return XDP_PASS
        Code code = Assembler.assemble("""
                ldxw %r2, [%r1]
                ldxw %r3, [%r1+4]
                mov %r4, %r2
                add %r4, 2
                jgt %r4, %r3, +4
                mov %r5, 0xbeef
                stxh [%r2], %r5
                mov %r0, 2
                exit
                mov %r0, 0
                exit
                """, "t.s");
        try (KernelProgram p = Kernel.system().loadProgram("t_xdp", ProgramType.XDP, load(ProgramType.XDP, code))) {
            KernelProgram.TestRunResult r = p.testRun(KernelProgram.TestRun.ofData(new byte[64]));
            assertEquals(2, r.retval());
            assertEquals(64, r.dataOut().length);
            assertEquals((byte) 0xef, r.dataOut()[0]);
            assertEquals((byte) 0xbe, r.dataOut()[1]);
        }
    }

    @Test
    void verifierRejectionCarriesTheLogAndItsDecisiveLine() {
        // r0 is never written: the verifier refuses the exit.
        Code code = Assembler.assemble("exit\n", "t.s");
        VerifierException e = assertThrows(VerifierException.class, () -> Kernel.system().loadProgram("t_bad",
                ProgramType.SOCKET_FILTER, load(ProgramType.SOCKET_FILTER, code)));
        assertEquals(Errno.EACCES, e.errno());
        assertEquals("R0 !read_ok", e.summary());
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
        assertTrue(e.getMessage().startsWith("t_bad: R0 !read_ok (EACCES)"), e.getMessage());
    }
}
