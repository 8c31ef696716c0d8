package org.bpf4j.linux.sys;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
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
 * x86-64 instructions ({@link SignalCall}: no library call, no lock, no Java) that claims the armed
 * call atomically, makes it with the {@code syscall} instruction and stores the result;
 * {@link #syscall} arms the call, sends the signal to the first thread ({@code tgkill}) and waits.
 * A call the handler does not claim within a second (the thread blocks the signal, or is gone) is
 * withdrawn, never made later, and left to the caller; from then on every call is the caller's.
 * For a process whose first thread does nothing but wait, as the {@code java} launcher's: an
 * embedding application whose first thread does work of its own should not use it (the handler
 * interrupts that work, and a wait that the kernel does not restart, such as {@code epoll_wait},
 * returns EINTR there).
 *
 * <p>Where it cannot work (another architecture, no free signal, no executable page, the calling
 * thread is the first one, the first thread has exited) {@link #syscall} returns empty and the
 * caller makes the call itself. Nothing is installed until {@link #prepare} or the first call.
 * Thread-safe: one call at a time.
 */
public final class FirstThread {
    private static final long NR_GETTID = SignalCall.NR_GETTID;
    /** How long an armed call may wait for the handler to claim it. */
    private static final long CLAIM_NANOS = 1_000_000_000L;

    private static boolean tried;
    private static SignalCall call;
    private static long pid;
    private static final MemorySegment CAPTURE = Native.captureSegment(Arena.global());

    private FirstThread() {
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
     * comment), and the caller should make it itself. For calls that return promptly (a claimed
     * call is waited for without a limit). The memory the arguments point to must stay valid until
     * this returns.
     */
    public static synchronized OptionalLong syscall(long nr, long a, long b, long c) {
        if (!ready()) {
            return OptionalLong.empty();
        }
        return call.call(nr, a, b, c);
    }

    /**
     * Why calls are not (or no longer) made on the first thread, or null if nothing has failed (or
     * nothing was tried yet).
     */
    static synchronized String failure() {
        if (!tried) {
            return null;
        }
        if (pid == 0) {
            return "not x86-64";
        }
        return call == null ? "no free real-time signal or no executable page" : call.failure();
    }

    /** Whether the handler is installed (installing it on the first call) and may be used now. */
    private static boolean ready() {
        if (!tried) {
            tried = true;
            String arch = System.getProperty("os.arch", "");
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                pid = ProcessHandle.current().pid();
                call = SignalCall.install(pid, CLAIM_NANOS);
            }
        }
        // the first thread itself calls directly
        return call != null && Native.rawSyscall(CAPTURE, NR_GETTID, 0, 0, 0, 0, 0, 0) != pid && leaderAlive();
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
}
