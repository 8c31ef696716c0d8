package org.bpf4j.linux.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.junit.jupiter.api.Test;

/**
 * The ring buffer reader over records a program writes with BPF_PROG_TEST_RUN
 * (src/test/resources/attach/src/ringbuf.bpf.c): per run, a 56-byte submitted record, a
 * discarded one the reader must skip, and a 13-byte one; 300 runs wrap the 4 KiB ring ten times.
 */
@KernelTest
class RingBufferReaderTest {
    private static final Path OBJECT = Path.of("src/test/resources/attach/ringbuf.bpf.o");

    private static void check(List<byte[]> records, long firstSeq) {
        assertEquals(0, records.size() % 2, "records come in pairs");
        for (int i = 0; i < records.size(); i += 2) {
            long seq = firstSeq + i / 2;
            ByteBuffer big = ByteBuffer.wrap(records.get(i)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(56, records.get(i).length, "record " + i);
            assertEquals(seq, big.getLong(0));
            assertEquals(1, big.getLong(8), "discarded records are never delivered");
            for (int k = 0; k < 40; k++) {
                assertEquals((byte) (seq + k), big.get(16 + k));
            }
            ByteBuffer small = ByteBuffer.wrap(records.get(i + 1)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(13, records.get(i + 1).length);
            assertEquals(seq, small.getLong(0));
            assertEquals(0x5a, small.get(12));
        }
    }

    @Test
    void deliversSubmittedRecordsInOrderSkipsDiscardedOnesAndWraps() {
        try (KernelObject o = Kernel.system().load(ObjectFile.read(OBJECT), LoadOptions.defaults());
                RingBufferReader ring = RingBufferReader.open(o.map("ring").orElseThrow())) {
            KernelProgram emit = o.programs().get("emit");
            long seq = 0;
            for (int batch = 0; batch < 30; batch++) {
                for (int i = 0; i < 10; i++) {
                    emit.testRun(KernelProgram.TestRun.ofData(new byte[64]));
                }
                List<byte[]> records = new ArrayList<>();
                int n = ring.poll(Duration.ofSeconds(1), r -> records.add(r.toArray(ValueLayout.JAVA_BYTE)));
                assertEquals(20, n);
                check(records, seq);
                seq += 10;
                assertEquals(0, ring.available());
            }
        }
    }

    @Test
    void copyingReadReturnsOneRecordAtATimeAndNullOnTimeout() {
        try (KernelObject o = Kernel.system().load(ObjectFile.read(OBJECT), LoadOptions.defaults());
                RingBufferReader ring = RingBufferReader.open(o.map("ring").orElseThrow())) {
            assertNull(ring.read(Duration.ofMillis(50)));
            o.programs().get("emit").testRun(KernelProgram.TestRun.ofData(new byte[64]));
            List<byte[]> records = new ArrayList<>();
            records.add(ring.read(Duration.ofSeconds(1)));
            records.add(ring.read(Duration.ofSeconds(1)));
            check(records, 0);
            assertNull(ring.read(Duration.ofMillis(50)));
        }
    }

    @Test
    void aMapThatIsNotARingBufferIsRefused() {
        try (KernelObject o = Kernel.system().load(ObjectFile.read(OBJECT), LoadOptions.defaults().withPrograms(
                Set.of()))) {
            Bpf4jException e = assertThrows(Bpf4jException.class, () -> RingBufferReader.open(o.map("seq")
                    .orElseThrow()));
            assertTrue(e.getMessage().contains("map 'seq' is not a ring buffer"), e.getMessage());
        }
    }
}
