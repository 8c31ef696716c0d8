package org.bpf4j.linux.sys;

import java.util.Map;

/** Names and descriptions of the Linux error numbers the bpf() family returns (asm-generic values). */
public final class Errno {
    /** Operation not permitted. */
    public static final int EPERM = 1;
    /** No such file or directory (or element). */
    public static final int ENOENT = 2;
    /** No such process. */
    public static final int ESRCH = 3;
    /** Interrupted system call. */
    public static final int EINTR = 4;
    /** I/O error. */
    public static final int EIO = 5;
    /** Argument list too long (bpf: object too big). */
    public static final int E2BIG = 7;
    /** Bad file descriptor. */
    public static final int EBADF = 9;
    /** Try again. */
    public static final int EAGAIN = 11;
    /** Out of memory. */
    public static final int ENOMEM = 12;
    /** Permission denied. */
    public static final int EACCES = 13;
    /** Bad address. */
    public static final int EFAULT = 14;
    /** Device or resource busy. */
    public static final int EBUSY = 16;
    /** File exists. */
    public static final int EEXIST = 17;
    /** No such device. */
    public static final int ENODEV = 19;
    /** Invalid argument. */
    public static final int EINVAL = 22;
    /** Too many open files. */
    public static final int EMFILE = 24;
    /** No space left on device (bpf: the log buffer is too small). */
    public static final int ENOSPC = 28;
    /** Result too large. */
    public static final int ERANGE = 34;
    /** Function not implemented. */
    public static final int ENOSYS = 38;
    /** Operation not supported. */
    public static final int EOPNOTSUPP = 95;
    /** Operation not supported (kernel-internal value that bpf() leaks). */
    public static final int ENOTSUPP = 524;

    private static final Map<Integer, String[]> TABLE = Map.ofEntries(
            Map.entry(EPERM, new String[] {"EPERM", "Operation not permitted"}),
            Map.entry(ENOENT, new String[] {"ENOENT", "No such file or directory"}),
            Map.entry(ESRCH, new String[] {"ESRCH", "No such process"}),
            Map.entry(EINTR, new String[] {"EINTR", "Interrupted system call"}),
            Map.entry(EIO, new String[] {"EIO", "Input/output error"}),
            Map.entry(E2BIG, new String[] {"E2BIG", "Argument list too long"}),
            Map.entry(EBADF, new String[] {"EBADF", "Bad file descriptor"}),
            Map.entry(EAGAIN, new String[] {"EAGAIN", "Resource temporarily unavailable"}),
            Map.entry(ENOMEM, new String[] {"ENOMEM", "Cannot allocate memory"}),
            Map.entry(EACCES, new String[] {"EACCES", "Permission denied"}),
            Map.entry(EFAULT, new String[] {"EFAULT", "Bad address"}),
            Map.entry(EBUSY, new String[] {"EBUSY", "Device or resource busy"}),
            Map.entry(EEXIST, new String[] {"EEXIST", "File exists"}),
            Map.entry(ENODEV, new String[] {"ENODEV", "No such device"}),
            Map.entry(EINVAL, new String[] {"EINVAL", "Invalid argument"}),
            Map.entry(EMFILE, new String[] {"EMFILE", "Too many open files"}),
            Map.entry(ENOSPC, new String[] {"ENOSPC", "No space left on device"}),
            Map.entry(ERANGE, new String[] {"ERANGE", "Numerical result out of range"}),
            Map.entry(ENOSYS, new String[] {"ENOSYS", "Function not implemented"}),
            Map.entry(EOPNOTSUPP, new String[] {"EOPNOTSUPP", "Operation not supported"}),
            Map.entry(ENOTSUPP, new String[] {"ENOTSUPP", "Operation not supported (kernel-internal)"}));

    private Errno() {
    }

    /** The symbolic name of an errno ({@code EINVAL}), or {@code errno N} for one not in the table. */
    public static String name(int errno) {
        String[] e = TABLE.get(errno);
        return e == null ? "errno " + errno : e[0];
    }

    /** strerror(3)'s words ({@code Invalid argument}), or {@code errno N} for one not in the table. */
    public static String message(int errno) {
        String[] e = TABLE.get(errno);
        return e == null ? "errno " + errno : e[1];
    }

    /** {@code EINVAL (Invalid argument)}, or {@code errno N}. */
    public static String describe(int errno) {
        String[] e = TABLE.get(errno);
        return e == null ? "errno " + errno : e[0] + " (" + e[1] + ")";
    }
}
