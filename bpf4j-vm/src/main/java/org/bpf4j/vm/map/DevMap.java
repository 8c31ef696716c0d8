package org.bpf4j.vm.map;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * {@code BPF_MAP_TYPE_DEVMAP}: network devices by 4-byte index, the targets of
 * {@code bpf_redirect_map}. A value is an ifindex (4 bytes) or {@code struct bpf_devmap_val}
 * (ifindex and a program fd, 8 bytes). The VM has no network devices: every ifindex above zero
 * counts as one; an ifindex of 0 empties the slot, and a program fd above zero (a devmap program)
 * is refused with {@code -EINVAL}, as Linux refuses a program it cannot attach. A program's lookup
 * gives the stored value (Linux makes it read-only to programs). Thread-safe.
 */
public final class DevMap extends BpfMap {
    private final boolean[] present;

    DevMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), 1);
        present = new boolean[d.maxEntries()];
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.maxEntries() == 0 || d.keySize() != 4 || (d.valueSize() != 4 && d.valueSize() != 8)) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a devmap needs 4-byte keys, 4- or 8-byte "
                    + "values (ifindex, program fd) and max_entries above zero");
        }
        return d;
    }

    private static long index(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    @Override
    public synchronized long lookupAddress(byte[] key, int cpu) {
        long i = index(key);
        return i < present.length && present[(int) i] ? base[0] + i * stride : 0;
    }

    @Override
    public synchronized int update(byte[] key, byte[] value, long flags, int cpu) {
        if (flags > EXIST) {
            return -Errno.EINVAL;
        }
        long i = index(key);
        if (i >= present.length) {
            return -Errno.E2BIG;
        }
        if (flags == NOEXIST) {
            return -Errno.EEXIST;
        }
        ByteBuffer v = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        int ifindex = v.getInt(0);
        int progFd = value.length >= 8 ? v.getInt(4) : 0;
        if (progFd > 0) {
            return -Errno.EINVAL;
        }
        int off = (int) (i * stride);
        java.util.Arrays.fill(storage[0], off, off + stride, (byte) 0);
        if (ifindex == 0) {
            present[(int) i] = false;
            return 0;
        }
        System.arraycopy(value, 0, storage[0], off, 4); // the program id stays 0
        present[(int) i] = true;
        return 0;
    }

    @Override
    public synchronized int delete(byte[] key) {
        long i = index(key);
        if (i >= present.length) {
            return -Errno.EINVAL;
        }
        present[(int) i] = false;
        return 0;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        long i = key == null ? 0xffff_ffffL : index(key);
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
