package org.bpf4j.verifier.engine;

import java.util.Set;
import org.bpf4j.spec.ArgType;
import org.bpf4j.spec.HelperFlag;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ReturnType;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.Tnum;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Helper calls ({@code check_helper_call}): availability for the program type, every argument
 * against the prototype in the catalog, map compatibility, references acquired and released,
 * and the return value.
 *
 * <p>Soundness: an argument is accepted only if its abstract value is of a type the prototype
 * allows and, for memory, every byte the helper may touch (up to the size argument's maximum)
 * lies inside the object (checked by {@link MemoryAccess#checkRange}); the call then forgets
 * r1-r5 (the helper clobbers them), forgets every packet pointer if the helper may move the
 * packet, marks stack bytes the helper writes as unknown data, and sets r0 to a value that
 * covers everything the helper can return. A spin lock is named by its map and the value
 * pointer's id, so the unlock releases the very lock taken, and nothing else may run while it is
 * held; a timer's pointer must be its map value's timer itself, and its callback, which runs at
 * an unknown later time, is verified from a state that assumes nothing of the registering path.
 */
final class Calls {
    private static final long MAX_VAR_SIZE = 1L << 29;
    private static final int MAX_ERRNO = 4095;

    private final Explorer ex;

    Calls(Explorer ex) {
        this.ex = ex;
    }

    /** What earlier arguments told later ones. */
    private static final class Meta {
        int map = -1;
        RegState memArg;
        int memRegno;
        ArgType memType;
        long constSize = -1;
        long maxSize;
        int releaseRef;
        int funcSlot = -1;
        /** The map key when it is a constant on the stack (see {@link #constantKey}), or -1. */
        long constKey = -1;
        /** The map of the {@code bpf_timer} argument, or -1. */
        int timerMap = -1;
        /** The lock a {@code bpf_spin_lock} argument names ({@code map << 32 | id}), or -1. */
        long lock = -1;
        /** The dynptr argument, if any. */
        final Dynptrs.Use dynptr = new Dynptrs.Use();
        /** The per-CPU kernel variable argument ({@code bpf_per_cpu_ptr}, {@code bpf_this_cpu_ptr}), if any. */
        RegState.Pointer percpu;
    }

    /** The helper id of {@code bpf_spin_unlock}, the only call allowed while a lock is held. */
    static final int SPIN_UNLOCK = 94;
    /** The helper id of {@code bpf_timer_set_callback}, whose callback runs asynchronously. */
    static final int TIMER_SET_CALLBACK = 170;

    /**
     * The state in which the asynchronous callback that the last helper call registered starts
     * ({@code bpf_timer_set_callback}), to be verified as a program of its own; null otherwise.
     * The engine takes it after the call.
     */
    VerifierState asyncEntry;

    /** Checks and applies {@code call id}. Returns the slot of a callback to enter, or -1. */
    int helper(VerifierState st, int slot, int id) {
        HelperSpec general = ex.catalog().byId(id).filter(h -> !h.reserved())
                .orElseThrow(() -> new Reject("invalid func unknown#" + id));
        HelperSpec h = ex.catalog().prototype(ex.type(), general).orElseThrow(() -> new Reject(
                "program of this type cannot use helper " + general.kernelName() + "#" + id));
        if (h.gplOnly() && !ex.input().gpl()) {
            throw new Reject("cannot call GPL-restricted function from non-GPL compatible program");
        }
        if (st.activeLock != -1 && id != SPIN_UNLOCK) {
            throw new Reject("function calls are not allowed while holding a lock");
        }
        if (h.name().equals("kptr_xchg")) {
            ex.kernelObjects().kptrXchg(st, slot);
            return -1;
        }
        Meta meta = new Meta();
        for (int a = 1; a <= h.args().size(); a++) {
            arg(st, h, a, meta);
        }
        if (h.name().equals("dynptr_from_mem") && !(st.regs()[1] instanceof RegState.Pointer p
                && p.type() == PtrType.MAP_VALUE)) {
            throw new Reject("Unsupported reg type " + Regs.typeName(st.regs()[1]) + " for bpf_dynptr_from_mem data");
        }
        checkMapCompat(h, meta);
        spinLock(st, h, meta);
        Dynptrs.init(st, meta.dynptr, ex, slot);
        if (h.releases()) {
            int ref = meta.releaseRef;
            if (ref == 0 || !st.refs.contains(ref)) {
                throw new Reject("R" + h.releasedArg() + " must be referenced when passed to release function");
            }
            release(st, ref);
            Dynptrs.clear(meta.dynptr);
        }
        if (h.name().equals("tail_call") && !st.refs.isEmpty() && st.frames.size() == 1) {
            // the program it runs would never release what this one holds; Linux checks only in
            // the outermost frame (a function's tail call is let through, as its leak checks are)
            throw new Reject(Functions.referenceLeak(st, ex, "tail_call"));
        }
        if (h.name().equals("get_local_storage") && !(st.regs()[2] instanceof RegState.Scalar f
                && f.range().isConst() && f.range().value() == 0)) {
            throw new Reject("get_local_storage() doesn't support non-zero flags");
        }
        if (h.name().equals("dynptr_write") && meta.dynptr.used != null
                && meta.dynptr.used.kind() == RegState.ObjectKind.DYNPTR_SKB) {
            // writing through a socket buffer's dynptr may reallocate its data (a clone's): every
            // packet pointer and slice is gone, as after a helper that changes packet data
            forgetPacketPointers(st);
        }
        if (h.changesPacketData() && !h.name().equals("tail_call")) {
            // a failed tail call changes nothing (a successful one does not come back, except to
            // the caller of a function that made it: see Functions.mayChangePacketData)
            forgetPacketPointers(st);
        }
        RegState[] regs = st.regs();
        for (int r = 1; r <= 5; r++) {
            regs[r] = RegState.NOT_INIT;
        }
        regs[0] = result(st, h, meta, slot);
        if (h.has(HelperFlag.ASYNC_CALLBACK) && meta.funcSlot >= 0) {
            asyncEntry = asyncEntry(slot, id, meta);
        }
        if (h.has(HelperFlag.CALLBACK) && meta.funcSlot >= 0) {
            return meta.funcSlot;
        }
        return -1;
    }

    /**
     * Whether a function that calls the helper may change the packet before it returns: the
     * helpers that change packet data, and {@code bpf_tail_call} (the program it runs may call
     * them, and a subprogram's tail call returns to its caller; Linux marks the function so since
     * 6.14, while the packet pointers of a program that goes on after a failed tail call stay).
     */
    static boolean changesPacketData(HelperSpec h) {
        return h.changesPacketData() || h.name().equals("tail_call");
    }

    /** Every packet pointer (and packet slice) of every frame, in registers and spilled, becomes a number. */
    static void forgetPacketPointers(VerifierState st) {
        Regs.forEach(st, v -> v instanceof RegState.Pointer p && (Regs.isPacketAny(p)
                || p.type() == PtrType.MEM && p.map() == RegState.Pointer.PACKET_SLICE) ? RegState.unknown() : null);
    }

    /**
     * A timer's callback runs later, on its own: its state is a single frame with the timer's
     * map, the element's key and its value (the kernel's {@code set_timer_callback_state} in
     * {@code push_async_cb}), nothing of the registering program's state.
     */
    private VerifierState asyncEntry(int slot, int helperId, Meta meta) {
        if (meta.timerMap < 0) {
            throw new Reject("kernel subsystem misconfigured verifier");
        }
        int m = meta.timerMap;
        FrameState f = new FrameState(slot, 0, meta.funcSlot, helperId);
        VerifierState cb = new VerifierState(f);
        f.regs[1] = new RegState.Pointer(PtrType.CONST_MAP_PTR, 0, ScalarRange.constant(0), 0, 0, 0, m, 0, false, 0,
                false);
        f.regs[2] = new RegState.Pointer(PtrType.MAP_KEY, 0, ScalarRange.constant(0), 0, 0, 0, m, 0, false, 0, false);
        f.regs[3] = new RegState.Pointer(PtrType.MAP_VALUE, 0, ScalarRange.constant(0),
                ex.map(m).spinLockOff() >= 0 ? cb.newId() : 0, 0, 0, m, 0, false, 0, ex.map(m).readOnlyProg());
        return cb;
    }

    /**
     * {@code bpf_spin_lock} takes the lock its argument names (one at a time);
     * {@code bpf_spin_unlock} releases that same lock ({@code process_spin_lock}).
     */
    private static void spinLock(VerifierState st, HelperSpec h, Meta meta) {
        if (meta.lock == -1) {
            return;
        }
        if (h.name().equals("spin_lock")) {
            if (st.activeLock != -1) {
                throw new Reject("Locking two bpf_spin_locks are not allowed");
            }
            st.activeLock = meta.lock;
        } else if (h.name().equals("spin_unlock")) {
            if (st.activeLock == -1) {
                throw new Reject("bpf_spin_unlock without taking a lock");
            }
            if (st.activeLock != meta.lock) {
                throw new Reject("bpf_spin_unlock of different lock");
            }
            st.activeLock = -1;
        }
    }

    /**
     * A pointer to a map value's {@code struct bpf_spin_lock} or {@code struct bpf_timer}: the
     * map's value must have one (from BTF) and the pointer must point exactly at it
     * ({@code process_spin_lock}, {@code process_timer_func}).
     */
    private MapInfo specialField(int a, RegState v, String field, boolean lock) {
        if (!(v instanceof RegState.Pointer p && p.type() == PtrType.MAP_VALUE && !p.maybeNull())) {
            throw typeError(a, v, "map_value");
        }
        if (!p.var().isConst()) {
            throw new Reject("R" + a + " doesn't have constant offset. " + field + " has to be at the constant offset");
        }
        MapInfo m = ex.map(p.map());
        int at = lock ? m.spinLockOff() : m.timerOff();
        if (at < 0 && !m.btf()) {
            throw new Reject("map '" + m.name() + "' has to have BTF in order to use " + field);
        }
        if (at < 0) {
            throw new Reject("map '" + m.name() + "' has no valid " + field);
        }
        long off = p.off() + p.var().value();
        if (off != at) {
            throw new Reject("off " + off + " doesn't point to 'struct " + field + "' that is at " + at);
        }
        return m;
    }

    /**
     * The map key the fixed-offset stack pointer {@code p} points to when it is known, or -1 (the
     * kernel's {@code get_constant_map_key}): {@code size} known-zero bytes from the key's first
     * byte within its 8-byte slot, or a scalar spilled with exactly {@code size} bytes whose value
     * is constant. The kernel looks within the key's slot only, so a longer key is never
     * constant. A key read from a spilled constant is relied upon: its slot becomes precise (an
     * equivalent state must have the same key), which the caller requests through the state.
     */
    private static long constantKey(VerifierState st, RegState.Pointer p, int size) {
        org.bpf4j.verifier.domain.StackState stack = st.frames.get(p.frame()).stack;
        int off = (int) (p.off() + p.var().value());
        int within = (-off - 1) % 8; // bytes of the slot at and above the key's first byte, minus one
        int zeros = 0;
        for (int i = 0; i <= within && stack.type(off + i) == org.bpf4j.verifier.domain.StackState.ZERO; i++) {
            zeros++;
        }
        if (zeros >= size) {
            return 0;
        }
        RegState spilled = stack.spilled(off);
        if (!(spilled instanceof RegState.Scalar s) || stack.spillSize(off) != size || within != 7
                || !s.range().isConst()) {
            return -1;
        }
        st.preciseStackFrame = p.frame();
        st.preciseStackSlots |= 1L << ((-off - 1) / 8);
        return s.range().value();
    }

    private void release(VerifierState st, int ref) {
        st.refs.remove(Integer.valueOf(ref));
        Regs.forEach(st, v -> v instanceof RegState.Pointer p && p.refId() == ref ? RegState.unknown() : null);
    }

    private RegState result(VerifierState st, HelperSpec h, Meta meta, int slot) {
        ReturnType ret = h.ret();
        if (meta.percpu != null) {
            return cpuCopy(st, meta.percpu, ret.isNullable());
        }
        return switch (ret) {
            case INTEGER -> {
                String n = h.name();
                if (n.equals("get_stack") || n.equals("get_task_stack") || n.endsWith("_str")
                        && n.startsWith("probe_read")) {
                    yield Regs.scalar(ScalarRange.signed(-MAX_ERRNO, meta.maxSize));
                }
                yield RegState.unknown();
            }
            case VOID -> RegState.NOT_INIT;
            case PTR_TO_MAP_VALUE, PTR_TO_MAP_VALUE_OR_NULL -> {
                if (meta.map < 0) {
                    throw new Reject("kernel subsystem misconfigured verifier");
                }
                MapInfo m = ex.map(meta.map);
                if (h.name().equals("map_lookup_elem") && isSockMap(m)) {
                    // a socket map's lookup gives the socket, referenced: it must be released
                    int ref = st.newId();
                    st.refs.add(ref);
                    ex.refSlots().put(ref, slot);
                    yield new RegState.Pointer(PtrType.SOCKET, 0, ScalarRange.constant(0), ref, ref, 0, -1, 0, true,
                            0, false);
                }
                // Linux knows an array lookup with a constant in-range key cannot fail (zero
                // bytes are compared exactly when pruning, a spilled constant was made precise)
                boolean nullable = ret.isNullable() && !(h.name().equals("map_lookup_elem") && meta.constKey >= 0
                        && Long.compareUnsigned(meta.constKey, Integer.toUnsignedLong(m.maxEntries())) < 0
                        && (m.type() == MapType.ARRAY || m.type() == MapType.PERCPU_ARRAY));
                // a value that holds a bpf_spin_lock gets an id even when it cannot be NULL: the
                // lock is named by the map and the id, so that two lookups name two locks (Linux
                // gives such a non-NULL result an id too)
                int nid = nullable || m.spinLockOff() >= 0 ? st.newId() : 0;
                if (m.type().mapOfMaps()) {
                    int inner = ex.innerIndex(meta.map);
                    if (inner < 0) {
                        throw new Reject("map " + m.name() + " has no inner map description");
                    }
                    yield new RegState.Pointer(PtrType.CONST_MAP_PTR, 0, ScalarRange.constant(0), nid, 0, 0, inner, 0,
                            nullable, 0, false);
                }
                yield new RegState.Pointer(PtrType.MAP_VALUE, 0, ScalarRange.constant(0), nid, 0, 0, meta.map, 0,
                        nullable, 0, m.readOnlyProg());
            }
            case PTR_TO_RINGBUF_MEM_OR_NULL -> {
                int ref = st.newId();
                st.refs.add(ref);
                ex.refSlots().put(ref, slot);
                yield new RegState.Pointer(PtrType.RINGBUF_MEM, 0, ScalarRange.constant(0), ref, ref, 0, -1,
                        (int) meta.constSize, true, 0, false);
            }
            case PTR_TO_SOCKET_OR_NULL, PTR_TO_SOCK_COMMON_OR_NULL, PTR_TO_TCP_SOCK_OR_NULL -> {
                PtrType t = ret == ReturnType.PTR_TO_SOCKET_OR_NULL ? PtrType.SOCKET
                        : ret == ReturnType.PTR_TO_TCP_SOCK_OR_NULL ? PtrType.TCP_SOCK : PtrType.SOCK_COMMON;
                int nid = st.newId();
                int ref = 0;
                if (h.acquires()) {
                    ref = nid;
                    st.refs.add(ref);
                    ex.refSlots().put(ref, slot);
                } else if (h.has(HelperFlag.POINTER_CAST) && meta.memArg instanceof RegState.Pointer p) {
                    ref = p.refId();
                }
                yield new RegState.Pointer(t, 0, ScalarRange.constant(0), nid, ref, 0, -1, 0, true, 0, false);
            }
            case PTR_TO_DYNPTR_MEM_OR_NULL -> {
                // a slice of the dynptr's memory, of the constant size asked; it carries the
                // dynptr's reference, so releasing the dynptr invalidates it
                RegState.StackObject d = meta.dynptr.used;
                yield new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), st.newId(),
                        d == null ? 0 : d.refId(), 0, -1, (int) meta.constSize, true, 0, false);
            }
            case PTR_TO_BTF_ID, PTR_TO_BTF_ID_TRUSTED, PTR_TO_MEM_OR_BTF_ID -> RegState.Pointer.of(PtrType.BTF_ID)
                    .withBtf(kernelObject(h, ret == ReturnType.PTR_TO_BTF_ID_TRUSTED));
            case PTR_TO_BTF_ID_OR_NULL, PTR_TO_MEM_OR_BTF_ID_OR_NULL -> {
                // a cast of a referenced socket (bpf_skc_to_tcp_sock, ...) dies with its reference
                int ref = h.has(HelperFlag.POINTER_CAST) && meta.memArg instanceof RegState.Pointer p ? p.refId() : 0;
                yield new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), st.newId(), ref, 0, -1, 0, true,
                        0, false, kernelObject(h, false));
            }
        };
    }

    /**
     * One CPU's copy of the per-CPU kernel object {@code percpu} points to ({@code bpf_this_cpu_ptr},
     * or {@code bpf_per_cpu_ptr}, which gives NULL for a CPU that does not exist): a plain pointer to
     * its structure (trusted in no way: the kernel gives it no flag), or read-only memory of its
     * size for a number (Linux's {@code RET_PTR_TO_MEM_OR_BTF_ID}).
     */
    private RegState cpuCopy(VerifierState st, RegState.Pointer percpu, boolean nullable) {
        RegState.KernelObject k = percpu.btf();
        int id = nullable ? st.newId() : 0;
        if (ex.input().kernelTypes().struct(k.id()).isPresent()) {
            return new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), id, 0, 0, -1, 0, nullable, 0,
                    false, k.withFlags(0));
        }
        return new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), id, 0, 0, -1, percpu.memSize(), nullable,
                0, true);
    }

    /** The kernel type a helper's pointer result is typed with (untyped when the catalog names none). */
    private RegState.KernelObject kernelObject(HelperSpec h, boolean trusted) {
        return h.retBtfType().map(n -> ex.kernelObjects().helperResult(n, trusted)).orElse(RegState.KernelObject.NONE);
    }

    /** Linux's strict alignment check of a helper's aligned memory argument. */
    private static void aligned(RegState.Pointer p, int size) {
        String what = switch (p.type()) {
            case STACK -> "stack ";
            case MAP_VALUE -> "value ";
            case PACKET, PACKET_META -> "packet ";
            default -> null;
        };
        // packets are checked as if their data started 2 bytes into a word (NET_IP_ALIGN as
        // Linux assumes it for every platform)
        int ip = what != null && what.equals("packet ") ? 2 : 0;
        if (what == null || p.var().var().add(Tnum.constant(ip + p.off())).isAligned(size)) {
            return;
        }
        String ipAlign = ip != 0 ? ip + "+" : "";
        throw new Reject("misaligned " + what + "access off " + ipAlign + p.var().var() + "+" + p.off() + "+0 size "
                + size);
    }

    private static Reject typeError(int regno, RegState v, String expected) {
        return new Reject("R" + regno + " type=" + Regs.typeName(v) + " expected=" + expected);
    }

    private static final String MEM_TYPES = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_";

    private void arg(VerifierState st, HelperSpec h, int a, Meta meta) {
        ArgType t = h.arg(a);
        RegState v = Regs.read(st, a);
        boolean isNull = v instanceof RegState.Scalar s && s.range().isConst() && s.range().value() == 0;
        switch (t) {
            case ANYTHING -> {
            }
            case SCALAR -> {
                if (!(v instanceof RegState.Scalar)) {
                    throw typeError(a, v, "scalar");
                }
            }
            case CONST_MAP_PTR -> {
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.CONST_MAP_PTR && !p.maybeNull())) {
                    throw typeError(a, v, "map_ptr");
                }
                if (meta.timerMap >= 0 && meta.timerMap != p.map()) {
                    throw new Reject("timer pointer in R1 map_uid=0 doesn't match map pointer in R" + a + " map_uid=0");
                }
                meta.map = p.map();
            }
            case PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE, PTR_TO_UNINIT_MAP_VALUE, PTR_TO_MAP_VALUE_OR_NULL -> {
                if (t == ArgType.PTR_TO_MAP_VALUE_OR_NULL && isNull) {
                    return;
                }
                if (meta.map < 0) {
                    throw new Reject("invalid map_ptr to access map->" + (t == ArgType.PTR_TO_MAP_KEY ? "key" : "value"));
                }
                MapInfo m = ex.map(meta.map);
                if (t != ArgType.PTR_TO_MAP_KEY && isSockMap(m)) {
                    // the value stored in a socket map is a socket, not bytes
                    if (!(v instanceof RegState.Pointer p && !p.maybeNull() && (p.type() == PtrType.SOCKET
                            || p.type() == PtrType.SOCK_COMMON || p.type() == PtrType.TCP_SOCK
                            || p.type() == PtrType.BTF_ID))) {
                        throw typeError(a, v, "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_");
                    }
                    return;
                }
                memPointer(h, a, v);
                long size = t == ArgType.PTR_TO_MAP_KEY ? m.keySize() : m.valueSize();
                if (size == 0 && t == ArgType.PTR_TO_MAP_KEY && v instanceof RegState.Pointer sp
                        && sp.type() == PtrType.STACK) {
                    // check_stack_range_initialized: a key of a map without keys (a ring buffer as
                    // the inner map of a lookup); Linux creates no map with a value of size 0
                    throw new Reject("invalid zero-sized read");
                }
                ex.memory().checkRange(st, a, v, size, t == ArgType.PTR_TO_UNINIT_MAP_VALUE, false);
                if (t == ArgType.PTR_TO_MAP_KEY && v instanceof RegState.Pointer p && p.type() == PtrType.STACK
                        && p.var().isConst()) {
                    meta.constKey = constantKey(st, p, (int) size);
                }
            }
            case PTR_TO_MEM, PTR_TO_MEM_OR_NULL, PTR_TO_WRITABLE_MEM, PTR_TO_WRITABLE_MEM_OR_NULL, PTR_TO_UNINIT_MEM -> {
                if (t.isNullable() && isNull) {
                    meta.memArg = v;
                    meta.memRegno = a;
                    meta.memType = t;
                    return;
                }
                memPointer(h, a, v);
                meta.memArg = v;
                meta.memRegno = a;
                meta.memType = t;
            }
            case PTR_TO_FIXED_SIZE_MEM, PTR_TO_LONG, PTR_TO_INT -> {
                memPointer(h, a, v);
                int size = t.fixedSize() != 0 ? t.fixedSize() : h.argSize(a).orElse(0);
                ex.memory().checkRange(st, a, v, size, t.helperWrites(), false);
                if (t != ArgType.PTR_TO_FIXED_SIZE_MEM && v instanceof RegState.Pointer p) {
                    // the helper stores a long or an int there: it must be aligned to its size
                    aligned(p, size);
                }
            }
            case CONST_SIZE, CONST_SIZE_OR_ZERO -> {
                st.preciseRequest |= 1 << a;
                size(st, h, a, v, meta, t == ArgType.CONST_SIZE_OR_ZERO);
            }
            case CONST_ALLOC_SIZE_OR_ZERO -> {
                st.preciseRequest |= 1 << a;
                if (!(v instanceof RegState.Scalar s && s.range().isConst())) {
                    throw new Reject("R" + a + " is not a known constant'");
                }
                meta.constSize = s.range().value();
                meta.maxSize = meta.constSize;
            }
            case PTR_TO_CTX, PTR_TO_CTX_OR_NULL -> {
                if (t == ArgType.PTR_TO_CTX_OR_NULL && isNull) {
                    return;
                }
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.CTX)) {
                    throw typeError(a, v, "ctx");
                }
                Regs.unmodifiedCtx(a, p);
            }
            case PTR_TO_STACK, PTR_TO_STACK_OR_NULL -> {
                if (t == ArgType.PTR_TO_STACK_OR_NULL && isNull) {
                    meta.memArg = v;
                    return;
                }
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.STACK)) {
                    throw typeError(a, v, "fp");
                }
                meta.memArg = v;
            }
            case PTR_TO_SOCKET_OR_NULL, PTR_TO_SOCK_COMMON, PTR_TO_BTF_ID_SOCK_COMMON,
                 PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL -> {
                if (t.isNullable() && isNull) {
                    return;
                }
                if (!(v instanceof RegState.Pointer p && !p.maybeNull() && (p.type() == PtrType.SOCKET
                        || p.type() == PtrType.SOCK_COMMON || p.type() == PtrType.TCP_SOCK
                        || (p.type() == PtrType.BTF_ID && t != ArgType.PTR_TO_SOCK_COMMON)))) {
                    throw typeError(a, v, t == ArgType.PTR_TO_SOCKET_OR_NULL ? "sock"
                            : t == ArgType.PTR_TO_SOCK_COMMON ? "sock_common, sock, tcp_sock, xdp_sock"
                            : "sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_");
                }
                if (h.releases() && h.releasedArg() == a) {
                    meta.releaseRef = p.refId();
                }
                meta.memArg = v;
            }
            case PTR_TO_PERCPU_BTF_ID -> {
                // a per-CPU kernel variable (a typed __ksym) or a per-CPU field, at its start
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.BTF_ID && !p.maybeNull()
                        && p.btf().has(RegState.KernelObject.PERCPU) && !p.btf().has(RegState.KernelObject.UNTRUSTED))) {
                    throw typeError(a, v, "percpu_ptr_, percpu_rcu_ptr_, percpu_trusted_ptr_");
                }
                meta.percpu = p;
            }
            case PTR_TO_BTF_ID, PTR_TO_BTF_ID_OR_NULL -> {
                if (t.isNullable() && isNull) {
                    return;
                }
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.BTF_ID && !p.maybeNull()
                        && !p.btf().has(RegState.KernelObject.UNTRUSTED) && !p.btf().has(RegState.KernelObject.PERCPU))) {
                    throw typeError(a, v, "ptr_");
                }
                String want = h.argBtfType(a).orElse("");
                if (p.btf().id() != 0 && !want.isEmpty() && !want.equals(p.btf().name())) {
                    throw new Reject("R" + a + " is of type " + p.btf().name() + " but " + want + " is expected");
                }
            }
            case PTR_TO_FUNC -> {
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.FUNC)) {
                    throw typeError(a, v, "func");
                }
                meta.funcSlot = p.off();
            }
            case PTR_TO_CONST_STR -> {
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.MAP_VALUE && !p.maybeNull())) {
                    throw typeError(a, v, "map_value");
                }
                if (!ex.map(p.map()).readOnlyProg()) {
                    throw new Reject("R" + a + " does not point to a readonly map'");
                }
                if (!p.fixedOffset()) {
                    throw new Reject("R" + a + " is not a constant address'");
                }
                ex.memory().checkRange(st, a, v, 1, false, false);
            }
            case PTR_TO_RINGBUF_MEM -> {
                if (!(v instanceof RegState.Pointer p && p.type() == PtrType.RINGBUF_MEM && !p.maybeNull())) {
                    throw typeError(a, v, "ringbuf_mem");
                }
                if (p.off() != 0 || !p.fixedOffset()) {
                    throw new Reject("R" + a + " must have zero offset when passed to release func or trusted arg to kfunc");
                }
                meta.releaseRef = p.refId();
            }
            case PTR_TO_SPIN_LOCK -> {
                specialField(a, v, "bpf_spin_lock", true);
                RegState.Pointer p = (RegState.Pointer) v;
                meta.lock = ((long) p.map() << 32) | (p.id() & 0xffffffffL);
            }
            case PTR_TO_TIMER -> {
                specialField(a, v, "bpf_timer", false);
                meta.timerMap = ((RegState.Pointer) v).map();
            }
            case PTR_TO_DYNPTR, PTR_TO_UNINIT_DYNPTR_LOCAL, PTR_TO_UNINIT_DYNPTR_RINGBUF, PTR_TO_DYNPTR_RINGBUF -> {
                Dynptrs.arg(st, a, t, meta.dynptr);
                if (t == ArgType.PTR_TO_DYNPTR_RINGBUF) {
                    meta.releaseRef = meta.dynptr.used.refId();
                }
            }
            case PTR_TO_KPTR -> throw new Reject(
                    "bpf4j: argument type " + t.kernelName() + " of " + h.kernelName() + " is not supported yet");
        }
    }

    /** The memory argument may point to these types ({@code mem_types}); packets only for pkt_access helpers. */
    private static void memPointer(HelperSpec h, int a, RegState v) {
        if (!(v instanceof RegState.Pointer p) || p.maybeNull()) {
            throw typeError(a, v, MEM_TYPES);
        }
        switch (p.type()) {
            case STACK, MAP_KEY, MAP_VALUE, MEM, RINGBUF_MEM -> {
            }
            case PACKET, PACKET_META -> {
                if (!h.has(HelperFlag.PACKET_ACCESS)) {
                    throw new Reject("helper access to the packet is not allowed");
                }
            }
            default -> throw typeError(a, v, MEM_TYPES);
        }
    }

    /** A size argument bounding the memory argument before it ({@code check_mem_size_reg}). */
    private void size(VerifierState st, HelperSpec h, int a, RegState v, Meta meta, boolean zeroOk) {
        if (!(v instanceof RegState.Scalar s)) {
            throw typeError(a, v, "scalar");
        }
        ScalarRange r = s.range();
        if (r.smin() < 0) {
            throw new Reject("R" + a + " min value is negative, either use unsigned or 'var &= const'");
        }
        if (r.umin() == 0 && !zeroOk) {
            throw new Reject("R" + a + " invalid zero-sized read: u64=[" + r.umin() + "," + Long.toUnsignedString(r.umax())
                    + "]");
        }
        if (Long.compareUnsigned(r.umax(), MAX_VAR_SIZE) >= 0) {
            throw new Reject("R" + a + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
        }
        meta.maxSize = r.umax();
        if (meta.memArg == null) {
            return;
        }
        boolean memNull = meta.memArg instanceof RegState.Scalar;
        if (memNull) {
            if (r.umax() != 0) {
                throw new Reject("R" + meta.memRegno + " type=scalar expected=" + MEM_TYPES);
            }
            return;
        }
        boolean write = meta.memType != null && meta.memType.helperWrites();
        ex.memory().checkRange(st, meta.memRegno, meta.memArg, r.umax(), write, zeroOk);
    }

    private static final Set<String> RINGBUF_HELPERS = Set.of("ringbuf_output", "ringbuf_reserve", "ringbuf_query",
            "ringbuf_reserve_dynptr");
    private static final Set<String> PERF_HELPERS = Set.of("perf_event_read", "perf_event_output",
            "perf_event_read_value", "skb_output", "xdp_output");
    private static final Set<String> MAP_ELEM = Set.of("map_lookup_elem", "map_update_elem", "map_delete_elem");

    /** Whether a frame of {@code st} is a callback that its helper calls in a loop (not a timer's). */
    static boolean inSyncCallback(VerifierState st) {
        for (FrameState f : st.frames) {
            if (f.callbackOf >= 0 && f.callbackOf != TIMER_SET_CALLBACK) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSockMap(MapInfo m) {
        return m.type() == MapType.SOCKMAP || m.type() == MapType.SOCKHASH;
    }

    /**
     * Whether the generic update and delete helpers may change a socket map in this program:
     * only where the program cannot hold a locked socket (packet programs, socket lookups,
     * iterators); sock_ops may delete but must update through its own helpers.
     */
    private boolean maySockMapChange(String helper) {
        if (!helper.equals("map_update_elem") && !helper.equals("map_delete_elem")) {
            return false;
        }
        return switch (ex.type()) {
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, XDP, SK_REUSEPORT, FLOW_DISSECTOR, SK_LOOKUP -> true;
            case SOCK_OPS -> helper.equals("map_delete_elem");
            case TRACING -> ex.input().attachTo().startsWith("iter");
            default -> false;
        };
    }

    /** Which maps a helper takes and which helpers a map allows ({@code check_map_func_compatibility}). */
    private void checkMapCompat(HelperSpec h, Meta meta) {
        if (meta.map < 0) {
            return;
        }
        MapInfo m = ex.map(meta.map);
        String n = h.name();
        boolean ok = switch (m.type()) {
            case PROG_ARRAY -> n.equals("tail_call");
            case PERF_EVENT_ARRAY -> PERF_HELPERS.contains(n);
            case RINGBUF -> RINGBUF_HELPERS.contains(n);
            case USER_RINGBUF -> n.equals("user_ringbuf_drain");
            case STACK_TRACE -> n.equals("get_stackid");
            case CGROUP_ARRAY -> n.equals("skb_under_cgroup") || n.equals("current_task_under_cgroup");
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> n.equals("get_local_storage");
            case DEVMAP, DEVMAP_HASH -> n.equals("redirect_map") || n.equals("map_lookup_elem");
            case CPUMAP -> n.equals("redirect_map");
            case XSKMAP -> n.equals("redirect_map") || n.equals("map_lookup_elem");
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> n.equals("map_lookup_elem");
            case SOCKMAP -> Set.of("sk_redirect_map", "sock_map_update", "msg_redirect_map", "sk_select_reuseport",
                    "map_lookup_elem").contains(n) || maySockMapChange(n);
            case SOCKHASH -> Set.of("sk_redirect_hash", "sock_hash_update", "msg_redirect_hash", "sk_select_reuseport",
                    "map_lookup_elem").contains(n) || maySockMapChange(n);
            case REUSEPORT_SOCKARRAY -> n.equals("sk_select_reuseport");
            case QUEUE, STACK -> Set.of("map_peek_elem", "map_pop_elem", "map_push_elem").contains(n);
            case BLOOM_FILTER -> n.equals("map_peek_elem") || n.equals("map_push_elem");
            case SK_STORAGE -> n.equals("sk_storage_get") || n.equals("sk_storage_delete");
            case INODE_STORAGE -> n.equals("inode_storage_get") || n.equals("inode_storage_delete");
            case TASK_STORAGE -> n.equals("task_storage_get") || n.equals("task_storage_delete");
            case CGRP_STORAGE -> n.equals("cgrp_storage_get") || n.equals("cgrp_storage_delete");
            default -> true;
        };
        if (ok) {
            ok = switch (n) {
                case "tail_call" -> m.type() == MapType.PROG_ARRAY;
                case "get_stackid" -> m.type() == MapType.STACK_TRACE;
                case "map_peek_elem", "map_push_elem" -> m.type() == MapType.QUEUE || m.type() == MapType.STACK
                        || m.type() == MapType.BLOOM_FILTER;
                case "map_pop_elem" -> m.type() == MapType.QUEUE || m.type() == MapType.STACK;
                case "get_local_storage" -> m.type() == MapType.CGROUP_STORAGE
                        || m.type() == MapType.PERCPU_CGROUP_STORAGE;
                case "redirect_map" -> m.type() == MapType.DEVMAP || m.type() == MapType.DEVMAP_HASH
                        || m.type() == MapType.CPUMAP || m.type() == MapType.XSKMAP;
                case "for_each_map_elem" -> m.type() == MapType.HASH || m.type() == MapType.LRU_HASH
                        || m.type() == MapType.ARRAY || m.type() == MapType.PERCPU_HASH
                        || m.type() == MapType.LRU_PERCPU_HASH || m.type() == MapType.PERCPU_ARRAY;
                default -> !(PERF_HELPERS.contains(n) && m.type() != MapType.PERF_EVENT_ARRAY)
                        && !(RINGBUF_HELPERS.contains(n) && m.type() != MapType.RINGBUF);
            };
        }
        if (!ok) {
            if (n.equals("tail_call")) {
                throw new Reject("expected prog array map for tail call");
            }
            throw new Reject("cannot pass map_type " + m.type().id() + " into func " + h.kernelName() + "#" + h.id());
        }
        if (MAP_ELEM.contains(n) && m.type() == MapType.PROG_ARRAY) {
            throw new Reject("cannot pass map_type " + m.type().id() + " into func " + h.kernelName() + "#" + h.id());
        }
    }
}
