package org.bpf4j.linux.testing;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Runs test code with the calling thread pinned to one CPU, then restores the thread's CPU mask.
 * Per-CPU results (per-CPU map values, which perf ring a record lands in) depend on the CPU, and a
 * loaded machine migrates threads between CPUs at any time.
 */
public final class CpuPinning {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final FunctionDescriptor AFFINITY = FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
    private static final int MASK_BYTES = 128;

    /** Test code that may throw. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    private CpuPinning() {
    }

    /**
     * Runs {@code body} on CPU {@code cpu} only. The thread's previous mask is restored afterwards
     * (the JVM's processor count follows the mask, and other tests read that).
     */
    public static void onCpu(int cpu, Body body) throws Exception {
        byte[] saved = new byte[MASK_BYTES];
        affinity(true, saved);
        byte[] one = new byte[MASK_BYTES];
        one[cpu / 8] = (byte) (1 << (cpu % 8));
        affinity(false, one);
        try {
            body.run();
        } finally {
            affinity(false, saved);
        }
    }

    /** Sets (or with {@code get}, reads) the calling thread's CPU mask. */
    private static void affinity(boolean get, byte[] mask) {
        String name = get ? "sched_getaffinity" : "sched_setaffinity";
        MethodHandle h = LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), AFFINITY);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(mask.length);
            MemorySegment.copy(mask, 0, m, ValueLayout.JAVA_BYTE, 0, mask.length);
            int r;
            try {
                r = (int) h.invokeExact(0, (long) mask.length, m);
            } catch (Throwable t) {
                throw new IllegalStateException(name + " failed", t);
            }
            if (r < 0) {
                throw new IllegalStateException(name + " failed");
            }
            MemorySegment.copy(m, ValueLayout.JAVA_BYTE, 0, mask, 0, mask.length);
        }
    }
}
