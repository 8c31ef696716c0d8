package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.junit.jupiter.api.Test;

/**
 * {@code may_goto} on both engines: it falls through {@link Execution#MAY_GOTO_BUDGET} times in a
 * run, then jumps, so an endless loop it guards ends with the same count on the interpreter and
 * the JIT, and every run starts with the whole budget.
 */
class MayGotoTest {
    private static final Code LOOP = Assembler.assemble("""
            mov %r0, 0
            loop:
            add %r0, 1
            may_goto out
            ja loop
            out:
            exit
            """, "may_goto.s");

    private static long[] twoRuns(org.bpf4j.vm.Engine engine) {
        VmProgram p = VmProgram.load("may_goto", LOOP, VmOptions.defaults().withEngine(engine)
                .withInstructionBudget(Long.MAX_VALUE));
        Execution ex = p.newExecution();
        return new long[] {ex.run(), ex.run()};
    }

    @Test
    void bothEnginesCountTheBudgetPerRun() {
        long expected = Execution.MAY_GOTO_BUDGET + 1;
        long[] interpreted = twoRuns(Interpreter.INSTANCE);
        long[] compiled = twoRuns(Jit.INSTANCE);
        assertEquals(expected, interpreted[0]);
        assertEquals(expected, interpreted[1]);
        assertEquals(expected, compiled[0]);
        assertEquals(expected, compiled[1]);
    }
}
