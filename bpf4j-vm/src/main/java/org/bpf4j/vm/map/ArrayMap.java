package org.bpf4j.vm.map;

import java.util.Arrays;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * {@code BPF_MAP_TYPE_ARRAY} and {@code BPF_MAP_TYPE_PERCPU_ARRAY}: 4-byte indexes, every element
 * exists and starts zeroed, elements cannot be deleted. A program's update of a per-CPU array
 * writes its own CPU's copy.
 */
public final class ArrayMap extends BpfMap {
    ArrayMap(MapDefinition d) {
        super(validate(d), d.maxEntries(), d.type() == MapType.PERCPU_ARRAY ? org.bpf4j.vm.Cpus.count() : 1);
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() != 4 || d.valueSize() == 0 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": an array needs 4-byte keys, a value size "
                    + "and max_entries above zero");
        }
        return d;
    }

    private long index(byte[] key) {
        return (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
    }

    @Override
    public long lookupAddress(byte[] key, int cpu) {
        long i = index(key);
        if (i >= definition().maxEntries()) {
            return 0;
        }
        return base[storage.length == 1 ? 0 : cpu] + i * stride;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        if ((flags & ~F_LOCK) > EXIST) {
            return -Errno.EINVAL;
        }
        long i = index(key);
        if (i >= definition().maxEntries()) {
            return -Errno.E2BIG;
        }
        if ((flags & 3) == NOEXIST) {
            return -Errno.EEXIST;
        }
        if (checkLockFlag(flags) < 0) {
            return -Errno.EINVAL;
        }
        int copy = storage.length == 1 ? 0 : cpu;
        copyValue(value, storage[copy], (int) (i * stride), flags);
        freeFields(copy, (int) (i * stride));
        return 0;
    }

    @Override
    public int delete(byte[] key) {
        return -Errno.EINVAL;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        long next = key == null ? 0 : index(key) + 1;
        if (key != null && index(key) >= definition().maxEntries()) {
            next = 0;
        }
        if (next >= definition().maxEntries()) {
            return Optional.empty();
        }
        byte[] k = new byte[4];
        k[0] = (byte) next;
        k[1] = (byte) (next >>> 8);
        k[2] = (byte) (next >>> 16);
        k[3] = (byte) (next >>> 24);
        return Optional.of(k);
    }

    @Override
    public String toString() {
        return "ArrayMap[" + definition() + ", " + Arrays.toString(base) + "]";
    }
}
