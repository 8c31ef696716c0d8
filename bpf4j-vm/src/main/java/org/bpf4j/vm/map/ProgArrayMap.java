package org.bpf4j.vm.map;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.bpf4j.vm.VmProgram;

/**
 * {@code BPF_MAP_TYPE_PROG_ARRAY}: slots holding programs for {@code bpf_tail_call}. The host fills
 * them with {@link #set(int, VmProgram)}; programs cannot look them up or change them, as in Linux.
 */
public final class ProgArrayMap extends BpfMap {
    private final AtomicReferenceArray<VmProgram> programs;

    ProgArrayMap(MapDefinition d) {
        super(validate(d), 0, 1);
        programs = new AtomicReferenceArray<>(d.maxEntries());
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() != 4 || d.valueSize() != 4 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a program array needs 4-byte keys and values "
                    + "and max_entries above zero");
        }
        return d;
    }

    /** Puts a program in a slot (null empties it). @throws MapException {@code E2BIG} past the end */
    public void set(int index, VmProgram program) {
        if (index < 0 || index >= programs.length()) {
            throw new MapException(Errno.E2BIG, "map " + definition().name() + ": index " + index + " is past its "
                    + programs.length() + " slots");
        }
        programs.set(index, program);
    }

    /** The program in a slot, or null for an empty slot or an index past the end. */
    public VmProgram get(long index) {
        return index >= 0 && index < programs.length() ? programs.get((int) index) : null;
    }

    @Override
    public long lookupAddress(byte[] key, int cpu) {
        return 0;
    }

    @Override
    public int update(byte[] key, byte[] value, long flags, int cpu) {
        return -Errno.EINVAL;
    }

    @Override
    public int delete(byte[] key) {
        long index = (key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24;
        if (index >= programs.length()) {
            return -Errno.E2BIG;
        }
        return programs.getAndSet((int) index, null) == null ? -Errno.ENOENT : 0;
    }

    @Override
    public Optional<byte[]> nextKey(byte[] key) {
        long next = key == null ? 0
                : ((key[0] & 0xffL) | (key[1] & 0xffL) << 8 | (key[2] & 0xffL) << 16 | (key[3] & 0xffL) << 24) + 1;
        if (next >= programs.length()) {
            return Optional.empty();
        }
        return Optional.of(new byte[] {(byte) next, (byte) (next >>> 8), (byte) (next >>> 16), (byte) (next >>> 24)});
    }

    @Override
    public void put(byte[] key, byte[] value, long flags) {
        throw new MapException(Errno.EINVAL, "map " + definition().name() + ": fill a program array with "
                + "set(index, program)");
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        throw new MapException(Errno.ENOTSUPP, "map " + definition().name() + ": read a program array with get(index)");
    }
}
