package org.bpf4j.vm.map;

import org.bpf4j.Bpf4jException;

/**
 * A map operation that the kernel would refuse, with the error number it would return
 * ({@code ENOENT}, {@code EEXIST}, {@code E2BIG}, {@code EINVAL}, ...).
 */
public final class MapException extends Bpf4jException {
    private final int errno;

    /** An exception for a positive error number. */
    public MapException(int errno, String message) {
        super(message + " (" + Errno.name(errno) + ")");
        this.errno = errno;
    }

    /** The positive error number. */
    public int errno() {
        return errno;
    }
}
