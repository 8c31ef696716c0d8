package org.bpf4j.verifier;

/**
 * How to verify: the log level (0 none, 1 the failing path and statistics, 2 the state at every
 * instruction, as the kernel's {@code log_level}) and the processed-instruction limit (the
 * kernel's one million). Immutable.
 *
 * @param logLevel 0, 1 or 2
 * @param insnLimit the most instructions processed before the program is refused as too large
 */
public record VerifierOptions(int logLevel, int insnLimit) {
    /** The kernel's limit on processed instructions. */
    public static final int KERNEL_INSN_LIMIT = 1_000_000;

    /** Checks the level. */
    public VerifierOptions {
        if (logLevel < 0 || logLevel > 2) {
            throw new IllegalArgumentException("log level must be 0, 1 or 2, not " + logLevel);
        }
        if (insnLimit <= 0) {
            throw new IllegalArgumentException("instruction limit must be positive");
        }
    }

    /** No log, the kernel's limit. */
    public static VerifierOptions defaults() {
        return new VerifierOptions(0, KERNEL_INSN_LIMIT);
    }

    /** These options with another log level. */
    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(level, insnLimit);
    }
}
