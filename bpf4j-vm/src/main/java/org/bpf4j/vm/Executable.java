package org.bpf4j.vm;

/** A program prepared by an {@link Engine}. Thread-safe: each thread runs its own {@link Execution}. */
@FunctionalInterface
public interface Executable {
    /** Runs the program from its first instruction with the registers {@code ex} holds; returns R0. */
    long execute(Execution ex);

    /**
     * Runs the function at {@code slot} for a helper's callback, in a frame above the helper's
     * caller; returns its R0.
     *
     * @throws org.bpf4j.UnsupportedFeatureException if the engine cannot call back into programs
     */
    default long callFunction(Execution ex, int slot, long r1, long r2, long r3, long r4, long r5) {
        throw new org.bpf4j.UnsupportedFeatureException("this engine does not support helper callbacks");
    }
}
