package org.bpf4j.linux.sys;

import java.util.Locale;
import org.bpf4j.UnsupportedFeatureException;

/**
 * The system call numbers bpf4j needs on each supported architecture ({@code asm/unistd_64.h}
 * for x86_64, the generic table for aarch64).
 *
 * @param arch the architecture's name as the JVM reports it ({@code amd64}, {@code aarch64})
 * @param bpf {@code __NR_bpf}
 * @param perfEventOpen {@code __NR_perf_event_open}
 * @param close {@code __NR_close}
 * @param ioctl {@code __NR_ioctl}
 * @param mmap {@code __NR_mmap}
 * @param munmap {@code __NR_munmap}
 * @param epollCreate1 {@code __NR_epoll_create1}
 * @param epollCtl {@code __NR_epoll_ctl}
 * @param epollPwait {@code __NR_epoll_pwait}
 */
public record SyscallNumbers(String arch, long bpf, long perfEventOpen, long close, long ioctl, long mmap,
        long munmap, long epollCreate1, long epollCtl, long epollPwait) {
    /** x86_64. */
    public static final SyscallNumbers X86_64 = new SyscallNumbers("amd64", 321, 298, 3, 16, 9, 11, 291, 233, 281);
    /** aarch64 (arm64). */
    public static final SyscallNumbers AARCH64 = new SyscallNumbers("aarch64", 280, 241, 57, 29, 222, 215, 20, 21,
            22);

    /**
     * The numbers for an architecture name as in {@code os.arch}.
     *
     * @throws UnsupportedFeatureException for another architecture
     */
    public static SyscallNumbers forArch(String osArch) {
        return switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new UnsupportedFeatureException("the kernel backend supports x86_64 and aarch64, not "
                    + osArch);
        };
    }

    /** The numbers for the running JVM's architecture. */
    public static SyscallNumbers current() {
        return forArch(System.getProperty("os.arch", ""));
    }
}
