package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.junit.jupiter.api.Test;

/**
 * {@link Execution#runOnMemory} runs over the caller's array (a batch of runs shares one copy, as
 * the repeated runs of {@code BPF_PROG_TEST_RUN} do); {@link Execution#runWithMemory} over a copy.
 */
class RunOnMemoryTest {
    /** Returns the first byte plus R2 (the length) and increments the first byte. */
    private static final Code BUMP_FIRST_BYTE = Assembler.assemble("""
            ldxb %r0, [%r1+0]
            mov %r3, %r0
            add %r3, 1
            stxb [%r1+0], %r3
            add %r0, %r2
            exit
            """, "bump.s");

    @Test
    void runsOverTheCallersArray() {
        Execution ex = VmProgram.load("bump", BUMP_FIRST_BYTE).newExecution();
        byte[] data = {5, 0, 0};
        assertEquals(5 + 3, ex.runOnMemory(data));
        assertEquals(6 + 3, ex.runOnMemory(data), "the second run sees the first one's store");
        assertArrayEquals(new byte[] {7, 0, 0}, data);
    }

    @Test
    void runWithMemoryLeavesTheCallersArrayAlone() {
        Execution ex = VmProgram.load("bump", BUMP_FIRST_BYTE).newExecution();
        byte[] data = {5, 0, 0};
        assertEquals(5 + 3, ex.runWithMemory(data));
        assertEquals(5 + 3, ex.runWithMemory(data));
        assertArrayEquals(new byte[] {5, 0, 0}, data);
    }

    @Test
    void nullMemoryGivesZeroArguments() {
        Execution ex = VmProgram.load("r1r2", Assembler.assemble("mov %r0, %r1\nadd %r0, %r2\nexit\n", "r.s"))
                .newExecution();
        assertEquals(0, ex.runOnMemory(null));
    }
}
