package org.bpf4j.vm.map;

import java.util.Optional;

/**
 * The maps without keys, whose values are pushed in and copied out rather than addressed:
 * queues, stacks and bloom filters. Updating one means pushing; it has no keys to delete or
 * iterate and no value a program could point to.
 */
public abstract sealed class KeylessMap extends BpfMap permits QueueStackMap, BloomFilterMap {
    KeylessMap(MapDefinition d) {
        super(d, 0, 1);
    }

    /** {@code bpf_map_push_elem}: 0 or a negative error number. */
    public abstract int push(byte[] value, long flags);

    @Override
    public final long lookupAddress(byte[] key, int cpu) {
        return 0;
    }

    @Override
    public final int update(byte[] key, byte[] value, long flags, int cpu) {
        return push(value, flags);
    }

    @Override
    public final int delete(byte[] key) {
        return -Errno.EINVAL;
    }

    @Override
    public final Optional<byte[]> nextKey(byte[] key) {
        return Optional.empty();
    }

    /** Pushes a value (the key is ignored: these maps have none). @throws MapException as Linux refuses */
    @Override
    public final void put(byte[] key, byte[] value, long flags) {
        checkValue(value);
        int r = push(value, flags);
        if (r < 0) {
            throw new MapException(-r, "map " + definition().name() + ": push refused");
        }
    }
}
