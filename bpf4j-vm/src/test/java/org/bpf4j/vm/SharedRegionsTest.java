package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.junit.jupiter.api.Test;

/** Shared regions (map storage) are addressable from every execution and adopted on first use. */
class SharedRegionsTest {
    private static final Code READ_AND_BUMP = Assembler.assemble("""
            ldxdw %r0, [%r1]
            mov %r2, 1
            lock add [%r1], %r2
            exit
            """, "bump.s");

    @Test
    void everyExecutionSeesTheSameStorage() throws Exception {
        byte[] storage = new byte[16];
        long addr = SharedRegions.register("test map values", storage, true);
        try {
            assertTrue(Memory.regionOf(addr) >= SharedRegions.FIRST_ID);
            VmProgram program = VmProgram.load("bump", READ_AND_BUMP);
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    Execution ex = program.newExecution();
                    for (int i = 0; i < 1000; i++) {
                        ex.run(addr);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(4000, program.newExecution().run(addr), "atomic adds from four threads");
        } finally {
            SharedRegions.release(addr);
        }
    }

    /**
     * Every atomic form from four threads at once on shared storage (on the JIT too, when the
     * VM's tests run with it): a compare-and-exchange loop, a 32-bit fetch-add, and a fetch-xor
     * that each thread applies an even number of times, so that lost updates would show.
     */
    @Test
    void atomicFormsAreAtomicAcrossThreads() throws Exception {
        Code code = Assembler.assemble("""
                retry:
                ldxdw %r0, [%r1]
                mov %r6, %r0
                mov %r2, %r0
                add %r2, 1
                lock cmpxchg [%r1], %r2
                jne %r0, %r6, retry
                mov %r4, 1
                lock fetch add32 [%r1+8], %r4
                mov %r5, 0x5a5a
                lock fetch xor [%r1+16], %r5
                mov %r5, 0x5a5a
                lock xor [%r1+16], %r5
                mov %r0, 0
                exit
                """, "atomics.s");
        byte[] storage = new byte[24];
        long addr = SharedRegions.register("test atomics", storage, true);
        try {
            VmProgram program = VmProgram.load("atomics", code);
            Thread[] threads = new Thread[4];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    Execution ex = program.newExecution();
                    for (int i = 0; i < 2000; i++) {
                        ex.run(addr);
                    }
                });
                threads[t].start();
            }
            for (Thread t : threads) {
                t.join();
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(storage).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(8000, b.getLong(0), "compare-and-exchange increments");
            assertEquals(8000, b.getInt(8), "32-bit fetch-adds");
            assertEquals(0, b.getLong(16), "each thread's xors cancel out");
        } finally {
            SharedRegions.release(addr);
        }
    }

    @Test
    void readOnlySharedStorageRefusesStores() {
        long addr = SharedRegions.register("frozen rodata", new byte[8], false);
        try {
            VmTrapException e = assertThrows(VmTrapException.class,
                    () -> VmProgram.load("bump", READ_AND_BUMP).newExecution().run(addr));
            assertEquals(VmTrapException.Kind.READ_ONLY, e.kind());
            assertTrue(e.getMessage().contains("frozen rodata is read-only"), e.getMessage());
        } finally {
            SharedRegions.release(addr);
        }
    }

    @Test
    void releasedStorageFaultsInNewExecutions() {
        long addr = SharedRegions.register("gone", new byte[8], true);
        SharedRegions.release(addr);
        VmTrapException e = assertThrows(VmTrapException.class,
                () -> VmProgram.load("bump", READ_AND_BUMP).newExecution().run(addr));
        assertEquals(VmTrapException.Kind.MEMORY, e.kind());
        assertTrue(e.getMessage().startsWith("instruction 0: invalid read of 8 bytes"), e.getMessage());
    }
}
