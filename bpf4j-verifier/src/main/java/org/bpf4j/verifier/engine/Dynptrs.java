package org.bpf4j.verifier.engine;

import org.bpf4j.spec.ArgType;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Dynptr arguments of helpers ({@code process_dynptr_func}): a {@code struct bpf_dynptr} of 16
 * bytes on the stack (two slots of {@link RegState.StackObject}), made by
 * {@code bpf_dynptr_from_mem} (local) or {@code bpf_ringbuf_reserve_dynptr} (ring buffer, a
 * reference until submitted or discarded), used by {@code bpf_dynptr_read}, {@code _write},
 * {@code _data}; or the kernel's own dynptr handed to a {@code bpf_user_ringbuf_drain} callback.
 *
 * <p>Soundness: an uninitialised-dynptr argument may only point at stack slots a store could
 * overwrite ({@link StackObjects#beforeStore}: never a referenced dynptr, so no ring buffer record
 * is lost); an initialised one must point exactly at the first slot of a whole dynptr, of the
 * kind the helper wants. A ring buffer dynptr's reference is released with its slots, and every
 * slice taken from it ({@code bpf_dynptr_data}) carries the same reference, so no slice outlives
 * the record. The bytes a dynptr refers to are checked at run time by the helpers (their offsets
 * and lengths are arguments), as in Linux.
 */
final class Dynptrs {
    private Dynptrs() {
    }

    /** What a dynptr argument told the call. */
    static final class Use {
        /** For an uninitialised argument: the frame and first slot to initialise, and the kind. */
        FrameState initFrame;
        int initSlot = -1;
        RegState.ObjectKind initKind;
        /** For an initialised argument: the dynptr, its frame and first slot (-1 for the kernel's own). */
        RegState.StackObject used;
        FrameState usedFrame;
        int usedSlot = -1;
    }

    /**
     * A kfunc's uninitialised dynptr argument in register {@code a} that the call makes a dynptr
     * of {@code kind} ({@code bpf_dynptr_from_skb}, {@code _xdp}).
     */
    static void uninitArg(VerifierState st, int a, RegState.ObjectKind kind, Use use) {
        arg(st, a, ArgType.PTR_TO_UNINIT_DYNPTR_LOCAL, use);
        use.initKind = kind;
    }

    /** Checks dynptr argument {@code a} of type {@code t} ({@code regno} {@code a}); records it in {@code use}. */
    static void arg(VerifierState st, int a, ArgType t, Use use) {
        RegState v = Regs.read(st, a);
        boolean isConst = v instanceof RegState.Pointer p && p.type() == PtrType.CONST_DYNPTR;
        if (!(v instanceof RegState.Pointer p && (p.type() == PtrType.STACK || isConst))) {
            throw new Reject("R" + a + " type=" + Regs.typeName(v) + " expected=fp, dynptr_ptr");
        }
        boolean uninit = t == ArgType.PTR_TO_UNINIT_DYNPTR_LOCAL || t == ArgType.PTR_TO_UNINIT_DYNPTR_RINGBUF;
        if (uninit) {
            if (isConst) {
                throw new Reject("Dynptr has to be an uninitialized dynptr");
            }
            int spi = StackObjects.slot(v, a, 2, "dynptr");
            if (spi < 0) {
                throw new Reject("invalid write to stack R" + a + " off=" + p.off() + " size=8");
            }
            FrameState frame = StackObjects.frame(st, v);
            StackObjects.beforeStore(frame.stack, -(spi * 8 + 8), 16);
            use.initFrame = frame;
            use.initSlot = spi;
            use.initKind = t == ArgType.PTR_TO_UNINIT_DYNPTR_RINGBUF ? RegState.ObjectKind.DYNPTR_RINGBUF
                    : RegState.ObjectKind.DYNPTR_LOCAL;
            return;
        }
        boolean release = t == ArgType.PTR_TO_DYNPTR_RINGBUF;
        if (isConst) {
            if (release) {
                throw new Reject("cannot release unowned const bpf_dynptr");
            }
            use.used = new RegState.StackObject(RegState.ObjectKind.DYNPTR_LOCAL, 0, 0, false, 0, true);
            return;
        }
        int spi;
        try {
            spi = StackObjects.slot(v, a, 2, "dynptr");
        } catch (Reject e) {
            throw new Reject("Expected an initialized dynptr as arg #" + (a - 1));
        }
        FrameState frame = StackObjects.frame(st, v);
        RegState.StackObject d = null;
        for (RegState.ObjectKind k : RegState.ObjectKind.values()) {
            if (d == null && !k.isIterator()) {
                d = StackObjects.initialised(frame.stack, spi, k);
            }
        }
        if (d == null) {
            throw new Reject("Expected an initialized dynptr as arg #" + (a - 1));
        }
        if (release && d.kind() != RegState.ObjectKind.DYNPTR_RINGBUF) {
            throw new Reject("Expected a dynptr of type ringbuf as arg #" + (a - 1));
        }
        use.used = d;
        use.usedFrame = frame;
        use.usedSlot = spi;
    }

    /**
     * After the arguments: makes the new dynptr of an uninitialised argument (a ring buffer one
     * holds a new reference, acquired at {@code slot}).
     */
    static void init(VerifierState st, Use use, Explorer ex, int slot) {
        if (use.initSlot < 0) {
            return;
        }
        int ref = 0;
        if (use.initKind == RegState.ObjectKind.DYNPTR_RINGBUF) {
            ref = st.newId();
            st.refs.add(ref);
            ex.refSlots().put(ref, slot);
        }
        StackObjects.put(use.initFrame.stack, use.initSlot, new RegState.StackObject(use.initKind, st.newId(), ref,
                false, 0, true));
    }

    /** A released dynptr's slots become never written. */
    static void clear(Use use) {
        if (use.usedSlot >= 0) {
            StackObjects.clear(use.usedFrame.stack, use.usedSlot, use.used.kind());
        }
    }
}
