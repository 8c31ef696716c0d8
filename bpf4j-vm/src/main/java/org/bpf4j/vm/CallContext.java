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

    /** The VM CPU the program runs on ({@link Cpus}). */
    default int cpu() {
        return Cpus.current();
    }
}
