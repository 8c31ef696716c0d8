package org.bpf4j.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes a system call on the process's first thread, the thread group's leader (its thread id is
 * the process id), as a native program makes it from its main thread. The {@code java} launcher
 * runs {@code main} on a thread of its own and leaves its first thread waiting for that one to end
 * ({@code pthread_join}), where Java code cannot run; a call whose effect depends on the calling
 * thread ({@code BPF_PROG_TEST_RUN} of a program that reads {@code bpf_get_current_pid_tgid}, as
 * bpftrace's BEGIN does for {@code tid}) is made there instead.
 *
 * <p>How: a real-time signal that nothing else in the process handles gets a handler of a few
 * machine instructions (x86-64 only), written to a page of its own, that claims the pending call
 * with an atomic compare-and-exchange, makes it with the {@code syscall} instruction, stores the
 * result and marks it done; {@link #syscall} arms the call, sends the signal to the first thread
 * ({@code tgkill}) and waits for the result. The handler uses no library function, no lock and no
 * Java, so it is safe wherever the signal lands. A call the handler does not claim within a second
 * (the thread blocks the signal, or is gone) is withdrawn and left to the caller. Nothing is
 * installed until the first call.
 *
 * <p>Where it cannot work (another architecture, no free signal, no executable page, the calling
 * thread is already the first one) {@link #syscall} returns empty and the caller makes the call
 * itself. Thread-safe: one call at a time.
 */
public final class FirstThread {
    /** x86-64 system call numbers. */
    private static final long NR_MMAP = 9;
    private static final long NR_MPROTECT = 10;
    private static final long NR_RT_SIGACTION = 13;
    private static final long NR_GETTID = 186;
    private static final long NR_TGKILL = 234;

    /** The call's block: its number and three arguments, the result, the state. */
    private static final long NR = 0;
    private static final long ARG1 = 8;
    private static final long ARG2 = 16;
    private static final long ARG3 = 24;
    private static final long RESULT = 32;
    private static final long STATE = 48;
    /** States: nothing to do, armed, claimed by the handler, done. */
    private static final int IDLE = 0;
    private static final int ARMED = 1;
    private static final int DONE = 3;

    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    /** How long an armed call may wait for the handler to claim it. */
    private static final long CLAIM_NANOS = 1_000_000_000L;

    private static boolean tried;
    private static MemorySegment block;
    private static int signal;
    private static long pid;

    private FirstThread() {
    }

    /** The errno capture of this class's calls (made under its lock, or once by {@link #prepare}). */
    private static final MemorySegment CAPTURE = Native.captureSegment(Arena.global());

    private static long sys(long nr, long a, long b, long c, long d, long e, long f) {
        return Native.rawSyscall(CAPTURE, nr, a, b, c, d, e, f);
    }

    /**
     * Installs the handler now (if it can be) rather than at the first call, whose caller may be
     * waiting: a tracer calls this before it attaches its probes.
     */
    public static synchronized void prepare() {
        ready();
    }

    /**
     * Makes {@code syscall(nr, a, b, c)} on the process's first thread and returns what the kernel
     * returned (a negative errno on failure); empty if it cannot be made there (see the class
     * comment), and the caller should make it itself. The memory the arguments point to must stay
     * valid until this returns.
     */
    public static synchronized OptionalLong syscall(long nr, long a, long b, long c) {
        if (!ready()) {
            return OptionalLong.empty();
        }
        block.set(ValueLayout.JAVA_LONG, NR, nr);
        block.set(ValueLayout.JAVA_LONG, ARG1, a);
        block.set(ValueLayout.JAVA_LONG, ARG2, b);
        block.set(ValueLayout.JAVA_LONG, ARG3, c);
        block.set(ValueLayout.JAVA_LONG, RESULT, 0);
        INT.setRelease(block, STATE, ARMED);
        if (sys(NR_TGKILL, pid, pid, signal, 0, 0, 0) < 0) {
            INT.setVolatile(block, STATE, IDLE);
            return OptionalLong.empty();
        }
        long deadline = System.nanoTime() + CLAIM_NANOS;
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
                return OptionalLong.empty(); // never claimed: withdrawn, the caller makes the call
            }
            if (++spins < 1000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    /** Whether the handler is installed (installing it on the first call); false if it cannot be. */
    private static boolean ready() {
        if (!tried) {
            tried = true;
            try {
                install();
            } catch (RuntimeException | LinkageError e) {
                block = null;
            }
        }
        if (block == null) {
            return false;
        }
        // the first thread itself calls directly
        return sys(NR_GETTID, 0, 0, 0, 0, 0, 0) != pid && leaderAlive();
    }

    private static final Pattern STATE_LINE = Pattern.compile("(?m)^State:\\s*(\\S)");

    private static boolean leaderAlive() {
        try {
            String status = Files.readString(Path.of("/proc/self/task/" + pid + "/status"));
            Matcher m = STATE_LINE.matcher(status);
            return m.find() && !m.group(1).equals("Z") && !m.group(1).equals("X");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void install() {
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return;
        }
        pid = ProcessHandle.current().pid();
        int sig = freeSignal();
        if (sig < 0) {
            return;
        }
        MemorySegment b = Arena.global().allocate(64, 64);
        byte[] code = handler(b.address());
        long page = 4096;
        long addr = sys(NR_MMAP, 0, page, 3 /* PROT_READ | PROT_WRITE */, 0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
        if (addr < 0 && addr > -4096) {
            return;
        }
        MemorySegment text = MemorySegment.ofAddress(addr).reinterpret(page);
        MemorySegment.copy(code, 0, text, ValueLayout.JAVA_BYTE, 0, code.length);
        if (sys(NR_MPROTECT, addr, page, 5 /* PROT_READ | PROT_EXEC */, 0, 0, 0) < 0) {
            return;
        }
        // the kernel's struct sigaction on x86-64: handler, flags, restorer, mask; the restorer
        // (rt_sigreturn) follows the handler on the page, as libc's own
        MemorySegment act = Arena.global().allocate(32, 8);
        MemorySegment old = Arena.global().allocate(32, 8);
        act.set(ValueLayout.JAVA_LONG, 0, addr);
        act.set(ValueLayout.JAVA_LONG, 8, 0x10000000L | 0x04000000L); // SA_RESTART (the wait goes on) | SA_RESTORER
        act.set(ValueLayout.JAVA_LONG, 16, addr + code.length - RESTORER.length);
        if (sys(NR_RT_SIGACTION, sig, act.address(), old.address(), 8, 0, 0) != 0) {
            return;
        }
        if (old.get(ValueLayout.JAVA_LONG, 0) != 0) {
            // someone took the signal after all: give it back
            sys(NR_RT_SIGACTION, sig, old.address(), 0, 8, 0, 0);
            return;
        }
        signal = sig;
        block = b;
    }

    /**
     * A real-time signal that no one in the process handles or ignores and that the first thread
     * does not block (from SIGRTMAX-4 down; the JDK takes SIGRTMAX-2), or -1.
     */
    private static int freeSignal() {
        long caught;
        long ignored;
        long blocked;
        try {
            String self = Files.readString(Path.of("/proc/self/status"));
            String leader = Files.readString(Path.of("/proc/self/task/" + pid + "/status"));
            caught = mask(self, "SigCgt");
            ignored = mask(self, "SigIgn");
            blocked = mask(leader, "SigBlk");
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        for (int s = 60; s >= 40; s--) {
            long bit = 1L << (s - 1);
            if ((caught & bit) == 0 && (ignored & bit) == 0 && (blocked & bit) == 0) {
                return s;
            }
        }
        return -1;
    }

    private static long mask(String status, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":\\s*([0-9a-fA-F]+)").matcher(status);
        if (!m.find()) {
            throw new IllegalStateException("no " + name);
        }
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    /** The signal return: {@code mov eax, 15 (rt_sigreturn); syscall}. */
    private static final byte[] RESTORER = {(byte) 0xB8, 0x0F, 0x00, 0x00, 0x00, 0x0F, 0x05};

    /**
     * The handler's x86-64 code for the block at {@code b}, then the restorer that returns from the
     * signal ({@link #RESTORER}): if the state is armed, claim it (lock
     * cmpxchg armed to claimed), make the system call from the block, store the result and set the
     * state to done; return.
     */
    static byte[] handler(long b) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x49, (byte) 0xB8}); // movabs r8, b
        for (int i = 0; i < 8; i++) {
            out.write((int) (b >>> (8 * i)) & 0xFF);
        }
        out.writeBytes(new byte[] {
            (byte) 0xB8, 0x01, 0x00, 0x00, 0x00, // mov eax, ARMED
            (byte) 0xB9, 0x02, 0x00, 0x00, 0x00, // mov ecx, claimed
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
        });
        out.writeBytes(RESTORER);
        return out.toByteArray();
    }
}
