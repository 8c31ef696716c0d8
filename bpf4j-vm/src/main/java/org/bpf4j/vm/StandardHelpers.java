package org.bpf4j.vm;

/**
 * Helpers that need nothing but the host environment. Maps, output and packet helpers arrive with
 * the subsystems they belong to.
 */
final class StandardHelpers {
    private StandardHelpers() {}

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("ktime_get_ns", (c, r1, r2, r3, r4, r5) -> c.environment().monotonicNanos().getAsLong());
        b.add("get_prandom_u32", (c, r1, r2, r3, r4, r5) -> c.environment().random().nextInt() & 0xffff_ffffL);
        b.add("ktime_get_boot_ns", (c, r1, r2, r3, r4, r5) -> c.environment().monotonicNanos().getAsLong());
        b.add("ktime_get_coarse_ns", (c, r1, r2, r3, r4, r5) -> c.environment().monotonicNanos().getAsLong());
        return b;
    }
}
