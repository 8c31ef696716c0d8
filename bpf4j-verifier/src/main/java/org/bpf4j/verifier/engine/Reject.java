package org.bpf4j.verifier.engine;

/** Thrown inside the engine when the current path is unsafe; carries the kernel-like message. */
final class Reject extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Reject(String message) {
        super(message, null, false, false);
    }
}
