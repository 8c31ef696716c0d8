package org.bpf4j.cli;

import java.util.OptionalLong;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Code;

/**
 * An engine as the commands use it: it loads a program and runs it on input memory. The VM's
 * engines are one kind ({@link VmBackend}); {@link KernelBackend} is another, which is why this
 * seam belongs to the command and not to the VM.
 */
interface Backend {
    /** The name that {@code --engine} takes. */
    String name();

    /** What the engine is, for help texts. */
    String description();

    /**
     * Loads a program.
     *
     * @param name the program's name for messages
     * @param code the program
     * @param budget the most instructions one run may execute
     * @throws Bpf4jException if the program cannot be loaded
     */
    Runner load(String name, Code code, long budget);

    /** A loaded program with the state to run it, reused across runs; close it when done. Not thread-safe. */
    interface Runner extends AutoCloseable {
        /**
         * Runs the program as the conformance suite does: R1 points to a copy of {@code memory}
         * and R2 holds its length, or both are 0 when {@code memory} is null.
         *
         * @return R0
         * @throws Bpf4jException if the run fails (a trap)
         */
        long run(byte[] memory);

        /**
         * Makes {@code runs} runs as one {@code BPF_PROG_TEST_RUN} with that repeat count does: R1
         * points to one copy of {@code memory} for the whole batch (a run sees the stores of the
         * runs before it), R2 holds its length. {@code run --repeat} times these batches, as
         * {@code JitBenchmark} does.
         *
         * @return R0 of the last run
         * @throws Bpf4jException if a run fails (a trap)
         */
        long runBatch(byte[] memory, int runs);

        /** The instructions the last completed run executed, if the engine knows. */
        OptionalLong instructions();

        /** Releases what the engine holds for the program (kernel objects); the VM holds nothing. */
        @Override
        default void close() {
        }
    }
}
