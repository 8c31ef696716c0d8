package org.bpf4j.vm;

import java.util.Optional;
import org.bpf4j.vm.map.BloomFilterMap;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.KeylessMap;
import org.bpf4j.vm.map.QueueStackMap;
import org.bpf4j.vm.map.RingBufferMap;

/**
 * The map helpers: {@code bpf_map_lookup_elem}, {@code bpf_map_update_elem},
 * {@code bpf_map_delete_elem}, {@code bpf_map_push_elem}, {@code bpf_map_pop_elem},
 * {@code bpf_map_peek_elem}, and {@code bpf_get_smp_processor_id} which names the per-CPU copy a
 * program sees. Keys and values are read from the program's memory with every access checked; a
 * first argument that is not a map handle ends the run with a trap (the verifier refuses such
 * programs; an unverified one must not get further).
 */
final class MapHelpers {
    private MapHelpers() {}

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("map_lookup_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_lookup_elem");
            if (map instanceof org.bpf4j.vm.map.CpuMap) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_map_lookup_elem: cannot pass map_type 16"
                        + " (cpumap " + map.definition().name() + ") into func bpf_map_lookup_elem");
            }
            return map.lookupAddress(key(c, map, r2), c.cpu());
        });
        b.add("map_update_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = writable(c, r1, "bpf_map_update_elem");
            byte[] value = c.memory().read(r3, map.definition().valueSize(), c.slot());
            return map.update(key(c, map, r2), value, r4, c.cpu());
        });
        b.add("map_delete_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = writable(c, r1, "bpf_map_delete_elem");
            return map.delete(key(c, map, r2));
        });
        b.add("map_push_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = writable(c, r1, "bpf_map_push_elem");
            byte[] value = c.memory().read(r2, map.definition().valueSize(), c.slot());
            return map instanceof KeylessMap k ? k.push(value, r3) : -Errno.EINVAL;
        });
        b.add("map_pop_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = writable(c, r1, "bpf_map_pop_elem");
            return map instanceof QueueStackMap q ? copyOut(c, q, q.pop(), r2) : -Errno.EINVAL;
        });
        b.add("map_peek_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_peek_elem");
            return switch (map) {
                case QueueStackMap q -> copyOut(c, q, q.peek(), r2);
                case BloomFilterMap f -> f.peek(c.memory().read(r2, map.definition().valueSize(), c.slot()));
                default -> -Errno.EINVAL;
            };
        });
        b.add("ringbuf_output", (c, r1, r2, r3, r4, r5) ->
                ring(c, r1, "bpf_ringbuf_output").output(c.memory().read(r2, (int) Math.min(r3, Integer.MAX_VALUE), c.slot()), r4));
        b.add("ringbuf_reserve", (c, r1, r2, r3, r4, r5) -> ring(c, r1, "bpf_ringbuf_reserve").reserve(r2, r3));
        b.add("ringbuf_submit", (c, r1, r2, r3, r4, r5) -> commit(c, r1, false, "bpf_ringbuf_submit"));
        b.add("ringbuf_discard", (c, r1, r2, r3, r4, r5) -> commit(c, r1, true, "bpf_ringbuf_discard"));
        b.add("ringbuf_query", (c, r1, r2, r3, r4, r5) -> ring(c, r1, "bpf_ringbuf_query").query(r2));
        b.add("get_smp_processor_id", (c, r1, r2, r3, r4, r5) -> c.cpu());
        b.add("map_lookup_percpu_elem", (c, r1, r2, cpu, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_lookup_percpu_elem");
            if (!map.definition().type().perCpu()) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_map_lookup_percpu_elem: map "
                        + map.definition().name() + " is not a per-CPU map");
            }
            // Linux: NULL for a CPU number at or above nr_cpu_ids.
            return Long.compareUnsigned(cpu & 0xffff_ffffL, Cpus.count()) >= 0 ? 0
                    : map.lookupAddress(key(c, map, r2), (int) cpu);
        });
        return b;
    }

    private static RingBufferMap ring(CallContext c, long handle, String helper) {
        if (map(c, handle, helper) instanceof RingBufferMap r) {
            return r;
        }
        throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), helper + ": R1 is not a ring buffer");
    }

    private static long commit(CallContext c, long record, boolean discard, String helper) {
        boolean done = RingBufferMap.ofRecord(record).map(r -> r.commit(record, discard)).orElse(false);
        if (!done) {
            throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), helper + ": R1 = " + Memory.hex(record)
                    + " is not a ring buffer record reserved and not yet submitted or discarded");
        }
        return 0;
    }

    /**
     * Writes a popped or peeked value to the program's buffer. From an empty queue or stack, Linux
     * zeroes the buffer and returns -ENOENT (found by bpf4j-oracle against the kernel).
     */
    private static long copyOut(CallContext c, BpfMap map, Optional<byte[]> value, long addr) {
        if (value.isEmpty()) {
            c.memory().write(addr, new byte[map.definition().valueSize()], c.slot());
            return -Errno.ENOENT;
        }
        c.memory().write(addr, value.get(), c.slot());
        return 0;
    }

    private static byte[] key(CallContext c, BpfMap map, long addr) {
        return c.memory().read(addr, map.definition().keySize(), c.slot());
    }

    private static BpfMap map(CallContext c, long handle, String helper) {
        return BpfMap.ofHandle(handle).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL, c.slot(),
                helper + ": R1 = " + Memory.hex(handle) + " is not a map (" + c.memory().describe(handle) + ")"));
    }

    /**
     * The map of a helper that changes it: one that is read-only for programs
     * ({@code BPF_F_RDONLY_PROG}, such as {@code .rodata}) traps, as the kernel's verifier refuses
     * the program ("write into map forbidden").
     */
    private static BpfMap writable(CallContext c, long handle, String helper) {
        BpfMap m = map(c, handle, helper);
        if (m.readOnlyForPrograms()) {
            throw new VmTrapException(VmTrapException.Kind.READ_ONLY, c.slot(), helper + ": write into map forbidden: map "
                    + m.definition().name() + " is read-only for programs (BPF_F_RDONLY_PROG)");
        }
        return m;
    }
}
