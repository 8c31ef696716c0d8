package org.bpf4j.linux.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The raw downcalls: bpf(), perf_event_open(), close, ioctl, mmap, munmap and epoll through one
 * {@code syscall(2)} stub with six integer arguments, and the libc functions setsockopt,
 * getpagesize, strerror, mount and umount2. Each call returns the C result and, when that is -1, leaves the
 * errno in the capture segment the caller passes (see {@link #errno(MemorySegment)}). Pointers must
 * be native segments. Stateless and thread-safe; the only class that looks up native symbols.
 * Each downcall is linked the first time it is used (linking one costs milliseconds of start-up).
 */
public final class Native {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final SyscallNumbers NR = SyscallNumbers.current();

    private static final class SetsockoptCall {
        static final MethodHandle H = downcall("setsockopt",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                CAPTURE_ERRNO);
    }

    /**
     * {@code syscall(2)} with six integer arguments: one downcall stub serves every system call
     * made through it (linking a stub costs milliseconds of start-up, so the calls a trace run
     * makes share this one). Pointers are passed as addresses of native segments.
     */
    private static final class SyscallCall {
        static final MethodHandle H = downcall("syscall",
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_LONG),
                CAPTURE_ERRNO, Linker.Option.firstVariadicArg(1));
    }

    private static final class GetpagesizeCall {
        static final MethodHandle H = downcall("getpagesize",
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
    }

    private static final class StrerrorCall {
        static final MethodHandle H = downcall("strerror",
                FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(1024,
                        ValueLayout.JAVA_BYTE)), ValueLayout.JAVA_INT));
    }

    private static final class MountCall {
        static final MethodHandle H = downcall("mount",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
                CAPTURE_ERRNO);
    }

    private static final class Umount2Call {
        static final MethodHandle H = downcall("umount2",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), CAPTURE_ERRNO);
    }

    /** {@code MAP_FAILED}, mmap's error value. */
    public static final long MAP_FAILED = -1L;

    private Native() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... options) {
        SymbolLookup libc = LINKER.defaultLookup();
        MemorySegment addr = libc.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        return LINKER.downcallHandle(addr, fd, options);
    }

    /** {@code syscall(nr, a..f)}: the result, or -1 with the errno in {@code capture}. */
    private static long syscall(MemorySegment capture, long nr, long a, long b, long c, long d, long e, long f)
            throws Throwable {
        return (long) SyscallCall.H.invokeExact(capture, nr, a, b, c, d, e, f);
    }

    /** The address of a native segment (the null segment is 0). */
    private static long address(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("a system call needs native memory, not a heap segment");
        }
        return s.address();
    }

    /** A segment to receive the errno of one call, allocated in {@code arena}. */
    public static MemorySegment captureSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /** The errno a call left in its capture segment. */
    public static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    /**
     * {@code syscall(nr, a..f)} through the one stub: the result, or -1 with the errno in
     * {@code capture}. For {@link FirstThread}'s x86-64 calls.
     */
    static long rawSyscall(MemorySegment capture, long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return syscall(capture, nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(__NR_bpf, cmd, attr, size)}. */
    public static long bpf(MemorySegment capture, int cmd, MemorySegment attr, int size) {
        try {
            return syscall(capture, NR.bpf(), cmd, address(attr), size, 0, 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(__NR_perf_event_open, attr, pid, cpu, group_fd, flags)}. */
    public static long perfEventOpen(MemorySegment capture, MemorySegment attr, int pid, int cpu, int groupFd,
            long flags) {
        try {
            return syscall(capture, NR.perfEventOpen(), address(attr), pid, cpu, groupFd, flags, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code getpagesize()}: the size of a memory page. */
    public static int pageSize() {
        try {
            return (int) GetpagesizeCall.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code strerror(errnum)}: the C library's message for an error number ("Operation not
     * permitted"; "Unknown error N" for a number it does not know). Not thread-safe in C; callers
     * serialise through this class's lock.
     */
    public static synchronized String strerror(int errnum) {
        try {
            MemorySegment s = (MemorySegment) StrerrorCall.H.invokeExact(errnum);
            return s.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mount(source, target, fstype, flags, data)}. */
    public static int mount(MemorySegment capture, MemorySegment source, MemorySegment target, MemorySegment fstype,
            long flags, MemorySegment data) {
        try {
            return (int) MountCall.H.invokeExact(capture, source, target, fstype, flags, data);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code umount2(target, flags)}. */
    public static int umount2(MemorySegment capture, MemorySegment target, int flags) {
        try {
            return (int) Umount2Call.H.invokeExact(capture, target, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code close(fd)}. */
    public static int close(MemorySegment capture, int fd) {
        try {
            return (int) syscall(capture, NR.close(), fd, 0, 0, 0, 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, arg)}. */
    public static int ioctl(MemorySegment capture, int fd, long request, long arg) {
        try {
            return (int) syscall(capture, NR.ioctl(), fd, request, arg, 0, 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mmap(addr, length, prot, flags, fd, offset)}; the result's address is {@link #MAP_FAILED} on error. */
    public static MemorySegment mmap(MemorySegment capture, MemorySegment addr, long length, int prot, int flags,
            int fd, long offset) {
        try {
            return MemorySegment.ofAddress(syscall(capture, NR.mmap(), address(addr), length, prot, flags, fd, offset));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code munmap(addr, length)}. */
    public static int munmap(MemorySegment capture, MemorySegment addr, long length) {
        try {
            return (int) syscall(capture, NR.munmap(), address(addr), length, 0, 0, 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setsockopt(fd, level, name, value, length)}. */
    public static int setsockopt(MemorySegment capture, int fd, int level, int name, MemorySegment value, int length) {
        try {
            return (int) SetsockoptCall.H.invokeExact(capture, fd, level, name, value, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_create1(flags)}. */
    public static int epollCreate1(MemorySegment capture, int flags) {
        try {
            return (int) syscall(capture, NR.epollCreate1(), flags, 0, 0, 0, 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_ctl(epfd, op, fd, event)}. */
    public static int epollCtl(MemorySegment capture, int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) syscall(capture, NR.epollCtl(), epfd, op, fd, address(event), 0, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code epoll_wait(epfd, events, maxevents, timeout)} (as epoll_pwait without a signal mask). */
    public static int epollWait(MemorySegment capture, int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) syscall(capture, NR.epollPwait(), epfd, address(events), max, timeoutMillis, 0, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
