package org.bpf4j.jit;

/**
 * The entry of a compiled program, implemented by the first hidden class of a compilation unit,
 * so that a run reaches compiled code through one (usually monomorphic) interface call.
 */
interface JitFunction {
    /** Runs the function with R0-R10, the budget left and the call depth; returns R0. */
    long call(JitState st, long r0, long r1, long r2, long r3, long r4, long r5, long r6, long r7, long r8,
            long r9, long r10, long budget, int depth);
}
