package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_STACK_TRACE}: stacks of instruction addresses stored under the ids
 * {@code bpf_get_stackid} hands out. As in Linux, the id of a stack is the {@code jhash2} of its
 * addresses masked to the number of buckets (max_entries rounded up to a power of two), so the ids
 * match the kernel's for the same stacks; a bucket holding another stack gives {@code -EEXIST}
 * unless {@code BPF_F_REUSE_STACKID} replaces it, and at most max_entries stacks are stored
 * ({@code -ENOMEM} beyond). Lookups from the host return the addresses followed by zeros.
 * Thread-safe.
 */
public final class StackTraceMap extends BpfMap {
    /** {@code sysctl_perf_event_max_stack}'s default. */
    public static final int MAX_STACK = 127;
    /** Flags of {@code bpf_get_stackid} and {@code bpf_get_stack}. */
    public static final long SKIP_FIELD_MASK = 0xff, USER_STACK = 1 << 8, FAST_STACK_CMP = 1 << 9,
            REUSE_STACKID = 1 << 10, USER_BUILD_ID = 1 << 11;

    private record Bucket(int hash, long[] ips) {}

    private final Bucket[] buckets;
    private int free;

    StackTraceMap(MapDefinition d) {
        super(validate(d), 0, 1);
        int n = Integer.highestOneBit(d.maxEntries());
        buckets = new Bucket[n == d.maxEntries() ? n : n << 1];
        free = d.maxEntries();
    }

    private static MapDefinition validate(MapDefinition d) {
        if ((d.flags() & MapDefinition.F_STACK_BUILD_ID) != 0) {
            throw new MapException(Errno.EOPNOTSUPP, "map " + d.name() + ": BPF_F_STACK_BUILD_ID needs build ids of "
                    + "executables, which the VM does not have");
        }
        if (d.maxEntries() == 0 || d.keySize() != 4 || d.valueSize() < 8 || d.valueSize() % 8 != 0
                || d.valueSize() / 8 > MAX_STACK || d.maxEntries() > 1 << 30) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a stack trace map needs 4-byte keys and a "
                    + "value size that is a multiple of 8 of at most " + 8 * MAX_STACK + " bytes");
        }
        return d;
    }

    /** The depth of stack {@code bpf_get_stackid} captures for these flags ({@code stack_map_calculate_max_depth}). */
    static int maxDepth(long bytes, long flags) {
        long depth = bytes / 8 + (flags & SKIP_FIELD_MASK);
        return (int) Math.min(depth, MAX_STACK);
    }

    /**
     * {@code bpf_get_stackid} for a captured stack (innermost address first, as perf walks it):
     * the id, or a negative error number.
     */
    public synchronized long stackId(long[] trace, long flags) {
        if ((flags & ~(SKIP_FIELD_MASK | USER_STACK | FAST_STACK_CMP | REUSE_STACKID)) != 0) {
            return -Errno.EINVAL;
        }
        int skip = (int) (flags & SKIP_FIELD_MASK);
        int maxDepth = maxDepth(definition().valueSize(), flags);
        int nr = Math.min(trace.length, maxDepth);
        if (nr <= skip) {
            return -Errno.EFAULT;
        }
        nr = Math.min(nr - skip, maxDepth - skip);
        long[] ips = Arrays.copyOfRange(trace, skip, skip + nr);
        int hash = Jhash.jhash2(ips);
        int id = hash & (buckets.length - 1);
        Bucket bucket = buckets[id];
        boolean hashMatches = bucket != null && bucket.hash == hash;
        if (hashMatches && (flags & FAST_STACK_CMP) != 0) {
            return id;
        }
        if (hashMatches && Arrays.equals(bucket.ips, ips)) {
            return id;
        }
        if (bucket != null && (flags & REUSE_STACKID) == 0) {
            return -Errno.EEXIST;
        }
        if (free == 0) {
            return -Errno.ENOMEM;
        }
        if (bucket == null) {
            free--;
        }
        buckets[id] = new Bucket(hash, ips);
        return id;
    }

    private static long id(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    /** Programs cannot look stacks up (the verifier refuses it); this returns 0. */
    @Override
    public long lookupAddress(byte[] key, int cpu) {
        return 0;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        return -Errno.EINVAL;
    }

    @Override
    public synchronized int delete(byte[] key) {
        long id = id(key);
        if (id >= buckets.length) {
            return -Errno.E2BIG;
        }
        if (buckets[(int) id] == null) {
            return -Errno.ENOENT;
        }
        buckets[(int) id] = null;
        free++;
        return 0;
    }

    @Override
    public synchronized Optional<byte[]> nextKey(byte[] key) {
        long id = 0;
        if (key != null) {
            id = id(key);
            id = id >= buckets.length || buckets[(int) id] == null ? 0 : id + 1;
        }
        while (id < buckets.length && buckets[(int) id] == null) {
            id++;
        }
        if (id >= buckets.length) {
            return Optional.empty();
        }
        return Optional.of(new byte[] {(byte) id, (byte) (id >>> 8), (byte) (id >>> 16), (byte) (id >>> 24)});
    }

    /** The stored stack: its addresses then zeros, value-size bytes ({@code bpf_stackmap_copy}). */
    @Override
    public synchronized Optional<byte[]> lookup(byte[] key, long flags) {
        checkKey(key);
        if (flags != 0) {
            throw new MapException(Errno.EINVAL, "map " + definition().name() + ": lookup flags " + flags);
        }
        long id = id(key);
        if (id >= buckets.length || buckets[(int) id] == null) {
            return Optional.empty();
        }
        long[] ips = buckets[(int) id].ips;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(definition().valueSize())
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (long ip : ips) {
            out.putLong(ip);
        }
        return Optional.of(out.array());
    }

    @Override
    public void put(byte[] key, byte[] value, long flags) {
        throw new MapException(Errno.EINVAL, "map " + definition().name() + ": stacks are stored by bpf_get_stackid");
    }
}
