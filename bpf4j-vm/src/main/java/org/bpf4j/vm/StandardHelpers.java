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
        b.add("get_current_pid_tgid", (c, r1, r2, r3, r4, r5) -> c.environment().pidTgid());
        b.add("get_current_uid_gid", (c, r1, r2, r3, r4, r5) -> c.environment().uidGid());
        b.add("get_current_comm", (c, buf, size, r3, r4, r5) -> {
            // Like strscpy into a buffer of `size` bytes: the name cut to size - 1, then zeros.
            if (size <= 0 || size > 4096) {
                return -org.bpf4j.vm.map.Errno.EINVAL;
            }
            byte[] name = c.environment().comm().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] out = new byte[(int) size];
            System.arraycopy(name, 0, out, 0, Math.min(Math.min(name.length, 15), out.length - 1));
            c.memory().write(buf, out, c.slot());
            return 0;
        });
        return b;
    }
}
