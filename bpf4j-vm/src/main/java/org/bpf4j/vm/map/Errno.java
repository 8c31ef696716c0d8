package org.bpf4j.vm.map;

/** The Linux error numbers that map operations return (negated, as helpers return them). */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, E2BIG = 7, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EBUSY = 16,
            EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ERANGE = 34, EDEADLK = 35, EOVERFLOW = 75, EOPNOTSUPP = 95, ENOTSUPP = 524;

    /** The symbolic name of an error number ({@code ENOENT}), or the number. */
    public static String name(int errno) {
        return switch (Math.abs(errno)) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case ENOMEM -> "ENOMEM";
            case EAGAIN -> "EAGAIN";
            case EFAULT -> "EFAULT";
            case ERANGE -> "ERANGE";
            case EDEADLK -> "EDEADLK";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENODEV -> "ENODEV";
            case EOVERFLOW -> "EOVERFLOW";
            case ENOTSUPP -> "ENOTSUPP";
            default -> Integer.toString(Math.abs(errno));
        };
    }
}
