package org.bpf4j.vm.map;

/** The Linux error numbers that map operations return (negated, as helpers return them). */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1, ENOENT = 2, E2BIG = 7, ENOMEM = 12, EBUSY = 16, EEXIST = 17, EINVAL = 22,
            ENOSPC = 28, ENOTSUPP = 524;

    /** The symbolic name of an error number ({@code ENOENT}), or the number. */
    public static String name(int errno) {
        return switch (Math.abs(errno)) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case ENOMEM -> "ENOMEM";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ENOTSUPP -> "ENOTSUPP";
            default -> Integer.toString(Math.abs(errno));
        };
    }
}
