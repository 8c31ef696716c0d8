package org.bpf4j.vm;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Host memory that probe helpers ({@code bpf_probe_read_kernel}, {@code bpf_probe_read_user},
 * their {@code _str} forms and the legacy {@code bpf_probe_read}) may read: byte ranges at
 * arbitrary 64-bit addresses, standing for kernel or user memory of a traced task. Immutable and
 * thread-safe; build one with {@link #with(long, byte[])}.
 */
public final class AddressSpace {
    private static final AddressSpace EMPTY = new AddressSpace(new TreeMap<>());

    private final TreeMap<Long, byte[]> ranges;

    private AddressSpace(TreeMap<Long, byte[]> ranges) {
        this.ranges = ranges;
    }

    /** No memory at all: every probe read faults. */
    public static AddressSpace empty() {
        return EMPTY;
    }

    /** This space plus a copy of {@code bytes} at {@code address} (unsigned). */
    public AddressSpace with(long address, byte[] bytes) {
        TreeMap<Long, byte[]> copy = new TreeMap<>(Long::compareUnsigned);
        copy.putAll(ranges);
        copy.put(address, bytes.clone());
        return new AddressSpace(copy);
    }

    /** The bytes at {@code address}, if all {@code length} of them are in one range. */
    public Optional<byte[]> read(long address, int length) {
        Map.Entry<Long, byte[]> e = ranges.floorEntry(address);
        if (e == null || length < 0) {
            return Optional.empty();
        }
        long offset = address - e.getKey();
        if (Long.compareUnsigned(offset, e.getValue().length) > 0 || e.getValue().length - offset < length) {
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(e.getValue(), (int) offset, (int) offset + length));
    }
}
