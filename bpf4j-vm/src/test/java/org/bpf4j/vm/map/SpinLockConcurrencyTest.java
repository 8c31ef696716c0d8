package org.bpf4j.vm.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.junit.jupiter.api.Test;

/**
 * {@code bpf_spin_lock} excludes: threads that each add 1 to two fields of one value under the lock
 * (a read, then a write, with no atomic instruction) lose no update and never see the fields differ.
 */
class SpinLockConcurrencyTest {
    private static final Code BUMP = Assembler.assemble("""
            stw [%r10-4], 0
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -4
            call 1
            mov %r6, %r0
            mov %r1, %r6
            call 93                 # bpf_spin_lock
            ldxdw %r7, [%r6+8]
            ldxdw %r8, [%r6+16]
            add %r7, 1
            add %r8, 1
            stxdw [%r6+8], %r7
            stxdw [%r6+16], %r8
            mov %r1, %r6
            call 94                 # bpf_spin_unlock
            mov %r0, %r7
            sub %r0, %r8            # 0 unless another thread got between the two fields
            exit
            """, "bump.s");

    @Test
    void lockedIncrementsFromManyThreadsAllCount() throws Exception {
        int threads = 4, runs = 20_000;
        try (BpfMap m = BpfMap.create(MapDefinition.of("locked", MapType.ARRAY, 4, 24, 1).withSpinLock(0));
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            VmProgram p = VmProgram.load("bump", BUMP, List.of(m), VmOptions.defaults());
            List<Future<Long>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    var ex = p.newExecution();
                    long torn = 0;
                    for (int i = 0; i < runs; i++) {
                        torn += ex.run() != 0 ? 1 : 0;
                    }
                    return torn;
                }));
            }
            for (Future<Long> f : done) {
                assertEquals(0L, f.get(), "a thread saw the two fields differ inside the lock");
            }
            ByteBuffer v = ByteBuffer.wrap(m.lookup(new byte[4]).orElseThrow()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals((long) threads * runs, v.getLong(8));
            assertEquals((long) threads * runs, v.getLong(16));
            assertEquals(0, v.getInt(0), "the lock reads as zero from the host");
        }
    }

    /**
     * A program that stores into a value's lock word (the kernel's verifier forbids it; an
     * unverified program may) holds no lock: a {@code BPF_F_LOCK} lookup from the host still takes
     * it (it spun for ever before), and so does the program's next {@code bpf_spin_lock}.
     */
    @Test
    void aStoreIntoTheLockWordHoldsNoLock() {
        Code scribble = Assembler.assemble("""
                stw [%r10-4], 0
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -4
                call 1
                stw [%r0+0], 1          # the lock word
                mov %r0, 0
                exit
                """, "scribble.s");
        try (BpfMap m = BpfMap.create(MapDefinition.of("locked", MapType.ARRAY, 4, 24, 1).withSpinLock(0))) {
            VmProgram.load("scribble", scribble, List.of(m), VmOptions.defaults()).newExecution().run();
            byte[] value = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> m.lookup(new byte[4], BpfMap.F_LOCK).orElseThrow(), "a BPF_F_LOCK lookup waited");
            assertEquals(0, ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
            VmProgram bump = VmProgram.load("bump", BUMP, List.of(m), VmOptions.defaults());
            assertEquals(0L, assertTimeoutPreemptively(Duration.ofSeconds(5), () -> bump.newExecution().run(),
                    "bpf_spin_lock waited for a holder that does not exist"));
        }
    }
}
