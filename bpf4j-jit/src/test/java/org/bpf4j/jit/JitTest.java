package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.junit.jupiter.api.Test;

/** The JIT engine's own behaviour: it compiles, reports the budget as the interpreter does, lists its bytecode. */
class JitTest {
    static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);

    private static VmProgram load(String asm) {
        Code code = Assembler.assemble(asm, "t.s");
        return VmProgram.load("t", code, VmOptions.defaults().withEngine(JIT));
    }

    @Test
    void compilesAndRuns() {
        VmProgram p = load("""
                mov %r0, 0
                mov %r1, 0
                loop:
                add %r0, %r1
                add %r1, 1
                jle %r1, 10000, loop
                exit
                """);
        assertTrue(Jit.isCompiled(p));
        Execution ex = p.newExecution();
        assertEquals(50005000L, ex.run());
        VmProgram i = VmProgram.load("t", p.code(), VmOptions.defaults());
        Execution iex = i.newExecution();
        iex.run();
        assertEquals(iex.budgetUsed(), ex.budgetUsed(), "the same budget accounting as the interpreter");
    }

    @Test
    void listsTheGeneratedBytecode() {
        VmProgram p = load("mov %r0, 7\nexit");
        String listing = JIT.listing(p);
        assertTrue(listing.contains("f0e("), listing);
        assertTrue(listing.contains("lreturn"), listing);
    }
}
