package org.bpf4j.linux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@link FirstThread}: a system call made on the process's first thread, here the test JVM's (the
 * {@code java} launcher's thread, which waits for the JVM). {@code gettid} tells which thread made
 * it. x86-64 only (elsewhere the calls are the caller's, and this test is skipped).
 */
class FirstThreadTest {
    private static final long NR_GETTID = 186;

    private static void needsX86() {
        String arch = System.getProperty("os.arch", "");
        Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "SKIPPED: x86-64 only, not " + arch);
    }

    @Test
    void theCallIsMadeByTheThreadWhoseIdIsTheProcessId() throws Exception {
        needsX86();
        long pid = ProcessHandle.current().pid();
        OptionalLong tid = FirstThread.syscall(NR_GETTID, 0, 0, 0);
        assertTrue(tid.isPresent(), "the first thread took the call");
        assertEquals(pid, tid.getAsLong());
        // while this thread is another one (/proc/thread-self is PID/task/TID)
        String self = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/thread-self")).toString();
        assertTrue(!self.endsWith("/task/" + pid), self);
        assertNull(FirstThread.failure());
    }

    @Test
    void callsFromManyThreadsEachGetTheirResult() throws Exception {
        needsX86();
        long pid = ProcessHandle.current().pid();
        List<Thread> threads = new ArrayList<>();
        List<Long> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                for (int k = 0; k < 50; k++) {
                    results.add(FirstThread.syscall(NR_GETTID, 0, 0, 0).orElse(-1));
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(200, results.size());
        assertTrue(results.stream().allMatch(r -> r == pid), results.toString());
    }

    @Test
    void aFailingCallGivesTheNegativeErrno() {
        needsX86();
        // close(-1): EBADF
        OptionalLong r = FirstThread.syscall(3, -1, 0, 0);
        assertEquals(-9, r.orElseThrow());
    }
}
