package org.bpf4j.verifier.engine;

import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;

/**
 * The kind of pointer each load or store instruction went through, over all paths: Linux rewrites
 * the accesses through context, socket and kernel-object pointers for their kind, so one
 * instruction may not use such a pointer on one path and another kind on another.
 */
final class AccessKinds {
    /** Per instruction slot: 0 when no access was seen yet, else {@link #accessKind}. */
    private final long[] kinds;

    AccessKinds(int slots) {
        kinds = new long[slots];
    }

    /** A pointer's kind: its type, and for a kernel object its trust flags. */
    private static long accessKind(RegState.Pointer p) {
        long kind = p.type().ordinal() + 1;
        return p.type() == PtrType.BTF_ID ? kind | (long) p.btf().flags() << 8 : kind;
    }

    /** The pointer kinds whose accesses Linux rewrites (context, sockets, kernel objects). */
    private static boolean rewritten(long kind) {
        return switch (PtrType.values()[(int) (kind & 0xff) - 1]) {
            case CTX, SOCKET, SOCK_COMMON, TCP_SOCK, BTF_ID -> true;
            default -> false;
        };
    }

    /**
     * Records the kind of pointer the access at {@code slot} went through, refusing a second kind
     * where either is rewritten; two kernel objects of different trust are allowed to a load,
     * which then counts as untrusted.
     */
    void record(int slot, RegState base, boolean load) {
        if (!(base instanceof RegState.Pointer p)) {
            return;
        }
        long kind = accessKind(p);
        long prev = kinds[slot];
        if (prev == 0) {
            kinds[slot] = kind;
        } else if (prev != kind && (rewritten(kind) || rewritten(prev))) {
            long btf = PtrType.BTF_ID.ordinal() + 1;
            if (load && (kind & 0xff) == btf && (prev & 0xff) == btf) {
                kinds[slot] = btf | (long) RegState.KernelObject.UNTRUSTED << 8;
            } else {
                throw new Reject("same insn cannot be used with different pointers");
            }
        }
    }
}
