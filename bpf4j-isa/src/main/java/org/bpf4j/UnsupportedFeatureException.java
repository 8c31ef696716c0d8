package org.bpf4j;

/** A valid input that asks for something this build or backend does not provide. */
public class UnsupportedFeatureException extends Bpf4jException {
    /** An exception naming the missing feature. */
    public UnsupportedFeatureException(String message) {
        super(message);
    }
}
