package org.bpf4j.linux;

import java.util.Objects;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.sys.Errno;

/**
 * A system call into the kernel failed. Carries the call ({@code bpf(BPF_MAP_CREATE)},
 * {@code perf_event_open}), the errno and a message that says what was being done.
 * Immutable.
 */
public class KernelException extends Bpf4jException {
    private final String syscall;
    private final int errno;

    /**
     * An exception for a failed call.
     *
     * @param syscall the call, such as {@code bpf(BPF_PROG_LOAD)}
     * @param errno the error number the kernel returned (positive)
     * @param what what was being done, such as {@code creating map 'counts' (hash)}; may be empty
     */
    public KernelException(String syscall, int errno, String what) {
        super(message(syscall, errno, what));
        this.syscall = Objects.requireNonNull(syscall, "syscall");
        this.errno = errno;
    }

    /** An exception with a complete message of its own (subclasses that summarise more). */
    protected KernelException(String syscall, int errno, String message, boolean complete) {
        super(complete ? message : message(syscall, errno, message));
        this.syscall = Objects.requireNonNull(syscall, "syscall");
        this.errno = errno;
    }

    private static String message(String syscall, int errno, String what) {
        String head = what == null || what.isEmpty() ? "" : what + ": ";
        return head + syscall + " failed: " + Errno.describe(errno);
    }

    /** The call that failed, such as {@code bpf(BPF_MAP_CREATE)}. */
    public String syscall() {
        return syscall;
    }

    /** The error number (positive), such as 22 for {@code EINVAL}. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, such as {@code EINVAL}. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
