package org.bpf4j.trace.runtime;

import org.bpf4j.Bpf4jException;
import org.bpf4j.trace.ast.AttachPoint;

/** A probe the kernel would not attach: names the attach point, so it can be shown in the script. */
public final class AttachException extends Bpf4jException {
    private static final long serialVersionUID = 1L;

    /** The attach point that failed. */
    private final transient AttachPoint attachPoint;

    /** Whether the failure was already reported in bpftrace's words (nothing more to print). */
    private final boolean reported;

    /** An exception for an attach point, with the kernel's reason. */
    public AttachException(AttachPoint attachPoint, String reason, Throwable cause) {
        this(attachPoint, reason, cause, false);
    }

    /**
     * An exception for an attach point, with the kernel's reason; {@code reported} when the
     * failure has already been reported (by a {@link Backend.AttachReport}).
     */
    public AttachException(AttachPoint attachPoint, String reason, Throwable cause, boolean reported) {
        super("Error attaching probe: '" + attachPoint.name() + "'" + (reason.isEmpty() ? "" : ": " + reason), cause);
        this.attachPoint = attachPoint;
        this.reported = reported;
    }

    /** Whether the failure has already been reported to the user (by a {@link Backend.AttachReport}). */
    public boolean reported() {
        return reported;
    }

    /** The attach point that failed. */
    public AttachPoint attachPoint() {
        return attachPoint;
    }
}
