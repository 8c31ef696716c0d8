package org.bpf4j.vm.map;

import java.util.Optional;
import org.bpf4j.vm.Cpus;

/**
 * {@code BPF_MAP_TYPE_CPUMAP}: CPUs by index, the targets of {@code bpf_redirect_map} that hand a
 * frame to another CPU, with the kernel's semantics ({@code kernel/bpf/cpumap.c}). A value is the
 * queue size (4 bytes) or {@code struct bpf_cpumap_val} (queue size and a program fd, 8 bytes). An
 * update checks, in the kernel's order: flags ({@code -EINVAL}), the index against max_entries
 * ({@code -E2BIG}), {@code BPF_NOEXIST} (always {@code -EEXIST}), a queue size above 16384
 * ({@code -EOVERFLOW}), a CPU the VM does not have ({@code -ENODEV}); a queue size of 0 empties
 * the slot. A CPU program (fd above zero) is refused with {@code -ENOMEM}, as the kernel refuses an
 * fd that is not a CPU program: the VM has no program fds. Every index iterates, as in an array.
 * Thread-safe.
 */
public final class CpuMap extends BpfMap {
    /** The kernel's sanity limit on a queue size. */
    public static final int MAX_QSIZE = 16384;
    private final boolean[] present;

    CpuMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), 1);
        present = new boolean[d.maxEntries()];
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.maxEntries() == 0 || d.keySize() != 4 || (d.valueSize() != 4 && d.valueSize() != 8)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a cpumap needs 4-byte keys, 4- or 8-byte "
                    + "values (queue size, program fd) and max_entries above zero");
        }
        return d;
    }

    private static long u32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        long i = u32(key, 0);
        return i < present.length && present[(int) i] ? base[0] + i * stride : 0;
    }

    @Override
    public synchronized int update(byte[] key, byte[] value, long flags, int cpu) {
        if (flags > EXIST || flags < 0) {
            return -Errno.EINVAL;
        }
        long i = u32(key, 0);
        if (i >= present.length) {
            return -Errno.E2BIG;
        }
        if (flags == NOEXIST) {
            return -Errno.EEXIST;
        }
        long qsize = u32(value, 0);
        if (qsize > MAX_QSIZE) {
            return -Errno.EOVERFLOW;
        }
        if (i >= Cpus.count()) {
            return -Errno.ENODEV;
        }
        int progFd = value.length >= 8 ? (int) u32(value, 4) : 0;
        if (qsize != 0 && progFd > 0) {
            return -Errno.ENOMEM;
        }
        int off = (int) (i * stride);
        java.util.Arrays.fill(storage[0], off, off + stride, (byte) 0);
        present[(int) i] = qsize != 0;
        if (qsize != 0) {
            System.arraycopy(value, 0, storage[0], off, 4); // the program id stays 0
        }
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        long i = u32(key, 0);
        if (i >= present.length) {
            return -Errno.EINVAL;
        }
        present[(int) i] = false;
        return 0;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        long i = key == null ? 0xffff_ffffL : u32(key, 0);
        long next;
        if (i >= present.length) {
            next = 0;
        } else if (i == present.length - 1) {
            return Optional.empty();
        } else {
            next = i + 1;
        }
        return Optional.of(new byte[] {(byte) next, (byte) (next >>> 8), (byte) (next >>> 16), (byte) (next >>> 24)});
    }
}
