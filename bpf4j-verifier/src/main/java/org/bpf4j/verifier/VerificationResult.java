package org.bpf4j.verifier;

import java.util.List;

/**
 * The verdict on a program. Switch over it without {@code default}.
 */
public sealed interface VerificationResult permits VerificationResult.Accepted, VerificationResult.Rejected {

    /** Instructions processed over all paths (the kernel's {@code processed N insns}). */
    int processed();

    /** The most states stored for pruning at any time ({@code peak_states}). */
    int peakStates();

    /** The log at the requested level (empty at level 0). */
    String log();

    /** Whether the program was accepted. */
    default boolean accepted() {
        return this instanceof Accepted;
    }

    /**
     * The program is safe.
     *
     * @param processed instructions processed
     * @param peakStates peak stored states
     * @param log the log
     * @param maxStackDepth the deepest stack use of the main program, in bytes
     * @param facts what the verifier proved about each memory instruction, for compilers
     */
    record Accepted(int processed, int peakStates, String log, int maxStackDepth, AccessFacts facts)
            implements VerificationResult {
        /** Checks the facts are there. */
        public Accepted {
            java.util.Objects.requireNonNull(facts, "facts");
        }
    }

    /**
     * The program was refused.
     *
     * @param slot the instruction slot where the error was found (-1 if none, such as for a limit)
     * @param message the reason, in the kernel's wording where it has one
     * @param state the abstract registers and stack at the error, in the kernel's notation
     * @param path the slots of the branch decisions that led there (jump sources), in order
     * @param processed instructions processed
     * @param peakStates peak stored states
     * @param log the log
     */
    record Rejected(int slot, String message, String state, List<Integer> path, int processed, int peakStates,
            String log) implements VerificationResult {
        /** Copies the path. */
        public Rejected {
            path = List.copyOf(path);
        }
    }
}
