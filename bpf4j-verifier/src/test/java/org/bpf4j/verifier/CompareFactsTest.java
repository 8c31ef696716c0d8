package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * {@link AccessFacts#signedCompare}: which unsigned comparisons have the signed comparison's
 * outcome on every path, and that a pruning which relied on imprecise scalars drops them.
 */
class CompareFactsTest {
    private static AccessFacts facts(Code code) {
        VerificationResult r = Verifier.verify(new VerifierInput("t", code, ProgramType.SOCKET_FILTER, List.of(), true)
                .withEntryMemory(16));
        assertTrue(r.accepted(), () -> "rejected: " + r);
        return ((VerificationResult.Accepted) r).facts();
    }

    /** The slot of the {@code n}-th conditional jump. */
    private static int jump(Code code, int n) {
        for (int s = 0; s < code.slotCount(); s++) {
            if (code.atSlot(s) instanceof Instruction.Jump && n-- == 0) {
                return s;
            }
        }
        throw new IllegalArgumentException("no jump " + n);
    }

    @Test
    void loopCounterAgainstAConstant() {
        Code code = Assembler.assemble("""
                mov %r0, 0
                mov %r1, 0
                loop:
                add %r0, %r1
                add %r1, 1
                jle %r1, 100, loop
                exit
                """, "loop.s");
        AccessFacts f = facts(code);
        assertTrue(f.signedCompare(jump(code, 0)));
        assertEquals(1, f.signedCompareCount());
        assertEquals(0, f.count(), "no memory facts");
    }

    /** The fact at the last conditional jump of a program that loads R2 (64 bits) and R3 (32 bits) from its input first. */
    private static boolean lastJump(String body) {
        Code code = Assembler.assemble("""
                ldxdw %r2, [%r1+0]
                ldxw %r3, [%r1+8]
                mov %r0, 0
                """ + body + """
                mov %r0, 1
                exit
                """, "signs.s");
        int last = -1;
        for (int s = 0; s < code.slotCount(); s++) {
            last = code.atSlot(s) instanceof Instruction.Jump ? s : last;
        }
        return facts(code).signedCompare(last);
    }

    @Test
    void operandsThatMayBeNegative() {
        assertFalse(lastJump("jgt %r2, 5, +1\n"), "any 64-bit value");
        assertTrue(lastJump("rsh %r2, 1\njgt %r2, 5, +1\n"), "bit 63 cleared");
        assertFalse(lastJump("jgt32 %r3, 5, +1\n"), "any 32-bit value: bit 31 unknown");
        assertTrue(lastJump("and %r3, 0x7fffffff\njlt32 %r3, 7, +1\n"), "bit 31 cleared");
        assertTrue(lastJump("jlt %r3, 7, +1\n"), "a 32-bit load is a non-negative 64-bit value");
        assertTrue(lastJump("mov %r4, -5\njlt %r4, -1, +1\n"), "both negative");
        assertFalse(lastJump("mov %r4, -5\njlt %r4, 1, +1\n"), "of different signs");
        assertFalse(lastJump("jslt %r2, 7, +1\n"), "a signed jump needs no fact");
        assertFalse(lastJump("jne %r2, 7, +1\n"), "an equality needs no fact");
    }

    @Test
    void pointersHaveNoFact() {
        Code code = Assembler.assemble("""
                mov %r0, 0
                mov %r2, %r1
                add %r2, 8
                jgt %r2, %r1, a
                mov %r0, 1
                a:
                exit
                """, "pointers.s");
        assertFalse(facts(code).signedCompare(jump(code, 0)));
    }

    /**
     * The second path reaches {@code join} with R3 = {@code value}, where the first one had R3 in
     * 0..255, which no safety decision made precise: it is pruned there. If its R3 lies outside
     * 0..255 (-1), the comparison below was never checked with it, so no fact is kept; if
     * inside (7), the fact holds.
     */
    private static Code pruned(long value) {
        return Assembler.assemble("""
                ldxb %r2, [%r1+0]
                ldxb %r3, [%r1+1]
                ldxb %r6, [%r1+2]
                jeq %r6, 0, other
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                jeq %r4, 7, join
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                jeq %r4, 7, join
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                mov %r4, 1
                ja join
                other:
                mov %r3, VALUE
                join:
                jlt %r3, %r2, +2
                mov %r0, 1
                exit
                mov %r0, 2
                exit
                """.replace("VALUE", Long.toString(value)), "pruned.s");
    }

    @Test
    void pruningOnImpreciseScalarsDropsTheFacts() {
        for (long value : new long[] {-1, 7}) {
            Code code = pruned(value);
            int jlt = jump(code, 3);
            VerificationResult r = Verifier.verify(new VerifierInput("t", code, ProgramType.SOCKET_FILTER, List.of(),
                    true).withEntryMemory(16), VerifierOptions.defaults().withLogLevel(2));
            assertTrue(r.accepted(), () -> "rejected: " + r);
            assertTrue(r.log().contains("\n" + jlt + ": safe"), "the second path is pruned at the comparison:\n" + r.log());
            AccessFacts f = ((VerificationResult.Accepted) r).facts();
            if (value < 0) {
                assertFalse(f.signedCompare(jlt), "R3 = -1 was not checked");
            } else {
                assertTrue(f.signedCompare(jlt), "R3 = 7 lies inside 0..255");
            }
        }
    }

    /** A pruning with a different return value, after the last comparison, keeps the facts. */
    @Test
    void pruningAfterTheLastComparisonKeepsThem() {
        Code code = Assembler.assemble("""
                ldxb %r2, [%r1+0]
                mov %r0, 0
                jlt %r2, 7, a
                mov %r0, 1
                jeq %r0, 7, +0
                jeq %r0, 7, +0
                mov %r3, 1
                mov %r3, 1
                mov %r3, 1
                mov %r3, 1
                mov %r3, 1
                a:
                exit
                """, "exit.s");
        assertTrue(facts(code).signedCompare(jump(code, 0)));
    }
}
