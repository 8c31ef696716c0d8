package org.bpf4j.trace.codegen;

/**
 * The stack frame of one generated program: slots below {@code r10}, 8-byte aligned, allocated
 * like a stack (mark, allocate, release). Records the deepest use.
 */
final class Frame {
    static final int LIMIT = 512;

    private int used;
    private int max;

    /** Allocates {@code size} bytes (rounded up to 8) and returns the offset from r10 (negative). */
    int alloc(int size) {
        used += (size + 7) & ~7;
        max = Math.max(max, used);
        return -used;
    }

    int mark() {
        return used;
    }

    void release(int mark) {
        used = mark;
    }

    /** The deepest the frame went, in bytes. */
    int max() {
        return max;
    }
}
