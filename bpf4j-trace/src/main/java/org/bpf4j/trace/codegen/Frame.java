package org.bpf4j.trace.codegen;

/**
 * The frame of one generated program: slots allocated like a stack (mark, allocate, release),
 * 8-byte aligned. Records the deepest use.
 *
 * <p>A plain frame is all on the BPF stack: offsets from {@code r10} (negative). A <em>split</em>
 * frame (for a probe whose plain frame passes 512 bytes) keeps slots of at most
 * {@link #ON_STACK_LIMIT} bytes on the stack, while they fit, and puts the others (strings,
 * tuples, events) in the scratch buffer, this CPU's element, addressed from {@link Asm#SCRATCH}
 * as the stack is from {@code r10}, as current bpftrace keeps values over its
 * {@code on_stack_limit} in scratch maps. Integers thus stay on the stack, where the verifier
 * keeps their values (a loop's counter must be known to bound the loop). A scratch slot's offset
 * is returned biased by {@link #SCRATCH_BIAS}, so that {@link Asm} tells the two apart by the
 * offset alone.
 */
final class Frame {
    static final int LIMIT = 512;
    /** In a split frame, the largest slot kept on the stack (current bpftrace's on_stack_limit is 32). */
    static final int ON_STACK_LIMIT = 64;
    /** Subtracted from a scratch slot's offset (from {@link Asm#SCRATCH}); a multiple of 8. */
    static final int SCRATCH_BIAS = 1 << 24;
    /** Stack bytes a split frame keeps for the scratch buffer's lookup key and pointer. */
    static final int SPLIT_RESERVED = 16;

    private final boolean split;
    private int used;
    private int max;
    private int scratchUsed;
    private int scratchMax;

    /** A plain frame, all on the stack. */
    Frame() {
        this(false);
    }

    Frame(boolean split) {
        this.split = split;
        if (split) {
            used = SPLIT_RESERVED;
            max = used;
        }
    }

    /**
     * Allocates {@code size} bytes (rounded up to 8) and returns the offset: from r10 (negative),
     * or in a split frame for a scratch slot, from {@link Asm#SCRATCH} minus {@link #SCRATCH_BIAS}.
     */
    int alloc(int size) {
        int bytes = (size + 7) & ~7;
        if (split && (bytes > ON_STACK_LIMIT || used + bytes > LIMIT)) {
            scratchUsed += bytes;
            scratchMax = Math.max(scratchMax, scratchUsed);
            return -scratchUsed - SCRATCH_BIAS;
        }
        used += bytes;
        max = Math.max(max, used);
        return -used;
    }

    /** The allocation point, for {@link #release}: both parts' depths in one int. */
    int mark() {
        return split ? used | scratchUsed << 10 : used; // a split frame's stack part is at most 512 bytes
    }

    void release(int mark) {
        if (split) {
            used = mark & 0x3ff;
            scratchUsed = mark >>> 10;
        } else {
            used = mark;
        }
    }

    /** The deepest the stack part went, in bytes. */
    int max() {
        return max;
    }

    /** The deepest the scratch part of a split frame went, in bytes (0 for a plain frame). */
    int scratchMax() {
        return scratchMax;
    }

    /** Whether {@code off} is a slot of the scratch part. */
    static boolean inScratch(int off) {
        return off < -(SCRATCH_BIAS >> 1);
    }

    /** A scratch slot's offset from {@link Asm#SCRATCH}. */
    static int scratchOffset(int off) {
        return off + SCRATCH_BIAS;
    }
}
