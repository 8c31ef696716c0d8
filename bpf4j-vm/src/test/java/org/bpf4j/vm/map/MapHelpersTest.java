package org.bpf4j.vm.map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.junit.jupiter.api.Test;

/** Programs that use maps through the map helpers, checked through the host API. */
class MapHelpersTest {
    /** Counts calls per key (r1): lookup, insert 1 if absent, else atomic add. Returns the count before. */
    private static final Code COUNTER = Assembler.assemble("""
            stxw [%r10-4], %r1
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -4
            call 1                  # bpf_map_lookup_elem
            jeq %r0, 0, insert
            mov %r1, 1
            lock fetch add [%r0], %r1
            mov %r0, %r1
            exit
            insert:
            stdw [%r10-16], 1
            lddw %r1, map_idx(0)
            mov %r2, %r10
            add %r2, -4
            mov %r3, %r10
            add %r3, -16
            mov %r4, 1              # BPF_NOEXIST
            call 2                  # bpf_map_update_elem
            mov %r0, 0
            exit
            """, "counter.s");

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void countsPerKeyInAHashMap() {
        try (BpfMap counts = BpfMap.create(MapDefinition.of("counts", MapType.HASH, 4, 8, 16))) {
            VmProgram p = VmProgram.load("counter", COUNTER, List.of(counts), VmOptions.defaults());
            var ex = p.newExecution();
            for (int i = 0; i < 10; i++) {
                ex.run(i % 3);
            }
            assertEquals(4, u64(counts.lookup(u32(0)).orElseThrow()));
            assertEquals(3, u64(counts.lookup(u32(1)).orElseThrow()));
            assertEquals(3, u64(counts.lookup(u32(2)).orElseThrow()));
            assertEquals(3, counts.keys().size());
            assertEquals(4, ex.run(0), "the program sees the count before its own increment");
        }
    }

    @Test
    void fullMapRefusesInsertWithE2big() {
        Code insert = Assembler.assemble("""
                stxw [%r10-4], %r1
                stdw [%r10-16], 7
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -4
                mov %r3, %r10
                add %r3, -16
                mov %r4, 0
                call 2
                exit
                """, "insert.s");
        try (BpfMap m = BpfMap.create(MapDefinition.of("small", MapType.HASH, 4, 8, 1))) {
            var ex = VmProgram.load("insert", insert, List.of(m), VmOptions.defaults()).newExecution();
            assertEquals(0, ex.run(1));
            assertEquals(-Errno.E2BIG, ex.run(2));
        }
    }

    @Test
    void globalDataIsAddressedDirectly() {
        Code bump = Assembler.assemble("""
                lddw %r1, map_value_idx(0, 8)
                ldxdw %r0, [%r1]
                add %r0, 1
                stxdw [%r1], %r0
                exit
                """, "bump.s");
        try (BpfMap data = BpfMap.create(MapDefinition.of(".data", MapType.ARRAY, 4, 16, 1))) {
            var ex = VmProgram.load("bump", bump, List.of(data), VmOptions.defaults()).newExecution();
            ex.run();
            assertEquals(2, ex.run());
            byte[] value = data.lookup(u32(0)).orElseThrow();
            assertEquals(2, ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
        }
    }

    @Test
    void aMapHandleCannotBeDereferenced() {
        Code peek = Assembler.assemble("lddw %r1, map_idx(0)\nldxdw %r0, [%r1]\nexit", "peek.s");
        try (BpfMap m = BpfMap.create(MapDefinition.of("m", MapType.ARRAY, 4, 8, 1))) {
            var e = assertThrows(VmTrapException.class,
                    () -> VmProgram.load("peek", peek, List.of(m), VmOptions.defaults()).newExecution().run());
            assertTrue(e.getMessage().contains("a map, which programs pass to helpers but cannot dereference"),
                    e.getMessage());
        }
    }

    @Test
    void aScalarIsNotAMap() {
        Code bad = Assembler.assemble("mov %r1, 42\nmov %r2, %r10\nadd %r2, -8\ncall 1\nexit", "bad.s");
        var e = assertThrows(VmTrapException.class, () -> VmProgram.load("bad", bad).newExecution().run());
        assertEquals("instruction 3: bpf_map_lookup_elem: R1 = 0x2a is not a map (not a pointer into any region)",
                e.getMessage());
    }

    @Test
    void missingMapIsRefusedAtLoad() {
        Code c = Assembler.assemble("lddw %r1, map_idx(2)\nmov %r0, 0\nexit", "c.s");
        var e = assertThrows(UnsupportedFeatureException.class, () -> VmProgram.load("c", c, VmOptions.defaults()));
        assertEquals("instruction 0: lddw of map 2, but the program was loaded with 0 maps", e.getMessage());
    }

    @Test
    void queueThroughPushPopHelpers() {
        Code drain = Assembler.assemble("""
                stxdw [%r10-8], %r1
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -8
                mov %r3, 0
                call 87                 # bpf_map_push_elem
                mov %r6, 0
                loop:
                lddw %r1, map_idx(0)
                mov %r2, %r10
                add %r2, -16
                call 88                 # bpf_map_pop_elem
                jne %r0, 0, done
                ldxdw %r1, [%r10-16]
                add %r6, %r1
                ja loop
                done:
                mov %r0, %r6
                exit
                """, "drain.s");
        try (BpfMap q = BpfMap.create(MapDefinition.of("q", MapType.QUEUE, 0, 8, 8))) {
            q.put(new byte[0], ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(40).array(), BpfMap.ANY);
            var ex = VmProgram.load("drain", drain, List.of(q), VmOptions.defaults()).newExecution();
            assertEquals(42, ex.run(2), "pushes 2, then pops 40 and 2");
            assertEquals(0, ((QueueStackMap) q).size());
        }
    }

    @Test
    void forEachMapElemVisitsEveryElementWithWritableValues() {
        Code doubleAll = Assembler.assemble("""
                lddw %r1, map_idx(0)
                lddw %r2, code_addr(visit)
                mov %r3, 0
                mov %r4, 0
                call 164                # bpf_for_each_map_elem
                exit
                visit:
                ldxw %r6, [%r2]         # key
                ldxdw %r0, [%r3]        # value
                add %r0, %r6
                stxdw [%r3], %r0
                mov %r0, 0
                exit
                """, "for_each.s");
        try (BpfMap m = BpfMap.create(MapDefinition.of("h", MapType.HASH, 4, 8, 8))) {
            for (int k = 1; k <= 3; k++) {
                m.put(u32(k), ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array(), BpfMap.ANY);
            }
            var ex = VmProgram.load("for_each", doubleAll, List.of(m), VmOptions.defaults()).newExecution();
            assertEquals(3, ex.run(), "three elements visited");
            assertEquals(101, u64(m.lookup(u32(1)).orElseThrow()));
            assertEquals(103, u64(m.lookup(u32(3)).orElseThrow()));
        }
    }
}
