package org.bpf4j.vm.map;

import java.util.ArrayDeque;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * {@code BPF_MAP_TYPE_QUEUE} (first in, first out) and {@code BPF_MAP_TYPE_STACK} (last in, first
 * out): no keys; values are pushed, popped and peeked by copy. A full map refuses a push with
 * {@code -E2BIG} unless the flags say {@code BPF_EXIST}, which drops the oldest value to make room.
 */
public final class QueueStackMap extends KeylessMap {
    private final boolean stack;
    private final ArrayDeque<byte[]> values = new ArrayDeque<>();

    QueueStackMap(MapDefinition d) {
        super(validate(d));
        stack = d.type() == MapType.STACK;
    }

    private static MapDefinition validate(MapDefinition d) {
        if (d.keySize() != 0 || d.valueSize() == 0 || d.maxEntries() == 0) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": a queue or stack has no key, and needs a "
                    + "value size and max_entries above zero");
        }
        return d;
    }

    /** {@code bpf_map_push_elem}: 0 or a negative error number. */
    @Override
    public synchronized int push(byte[] value, long flags) {
        if ((flags & ~EXIST) != 0) {
            return -Errno.EINVAL;
        }
        if (values.size() == definition().maxEntries()) {
            if ((flags & EXIST) == 0) {
                return -Errno.E2BIG;
            }
            values.pollFirst(); // the oldest, for a queue and for a stack alike
        }
        values.addLast(value.clone());
        return 0;
    }

    /** {@code bpf_map_pop_elem}: the value taken, or empty ({@code -ENOENT}). */
    public synchronized Optional<byte[]> pop() {
        return Optional.ofNullable(stack ? values.pollLast() : values.pollFirst());
    }

    /** {@code bpf_map_peek_elem}: the value that pop would take, or empty ({@code -ENOENT}). */
    public synchronized Optional<byte[]> peek() {
        byte[] v = stack ? values.peekLast() : values.peekFirst();
        return v == null ? Optional.empty() : Optional.of(v.clone());
    }

    /** Number of values held. */
    public synchronized int size() {
        return values.size();
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        return peek();
    }
}
