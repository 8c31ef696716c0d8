package org.bpf4j.vm;

/**
 * What a helper can see of the execution that called it: the memory sandbox, the instruction
 * that made the call (for error messages) and the host environment.
 */
public interface CallContext {
    /** The sandbox of the calling execution. */
    Memory memory();

    /** The slot (kernel instruction index) of the call instruction. */
    int slot();

    /** The host environment (clock, identities, output sinks). */
    Environment environment();

    /**
     * Calls a function of the running program (a callback given to a helper as a code address) in
     * a new frame, with R1-R5 set, and returns its R0. Its instructions count against the run's
     * budget.
     *
     * @throws VmTrapException if the address is not a function of the program, or the call nests too deep
     */
    long callFunction(long codeAddress, long r1, long r2, long r3, long r4, long r5);

    /** The VM CPU the program runs on ({@link Cpus}). */
    /**
     * The context of the current run when the program runs over one ({@link Execution#runWith}),
     * else null; helpers whose arguments do not include the context (such as {@code bpf_redirect})
     * find it here.
     */
    default ContextRegion runContext() {
        return null;
    }

    default int cpu() {
        return Cpus.current();
    }
}
