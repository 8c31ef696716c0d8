package org.bpf4j.vm;

import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;

/**
 * Helpers that call back into the program: {@code bpf_loop} and {@code bpf_for_each_map_elem}.
 * A callback's non-zero return stops the iteration, as in Linux; its instructions count against the
 * run's budget.
 */
final class CallbackHelpers {
    private CallbackHelpers() {}

    /** {@code BPF_MAX_LOOPS}: the most iterations {@code bpf_loop} accepts. */
    static final long MAX_LOOPS = 1 << 23;

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("loop", (c, nr, fn, ctx, flags, r5) -> {
            if (flags != 0) {
                return -Errno.EINVAL;
            }
            if (Long.compareUnsigned(nr, MAX_LOOPS) > 0) {
                return -Errno.E2BIG;
            }
            for (long i = 0; i < nr; i++) {
                if (c.callFunction(fn, i, ctx, 0, 0, 0) != 0) {
                    return i + 1;
                }
            }
            return nr;
        });
        b.add("for_each_map_elem", (c, handle, fn, ctx, flags, r5) -> {
            BpfMap map = BpfMap.ofHandle(handle).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL,
                    c.slot(), "bpf_for_each_map_elem: R1 = " + Memory.hex(handle) + " is not a map"));
            if (flags != 0) {
                return -Errno.EINVAL;
            }
            Execution ex = (Execution) c;
            int depth = ex.depth;
            byte[] keyBuffer = ex.memory.scratch(depth, map.definition().keySize());
            long keyAddr = ex.memory.scratchAddress(depth);
            long visited = 0;
            for (byte[] key : map.keys()) {
                long value = map.peekAddress(key, c.cpu());
                if (value == 0) {
                    continue; // deleted since the walk began
                }
                System.arraycopy(key, 0, keyBuffer, 0, key.length);
                visited++;
                if (c.callFunction(fn, handle, keyAddr, value, ctx, 0) != 0) {
                    break;
                }
            }
            return visited;
        });
        return b;
    }
}
