package org.bpf4j.isa;

/** What a {@code call} instruction calls, selected by its source register field. */
public enum CallKind {
    /** A helper function by static id (src 0). */
    HELPER(0),
    /** A local function, {@code imm + 1} slots on (src 1, {@code BPF_PSEUDO_CALL}). */
    LOCAL(Opcodes.PSEUDO_CALL),
    /** A kernel function by BTF id (src 2, {@code BPF_PSEUDO_KFUNC_CALL}). */
    KFUNC(Opcodes.PSEUDO_KFUNC_CALL);

    private final int src;

    CallKind(int src) {
        this.src = src;
    }

    /** The source register field value. */
    public int src() {
        return src;
    }
}
