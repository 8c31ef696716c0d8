package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.MapType;
import org.junit.jupiter.api.Test;

/** Map operations on real kernel maps. */
@KernelTest
class KernelMapTest {
    private static byte[] u32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static byte[] u64(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    @Test
    void hashLookupUpdateDeleteIterate() {
        Kernel k = Kernel.system();
        try (KernelMap m = k.createMap("t_hash", MapType.HASH, 4, 8, 16, 0)) {
            assertTrue(m.lookup(u32(1)).isEmpty());
            m.update(u32(1), u64(100), KernelMap.ANY);
            m.update(u32(2), u64(200), KernelMap.NOEXIST);
            KernelException dup = assertThrows(KernelException.class,
                    () -> m.update(u32(2), u64(201), KernelMap.NOEXIST));
            assertEquals(Errno.EEXIST, dup.errno());
            assertEquals("bpf(BPF_MAP_UPDATE_ELEM)", dup.syscall());
            assertArrayEquals(u64(100), m.lookup(u32(1)).orElseThrow());
            Set<Integer> keys = new HashSet<>();
            for (byte[] key : m.keys()) {
                keys.add(key[0] & 0xff);
            }
            assertEquals(Set.of(1, 2), keys);
            assertTrue(m.delete(u32(1)));
            assertFalse(m.delete(u32(1)));
            assertEquals(1, m.keys().size());
            assertTrue(m.id() > 0);
        }
    }

    @Test
    void perCpuValuesHaveOneSlotPerPossibleCpu() {
        Kernel k = Kernel.system();
        int cpus = k.cpus();
        try (KernelMap m = k.createMap("t_pcpu", MapType.PERCPU_ARRAY, 4, 4, 2, 0)) {
            assertEquals(8 * cpus, m.transferValueSize());
            List<byte[]> values = new ArrayList<>();
            for (int c = 0; c < cpus; c++) {
                values.add(u32(10 + c));
            }
            m.updatePerCpu(u32(1), values, KernelMap.ANY);
            List<byte[]> back = m.lookupPerCpu(u32(1)).orElseThrow();
            assertEquals(cpus, back.size());
            for (int c = 0; c < cpus; c++) {
                assertArrayEquals(u32(10 + c), back.get(c));
            }
        }
    }

    @Test
    void batchOperations() {
        Kernel k = Kernel.system();
        try (KernelMap m = k.createMap("t_batch", MapType.HASH, 4, 4, 64, 0)) {
            List<byte[]> keys = new ArrayList<>();
            List<byte[]> values = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                keys.add(u32(i));
                values.add(u32(i * 3));
            }
            assertEquals(20, m.updateBatch(keys, values, 0));
            Set<Integer> seen = new HashSet<>();
            Optional<byte[]> pos = Optional.empty();
            do {
                KernelMap.Batch b = m.lookupBatch(pos, 7, false);
                for (int i = 0; i < b.keys().size(); i++) {
                    int key = b.keys().get(i)[0];
                    assertEquals(key * 3, b.values().get(i)[0]);
                    seen.add(key);
                }
                pos = b.next();
            } while (pos.isPresent());
            assertEquals(20, seen.size());
            assertEquals(5, m.deleteBatch(keys.subList(0, 5)));
            assertEquals(15, m.keys().size());
        }
    }

    @Test
    void queuePopsInOrderAndFrozenMapsRefuseWrites() {
        Kernel k = Kernel.system();
        try (KernelMap q = k.createMap("t_queue", MapType.QUEUE, 0, 4, 4, 0)) {
            q.update(null, u32(7), KernelMap.ANY);
            q.update(null, u32(8), KernelMap.ANY);
            assertArrayEquals(u32(7), q.pop().orElseThrow());
            assertArrayEquals(u32(8), q.pop().orElseThrow());
            assertTrue(q.pop().isEmpty());
        }
        try (KernelMap a = k.createMap("t_frozen", MapType.ARRAY, 4, 4, 1, 0)) {
            a.update(u32(0), u32(5), KernelMap.ANY);
            a.freeze();
            KernelException e = assertThrows(KernelException.class, () -> a.update(u32(0), u32(6), KernelMap.ANY));
            assertEquals(Errno.EPERM, e.errno());
            assertArrayEquals(u32(5), a.lookup(u32(0)).orElseThrow());
        }
    }

    @Test
    void refusedCreationNamesTheCallAndErrno() {
        Kernel k = Kernel.system();
        KernelException e = assertThrows(KernelException.class,
                () -> k.createMap("t_bad", MapType.HASH, 0, 4, 1, 0));
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("bpf(BPF_MAP_CREATE) failed: EINVAL"), e.getMessage());
    }
}
