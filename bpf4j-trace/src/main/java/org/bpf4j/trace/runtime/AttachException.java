package org.bpf4j.trace.runtime;

import org.bpf4j.Bpf4jException;
import org.bpf4j.trace.ast.AttachPoint;

/** A probe the kernel would not attach: names the attach point, so it can be shown in the script. */
public final class AttachException extends Bpf4jException {
    private static final long serialVersionUID = 1L;

    /** The attach point that failed. */
    private final transient AttachPoint attachPoint;

    /** An exception for an attach point, with the kernel's reason. */
    public AttachException(AttachPoint attachPoint, String reason, Throwable cause) {
        super("Error attaching probe: '" + attachPoint.name() + "': " + reason, cause);
        this.attachPoint = attachPoint;
    }

    /** The attach point that failed. */
    public AttachPoint attachPoint() {
        return attachPoint;
    }
}
