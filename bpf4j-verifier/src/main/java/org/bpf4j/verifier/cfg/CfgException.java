package org.bpf4j.verifier.cfg;

/** A structural defect of the program found before any path is explored, at one slot. */
public final class CfgException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int slot;

    /** A defect at {@code slot} with the kernel's wording. */
    public CfgException(int slot, String message) {
        super(message);
        this.slot = slot;
    }

    /** The instruction slot the defect is reported at. */
    public int slot() {
        return slot;
    }
}
