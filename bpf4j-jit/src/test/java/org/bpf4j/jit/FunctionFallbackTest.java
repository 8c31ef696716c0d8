package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-function fallback: a function the JIT cannot compile runs on the interpreter (with what it
 * calls) while the rest of the program stays compiled, with the interpreter's results, traps and
 * budget accounting.
 */
class FunctionFallbackTest {
    /** Functions above 60 instructions are not compiled. */
    private static final Jit LENIENT = Jit.INSTANCE.withMaxFunctionInstructions(60)
            .withFallback(Jit.Fallback.INTERPRETER);

    @AfterEach
    void clearHook() {
        UnitCompiler.tooLargeForTests = null;
    }

    /** main (small) loops over a call of big (too large) and small; big calls small too. */
    private static Code program() {
        StringBuilder asm = new StringBuilder("""
                mov %r6, 0
                mov %r7, 0
                loop:
                mov %r1, %r6
                call local big
                add %r7, %r0
                mov %r1, %r6
                call local small
                add %r7, %r0
                add %r6, 1
                jlt %r6, 20, loop
                mov %r0, %r7
                exit
                big:
                mov %r0, %r1
                stxdw [%r10-8], %r1
                """);
        for (int i = 0; i < 80; i++) {
            asm.append("add %r0, ").append(i).append('\n');
        }
        asm.append("""
                ldxdw %r1, [%r10-8]
                mov %r6, %r0
                call local small
                add %r0, %r6
                exit
                small:
                mov %r0, %r1
                mul %r0, 3
                mov %r2, 0
                sloop:
                add %r2, 1
                jlt %r2, 3, sloop
                add %r0, %r2
                exit
                """);
        return Assembler.assemble(asm.toString(), "fallback.s");
    }

    private static void assertSameAsInterpreter(Code code, Jit jit, List<Integer> interpreted) {
        VmProgram i = VmProgram.load("fallback", code, VmOptions.defaults().withEngine(Interpreter.INSTANCE));
        Execution iex = i.newExecution();
        long expected = iex.run();
        VmProgram j = VmProgram.load("fallback", code, VmOptions.defaults().withEngine(jit));
        assertTrue(Jit.isCompiled(j), "the program stays compiled");
        assertEquals(interpreted, Jit.interpretedFunctions(j), "functions on the interpreter");
        Execution jex = j.newExecution();
        for (int run = 0; run < 3; run++) {
            assertEquals(expected, jex.run(), "r0, run " + run);
            assertEquals(iex.budgetUsed(), jex.budgetUsed(), "budget used, run " + run);
        }
    }

    /** The slot of the first instruction after the given number of instructions (all one slot here). */
    private static int bigSlot() {
        return 12; // main has 12 one-slot instructions before big:
    }

    @Test
    void aTooLargeFunctionRunsInterpretedAndTheRestCompiled() {
        Code code = program();
        assertSameAsInterpreter(code, LENIENT, List.of(bigSlot()));
    }

    @Test
    void aFunctionWhoseCodeExceedsTheMethodLimitRunsInterpreted() {
        // As if the generated code of big were over HotSpot's 8,000 bytes (estimates keep real code under it).
        UnitCompiler.tooLargeForTests = "f" + bigSlot();
        assertSameAsInterpreter(program(), Jit.INSTANCE.withFallback(Jit.Fallback.INTERPRETER), List.of(bigSlot()));
    }

    @Test
    void underFailTheMethodLimitRefusesTheProgram() {
        UnitCompiler.tooLargeForTests = "f" + bigSlot();
        JitCompilationException e = assertThrows(JitCompilationException.class, () -> VmProgram.load("fallback",
                program(), VmOptions.defaults().withEngine(Jit.INSTANCE.withFallback(Jit.Fallback.FAIL))));
        assertTrue(e.getMessage().contains("generated method f" + bigSlot()), e.getMessage());
    }

    @Test
    void theEntryFunctionCanBeTheOneInterpreted() {
        UnitCompiler.tooLargeForTests = "f0e";
        assertSameAsInterpreter(program(), Jit.INSTANCE.withFallback(Jit.Fallback.INTERPRETER), List.of(0));
    }

    @Test
    void aTrapInAnInterpretedFunctionIsTheInterpreters() {
        StringBuilder asm = new StringBuilder("mov %r1, 5\ncall local big\nexit\nbig:\nmov %r0, 0\n");
        for (int i = 0; i < 70; i++) {
            asm.append("add %r0, 1\n");
        }
        asm.append("ldxdw %r0, [%r0+0]\nexit\n");
        Code code = Assembler.assemble(asm.toString(), "trap.s");
        VmTrapException expected = assertThrows(VmTrapException.class, () -> VmProgram.load("trap", code,
                VmOptions.defaults().withEngine(Interpreter.INSTANCE)).newExecution().run());
        VmProgram j = VmProgram.load("trap", code, VmOptions.defaults().withEngine(LENIENT));
        assertEquals(List.of(3), Jit.interpretedFunctions(j));
        VmTrapException actual = assertThrows(VmTrapException.class, () -> j.newExecution().run());
        assertEquals(expected.kind(), actual.kind());
        assertEquals(expected.getMessage(), actual.getMessage());
    }

    @Test
    void aHelperCallbackFromAnInterpretedFunctionRuns() {
        StringBuilder asm = new StringBuilder("call local big\nexit\nbig:\n");
        for (int i = 0; i < 70; i++) {
            asm.append("mov %r0, ").append(i).append('\n');
        }
        asm.append("""
                stdw [%r10-8], 0
                mov %r1, 10
                lddw %r2, code_addr(body)
                mov %r3, %r10
                add %r3, -8
                mov %r4, 0
                call 181
                ldxdw %r1, [%r10-8]
                lsh %r1, 8
                or %r0, %r1
                exit
                body:
                ldxdw %r3, [%r2]
                add %r3, %r1
                stxdw [%r2], %r3
                mov %r0, 0
                exit
                """);
        Code code = Assembler.assemble(asm.toString(), "loop.s");
        VmProgram i = VmProgram.load("loop", code, VmOptions.defaults().withEngine(Interpreter.INSTANCE));
        Execution iex = i.newExecution();
        long expected = iex.run();
        assertEquals(45L << 8 | 10, expected);
        VmProgram j = VmProgram.load("loop", code, VmOptions.defaults().withEngine(LENIENT));
        assertEquals(List.of(2), Jit.interpretedFunctions(j));
        Execution jex = j.newExecution();
        assertEquals(expected, jex.run());
        assertEquals(iex.budgetUsed(), jex.budgetUsed());
    }
}
