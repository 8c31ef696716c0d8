package org.bpf4j.linux.sys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real-time signal whose handler makes an armed system call on one thread, the target (x86-64
 * only): the engine of {@link FirstThread}, which targets the process's first thread.
 *
 * <p>The handler is machine code written at run time to a page of its own (written while the page
 * is read-write, then made read-execute: never writable and executable at once), with the call's
 * block (number, three arguments, result, state) at an address built into it. It uses no library
 * function, no lock, no errno and no Java, so it is safe wherever the signal lands; every register
 * it changes is restored by {@code rt_sigreturn}. It does nothing unless it runs on the target
 * (its thread id is built in: a signal sent to the process, which the kernel may deliver to any
 * thread, or one that a forked child inherited, cannot make the call elsewhere), and it claims the
 * call with a locked compare-and-exchange (armed to claimed) before it makes it, so that the caller
 * can withdraw an unclaimed call with a compare-and-exchange of its own (armed to idle): exactly one
 * of the two wins, and a withdrawn call is never made, however late a signal arrives. A claimed call
 * is always waited for, so the memory its arguments point to is never in use after {@link #call}
 * returns. The handler blocks every other signal while it runs ({@code sa_mask} full), so that the
 * kernel gives the process's signals (Ctrl-C) to another thread rather than interrupting the call,
 * as when a Java thread makes it; {@code SA_RESTART} resumes what the target was waiting in
 * ({@code pthread_join}'s futex wait is restarted by the kernel; glibc loops on EINTR anyway).
 *
 * <p>After one failure (the signal could not be sent, no claim within the timeout, the handler was
 * replaced) the instance stops signalling for good and {@link #call} returns empty at once: a
 * target that blocks the signal would otherwise cost every later call the full timeout and queue
 * one more signal; one whose handler another component replaced would run that component's handler,
 * or the default action (the end of the process) if it was reset. The page, the block and the
 * handler stay for the life of the process (a signal still queued may run the handler at any time).
 * Thread-safe: one call at a time.
 */
final class SignalCall {
    /** x86-64 system call numbers. */
    static final long NR_MMAP = 9;
    static final long NR_MPROTECT = 10;
    static final long NR_MUNMAP = 11;
    static final long NR_RT_SIGACTION = 13;
    static final long NR_GETTID = 186;
    static final long NR_TGKILL = 234;

    /** The call's block: its number and three arguments, the result, the state. */
    private static final long NR = 0;
    private static final long ARG1 = 8;
    private static final long ARG2 = 16;
    private static final long ARG3 = 24;
    private static final long RESULT = 32;
    private static final long STATE = 48;
    /** States: nothing to do, armed, claimed by the handler, done. */
    static final int IDLE = 0;
    static final int ARMED = 1;
    static final int CLAIMED = 2;
    static final int DONE = 3;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long PAGE = 4096;
    /** The signals tried, from SIGRTMAX-4 down (the JDK's NIO takes SIGRTMAX-2 when it first closes a channel). */
    private static final int FIRST_SIGNAL = 60;
    private static final int LAST_SIGNAL = 40;
    /** SA_RESTART | SA_RESTORER. */
    private static final long FLAGS = 0x10000000L | 0x04000000L;
    /** Installs one at a time: two instances never pick the same signal. */
    private static final Object INSTALL = new Object();

    /** Sends the signal to the target; a negative result is a failure. A seam for tests. */
    @FunctionalInterface
    interface Sender {
        long send(int signal);
    }

    private final long target;
    private final int signal;
    private final long handler;
    private final MemorySegment block;
    private final long timeoutNanos;
    private final MemorySegment capture = Native.captureSegment(Arena.global());
    private final MemorySegment query = Arena.global().allocate(32, 8);
    private Sender sender;
    private boolean usable = true;
    private String failure;

    private SignalCall(long target, int signal, long handler, MemorySegment block, long timeoutNanos) {
        this.target = target;
        this.signal = signal;
        this.handler = handler;
        this.block = block;
        this.timeoutNanos = timeoutNanos;
        long pid = ProcessHandle.current().pid();
        this.sender = s -> sys(NR_TGKILL, pid, target, s, 0);
    }

    /** A system call (under this instance's lock, whose errno capture it uses). */
    private long sys(long nr, long a, long b, long c, long d) {
        return Native.rawSyscall(capture, nr, a, b, c, d, 0, 0);
    }

    private static long raw(MemorySegment capture, long nr, long a, long b, long c, long d) {
        return Native.rawSyscall(capture, nr, a, b, c, d, 0, 0);
    }

    /**
     * Installs a handler for the thread {@code target} of this process on a real-time signal that no
     * one in the process handles or ignores and that the target does not block; null where it
     * cannot be (another architecture, no free signal, no executable page: seccomp, SELinux's
     * {@code execmem}, {@code PR_SET_MDWE}).
     *
     * @param timeoutNanos how long an armed call may wait for the handler to claim it
     */
    static SignalCall install(long target, long timeoutNanos) {
        String arch = System.getProperty("os.arch", "");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return null;
        }
        synchronized (INSTALL) {
            try {
                return installX86(target, timeoutNanos);
            } catch (RuntimeException | LinkageError e) {
                return null;
            }
        }
    }

    private static SignalCall installX86(long target, long timeoutNanos) {
        MemorySegment capture = Native.captureSegment(Arena.global());
        long caught;
        long ignored;
        long blocked;
        try {
            String self = Files.readString(Path.of("/proc/self/status"));
            caught = mask(self, "SigCgt");
            ignored = mask(self, "SigIgn");
            blocked = mask(Files.readString(Path.of("/proc/self/task/" + target + "/status")), "SigBlk");
        } catch (IOException | RuntimeException e) {
            return null;
        }
        MemorySegment block = Arena.global().allocate(64, 64);
        byte[] code = handler(block.address(), target);
        long addr = raw(capture, NR_MMAP, 0, PAGE, 3 /* PROT_READ | PROT_WRITE */,
                0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */);
        if (addr == -1) {
            return null;
        }
        MemorySegment text = MemorySegment.ofAddress(addr).reinterpret(PAGE);
        MemorySegment.copy(code, 0, text, ValueLayout.JAVA_BYTE, 0, code.length);
        if (raw(capture, NR_MPROTECT, addr, PAGE, 5 /* PROT_READ | PROT_EXEC */, 0) != 0) {
            raw(capture, NR_MUNMAP, addr, PAGE, 0, 0);
            return null;
        }
        // the kernel's struct sigaction on x86-64: handler, flags, restorer, mask; the restorer
        // (rt_sigreturn) follows the handler on the page, as libc's own
        MemorySegment act = Arena.global().allocate(32, 8);
        MemorySegment old = Arena.global().allocate(32, 8);
        act.set(ValueLayout.JAVA_LONG, 0, addr);
        act.set(ValueLayout.JAVA_LONG, 8, FLAGS);
        act.set(ValueLayout.JAVA_LONG, 16, addr + code.length - RESTORER.length);
        act.set(ValueLayout.JAVA_LONG, 24, -1L); // every other signal blocked while it runs
        for (int s = FIRST_SIGNAL; s >= LAST_SIGNAL; s--) {
            long bit = 1L << (s - 1);
            if ((caught & bit) != 0 || (ignored & bit) != 0 || (blocked & bit) != 0) {
                continue;
            }
            if (raw(capture, NR_RT_SIGACTION, s, act.address(), old.address(), 8) != 0) {
                continue;
            }
            if (old.get(ValueLayout.JAVA_LONG, 0) != 0) {
                // taken since /proc was read (by code that does not go through this class): give it back
                raw(capture, NR_RT_SIGACTION, s, old.address(), 0, 8);
                continue;
            }
            return new SignalCall(target, s, addr, block, timeoutNanos);
        }
        raw(capture, NR_MUNMAP, addr, PAGE, 0, 0);
        return null;
    }

    private static long mask(String status, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*([0-9a-fA-F]+)").matcher(status);
        if (!m.find()) {
            throw new IllegalStateException("no " + name);
        }
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    /** The signal this instance handles. */
    int signal() {
        return signal;
    }

    /** Why the instance stopped signalling, or null while it is usable. */
    synchronized String failure() {
        return failure;
    }

    /** Replaces how the signal is sent (tests). */
    synchronized void sender(Sender s) {
        this.sender = s;
    }

    /**
     * Makes {@code syscall(nr, a, b, c)} on the target and returns what the kernel returned (a
     * negative errno on failure); empty if it was not made there (this instance failed now or
     * before; see the class comment), and the caller should make it itself. Calls that return
     * promptly only: a claimed call is waited for without a limit. The memory the arguments point
     * to must stay valid until this returns.
     */
    synchronized OptionalLong call(long nr, long a, long b, long c) {
        if (!usable) {
            return OptionalLong.empty();
        }
        if (!handlerIsOurs()) {
            return fail("the signal's handler was replaced");
        }
        block.set(ValueLayout.JAVA_LONG, NR, nr);
        block.set(ValueLayout.JAVA_LONG, ARG1, a);
        block.set(ValueLayout.JAVA_LONG, ARG2, b);
        block.set(ValueLayout.JAVA_LONG, ARG3, c);
        block.set(ValueLayout.JAVA_LONG, RESULT, 0);
        INT.setRelease(block, STATE, ARMED);
        long deadline;
        if (sender.send(signal) < 0) {
            // a signal of an earlier, withdrawn call may have been queued and claimed this one
            if ((int) INT.compareAndExchange(block, STATE, ARMED, IDLE) == ARMED) {
                return fail("the signal could not be sent");
            }
            deadline = Long.MAX_VALUE;
        } else {
            deadline = System.nanoTime() + timeoutNanos;
        }
        boolean interrupted = false;
        try {
            int spins = 0;
            while (true) {
                int state = (int) INT.getAcquire(block, STATE);
                if (state == DONE) {
                    long r = block.get(ValueLayout.JAVA_LONG, RESULT);
                    INT.setVolatile(block, STATE, IDLE);
                    return OptionalLong.of(r);
                }
                if (state == ARMED && System.nanoTime() - deadline > 0
                        && (int) INT.compareAndExchange(block, STATE, ARMED, IDLE) == ARMED) {
                    // never claimed: withdrawn (a late signal finds it idle), the caller makes the call
                    return fail("the target did not take the call in time");
                }
                if (++spins < 1000) {
                    Thread.onSpinWait();
                } else {
                    // park returns at once while the interrupt status is set: keep it for later
                    interrupted |= Thread.interrupted();
                    LockSupport.parkNanos(20_000);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private OptionalLong fail(String why) {
        usable = false;
        failure = why;
        return OptionalLong.empty();
    }

    /** Whether the signal's handler is still this one (the process may have replaced it since). */
    private boolean handlerIsOurs() {
        return sys(NR_RT_SIGACTION, signal, 0, query.address(), 8) == 0
                && query.get(ValueLayout.JAVA_LONG, 0) == handler;
    }

    /** The signal return: {@code mov eax, 15 (rt_sigreturn); syscall}. */
    static final byte[] RESTORER = {(byte) 0xB8, 0x0F, 0x00, 0x00, 0x00, 0x0F, 0x05};

    /**
     * The handler's x86-64 code for the block at {@code b} and the thread {@code tid}, then the
     * restorer that returns from the signal ({@link #RESTORER}): unless {@code gettid()} is
     * {@code tid}, return; if the state is armed, claim it (lock cmpxchg armed to claimed), make the
     * system call from the block, store the result and set the state to done; return. x86-64 keeps
     * stores in order, so the result is visible before the state that says it is done.
     */
    static byte[] handler(long b, long tid) {
        if (tid <= 0 || tid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("thread id " + tid);
        }
        byte[] call = {
            (byte) 0xB8, ARMED, 0x00, 0x00, 0x00, // mov eax, ARMED
            (byte) 0xB9, CLAIMED, 0x00, 0x00, 0x00, // mov ecx, CLAIMED
            (byte) 0xF0, 0x41, 0x0F, (byte) 0xB1, 0x48, (byte) STATE, // lock cmpxchg [r8 + STATE], ecx
            0x75, 0x1D, // jne to the ret (29 bytes on)
            0x49, (byte) 0x8B, 0x00, // mov rax, [r8 + NR]
            0x49, (byte) 0x8B, 0x78, (byte) ARG1, // mov rdi, [r8 + ARG1]
            0x49, (byte) 0x8B, 0x70, (byte) ARG2, // mov rsi, [r8 + ARG2]
            0x49, (byte) 0x8B, 0x50, (byte) ARG3, // mov rdx, [r8 + ARG3]
            0x0F, 0x05, // syscall (keeps r8)
            0x49, (byte) 0x89, 0x40, (byte) RESULT, // mov [r8 + RESULT], rax
            0x41, (byte) 0xC7, 0x40, (byte) STATE, DONE, 0x00, 0x00, 0x00, // mov dword [r8 + STATE], DONE
            (byte) 0xC3, // ret
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x49, (byte) 0xB8}); // movabs r8, b
        little(out, b, 8);
        out.writeBytes(new byte[] {(byte) 0xB8, (byte) NR_GETTID, 0x00, 0x00, 0x00}); // mov eax, gettid
        out.writeBytes(new byte[] {0x0F, 0x05}); // syscall
        out.writeBytes(new byte[] {0x48, 0x3D}); // cmp rax, tid
        little(out, tid, 4);
        out.writeBytes(new byte[] {0x75, (byte) (call.length - 1)}); // jne to the ret
        out.writeBytes(call);
        out.writeBytes(RESTORER);
        return out.toByteArray();
    }

    private static void little(ByteArrayOutputStream out, long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xFF);
        }
    }
}
