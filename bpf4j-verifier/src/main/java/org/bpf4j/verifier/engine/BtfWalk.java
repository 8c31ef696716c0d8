package org.bpf4j.verifier.engine;

import org.bpf4j.spec.KernelTypes;

/**
 * What a load of {@code size} bytes at byte {@code off} of a kernel structure reads (the kernel's
 * {@code btf_struct_walk}): a number, or a pointer member read whole; anything else is refused
 * with the kernel's words. Embedded structures, unions (their first member that fits) and arrays
 * are walked into.
 *
 * <p>Soundness: the load reads kernel memory through a pointer the kernel vouches for (faults
 * are caught by its exception tables), so what matters is the type of what is read: a pointer is
 * only typed when the load covers exactly one whole pointer member; every other read gives an
 * unknown number.
 */
final class BtfWalk {
    /** The result of a walk. */
    sealed interface Result permits Scalar, Ptr {
    }

    /** A number was read. */
    record Scalar() implements Result {
    }

    /**
     * A pointer member was read whole.
     *
     * @param pointer its type
     * @param field the member's name
     * @param owner the structure that holds the member
     */
    record Ptr(KernelTypes.Pointer pointer, String field, KernelTypes.Struct owner) implements Result {
    }

    private BtfWalk() {
    }

    /** Walks {@code s} for an access of {@code size} bytes at {@code off}; throws {@link Reject} if not allowed. */
    static Result walk(KernelTypes types, KernelTypes.Struct s, long off, int size) {
        KernelTypes.Struct t = s;
        long at = off;
        for (int depth = 0; depth < 32; depth++) {
            if (at + size > t.size()) {
                throw new Reject("access beyond struct " + t.name() + " at off " + at + " size " + size);
            }
            KernelTypes.Struct next = null;
            long nextOff = 0;
            for (KernelTypes.Member m : t.members()) {
                long moff = m.offset();
                if (at + size <= moff && !t.union()) {
                    break;
                }
                if (m.bitfieldSize() != 0) {
                    long endBit = m.bitOffset() + m.bitfieldSize();
                    if (at <= moff && (endBit + 7) / 8 <= at + size) {
                        return new Scalar();
                    }
                    continue;
                }
                if (at < moff) {
                    continue;
                }
                KernelTypes.Type mt = m.type();
                long msize = m.size();
                if (at >= moff + msize) {
                    continue;
                }
                while (mt instanceof KernelTypes.Array a && a.elementSize() > 0) {
                    long inElement = (at - moff) % a.elementSize(); // arrays are walked as their element
                    moff = at - inElement;
                    msize = a.elementSize();
                    mt = a.element();
                }
                if (at >= moff + msize) {
                    continue;
                }
                switch (mt) {
                    case KernelTypes.Composite c -> {
                        next = types.struct(c.id()).orElse(null);
                        if (next == null) {
                            throw new Reject("struct " + t.name() + " doesn't have field at offset " + at);
                        }
                        nextOff = at - moff;
                    }
                    case KernelTypes.Pointer p -> {
                        if (at != moff || size != 8) {
                            throw new Reject("cannot access ptr member " + m.name() + " with moff " + moff + " in struct "
                                    + t.name() + " with off " + at + " size " + size);
                        }
                        return new Ptr(p, m.name(), t);
                    }
                    case KernelTypes.Scalar x -> {
                        if (at + size > moff + msize) {
                            throw new Reject("access beyond the end of member " + m.name() + " (mend:" + (moff + msize)
                                    + ") in struct " + t.name() + " with off " + at + " size " + size);
                        }
                        return new Scalar();
                    }
                    case KernelTypes.Array a -> {
                        return new Scalar();
                    }
                    case KernelTypes.Void v -> throw new Reject("struct " + t.name() + " doesn't have field at offset " + at);
                    case KernelTypes.Other o -> throw new Reject("struct " + t.name() + " doesn't have field at offset "
                            + at);
                }
                break;
            }
            if (next == null) {
                throw new Reject("struct " + t.name() + " doesn't have field at offset " + at);
            }
            t = next;
            at = nextOff;
        }
        throw new Reject("struct " + s.name() + ": types nested too deep");
    }
}
