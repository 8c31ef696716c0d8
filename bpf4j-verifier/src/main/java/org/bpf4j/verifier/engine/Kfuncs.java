package org.bpf4j.verifier.engine;

import java.util.Map;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Calls of kernel functions ({@code BPF_PSEUDO_KFUNC_CALL}, the kernel's {@code check_kfunc_call}),
 * known by the name the program gives them ({@link org.bpf4j.verifier.VerifierInput#kfuncs()}):
 * the open-coded number iterator ({@code bpf_iter_num_new}, {@code _next}, {@code _destroy}) and
 * RCU read-side critical sections ({@code bpf_rcu_read_lock}, {@code _unlock}), dynptrs over
 * packets ({@code bpf_dynptr_from_skb}, {@code _xdp}) and their read-only slices
 * ({@code bpf_dynptr_slice}: memory of the constant size asked, or NULL, forgotten when a helper
 * moves the packet, as packet pointers are).
 * Any other kfunc is refused with its name, so that bpf4j never accepts a call whose rules it
 * does not know.
 *
 * <p>Soundness: the iterator lives in stack slots ({@link StackObjects}) and holds a reference
 * from {@code new} to {@code destroy}, so every path destroys it exactly once; {@code next} is
 * only called on an initialised iterator and has two outcomes that the engine explores both:
 * NULL (the iterator drained; r0 the constant 0) and a non-NULL pointer to the 4-byte current
 * value (read-only memory), so the loop body is verified for an element whatever the bounds. The
 * loop converges at the {@code next} call ({@link Explorer}), where a state contained in an earlier
 * one with an active iterator adds nothing new. The call forgets r1-r5, as for helpers.
 */
final class Kfuncs {
    /** The kernel functions bpf4j knows. */
    enum Kfunc {
        ITER_NUM_NEW, ITER_NUM_NEXT, ITER_NUM_DESTROY, ITER_BITS_NEW, ITER_BITS_NEXT, ITER_BITS_DESTROY,
        RCU_READ_LOCK, RCU_READ_UNLOCK, PREEMPT_DISABLE, PREEMPT_ENABLE, DYNPTR_FROM_SKB, DYNPTR_FROM_XDP,
        DYNPTR_SLICE;

        /** Whether this is an iterator's {@code _next}, where its loop converges. */
        boolean iterNext() {
            return this == ITER_NUM_NEXT || this == ITER_BITS_NEXT;
        }

        /** The iterator an {@code _new}, {@code _next} or {@code _destroy} works on. */
        RegState.ObjectKind iterator() {
            return switch (this) {
                case ITER_NUM_NEW, ITER_NUM_NEXT, ITER_NUM_DESTROY -> RegState.ObjectKind.ITER_NUM;
                case ITER_BITS_NEW, ITER_BITS_NEXT, ITER_BITS_DESTROY -> RegState.ObjectKind.ITER_BITS;
                default -> null;
            };
        }
    }

    private static final Map<String, Kfunc> BY_NAME = Map.ofEntries(
            Map.entry("bpf_iter_num_new", Kfunc.ITER_NUM_NEW),
            Map.entry("bpf_iter_num_next", Kfunc.ITER_NUM_NEXT),
            Map.entry("bpf_iter_num_destroy", Kfunc.ITER_NUM_DESTROY),
            Map.entry("bpf_iter_bits_new", Kfunc.ITER_BITS_NEW),
            Map.entry("bpf_iter_bits_next", Kfunc.ITER_BITS_NEXT),
            Map.entry("bpf_iter_bits_destroy", Kfunc.ITER_BITS_DESTROY),
            Map.entry("bpf_rcu_read_lock", Kfunc.RCU_READ_LOCK),
            Map.entry("bpf_rcu_read_unlock", Kfunc.RCU_READ_UNLOCK),
            Map.entry("bpf_preempt_disable", Kfunc.PREEMPT_DISABLE),
            Map.entry("bpf_preempt_enable", Kfunc.PREEMPT_ENABLE),
            Map.entry("bpf_dynptr_from_skb", Kfunc.DYNPTR_FROM_SKB),
            Map.entry("bpf_dynptr_from_xdp", Kfunc.DYNPTR_FROM_XDP),
            Map.entry("bpf_dynptr_slice", Kfunc.DYNPTR_SLICE));
    // bpf_dynptr_slice_rdwr is left out: Linux 6.18 refused it in every program tried here (xdp,
    // tc, over a local dynptr: "bpf_dynptr_slice_rdwr() is not allowed"), for a reason bpf4j does
    // not model yet; it is refused by name as unsupported rather than accepted on a guess

    private final Explorer ex;

    Kfuncs(Explorer ex) {
        this.ex = ex;
    }

    /** The message of a kfunc call in a program whose licence is not GPL-compatible. */
    static final String NOT_GPL = "cannot call kernel function from non-GPL compatible program";

    /**
     * The slot of the first kfunc call that {@code in}'s licence forbids, or -1: any kfunc call of
     * a program that is not GPL-compatible, reached or not, since Linux checks the licence when it
     * first lists the program's kfunc calls, before its control-flow checks and before
     * exploration (6.18 refuses such a call behind a branch never taken, and a call in
     * unreachable code with this message rather than "unreachable insn"). A call of a kfunc the
     * kernel lacks is not a kfunc call by then: libbpf has made it a call of a helper that does
     * not exist, refused only where it is reached.
     */
    static int nonGplCall(VerifierInput in) {
        if (in.gpl()) {
            return -1;
        }
        Code code = in.code();
        for (int slot = 0; slot < code.slotCount(); slot++) {
            if (code.atSlot(slot) instanceof Instruction.Call c && c.kind() == CallKind.KFUNC
                    && !unresolved(in, in.kfuncs().get(slot))) {
                return slot;
            }
        }
        return -1;
    }

    /** Whether kfunc {@code name} is one the kernel, whose types {@code in} gives, lacks. */
    private static boolean unresolved(VerifierInput in, String name) {
        KernelTypes types = in.kernelTypes();
        return name != null && types != KernelTypes.NONE && types.function(name).isEmpty()
                && !BY_NAME.containsKey(name);
    }

    /** The kfunc the call at {@code slot} names, or null when the program names none there. */
    Kfunc at(int slot) {
        String name = ex.input().kfuncs().get(slot);
        return name == null ? null : BY_NAME.get(name);
    }

    /**
     * Checks and applies the kfunc call at {@code slot}. Returns the state of the second outcome
     * to explore from the next instruction (the active iterator of {@code _next}), or null.
     */
    VerifierState call(VerifierState st, int slot, int imm) {
        String name = ex.input().kfuncs().get(slot);
        if (name == null) {
            throw new Reject("kernel function call with btf_id " + imm + ": bpf4j needs the function's name "
                    + "(the __ksym extern of an object) to verify it");
        }
        if (unresolved(ex.input(), name)) {
            // libbpf turns the call of a __weak kfunc the kernel lacks into a call of helper
            // 2002000000 + its extern's index, which Linux refuses when it reaches it ("invalid func
            // unknown#..."), and says so in its own words (a strong one never loads)
            throw new Reject("kfunc '" + name + "' is referenced but wasn't resolved");
        }
        // a non-GPL program was refused before exploration (nonGplCall)
        Kfunc k = BY_NAME.get(name);
        if (k == null && st.activeLock != -1) {
            throw new Reject("function calls are not allowed while holding a lock");
        }
        if (k == null) {
            org.bpf4j.spec.KfuncSpec spec = org.bpf4j.spec.KfuncCatalog.linux().byName(name).orElseThrow(
                    () -> new Reject("bpf4j: kernel function " + name + " is not supported by the verifier"));
            ex.kernelObjects().call(st, slot, spec);
            return null;
        }
        if (st.activeLock != -1) {
            throw new Reject("function calls are not allowed while holding a lock");
        }
        VerifierState other = switch (k) {
            case ITER_NUM_NEW, ITER_BITS_NEW -> {
                iterNew(st, slot, k.iterator());
                Regs.read(st, 2);
                Regs.read(st, 3);
                if (k == Kfunc.ITER_NUM_NEW) {
                    scalarArg(st, 2);
                } // bpf_iter_bits_new's bitmap pointer is unchecked (__ign): it copies it with a probe read
                scalarArg(st, 3);
                clobber(st);
                st.regs()[0] = RegState.unknown();
                yield null;
            }
            case ITER_NUM_NEXT, ITER_BITS_NEXT -> iterNext(st, k.iterator());
            case DYNPTR_FROM_SKB, DYNPTR_FROM_XDP -> {
                fromPacket(st, slot, k);
                yield null;
            }
            case DYNPTR_SLICE -> {
                slice(st);
                yield null;
            }
            case PREEMPT_DISABLE, PREEMPT_ENABLE -> {
                // preemption disabled any number of times over, enabled as often before the end
                if (k == Kfunc.PREEMPT_ENABLE && st.preemptDisabled == 0) {
                    throw new Reject("unmatched attempt to enable preemption (kernel function bpf_preempt_enable)");
                }
                st.preemptDisabled += k == Kfunc.PREEMPT_DISABLE ? 1 : -1;
                clobber(st);
                st.regs()[0] = RegState.NOT_INIT;
                yield null;
            }
            case RCU_READ_LOCK, RCU_READ_UNLOCK -> {
                // an RCU read-side critical section: not nested, ended before the program ends
                if (k == Kfunc.RCU_READ_LOCK && st.activeRcu) {
                    throw new Reject("nested rcu read lock (kernel function bpf_rcu_read_lock)");
                }
                if (k == Kfunc.RCU_READ_UNLOCK && !st.activeRcu) {
                    throw new Reject("unmatched rcu read unlock (kernel function bpf_rcu_read_unlock)");
                }
                st.activeRcu = k == Kfunc.RCU_READ_LOCK;
                if (k == Kfunc.RCU_READ_UNLOCK) {
                    KernelObjects.endRcu(st);
                }
                clobber(st);
                st.regs()[0] = RegState.NOT_INIT;
                yield null;
            }
            case ITER_NUM_DESTROY, ITER_BITS_DESTROY -> {
                int spi = iterInit(st, k.iterator());
                RegState.StackObject it = StackObjects.frame(st, st.regs()[1]).stack.object(spi);
                StackObjects.clear(StackObjects.frame(st, st.regs()[1]).stack, spi, it.kind());
                release(st, it.refId());
                clobber(st);
                st.regs()[0] = RegState.NOT_INIT;
                yield null;
            }
        };
        return other;
    }

    /** {@code bpf_dynptr_from_skb(ctx, flags, dynptr)}, {@code bpf_dynptr_from_xdp}: the context, a dynptr made. */
    private void fromPacket(VerifierState st, int slot, Kfunc k) {
        boolean skb = k == Kfunc.DYNPTR_FROM_SKB;
        boolean allowed = switch (ex.type()) {
            case XDP -> !skb;
            case SCHED_CLS, SCHED_ACT, SK_SKB, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL,
                 NETFILTER -> skb;
            default -> false;
        };
        String name = skb ? "bpf_dynptr_from_skb" : "bpf_dynptr_from_xdp";
        if (!allowed) {
            throw new Reject("calling kernel function " + name + " is not allowed");
        }
        RegState ctx = Regs.read(st, 1);
        if (ex.type() == ProgramType.NETFILTER) {
            // its context is no socket buffer: it passes the trusted sk_buff its context points to
            // (the kernel type behind __sk_buff)
            if (!(ctx instanceof RegState.Pointer q && q.type() == PtrType.BTF_ID && !q.maybeNull()
                    && q.btf().name().equals("sk_buff") && q.btf().has(RegState.KernelObject.TRUSTED))) {
                throw new Reject(ctx instanceof RegState.Pointer ? "R1 must be referenced or trusted"
                        : "arg#0 expected pointer to trusted sk_buff, but got " + Regs.typeName(ctx));
            }
            if (q.off() != 0 || !q.fixedOffset()) {
                throw new Reject("R1 must have zero offset when passed to release func or trusted arg to kfunc");
            }
        } else if (!(ctx instanceof RegState.Pointer p && p.type() == PtrType.CTX)) {
            throw new Reject("arg#0 expected pointer to ctx, but got " + Regs.typeName(ctx));
        } else {
            Regs.unmodifiedCtx(1, p);
        }
        Regs.read(st, 2);
        scalarArg(st, 2);
        Dynptrs.Use use = new Dynptrs.Use();
        Dynptrs.uninitArg(st, 3, skb ? RegState.ObjectKind.DYNPTR_SKB : RegState.ObjectKind.DYNPTR_XDP, use);
        Dynptrs.init(st, use, ex, slot);
        clobber(st);
        st.regs()[0] = RegState.unknown();
    }

    /**
     * {@code bpf_dynptr_slice(dynptr, offset, buffer, size)}: the size a constant, the buffer NULL
     * or {@code size} writable bytes; r0 that many read-only bytes, or NULL.
     */
    private void slice(VerifierState st) {
        Dynptrs.Use use = new Dynptrs.Use();
        Dynptrs.arg(st, 1, org.bpf4j.spec.ArgType.PTR_TO_DYNPTR, use);
        Regs.read(st, 2);
        scalarArg(st, 2);
        RegState size = Regs.read(st, 4);
        st.preciseRequest |= 1 << 4;
        if (!(size instanceof RegState.Scalar s && s.range().isConst())) {
            throw new Reject("R4 must be a known constant");
        }
        long n = s.range().value();
        RegState buf = Regs.read(st, 3);
        boolean isNull = buf instanceof RegState.Scalar b && b.range().isConst() && b.range().value() == 0;
        if (!isNull) {
            ex.memory().checkRange(st, 3, buf, n, true, true);
        }
        boolean packet = use.used.kind() == RegState.ObjectKind.DYNPTR_SKB
                || use.used.kind() == RegState.ObjectKind.DYNPTR_XDP;
        clobber(st);
        // a slice of a ring buffer dynptr carries its reference, so it dies with the record
        st.regs()[0] = new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), st.newId(), use.used.refId(), 0,
                packet ? RegState.Pointer.PACKET_SLICE : -1, (int) n, true, 0, true);
    }

    private static void scalarArg(VerifierState st, int r) {
        if (!(st.regs()[r] instanceof RegState.Scalar)) {
            throw new Reject("R" + r + " is not a scalar");
        }
    }

    private static void clobber(VerifierState st) {
        for (int r = 1; r <= 5; r++) {
            st.regs()[r] = RegState.NOT_INIT;
        }
    }

    /** {@code bpf_iter_*_new}: the slots must not hold an iterator; they get a new active one, a reference. */
    private void iterNew(VerifierState st, int slot, RegState.ObjectKind kind) {
        RegState v = Regs.read(st, 1);
        StackObjects.requireStack(v, 0, "an iterator");
        int spi;
        try {
            spi = StackObjects.slot(v, 1, kind.slots(), "iter");
        } catch (Reject e) {
            throw new Reject("expected uninitialized " + kind.kernelName() + " as arg #0"); // Linux's words for a bad place too
        }
        if (spi < 0) {
            throw new Reject("invalid write to stack R1 off=" + ((RegState.Pointer) v).off() + " size=8");
        }
        FrameState frame = StackObjects.frame(st, v);
        for (int k = 0; k < kind.slots(); k++) {
            RegState.StackObject o = frame.stack.object(spi - k);
            if (o != null && o.kind().isIterator()) {
                throw new Reject("expected uninitialized " + kind.kernelName() + " as arg #0");
            }
            StackObjects.beforeStore(frame.stack, -((spi - k) * 8 + 8), 8);
        }
        int ref = st.newId();
        st.refs.add(ref);
        ex.refSlots().put(ref, slot);
        StackObjects.put(frame.stack, spi, new RegState.StackObject(kind, ref, ref, false, 0,
                true));
    }

    /** The first slot of the initialised iterator r1 points to. */
    private static int iterInit(VerifierState st, RegState.ObjectKind kind) {
        RegState v = Regs.read(st, 1);
        StackObjects.requireStack(v, 0, "an iterator");
        int spi;
        try {
            spi = StackObjects.slot(v, 1, kind.slots(), "iter");
        } catch (Reject e) {
            throw new Reject("expected an initialized " + kind.kernelName() + " as arg #0");
        }
        if (StackObjects.initialised(StackObjects.frame(st, v).stack, spi, kind) == null) {
            throw new Reject("expected an initialized " + kind.kernelName() + " as arg #0");
        }
        return spi;
    }

    /**
     * {@code bpf_iter_num_next}: this state continues with the iterator drained and r0 = 0; the
     * returned state continues with the iterator active one level deeper and r0 pointing to the
     * current number (the kernel's {@code process_iter_next_call}). A drained iterator stays
     * drained: {@code next} returns NULL again.
     */
    private static VerifierState iterNext(VerifierState st, RegState.ObjectKind kind) {
        int spi = iterInit(st, kind);
        RegState arg = st.regs()[1];
        RegState.StackObject it = StackObjects.frame(st, arg).stack.object(spi);
        VerifierState active = null;
        if (!it.drained()) {
            active = st.copy();
            StackObjects.update(StackObjects.frame(active, arg).stack, spi, new RegState.StackObject(it.kind(), it.id(),
                    it.refId(), false, it.depth() + 1, true));
            clobber(active);
            active.regs()[0] = new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), 0, 0, 0, -1, 4, false, 0,
                    true);
        }
        StackObjects.update(StackObjects.frame(st, arg).stack, spi, new RegState.StackObject(it.kind(), it.id(),
                it.refId(), true, it.depth(), true));
        clobber(st);
        st.regs()[0] = RegState.constant(0);
        return active;
    }

    /** Whether the iterator that r1 points to (at an {@code _next} call) is active in {@code st}. */
    static boolean iterActive(VerifierState st) {
        if (!(st.regs()[1] instanceof RegState.Pointer p) || p.type() != PtrType.STACK || !p.var().isConst()) {
            return false;
        }
        long off = p.off() + p.var().value();
        if (off >= 0 || off % 8 != 0) {
            return false;
        }
        for (RegState.ObjectKind kind : new RegState.ObjectKind[] {RegState.ObjectKind.ITER_NUM,
                RegState.ObjectKind.ITER_BITS}) {
            RegState.StackObject o = StackObjects.initialised(st.frames.get(p.frame()).stack, (int) ((-off - 1) / 8),
                    kind);
            if (o != null) {
                return !o.drained();
            }
        }
        return false;
    }

    /** Whether any frame of {@code st} holds an active (not drained) iterator. */
    static boolean hasActiveIterator(VerifierState st) {
        boolean[] found = new boolean[1];
        for (FrameState f : st.frames) {
            f.stack.replaceObjects(o -> {
                found[0] |= o.kind().isIterator() && !o.drained();
                return null;
            });
        }
        return found[0];
    }

    private static void release(VerifierState st, int ref) {
        st.refs.remove(Integer.valueOf(ref));
    }
}
