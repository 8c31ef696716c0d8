package org.bpf4j.vm.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.junit.jupiter.api.Test;

/** Ring buffers through the helpers and the host consumer. */
class RingBufferTest {
    /** r1 = value, r2 = 1 to discard: reserve 8 bytes, store r1, submit or discard. Returns 1 if reserved. */
    private static final Code EMIT = Assembler.assemble("""
            mov %r6, %r1
            mov %r7, %r2
            lddw %r1, map_idx(0)
            mov %r2, 8
            mov %r3, 0
            call 131                # bpf_ringbuf_reserve
            jeq %r0, 0, full
            stxdw [%r0], %r6
            mov %r1, %r0
            mov %r2, 0
            jeq %r7, 1, discard
            call 132                # bpf_ringbuf_submit
            mov %r0, 1
            exit
            discard:
            call 133                # bpf_ringbuf_discard
            mov %r0, 1
            exit
            full:
            mov %r0, 0
            exit
            """, "emit.s");

    private static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void recordsArriveInOrderAndDiscardedOnesAreSkipped() {
        try (RingBufferMap ring = (RingBufferMap) BpfMap.create(MapDefinition.of("events", MapType.RINGBUF, 0, 0, 4096))) {
            Execution ex = VmProgram.load("emit", EMIT, List.of(ring), VmOptions.defaults()).newExecution();
            assertEquals(1, ex.run(11, 0));
            assertEquals(1, ex.run(22, 1));
            assertEquals(1, ex.run(33, 0));
            assertEquals(48, ring.query(RingBufferMap.AVAIL_DATA), "three records of 8 + 8 bytes");
            List<Long> got = new ArrayList<>();
            assertEquals(2, ring.poll(r -> got.add(u64(r))));
            assertEquals(List.of(11L, 33L), got);
            assertEquals(0, ring.query(RingBufferMap.AVAIL_DATA));
        }
    }

    @Test
    void aFullRingDropsAndCounts() {
        try (RingBufferMap ring = (RingBufferMap) BpfMap.create(MapDefinition.of("events", MapType.RINGBUF, 0, 0, 4096))) {
            Execution ex = VmProgram.load("emit", EMIT, List.of(ring), VmOptions.defaults()).newExecution();
            int accepted = 0;
            for (int i = 0; i < 300; i++) {
                accepted += (int) ex.run(i, 0);
            }
            assertEquals(256, accepted, "4096 bytes hold 256 records of 16 bytes");
            assertEquals(44, ring.dropped());
            List<Long> got = new ArrayList<>();
            ring.poll(r -> got.add(u64(r)));
            assertEquals(256, got.size());
            assertEquals(255L, got.getLast());
            assertEquals(1, ex.run(1000, 0), "space is free again after the consumer read");
            ring.poll(r -> got.add(u64(r)));
            assertEquals(1000L, got.getLast(), "a record that wraps is read whole");
        }
    }

    @Test
    void outputCopiesARecordAndSubmittingTwiceTraps() {
        Code twice = Assembler.assemble("""
                lddw %r1, map_idx(0)
                mov %r2, 8
                mov %r3, 0
                call 131
                jeq %r0, 0, out
                mov %r6, %r0
                mov %r1, %r6
                mov %r2, 0
                call 132
                mov %r1, %r6
                mov %r2, 0
                call 132
                out:
                exit
                """, "twice.s");
        Code output = Assembler.assemble("""
                stdw [%r10-8], 77
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -8
                mov %r3, 8
                mov %r4, 0
                call 130                # bpf_ringbuf_output
                exit
                """, "output.s");
        try (RingBufferMap ring = (RingBufferMap) BpfMap.create(MapDefinition.of("events", MapType.RINGBUF, 0, 0, 4096))) {
            assertEquals(0, VmProgram.load("output", output, List.of(ring), VmOptions.defaults()).newExecution().run());
            List<Long> got = new ArrayList<>();
            ring.poll(r -> got.add(u64(r)));
            assertEquals(List.of(77L), got);
            VmTrapException e = assertThrows(VmTrapException.class,
                    () -> VmProgram.load("twice", twice, List.of(ring), VmOptions.defaults()).newExecution().run());
            assertTrue(e.getMessage().startsWith("instruction 12: bpf_ringbuf_submit: R1 = "), e.getMessage());
        }
    }

    @Test
    void ringSizeMustBeAPowerOfTwoOfAPageOrMore() {
        MapException e = assertThrows(MapException.class,
                () -> BpfMap.create(MapDefinition.of("r", MapType.RINGBUF, 0, 0, 5000)));
        assertEquals(Errno.EINVAL, e.errno());
    }
}
