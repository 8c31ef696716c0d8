package org.bpf4j.trace.runtime;

import org.bpf4j.Bpf4jException;
import org.bpf4j.trace.ast.AttachPoint;

/**
 * A probe's program that the VM stopped while it ran (its instruction budget spent: a loop that
 * never ends, which the kernel's verifier would have refused to load): names the attach point, so
 * that the error can be shown at the probe in the script.
 */
public final class ProbeRunException extends Bpf4jException {
    private static final long serialVersionUID = 1L;

    /** The attach point whose program was stopped. */
    private final transient AttachPoint attachPoint;

    /** An exception for the program of {@code attachPoint}, with what happened. */
    public ProbeRunException(AttachPoint attachPoint, String message, Throwable cause) {
        super(message, cause);
        this.attachPoint = attachPoint;
    }

    /** The attach point whose program was stopped. */
    public AttachPoint attachPoint() {
        return attachPoint;
    }
}
