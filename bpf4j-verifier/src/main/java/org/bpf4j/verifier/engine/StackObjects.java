package org.bpf4j.verifier.engine;

import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.StackState;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Iterators and dynptrs on the stack (the kernel's {@code STACK_ITER} and {@code STACK_DYNPTR}
 * slots): finding the slots an argument points to, creating, checking and destroying the objects,
 * and what plain stores do to them.
 *
 * <p>Soundness: an object lives only in slots whose every byte is {@link StackState#OBJECT}; a
 * helper or kfunc that takes an initialised object checks that the argument points exactly at
 * the first slot of an object of the expected kind, so the abstract object (its reference, its
 * iteration state) is the one the call acts on. A plain store into an object's slots destroys it
 * (a referenced dynptr may not be overwritten, so its reference is never lost silently; an
 * overwritten iterator keeps its reference, so the program cannot exit without destroying it,
 * which it can no longer do: Linux's rule). Loads of object bytes are refused, so an object's
 * hidden contents never become a value.
 */
final class StackObjects {
    private StackObjects() {
    }

    /**
     * The first slot (the kernel's {@code spi}) of an object of {@code slots} slots that
     * {@code arg} (register {@code regno}) points to; {@code what} is {@code iter} or
     * {@code dynptr}, for messages ({@code stack_slot_obj_get_spi}). Returns -1 when the slots lie
     * below the frame's 512 bytes.
     */
    static int slot(RegState arg, int regno, int slots, String what) {
        RegState.Pointer p = (RegState.Pointer) arg;
        if (!p.var().isConst()) {
            throw new Reject(what + " has to be at a constant offset");
        }
        long off = p.off() + p.var().value();
        if (off % 8 != 0) {
            throw new Reject("cannot pass in " + what + " at an offset=" + off);
        }
        long spi = (-off - 1) / 8;
        if (off >= 0 || spi + 1 < slots) {
            throw new Reject("cannot pass in " + what + " at an offset=" + off);
        }
        return spi >= StackState.MAX / 8 ? -1 : (int) spi;
    }

    /** The frame the stack pointer {@code arg} points into. */
    static FrameState frame(VerifierState st, RegState arg) {
        return st.frames.get(((RegState.Pointer) arg).frame());
    }

    /** The object at {@code spi} if it is the first slot of a whole object of {@code kind}, else null. */
    static RegState.StackObject initialised(StackState stack, int spi, RegState.ObjectKind kind) {
        if (spi < 0) {
            return null;
        }
        RegState.StackObject first = stack.object(spi);
        if (first == null || first.kind() != kind || !first.first()) {
            return null;
        }
        for (int k = 1; k < kind.slots(); k++) {
            RegState.StackObject o = stack.object(spi - k);
            if (o == null || o.first() || o.kind() != kind || o.id() != first.id()) {
                return null;
            }
        }
        return first;
    }

    /** Puts {@code obj} (its {@code first} flag ignored) in the slots from {@code spi} down. */
    static void put(StackState stack, int spi, RegState.StackObject obj) {
        for (int k = 0; k < obj.kind().slots(); k++) {
            stack.putObject(spi - k, new RegState.StackObject(obj.kind(), obj.id(), obj.refId(), obj.drained(),
                    obj.depth(), k == 0));
        }
    }

    /** Replaces the object whose first slot is {@code spi}. */
    static void update(StackState stack, int spi, RegState.StackObject obj) {
        put(stack, spi, obj);
    }

    /** Empties the object's slots from {@code spi} down. */
    static void clear(StackState stack, int spi, RegState.ObjectKind kind) {
        for (int k = 0; k < kind.slots(); k++) {
            stack.clearObject(spi - k);
        }
    }

    /**
     * Before a plain store of {@code size} bytes at {@code off} into {@code stack}: every dynptr
     * the bytes touch is destroyed whole, or the store refused for a referenced one
     * ({@code destroy_if_dynptr_stack_slot}); the touched slots of an iterator become plain data
     * (its reference stays held).
     */
    static void beforeStore(StackState stack, int off, int size) {
        long touched = stack.objectSlots(off, size);
        for (int spi = 0; touched != 0; spi++, touched >>>= 1) {
            if ((touched & 1) == 0) {
                continue;
            }
            RegState.StackObject o = stack.object(spi);
            if (o == null) {
                continue; // emptied with an earlier slot of the same dynptr
            }
            if (o.kind().isIterator()) {
                stack.clearObject(spi);
                stack.write(-(spi * 8 + 8), 8, false);
                continue;
            }
            if (o.refId() != 0) {
                throw new Reject("cannot overwrite referenced dynptr");
            }
            int first = o.first() ? spi : spi + 1;
            clear(stack, first, o.kind());
        }
    }

    /** Whether any of the {@code size} bytes at {@code off} belongs to an object (then a load is refused). */
    static void checkLoad(StackState stack, int off, int size) {
        if (stack.objectSlots(off, size) != 0) {
            throw new Reject("invalid read from stack off " + off + "+0 size " + size);
        }
    }

    /** A stack pointer argument, or the kernel's complaint about {@code what}. */
    static void requireStack(RegState v, int arg, String what) {
        if (!(v instanceof RegState.Pointer p && p.type() == PtrType.STACK)) {
            throw new Reject("arg#" + arg + " expected pointer to " + what + " on stack");
        }
    }
}
