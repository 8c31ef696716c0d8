package org.bpf4j.cli;

import java.util.OptionalLong;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;

/**
 * A {@link Backend} over one of the VM's engines. Immutable.
 *
 * @param engine the VM engine
 * @param description what it is, for help texts
 */
record VmBackend(Engine engine, String description) implements Backend {
    @Override
    public String name() {
        return engine.name();
    }

    @Override
    public Runner load(String name, Code code, long budget) {
        VmProgram program = VmProgram.load(name, code,
                VmOptions.defaults().withEngine(engine).withInstructionBudget(budget));
        Execution execution = program.newExecution();
        return new Runner() {
            @Override
            public long run(byte[] memory) {
                return execution.runWithMemory(memory);
            }

            @Override
            public long runBatch(byte[] memory, int runs) {
                byte[] input = memory == null ? null : memory.clone();
                long r0 = 0;
                for (int i = 0; i < runs; i++) {
                    r0 = execution.runOnMemory(input);
                }
                return r0;
            }

            /**
             * Not known: the VM charges its budget at backward jumps and returns only (see
             * {@code Interpreter}), which bounds but does not count the instructions executed, so
             * no instruction count or ns/insn is printed rather than an approximate one.
             */
            @Override
            public OptionalLong instructions() {
                return OptionalLong.empty();
            }
        };
    }
}
