package org.bpf4j;

/**
 * The root of every exception bpf4j throws on purpose. Messages are complete sentences a user
 * can act on; they name the input and the place in it.
 */
public class Bpf4jException extends RuntimeException {
    /** An exception with a message. */
    public Bpf4jException(String message) {
        super(message);
    }

    /** An exception with a message and a cause. */
    public Bpf4jException(String message, Throwable cause) {
        super(message, cause);
    }
}
