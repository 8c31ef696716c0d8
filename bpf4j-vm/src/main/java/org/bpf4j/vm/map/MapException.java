package org.bpf4j.vm.map;

import org.bpf4j.Bpf4jException;

/**
 * A map operation that the kernel would refuse, with the error number it would return
 * ({@code ENOENT}, {@code EEXIST}, {@code E2BIG}, {@code EINVAL}, ...).
 */
public final class MapException extends Bpf4jException {
    private final int errno;
    private final int processed;

    /** An exception for a positive error number. */
    public MapException(int errno, String message) {
        this(errno, message, -1);
    }

    /** An exception of a batch operation that handled {@code processed} elements before it failed. */
    public MapException(int errno, String message, int processed) {
        super(message + " (" + Errno.name(errno) + ")");
        this.errno = errno;
        this.processed = processed;
    }

    /** For a batch operation, the elements handled before the failure ({@code batch.count}); else -1. */
    public int processed() {
        return processed;
    }

    /** The positive error number. */
    public int errno() {
        return errno;
    }
}
