package org.bpf4j.verifier;

import org.bpf4j.verifier.engine.Explorer;

/**
 * The eBPF verifier: decides whether a program is safe to run under the Linux verifier's rules
 * for a privileged loader, without running it.
 *
 * <p>Stateless and thread-safe; each call verifies independently.
 */
public final class Verifier {
    private Verifier() {
    }

    /** Verifies {@code input} with default options (no log, the kernel's instruction limit). */
    public static VerificationResult verify(VerifierInput input) {
        return verify(input, VerifierOptions.defaults());
    }

    /** Verifies {@code input}. */
    public static VerificationResult verify(VerifierInput input, VerifierOptions options) {
        return new Explorer(input, options).run();
    }
}
