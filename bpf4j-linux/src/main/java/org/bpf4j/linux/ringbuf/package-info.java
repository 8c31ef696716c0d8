/**
 * Reading {@code BPF_MAP_TYPE_RINGBUF} maps from user space: {@link org.bpf4j.linux.ringbuf.RingBufferReader}
 * maps the ring, waits with epoll and consumes records with zero-copy callbacks or copies.
 */
package org.bpf4j.linux.ringbuf;
