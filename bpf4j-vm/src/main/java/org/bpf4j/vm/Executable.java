package org.bpf4j.vm;

/** A program prepared by an {@link Engine}. Thread-safe: each thread runs its own {@link Execution}. */
@FunctionalInterface
public interface Executable {
    /** Runs the program from its first instruction with the registers {@code ex} holds; returns R0. */
    long execute(Execution ex);
}
