package org.bpf4j.linux.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import org.bpf4j.linux.KernelException;

/**
 * The libc calls that attaching needs besides those of {@link Native}: opening directories and
 * namespace files, {@code setns}, {@code mount}, unix socket pairs and their I/O, interface
 * indexes. Each method throws {@link KernelException} with the call's name and errno when the
 * call fails (except where a method documents a result for an expected errno). Stateless and
 * thread-safe.
 */
public final class Posix {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** {@code O_RDONLY}. */
    public static final int O_RDONLY = 0;
    /** {@code O_DIRECTORY}. */
    public static final int O_DIRECTORY = 0x10000;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code CLONE_NEWNET}, the {@code nstype} of a network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;
    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code AF_NETLINK}. */
    public static final int AF_NETLINK = 16;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code NETLINK_ROUTE}. */
    public static final int NETLINK_ROUTE = 0;
    /** {@code MSG_DONTWAIT}. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_ATTACH_BPF}. */
    public static final int SO_ATTACH_BPF = 50;
    /** {@code SO_DETACH_BPF} (the same number as {@code SO_DETACH_FILTER}). */
    public static final int SO_DETACH_BPF = 27;

    private static final class OpenCall {
        static final MethodHandle H = downcall("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    private static final class SetnsCall {
        static final MethodHandle H = downcall("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class MountCall {
        static final MethodHandle H = downcall("mount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.ADDRESS));
    }

    private static final class UmountCall {
        static final MethodHandle H = downcall("umount", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS));
    }

    private static final class SocketCall {
        static final MethodHandle H = downcall("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class SocketpairCall {
        static final MethodHandle H = downcall("socketpair", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS));
    }

    private static final class SendCall {
        static final MethodHandle H = downcall("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static final class RecvCall {
        static final MethodHandle H = downcall("recv", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static final class ReadCall {
        static final MethodHandle H = downcall("read", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    }

    private static final class IfNametoindexCall {
        static final MethodHandle H = downcall("if_nametoindex", FunctionDescriptor.of(
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    private static final class KillCall {
        static final MethodHandle H = downcall("kill", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class GetpagesizeCall {
        static final MethodHandle H = downcall("getpagesize", FunctionDescriptor.of(
                ValueLayout.JAVA_INT));
    }

    private Posix() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor fd, Linker.Option... extra) {
        MemorySegment addr = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(addr, fd, options);
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    /**
     * {@code open(path, flags)}.
     *
     * @return the new descriptor, which the caller owns
     */
    public static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            int r = (int) OpenCall.H.invokeExact(c, a.allocateFrom(path, StandardCharsets.UTF_8), flags, 0);
            if (r < 0) {
                throw new KernelException("open", errno(c), "opening " + path);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code SIGCONT}: continues a stopped process. */
    public static final int SIGCONT = 18;

    /**
     * {@code kill(pid, sig)}: sends a signal to a process.
     *
     * @throws KernelException if it cannot be sent (the process is gone, or not ours to signal)
     */
    public static void kill(int pid, int sig) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            int r = (int) KillCall.H.invokeExact(c, pid, sig);
            if (r < 0) {
                throw new KernelException("kill", errno(c), "signal " + sig + " to process " + pid);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code setns(fd, nstype)}: moves the calling thread into the namespace {@code fd} refers to. */
    public static void setns(int fd, int nstype) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            if ((int) SetnsCall.H.invokeExact(c, fd, nstype) < 0) {
                throw new KernelException("setns", errno(c), "entering namespace fd " + fd);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code mount(source, target, fstype, 0, NULL)}. */
    public static void mount(String source, String target, String fstype) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            int r = (int) MountCall.H.invokeExact(c, a.allocateFrom(source), a.allocateFrom(target),
                    a.allocateFrom(fstype), 0L, MemorySegment.NULL);
            if (r < 0) {
                throw new KernelException("mount", errno(c), "mounting " + fstype + " at " + target);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code umount(target)}. */
    public static void umount(String target) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            if ((int) UmountCall.H.invokeExact(c, a.allocateFrom(target)) < 0) {
                throw new KernelException("umount", errno(c), "unmounting " + target);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socket(domain, type, protocol)}: a new socket, which the caller owns. */
    public static int socket(int domain, int type, int protocol) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            int r = (int) SocketCall.H.invokeExact(c, domain, type, protocol);
            if (r < 0) {
                throw new KernelException("socket", errno(c), "creating a socket (domain " + domain + ")");
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socketpair(domain, type, protocol, sv)}: two connected sockets, which the caller owns. */
    public static int[] socketpair(int domain, int type, int protocol) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            MemorySegment sv = a.allocate(ValueLayout.JAVA_INT, 2);
            if ((int) SocketpairCall.H.invokeExact(c, domain, type, protocol, sv) < 0) {
                throw new KernelException("socketpair", errno(c), "creating a socket pair");
            }
            return sv.toArray(ValueLayout.JAVA_INT);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code send(fd, data, len, flags)}; returns the bytes sent. */
    public static long send(int fd, byte[] data, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, ValueLayout.JAVA_BYTE, 0, data.length);
            long r = (long) SendCall.H.invokeExact(c, fd, buf, (long) data.length, flags);
            if (r < 0) {
                throw new KernelException("send", errno(c), "sending on fd " + fd);
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recv(fd, buf, max, flags)}.
     *
     * @return the bytes received, or null when nothing was waiting on a non-blocking receive (EAGAIN)
     */
    public static byte[] recv(int fd, int max, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(Math.max(1, max));
            long r = (long) RecvCall.H.invokeExact(c, fd, buf, (long) max, flags);
            if (r < 0) {
                int e = errno(c);
                if (e == Errno.EAGAIN) {
                    return null;
                }
                throw new KernelException("recv", e, "receiving on fd " + fd);
            }
            return buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code read(fd, buf, max)}, retried on EINTR.
     *
     * @return the bytes read; empty at end of file
     */
    public static byte[] read(int fd, int max) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            MemorySegment buf = a.allocate(Math.max(1, max));
            while (true) {
                long r = (long) ReadCall.H.invokeExact(c, fd, buf, (long) max);
                if (r >= 0) {
                    return buf.asSlice(0, r).toArray(ValueLayout.JAVA_BYTE);
                }
                int e = errno(c);
                if (e != Errno.EINTR) {
                    throw new KernelException("read", e, "reading fd " + fd);
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code if_nametoindex(name)} in the calling thread's network namespace.
     *
     * @throws KernelException if there is no such interface
     */
    public static int ifNameToIndex(String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment c = a.allocate(CAPTURE);
            int r = (int) IfNametoindexCall.H.invokeExact(c, a.allocateFrom(name));
            if (r == 0) {
                throw new KernelException("if_nametoindex", errno(c), "finding interface '" + name + "'");
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The page size. */
    public static int pageSize() {
        try (Arena a = Arena.ofConfined()) {
            return (int) GetpagesizeCall.H.invokeExact(a.allocate(CAPTURE));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
