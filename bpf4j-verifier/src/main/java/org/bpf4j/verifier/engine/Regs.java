package org.bpf4j.verifier.engine;

import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/** Register reads and writes with the kernel's checks ({@code check_reg_arg}). */
final class Regs {
    private Regs() {
    }

    /** The value of {@code r} for reading; refuses an uninitialised register. */
    static RegState read(VerifierState st, int r) {
        RegState v = st.regs()[r];
        if (v instanceof RegState.NotInit) {
            throw new Reject("R" + r + " !read_ok");
        }
        return v;
    }

    /** Checks {@code r} may be written: r10 is read-only. */
    static void checkWrite(int r) {
        if (r == 10) {
            throw new Reject("frame pointer is read only");
        }
    }

    static void set(VerifierState st, int r, RegState v) {
        checkWrite(r);
        st.regs()[r] = v;
    }

    static RegState.Scalar scalar(ScalarRange r) {
        return new RegState.Scalar(r, 0);
    }

    /** The kernel's short name of a value's type for messages: {@code scalar}, {@code fp}, {@code map_value_or_null}. */
    static String typeName(RegState v) {
        return switch (v) {
            case RegState.NotInit n -> "?";
            case RegState.Scalar s -> "scalar";
            case RegState.Pointer p -> p.typeName();
            case RegState.StackObject o -> o.kind().kernelName();
        };
    }

    /**
     * Refuses a context pointer in register {@code regno} that is not the context's start, in
     * Linux's words: moved below it, moved past it, or moved by an unknown amount. Memory accesses,
     * helper and kfunc arguments share it.
     */
    static void unmodifiedCtx(int regno, RegState.Pointer p) {
        if (p.off() != 0) {
            throw new Reject((p.off() < 0 ? "negative offset" : "dereference of modified") + " ctx ptr R" + regno
                    + " off=" + p.off() + " disallowed");
        }
        if (!p.fixedOffset()) {
            throw new Reject("variable ctx access var_off=" + p.var().var() + " disallowed");
        }
    }

    static boolean isPointer(RegState v) {
        return v instanceof RegState.Pointer;
    }

    static boolean isPacketAny(RegState v) {
        return v instanceof RegState.Pointer p
                && (p.type() == PtrType.PACKET || p.type() == PtrType.PACKET_META || p.type() == PtrType.PACKET_END);
    }

    /** Replaces every register and spilled slot of every frame for which {@code f} returns non-null. */
    static void forEach(VerifierState st, java.util.function.UnaryOperator<RegState> f) {
        for (var frame : st.frames) {
            for (int r = 0; r < 10; r++) {
                RegState n = f.apply(frame.regs[r]);
                if (n != null) {
                    frame.regs[r] = n;
                }
            }
            frame.stack.replaceSpills(f);
        }
    }
}
