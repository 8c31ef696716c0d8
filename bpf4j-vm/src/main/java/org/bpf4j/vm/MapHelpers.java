package org.bpf4j.vm;

import org.bpf4j.vm.map.BpfMap;

/**
 * The map helpers: {@code bpf_map_lookup_elem}, {@code bpf_map_update_elem},
 * {@code bpf_map_delete_elem}, and {@code bpf_get_smp_processor_id} which names the per-CPU copy a
 * program sees. Keys and values are read from the program's memory with every access checked; a
 * first argument that is not a map handle ends the run with a trap (the verifier refuses such
 * programs; an unverified one must not get further).
 */
final class MapHelpers {
    private MapHelpers() {}

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("map_lookup_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_lookup_elem");
            return map.lookupAddress(key(c, map, r2), c.cpu());
        });
        b.add("map_update_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_update_elem");
            byte[] value = c.memory().read(r3, map.definition().valueSize(), c.slot());
            return map.update(key(c, map, r2), value, r4, c.cpu());
        });
        b.add("map_delete_elem", (c, r1, r2, r3, r4, r5) -> {
            BpfMap map = map(c, r1, "bpf_map_delete_elem");
            return map.delete(key(c, map, r2));
        });
        b.add("get_smp_processor_id", (c, r1, r2, r3, r4, r5) -> c.cpu());
        return b;
    }

    private static byte[] key(CallContext c, BpfMap map, long addr) {
        return c.memory().read(addr, map.definition().keySize(), c.slot());
    }

    private static BpfMap map(CallContext c, long handle, String helper) {
        return BpfMap.ofHandle(handle).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL, c.slot(),
                helper + ": R1 = " + Memory.hex(handle) + " is not a map (" + c.memory().describe(handle) + ")"));
    }
}
