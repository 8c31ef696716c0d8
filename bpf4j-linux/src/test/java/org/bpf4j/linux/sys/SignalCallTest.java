package org.bpf4j.linux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link SignalCall}'s protocol against a target thread of the test's own (a Java thread waiting
 * in a futex, as the launcher's first thread waits in {@code pthread_join}), which can block the
 * signal the way a first thread that cannot take the call would: a withdrawn call is never made,
 * however late the signal comes; a call claimed by a signal queued earlier is waited for even when
 * sending fails; the signal on another thread makes nothing; a replaced handler is not signalled.
 * The calls are {@code write}s of one byte to a pipe, so a call made twice, or made at all, shows.
 */
class SignalCallTest {
    private static final long NR_WRITE = 1;
    private static final long NR_IOCTL = 16;
    private static final long NR_RT_SIGPROCMASK = 14;
    private static final long NR_PIPE2 = 293;
    private static final long FIONREAD = 0x541B;
    private static final long SHORT = TimeUnit.MILLISECONDS.toNanos(200);

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Native.captureSegment(arena);
    private final MemorySegment oneByte = arena.allocate(8);
    private Target target;
    private int readFd = -1;
    private int writeFd = -1;

    /** A platform thread that waits for work, on which the handler runs. */
    private static final class Target implements AutoCloseable {
        private final LinkedBlockingQueue<Runnable> work = new LinkedBlockingQueue<>();
        private final CompletableFuture<Long> tid = new CompletableFuture<>();
        private final MemorySegment capture = Native.captureSegment(Arena.global());
        private final Thread thread;
        private volatile boolean done;

        Target() {
            thread = Thread.ofPlatform().daemon().start(() -> {
                tid.complete(Native.rawSyscall(capture, SignalCall.NR_GETTID, 0, 0, 0, 0, 0, 0));
                while (!done) {
                    try {
                        work.take().run();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long tid() throws Exception {
            return tid.get(10, TimeUnit.SECONDS);
        }

        /** Runs {@code r} on the thread and waits for it. */
        void on(Runnable r) throws Exception {
            CompletableFuture<Void> f = new CompletableFuture<>();
            work.add(() -> {
                r.run();
                f.complete(null);
            });
            f.get(10, TimeUnit.SECONDS);
        }

        /** Blocks ({@code how} 0) or unblocks (1) {@code signal} on the thread. */
        void mask(int how, int signal) throws Exception {
            on(() -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment set = a.allocate(8);
                    set.set(ValueLayout.JAVA_LONG, 0, 1L << (signal - 1));
                    long r = Native.rawSyscall(capture, NR_RT_SIGPROCMASK, how, set.address(), 0, 8, 0, 0);
                    if (r != 0) {
                        throw new IllegalStateException("rt_sigprocmask: errno " + Native.errno(capture));
                    }
                }
            });
        }

        @Override
        public void close() throws Exception {
            done = true;
            work.add(() -> { });
            thread.join(10_000);
        }
    }

    private static void needsX86() {
        String arch = System.getProperty("os.arch", "");
        Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "SKIPPED: x86-64 only, not " + arch);
    }

    @BeforeEach
    void setUp() throws Exception {
        needsX86();
        target = new Target();
        MemorySegment fds = arena.allocate(8);
        assertEquals(0, Native.rawSyscall(capture, NR_PIPE2, fds.address(), 0x800 /* O_NONBLOCK */, 0, 0, 0, 0));
        readFd = fds.get(ValueLayout.JAVA_INT, 0);
        writeFd = fds.get(ValueLayout.JAVA_INT, 4);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (target != null) {
            target.close();
        }
        for (int fd : new int[] {readFd, writeFd}) {
            if (fd >= 0) {
                Native.close(capture, fd);
            }
        }
        arena.close();
    }

    private SignalCall install(long timeoutNanos) throws Exception {
        SignalCall c = SignalCall.install(target.tid(), timeoutNanos);
        assertNotNull(c, "no handler could be installed");
        return c;
    }

    private OptionalLong writeOneByte(SignalCall c) {
        return c.call(NR_WRITE, writeFd, oneByte.address(), 1);
    }

    /** How many bytes the calls wrote to the pipe. */
    private long written() {
        MemorySegment n = arena.allocate(4);
        assertEquals(0, Native.rawSyscall(capture, NR_IOCTL, readFd, FIONREAD, n.address(), 0, 0, 0));
        return n.get(ValueLayout.JAVA_INT, 0);
    }

    /** Whether {@code signal} is pending on the thread {@code tid} (its private queue). */
    private static boolean pending(long tid, int signal) throws Exception {
        String status = Files.readString(Path.of("/proc/self/task/" + tid + "/status"));
        Matcher m = Pattern.compile("(?m)^SigPnd:\\s*([0-9a-fA-F]+)").matcher(status);
        assertTrue(m.find(), status);
        return (Long.parseUnsignedLong(m.group(1), 16) & (1L << (signal - 1))) != 0;
    }

    @Test
    void theCallIsMadeOnTheTargetOnceAndItsResultReturned() throws Exception {
        SignalCall c = install(TimeUnit.SECONDS.toNanos(10));
        assertEquals(OptionalLong.of(target.tid()), c.call(SignalCall.NR_GETTID, 0, 0, 0));
        assertEquals(OptionalLong.of(1), writeOneByte(c));
        assertEquals(1, written());
        assertEquals(null, c.failure(), "nothing failed");
    }

    @Test
    void aWithdrawnCallIsNotMadeWhenTheSignalComesLate() throws Exception {
        SignalCall c = install(SHORT);
        AtomicInteger sent = new AtomicInteger();
        long pid = ProcessHandle.current().pid();
        long tid = target.tid();
        c.sender(s -> {
            sent.incrementAndGet();
            return Native.rawSyscall(capture, SignalCall.NR_TGKILL, pid, tid, s, 0, 0, 0);
        });
        target.mask(0, c.signal());
        assertTrue(writeOneByte(c).isEmpty(), "a call the target cannot take is withdrawn");
        assertTrue(pending(tid, c.signal()), "the signal waits on the target");
        // from now on the caller makes every call: no more waiting, no more signals queued
        assertTrue(writeOneByte(c).isEmpty());
        assertEquals(1, sent.get());
        assertEquals("the target did not take the call in time", c.failure());
        // the target takes the signal now: the handler runs, finds nothing armed, makes nothing
        target.mask(1, c.signal());
        target.on(() -> { });
        assertTrue(!pending(tid, c.signal()), "the late signal was delivered");
        assertEquals(0, written(), "the withdrawn call was made");
    }

    @Test
    void aCallClaimedByAnEarlierSignalIsWaitedForWhenSendingFails() throws Exception {
        // the race: a signal queued for an earlier call claims this one, and this one's own signal
        // cannot be sent (EAGAIN, the queue of real-time signals is full): the call is made once,
        // by the handler, and the caller must not make it again
        SignalCall c = install(SHORT);
        long pid = ProcessHandle.current().pid();
        long tid = target.tid();
        target.mask(0, c.signal());
        assertEquals(0, Native.rawSyscall(capture, SignalCall.NR_TGKILL, pid, tid, c.signal(), 0, 0, 0));
        c.sender(s -> {
            try {
                target.mask(1, s); // the queued signal is delivered: the handler claims and makes the call
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return -1; // EAGAIN
        });
        assertEquals(OptionalLong.of(1), writeOneByte(c), "the call the handler made");
        assertEquals(1, written());
    }

    @Test
    void theSignalOnAnotherThreadMakesNoCall() throws Exception {
        // a signal sent to the process may be delivered to any thread that does not block it
        SignalCall c = install(SHORT);
        long pid = ProcessHandle.current().pid();
        c.sender(s -> {
            long self = Native.rawSyscall(capture, SignalCall.NR_GETTID, 0, 0, 0, 0, 0, 0);
            return Native.rawSyscall(capture, SignalCall.NR_TGKILL, pid, self, s, 0, 0, 0);
        });
        assertTrue(writeOneByte(c).isEmpty());
        assertEquals(0, written(), "the call was made on the calling thread");
    }

    @Test
    void aReplacedHandlerIsNotSignalled() throws Exception {
        // another component took the signal (here: ignores it); signalling now would run its
        // handler, or end the process had it been reset to the default action
        SignalCall c = install(SHORT);
        long tid = target.tid();
        target.mask(0, c.signal()); // blocked, an ignored signal sent would stay pending and show
        MemorySegment act = arena.allocate(32, 8);
        act.set(ValueLayout.JAVA_LONG, 0, 1); // SIG_IGN
        act.set(ValueLayout.JAVA_LONG, 8, 0x04000000L);
        assertEquals(0, Native.rawSyscall(capture, SignalCall.NR_RT_SIGACTION, c.signal(), act.address(), 0, 8, 0, 0));
        assertTrue(writeOneByte(c).isEmpty());
        assertTrue(!pending(tid, c.signal()), "the signal was sent");
        assertEquals("the signal's handler was replaced", c.failure());
        assertEquals(0, written());
    }

    @Test
    void twoInstancesTakeTwoSignals() throws Exception {
        SignalCall a = install(SHORT);
        SignalCall b = install(SHORT);
        assertTrue(a.signal() != b.signal(), a.signal() + " " + b.signal());
        assertEquals(OptionalLong.of(target.tid()), b.call(SignalCall.NR_GETTID, 0, 0, 0));
        assertEquals(OptionalLong.of(target.tid()), a.call(SignalCall.NR_GETTID, 0, 0, 0));
    }

    @Test
    void theHandlerIsTheExpectedCode() {
        // movabs r8, b; mov eax, 186; syscall; cmp rax, tid; jne ret; mov eax, 1; mov ecx, 2;
        // lock cmpxchg [r8+48], ecx; jne ret; four loads; syscall; two stores; ret; restorer
        byte[] code = SignalCall.handler(0x1122334455667788L, 0x1234);
        assertEquals(10 + 5 + 2 + 6 + 2 + 47 + 1 + 7, code.length);
        assertEquals(0x2F, code[24], "the first jne reaches the ret");
        assertEquals((byte) 0xC3, code[code.length - 8]);
        assertEquals(0x34, code[19]);
        assertEquals(0x12, code[20]);
    }
}
