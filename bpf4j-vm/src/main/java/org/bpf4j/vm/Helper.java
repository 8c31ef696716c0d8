package org.bpf4j.vm;

/**
 * The implementation of one helper function. It receives the five argument registers and returns
 * the value of R0. Pointer arguments are VM addresses; a helper reads and writes through
 * {@link CallContext#memory()}, which checks every access, so a helper cannot be tricked into
 * touching memory the program was not given.
 *
 * <p>Implementations must be thread-safe: one helper instance serves every execution.
 */
@FunctionalInterface
public interface Helper {
    /** Runs the helper. */
    long call(CallContext ctx, long r1, long r2, long r3, long r4, long r5);
}
