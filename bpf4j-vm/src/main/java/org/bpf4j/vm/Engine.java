package org.bpf4j.vm;

/**
 * A way to execute programs: the interpreter, or (later) the JIT. Both share the semantics in
 * {@link Arithmetic}, {@link Atomics} and {@link Memory}, and both give the same result for every
 * program, verified or not.
 */
public interface Engine {
    /** A short name for command lines and reports: {@code interp}, {@code jit}. */
    String name();

    /** Prepares a program for execution; may take time (compilation), done once per program. */
    Executable prepare(VmProgram program);
}
