package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The decisive line of verifier logs, and the CPU list parser. */
class VerifierExceptionTest {
    @Test
    void summaryIsTheLastLineThatIsNotStatisticsOrTrace() {
        String log = """
                func#0 @0
                0: R1=ctx() R10=fp0
                0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2_w=pkt()
                1: (71) r0 = *(u8 *)(r2 +0)
                invalid access to packet, off=0 size=1, R2(id=0,off=0,r=0)
                R2 offset is outside of the packet
                processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
                """;
        assertEquals("R2 offset is outside of the packet", VerifierException.summarize(log));
        assertEquals("", VerifierException.summarize(""));
        assertEquals("R0 !read_ok", VerifierException.summarize("0: (95) exit\nR0 !read_ok\nprocessed 1 insns\n"));
    }

    @Test
    void possibleCpuLists() {
        assertEquals(2, PossibleCpus.parse("0-1\n"));
        assertEquals(1, PossibleCpus.parse("0"));
        assertEquals(7, PossibleCpus.parse("0,2-5,8-9"));
    }
}
