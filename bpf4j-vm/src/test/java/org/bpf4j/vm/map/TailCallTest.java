package org.bpf4j.vm.map;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.junit.jupiter.api.Test;

/** {@code bpf_tail_call} through a program array. */
class TailCallTest {
    private static Code asm(String text) {
        return Assembler.assemble(text, "tail.s");
    }

    @Test
    void tailCallReplacesTheProgramAndFailedCallsFallThrough() {
        Code caller = asm("""
                mov %r6, %r1
                mov %r2, 0
                lddw %r2, map_idx(0)
                mov %r3, %r6
                call 12
                mov %r0, 99
                exit
                """);
        Code callee = asm("mov %r0, %r1\nadd %r0, 100\nexit");
        try (ProgArrayMap progs = (ProgArrayMap) BpfMap.create(MapDefinition.of("progs", MapType.PROG_ARRAY, 4, 4, 4))) {
            VmProgram a = VmProgram.load("caller", caller, List.of(progs), VmOptions.defaults());
            progs.set(1, VmProgram.load("callee", callee, VmOptions.defaults()));
            assertEquals(101, a.newExecution().run(1), "slot 1 holds the callee: r1 = 1 survives the tail call");
            assertEquals(99, a.newExecution().run(2), "slot 2 is empty: the call falls through");
            assertEquals(99, a.newExecution().run(7), "index past the end: the call falls through");
        }
    }

    @Test
    void atMost33TailCallsPerRun() {
        Code self = asm("""
                ldxdw %r0, [%r10-8]
                add %r0, 1
                stxdw [%r10-8], %r0
                lddw %r2, map_idx(0)
                mov %r3, 0
                call 12
                ldxdw %r0, [%r10-8]
                exit
                """);
        try (ProgArrayMap progs = (ProgArrayMap) BpfMap.create(MapDefinition.of("progs", MapType.PROG_ARRAY, 4, 4, 1))) {
            VmProgram p = VmProgram.load("self", self, List.of(progs), VmOptions.defaults());
            progs.set(0, p);
            assertEquals(1 + Interpreter.MAX_TAIL_CALLS, p.newExecution().run(),
                    "the entry plus 33 tail calls, sharing one stack frame");
            var ex = p.newExecution();
            ex.run();
            assertEquals(34, ex.run(), "the count starts again with each run");
        }
    }

    @Test
    void tailCallFromASubprogramReturnsToTheCallersCode() {
        Code caller = asm("""
                call local sub
                add %r0, 1000
                exit
                sub:
                mov %r1, 0
                lddw %r2, map_idx(0)
                mov %r3, 0
                call 12
                mov %r0, 5
                exit
                """);
        Code target = asm("mov %r0, 7\nexit");
        try (ProgArrayMap progs = (ProgArrayMap) BpfMap.create(MapDefinition.of("progs", MapType.PROG_ARRAY, 4, 4, 1))) {
            VmProgram p = VmProgram.load("caller", caller, List.of(progs), VmOptions.defaults());
            progs.set(0, VmProgram.load("target", target, VmOptions.defaults()));
            assertEquals(1007, p.newExecution().run(), "the tail-called program returns to the subprogram's caller");
        }
    }
}
