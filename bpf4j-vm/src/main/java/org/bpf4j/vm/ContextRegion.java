package org.bpf4j.vm;

/**
 * A region of the sandbox whose bytes are served by code rather than an array: the context a
 * program receives in R1. Loads and stores of it reach {@link Memory} through its slow path, which
 * hands them here with the offset into the region, so a context decides what each offset holds
 * (a 32-bit field may read as a 64-bit pointer, as the kernel's context rewrite makes it), which
 * accesses the kernel's verifier would allow, and what a store does.
 *
 * <p>An implementation throws {@link VmTrapException} for an access the kernel would refuse.
 * Confined, like the memory it is added to ({@link Memory#addContext}), to one thread at a time.
 */
public interface ContextRegion {
    /** Loads {@code size} bytes (1, 2, 4 or 8) at {@code offset}, zero-extended; {@code slot} names the instruction. */
    long load(int offset, int size, int slot);

    /** Stores the low {@code size} bytes of {@code value} at {@code offset}. */
    void store(int offset, int size, long value, int slot);
}
