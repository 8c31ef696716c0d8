package org.bpf4j.trace.codegen;

/**
 * How generated programs send events to user space: a ring buffer ({@code bpf_ringbuf_output},
 * {@code queueValueSize} 0), or a queue map of fixed-size values ({@code bpf_map_push_elem}), for
 * backends that read events with {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM} instead of mapping a ring.
 *
 * @param queueValueSize the queue's value size, or 0 for the ring buffer
 */
public record Transport(int queueValueSize) {
    /** The ring buffer. */
    public static final Transport RING_BUFFER = new Transport(0);

    public Transport {
        if (queueValueSize < 0 || queueValueSize % 8 != 0) {
            throw new IllegalArgumentException("queue value size must be a non-negative multiple of 8");
        }
    }
}
