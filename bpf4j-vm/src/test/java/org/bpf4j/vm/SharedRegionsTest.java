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
