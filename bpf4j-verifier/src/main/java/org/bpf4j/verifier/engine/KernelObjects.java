package org.bpf4j.verifier.engine;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.spec.KfuncFlag;
import org.bpf4j.spec.KfuncSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.RegState.KernelObject;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Pointers to kernel objects typed by the kernel's BTF ({@link PtrType#BTF_ID} with a
 * {@link KernelObject}): calls of the kfuncs of {@link org.bpf4j.spec.KfuncCatalog} that take and
 * return them (the kernel's {@code check_kfunc_args} and return handling: {@code KF_ACQUIRE},
 * {@code KF_RELEASE}, {@code KF_RET_NULL}, {@code KF_TRUSTED_ARGS}, {@code KF_RCU}), loads
 * through them ({@code check_ptr_to_btf_access}), and the end of an RCU read-side critical section.
 * The prototypes and structure layouts come from {@link org.bpf4j.verifier.VerifierInput#kernelTypes()};
 * without them such programs are refused, saying that kernel BTF is needed.
 *
 * <p>Soundness: a pointer's trust says how long the object it points to is valid. A trusted one
 * (from the program's arguments or a helper the kernel vouches for) or a referenced one (an
 * acquire kfunc's result, until released) may be passed to kfuncs that act on the object; an RCU
 * one only to kfuncs that accept RCU pointers, and only until the critical section ends, when it
 * becomes untrusted; an untrusted one may only be read through (the kernel turns such loads into
 * faulting-safe reads). References are tracked as the ring buffer's: every path must release what
 * it acquired, and a released pointer becomes an unknown number in every register and slot, so
 * it can be neither read through nor released again.
 */
final class KernelObjects {
    private final Explorer ex;

    KernelObjects(Explorer ex) {
        this.ex = ex;
    }

    private KernelTypes types() {
        return ex.input().kernelTypes();
    }

    /** The prototype of {@code name}, or a rejection saying kernel BTF is needed. */
    private KernelTypes.Function proto(String name) {
        Optional<KernelTypes.Function> f = types().function(name);
        if (f.isPresent()) {
            return f.get();
        }
        if (types() == KernelTypes.NONE) {
            throw new Reject("kfunc " + name + " needs kernel BTF (bpf4j was given none: pass a vmlinux BTF file)");
        }
        throw new Reject("kfunc " + name + " is not in the kernel BTF of " + types().source());
    }

    /** Checks and applies a call of the catalogued kfunc {@code spec} at {@code slot}. */
    void call(VerifierState st, int slot, KfuncSpec spec) {
        String name = spec.name();
        KernelTypes.Function f = proto(name);
        if (!spec.allowedIn(ex.type())) {
            throw new Reject("calling kernel function " + name + " is not allowed");
        }
        if (spec.has(KfuncFlag.RCU_PROTECTED) && !st.activeRcu) {
            throw new Reject("kernel func " + name + " requires RCU critical section protection");
        }
        boolean trusted = spec.has(KfuncFlag.TRUSTED_ARGS) || spec.has(KfuncFlag.RELEASE);
        boolean rcu = spec.has(KfuncFlag.RCU);
        int releaseRef = 0;
        int releaseReg = 0;
        List<KernelTypes.Param> params = f.params();
        if (params.size() > 5) {
            throw new Reject("Function " + name + " has " + params.size() + " > 5 args");
        }
        for (int i = 0; i < params.size(); i++) {
            int regno = i + 1;
            RegState v = Regs.read(st, regno);
            KernelTypes.Type t = params.get(i).type();
            boolean ctxArg = t instanceof KernelTypes.Pointer cp && cp.toStruct() && isContext(cp);
            boolean memArg = t instanceof KernelTypes.Pointer mp && mp.toStruct() && i + 1 < params.size()
                    && isSize(params.get(i + 1)) && !(v instanceof RegState.Pointer q && q.type() == PtrType.BTF_ID);
            int argIndex = i;
            switch (t) {
                case KernelTypes.Scalar s -> {
                    if (!(v instanceof RegState.Scalar)) {
                        throw new Reject("R" + regno + " is not a scalar");
                    }
                }
                case KernelTypes.Pointer p when ctxArg -> {
                    // the program's context (btf_is_prog_ctx_type: bpf_skb_ct_lookup's struct __sk_buff *)
                    if (!(v instanceof RegState.Pointer q && q.type() == PtrType.CTX)) {
                        throw new Reject("arg#" + i + " expected pointer to ctx, but got " + Regs.typeName(v));
                    }
                }
                case KernelTypes.Pointer p when memArg -> {
                    // memory and its size in the next argument (KF_ARG_PTR_TO_MEM_SIZE): both read and written
                    memoryAndSize(st, argIndex, regno, v);
                }
                case KernelTypes.Pointer p when p.toStruct() -> {
                    boolean nullable = params.get(i).name().endsWith("__nullable");
                    boolean isNull = v instanceof RegState.Scalar sc && sc.range().isConst() && sc.range().value() == 0;
                    if ((trusted || rcu) && !nullable && (isNull || v instanceof RegState.Pointer q && q.maybeNull())) {
                        throw new Reject("Possibly NULL pointer passed to trusted arg" + i);
                    }
                    if (isNull && nullable) {
                        continue;
                    }
                    if (!(v instanceof RegState.Pointer q) || q.type() != PtrType.BTF_ID) {
                        throw new Reject("arg#" + i + " pointer type STRUCT " + p.targetName()
                                + " must point to scalar, or struct with scalar");
                    }
                    if (q.refId() != 0) {
                        if (spec.has(KfuncFlag.RELEASE) && releaseRef != 0) {
                            throw new Reject("more than one arg with ref_obj_id R" + releaseReg + " " + q.refId());
                        }
                        if (spec.has(KfuncFlag.RELEASE)) {
                            releaseRef = q.refId();
                            releaseReg = regno;
                        }
                    }
                    if ((trusted || rcu) && !isTrusted(q)) {
                        if (!rcu) {
                            throw new Reject("R" + regno + " must be referenced or trusted");
                        }
                        if (!q.btf().has(KernelObject.RCU)) {
                            throw new Reject("R" + regno + " must be a rcu pointer");
                        }
                    }
                    if (q.btf().has(KernelObject.UNTRUSTED) && !q.btf().has(KernelObject.RCU)) {
                        throw new Reject("arg#" + i + " is " + q.typeName() + " expected ptr_ or socket");
                    }
                    if (!q.fixedOffset()) {
                        throw new Reject("variable ptr_ access var_off=" + q.var() + " disallowed");
                    }
                    if (q.off() != 0 && (trusted || spec.has(KfuncFlag.RELEASE))) {
                        throw new Reject("R" + regno + " must have zero offset when passed to release func or trusted "
                                + "arg to kfunc");
                    }
                    if (q.btf().id() == 0) {
                        throw new Reject("kfunc " + name + " needs kernel BTF (bpf4j was given none: pass a vmlinux BTF file)");
                    }
                    boolean strict = spec.has(KfuncFlag.RELEASE) && q.refId() != 0;
                    if (q.off() != 0 || !(q.btf().id() == p.target() || !strict && startsWith(q.btf().id(), p.target()))) {
                        throw new Reject("kernel function " + name + " args#" + i + " expected pointer to STRUCT "
                                + p.targetName() + " but R" + regno + " has a pointer to STRUCT " + q.btf().name());
                    }
                }
                default -> throw new Reject("bpf4j: kfunc " + name + " argument " + i + " of this kind ("
                        + Regs.typeName(v) + ") is not modelled");
            }
        }
        if (spec.has(KfuncFlag.RELEASE)) {
            if (releaseRef == 0) {
                throw new Reject("release kernel function " + name + " expects refcounted PTR_TO_BTF_ID");
            }
            if (!st.refs.contains(releaseRef)) {
                throw new Reject("R" + releaseReg + " must be referenced when passed to release function");
            }
            st.refs.remove(Integer.valueOf(releaseRef));
            int ref = releaseRef;
            Regs.forEach(st, x -> x instanceof RegState.Pointer p && p.refId() == ref ? RegState.unknown() : null);
        }
        for (int r = 1; r <= 5; r++) {
            st.regs()[r] = RegState.NOT_INIT;
        }
        st.regs()[0] = result(st, slot, spec, f);
    }

    /** Whether a kfunc parameter points to the program type's context structure. */
    private boolean isContext(KernelTypes.Pointer p) {
        return ex.type().contextStruct().map(c -> c.equals(p.targetName())).orElse(false)
                || ex.type() == ProgramType.KPROBE && p.targetName().equals("pt_regs");
    }

    /** A parameter giving the size of the memory the one before points to ({@code __sz}, {@code __szk}). */
    private static boolean isSize(KernelTypes.Param next) {
        return next.name().endsWith("__sz") || next.name().endsWith("__szk");
    }

    /** Memory at R{@code regno} of the size in the next register, which may be 0 ({@code check_kfunc_mem_size_reg}). */
    private void memoryAndSize(VerifierState st, int i, int regno, RegState mem) {
        RegState size = Regs.read(st, regno + 1);
        if (!(size instanceof RegState.Scalar s)) {
            throw new Reject("R" + (regno + 1) + " is not a scalar");
        }
        if (s.range().smin() < 0) {
            throw new Reject("R" + (regno + 1) + " min value is negative, either use unsigned or 'var &= const'");
        }
        if (Long.compareUnsigned(s.range().umax(), AluTransfer.MAX_VAR_OFF) >= 0) {
            throw new Reject("R" + (regno + 1) + " unbounded memory access, use 'var &= const' or 'if (var < const)'");
        }
        try {
            ex.memory().checkRange(st, regno, mem, s.range().umax(), false, true);
            ex.memory().checkRange(st, regno, mem, s.range().umax(), true, true);
        } catch (Reject e) {
            throw new Reject(e.getMessage() + "\narg#" + i + " arg#" + (i + 1)
                    + " memory, len pair leads to invalid memory access");
        }
    }

    private RegState result(VerifierState st, int slot, KfuncSpec spec, KernelTypes.Function f) {
        return switch (f.ret()) {
            case KernelTypes.Void v -> RegState.NOT_INIT;
            case KernelTypes.Scalar s -> RegState.unknown();
            case KernelTypes.Pointer p when p.toStruct() -> {
                int flags = spec.has(KfuncFlag.RCU_PROTECTED) ? KernelObject.RCU : 0;
                boolean maybeNull = spec.has(KfuncFlag.RET_NULL);
                int id = maybeNull ? st.newId() : 0;
                int ref = 0;
                if (spec.has(KfuncFlag.ACQUIRE)) {
                    ref = maybeNull ? id : st.newId();
                    st.refs.add(ref);
                    ex.refSlots().put(ref, slot);
                }
                yield new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), id, ref, 0, -1, 0, maybeNull, 0,
                        false, new KernelObject(p.target(), p.targetName(), flags));
            }
            default -> throw new Reject("kernel function " + f.name() + " returns pointer type " + p(f.ret())
                    + " is not supported");
        };
    }

    private static String p(KernelTypes.Type t) {
        return t instanceof KernelTypes.Pointer p ? "PTR " + p.targetName() : t.toString();
    }

    /** The kernel's {@code is_trusted_reg}: referenced, or trusted and not untrusted. */
    static boolean isTrusted(RegState.Pointer p) {
        return p.refId() != 0 || p.btf().has(KernelObject.TRUSTED) && !p.btf().has(KernelObject.UNTRUSTED);
    }

    /**
     * A kernel object typed pointer for what a helper returns ({@code bpf_get_current_task_btf}:
     * a trusted {@code task_struct}); untyped (refused when read through) when there are no kernel types.
     */
    KernelObject helperResult(String structName, boolean trusted) {
        int flags = trusted ? KernelObject.TRUSTED : 0;
        Optional<KernelTypes.Struct> s = types().structByName(structName);
        return new KernelObject(s.map(KernelTypes.Struct::id).orElse(0), structName, flags);
    }

    /**
     * {@code dst = *(size *)(p + off)} through a kernel object pointer: a number, or a pointer whose
     * trust follows the kernel's rules for walking from {@code p}.
     */
    RegState load(VerifierState st, int regno, RegState.Pointer p, int off, int size, boolean write) {
        KernelObject k = p.btf();
        String tname = k.name();
        if (k.id() == 0) {
            if (tname.isEmpty()) {
                throw new Reject("R" + regno + " invalid mem access '" + p.typeName() + "'");
            }
            throw new Reject("bpf4j: reading kernel struct " + tname + " needs kernel BTF (bpf4j was given none: "
                    + "pass a vmlinux BTF file)");
        }
        if (!ex.input().gpl()) {
            throw new Reject("Cannot access kernel 'struct " + tname + "' from non-GPL compatible program");
        }
        long total = (long) p.off() + off;
        if (!p.var().isConst() || p.var().value() != 0) {
            throw new Reject("R" + regno + " is ptr_" + tname + " invalid variable offset: off=" + total + ", var_off="
                    + p.var().var());
        }
        if (total < 0) {
            throw new Reject("R" + regno + " is ptr_" + tname + " invalid negative access: off=" + total);
        }
        if (k.has(KernelObject.USER)) {
            throw new Reject("R" + regno + " is ptr_" + tname + " access user memory: off=" + total);
        }
        if (k.has(KernelObject.PERCPU)) {
            throw new Reject("R" + regno + " is ptr_" + tname + " access percpu memory: off=" + total);
        }
        if (write) {
            throw new Reject("only read is supported");
        }
        KernelTypes.Struct s = types().struct(k.id()).orElseThrow(() -> new Reject("R" + regno + " invalid mem access '"
                + p.typeName() + "'"));
        BtfWalk.Result r = BtfWalk.walk(types(), s, total, size);
        return switch (r) {
            case BtfWalk.Scalar x -> RegState.unknown();
            case BtfWalk.Ptr x -> fieldPointer(st, p, x);
        };
    }

    /**
     * A load from the context of a BTF-typed tracing program ({@code tp_btf/NAME}, {@code fentry/NAME},
     * {@code fexit/NAME}, {@code fmod_ret/NAME}, {@code iter/NAME}, {@code lsm/NAME}): argument {@code off / 8} of the attach point, typed
     * from its BTF prototype (the kernel's {@code btf_ctx_access}). Numbers and structures passed
     * by value read as numbers, pointers to numbers or {@code void} as numbers, pointers to
     * structures as kernel objects, trusted for {@code tp_btf} and iterators (whose arguments the
     * kernel vouches for; an iterator's object after its {@code bpf_iter_meta} may be NULL), plain
     * for the others (trusted for LSM hooks too, but the socket blob's two); {@code fexit},
     * {@code fmod_ret} and LSM programs may also read the return value after the last argument. Only reads.
     */
    RegState tracingArg(VerifierState st, int off, int size, boolean write) {
        String at = ex.input().attachTo();
        int slash = at.indexOf('/');
        String kind = slash < 0 ? at : at.substring(0, slash);
        String target = slash < 0 ? "" : at.substring(slash + 1);
        if (off < 0 || off >= 8 * 12 || write || off % size != 0) {
            throw new Reject("invalid bpf_context access off=" + off + " size=" + size);
        }
        boolean tp = kind.equals("tp_btf");
        // an iterator's context (struct bpf_iter__NAME) holds the arguments of the kernel's bpf_iter_NAME
        boolean iter = kind.equals("iter") || kind.equals("iter.s");
        // an LSM program's context holds the arguments of the kernel's bpf_lsm_HOOK, then its return value
        boolean lsm = kind.equals("lsm") || kind.equals("lsm.s");
        String tname = tp ? "btf_trace_" + target : iter ? "bpf_iter_" + target : lsm ? "bpf_lsm_" + target : target;
        Optional<KernelTypes.Function> proto = tp ? types().pointedPrototype(tname) : types().function(tname);
        if (proto.isEmpty()) {
            if (types() == KernelTypes.NONE) {
                throw new Reject("bpf4j: the arguments of " + at + " need kernel BTF (bpf4j was given none: pass a "
                        + "vmlinux BTF file)");
            }
            throw new Reject("bpf4j: " + at + ": no " + tname + " in the kernel BTF of " + types().source());
        }
        List<KernelTypes.Param> args = proto.get().params();
        if (tp && !args.isEmpty()) {
            args = args.subList(1, args.size()); // the tracepoint's private data comes first
        }
        // Linux logs the reason, then refuses the access in its words
        String refused = "invalid bpf_context access off=" + off + " size=" + size + " (";
        if (off % 8 != 0) {
            throw new Reject(refused + "func '" + tname + "' offset " + off + " is not multiple of 8)");
        }
        int arg = off / 8;
        boolean ret = kind.equals("fexit") || kind.equals("fmod_ret") || lsm;
        if (arg > args.size() || arg == args.size() && !ret) {
            throw new Reject(refused + "func '" + tname + "' doesn't have " + (arg + 1) + "-th argument)");
        }
        KernelTypes.Type t = arg == args.size() ? proto.get().ret() : args.get(arg).type();
        // the iterator's object (after its bpf_iter_meta) may be NULL: the kernel's ctx_arg_info
        // makes it PTR_TO_BTF_ID_OR_NULL, trusted, as Linux trusts raw tracepoint and iterator arguments
        boolean orNull = iter && arg > 0;
        // Linux trusts an LSM hook's arguments (bpf_lsm_is_trusted) but those of the two hooks of a
        // socket's security blob
        boolean trusted = tp || iter || lsm && !target.equals("sk_alloc_security") && !target.equals("sk_free_security");
        return switch (t) {
            case KernelTypes.Pointer p when p.toStruct() -> new RegState.Pointer(PtrType.BTF_ID, 0,
                    ScalarRange.constant(0), orNull ? st.newId() : 0, 0, 0, -1, 0, orNull, 0, false,
                    new KernelObject(p.target(), p.targetName(), trusted ? KernelObject.TRUSTED : 0));
            case KernelTypes.Pointer p -> RegState.unknown(); // to a number or void: a number for the verifier
            case KernelTypes.Scalar x -> RegState.unknown();
            case KernelTypes.Composite x -> RegState.unknown();
            case KernelTypes.Void x -> RegState.unknown();
            case KernelTypes.Array x -> throw new Reject("func '" + tname + "' arg" + arg + " type is not a struct");
            case KernelTypes.Other x -> throw new Reject("func '" + tname + "' arg" + arg + " type " + x.what()
                    + " is not a struct");
        };
    }

    /** The pointer read from a pointer member, with the trust the kernel gives it. */
    private RegState fieldPointer(VerifierState st, RegState.Pointer from, BtfWalk.Ptr f) {
        KernelTypes.Pointer mp = f.pointer();
        if (!mp.toStruct()) {
            // a pointer to a number or to void: the kernel types it as a struct pointer only for structures
            return RegState.unknown();
        }
        int flags = 0;
        if (mp.tags().contains("rcu")) {
            flags |= KernelObject.RCU;
        }
        boolean user = mp.tags().contains("user");
        boolean percpu = mp.tags().contains("percpu");
        if (from.btf().has(KernelObject.UNTRUSTED)) {
            flags |= KernelObject.UNTRUSTED;
        }
        boolean maybeNull = false;
        String owner = f.owner().name();
        if (isTrusted(from) || from.btf().has(KernelObject.RCU)) {
            if (safe(owner + "__safe_trusted", f)) {
                flags |= KernelObject.TRUSTED;
            } else if (safe(owner + "__safe_trusted_or_null", f)) {
                flags |= KernelObject.TRUSTED;
                maybeNull = true;
            } else if (!from.maybeNull()) { // bpf4j programs are not sleepable: always in an RCU section
                if (safe(owner + "__safe_rcu", f)) {
                    flags |= KernelObject.RCU;
                } else if ((flags & KernelObject.RCU) != 0 || safe(owner + "__safe_rcu_or_null", f)) {
                    flags |= KernelObject.RCU;
                    maybeNull = true;
                    if (safe(owner + "__safe_rcu_or_null", f)) {
                        flags &= ~KernelObject.UNTRUSTED;
                    }
                } else if (!user && !percpu) {
                    flags &= ~(KernelObject.TRUSTED | KernelObject.RCU);
                }
            } else {
                flags &= ~(KernelObject.TRUSTED | KernelObject.RCU);
            }
        } else {
            flags &= ~(KernelObject.TRUSTED | KernelObject.RCU);
        }
        if (user) {
            flags |= KernelObject.USER;
        }
        if (percpu) {
            flags |= KernelObject.PERCPU;
        }
        int id = maybeNull ? st.newId() : 0;
        return new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), id, 0, 0, -1, 0, maybeNull, 0, false,
                new KernelObject(mp.target(), mp.targetName(), flags));
    }

    /** Whether the kernel's list {@code listName} (a BTF structure) names the member read, with its type. */
    private boolean safe(String listName, BtfWalk.Ptr f) {
        Optional<KernelTypes.Struct> list = types().structByName(listName);
        if (list.isEmpty()) {
            return false;
        }
        Optional<KernelTypes.Member> m = list.get().member(f.field());
        return m.isPresent() && m.get().type() instanceof KernelTypes.Pointer lp
                && lp.targetName().equals(f.pointer().targetName());
    }

    /** Kernel structures whose referenced kptrs load as RCU pointers (Linux's {@code rcu_protected_object}). */
    private static final Set<String> RCU_PROTECTED = Set.of("task_struct", "cgroup", "bpf_cpumask");

    private KernelObject kptrType(MapInfo.Kptr k, int flags) {
        Optional<KernelTypes.Struct> s = types().structByName(k.struct());
        if (s.isEmpty()) {
            if (types() == KernelTypes.NONE) {
                throw new Reject("bpf4j: the kptr to struct " + k.struct() + " needs kernel BTF (bpf4j was given none: "
                        + "pass a vmlinux BTF file)");
            }
            throw new Reject("bpf4j: no struct " + k.struct() + " in the kernel BTF of " + types().source());
        }
        return new KernelObject(s.get().id(), k.struct(), flags);
    }

    /**
     * A load or store that touches kptr field {@code k} of a map value (the kernel's
     * {@code check_map_access} on kptr fields and {@code check_map_kptr_access}): 8 bytes at the
     * field exactly, plain loads and stores only; a load gives the object pointer, NULL possible,
     * an RCU pointer for a referenced kptr to an RCU-protected structure, untrusted otherwise; a
     * referenced kptr takes no stores (only {@code bpf_kptr_xchg}); an unreferenced one takes
     * NULL or a pointer of its type.
     */
    RegState kptrAccess(VerifierState st, RegState.Pointer p, int off, int size, boolean write, RegState value,
            boolean fromImm, boolean atomic, MapInfo.Kptr k) {
        if (!p.var().isConst()) {
            throw new Reject("kptr access cannot have variable offset");
        }
        long at = (long) p.off() + off + p.var().value();
        if (at != k.offset()) {
            throw new Reject("kptr access misaligned expected=" + k.offset() + " off=" + at);
        }
        if (size != 8) {
            throw new Reject("kptr access size must be BPF_DW");
        }
        if (atomic) {
            throw new Reject("kptr in map can only be accessed using BPF_MEM instruction mode");
        }
        if (write && k.referenced()) {
            throw new Reject("store to referenced kptr disallowed");
        }
        if (!write) {
            int flags = k.referenced() && RCU_PROTECTED.contains(k.struct()) ? KernelObject.RCU : KernelObject.UNTRUSTED;
            return new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), st.newId(), 0, 0, -1, 0, true, 0,
                    false, kptrType(k, flags));
        }
        boolean isNull = value instanceof RegState.Scalar sc && sc.range().isConst() && sc.range().value() == 0;
        if (fromImm) {
            if (!isNull) {
                throw new Reject("BPF_ST imm must be 0 when storing to kptr at off=" + k.offset());
            }
            return null;
        }
        if (isNull) {
            return null;
        }
        String want = "ptr_" + k.struct() + " or untrusted_ptr_" + k.struct();
        if (!(value instanceof RegState.Pointer q) || q.type() != PtrType.BTF_ID) {
            throw new Reject("invalid kptr access, type=" + Regs.typeName(value) + " expected=" + want);
        }
        if (!q.fixedOffset() || q.off() != 0 || q.btf().has(KernelObject.USER) || q.btf().has(KernelObject.PERCPU)
                || !q.btf().name().equals(k.struct())) {
            throw new Reject("invalid kptr access, type=" + q.typeName() + q.btf().name() + " expected=" + want);
        }
        return null;
    }

    /**
     * {@code bpf_kptr_xchg(dst, ptr)}: {@code dst} a map value pointer exactly at a referenced kptr
     * field; {@code ptr} NULL or a referenced pointer of the field's type, whose reference moves
     * into the map; the result is the field's old object, NULL possible, a reference the program
     * now holds.
     */
    void kptrXchg(VerifierState st, int slot) {
        RegState d = Regs.read(st, 1);
        if (!(d instanceof RegState.Pointer p) || p.type() != PtrType.MAP_VALUE || p.maybeNull()) {
            throw new Reject("R1 type=" + Regs.typeName(d) + " expected=map_value");
        }
        if (!p.var().isConst()) {
            throw new Reject("R1 doesn't have constant offset. kptr has to be at the constant offset");
        }
        MapInfo m = ex.map(p.map());
        if (m.kptrs().isEmpty()) {
            throw new Reject("map '" + m.name() + "' has no valid kptr");
        }
        long at = p.off() + p.var().value();
        MapInfo.Kptr k = m.kptrs().stream().filter(x -> x.offset() == at).findFirst()
                .orElseThrow(() -> new Reject("off=" + at + " doesn't point to kptr"));
        if (!k.referenced()) {
            throw new Reject("off=" + at + " kptr isn't referenced kptr");
        }
        RegState v = Regs.read(st, 2);
        boolean isNull = v instanceof RegState.Scalar sc && sc.range().isConst() && sc.range().value() == 0;
        KernelObject type = kptrType(k, 0);
        if (!isNull) {
            if (!(v instanceof RegState.Pointer q) || q.type() != PtrType.BTF_ID || q.maybeNull()
                    || q.btf().has(KernelObject.UNTRUSTED)) {
                throw new Reject("R2 type=" + Regs.typeName(v) + " expected=ptr_, trusted_ptr_, rcu_ptr_");
            }
            if (!q.btf().name().equals(k.struct())) {
                throw new Reject("R2 is of type " + q.btf().name() + " but " + k.struct() + " is expected");
            }
            if (q.refId() == 0) {
                throw new Reject("R2 must be referenced when passed to release function");
            }
            if (q.off() != 0 || !q.fixedOffset()) {
                throw new Reject("R2 must have zero offset when passed to release func");
            }
            int ref = q.refId();
            st.refs.remove(Integer.valueOf(ref));
            Regs.forEach(st, x -> x instanceof RegState.Pointer r && r.refId() == ref ? RegState.unknown() : null);
        }
        for (int r = 1; r <= 5; r++) {
            st.regs()[r] = RegState.NOT_INIT;
        }
        int ref = st.newId();
        st.refs.add(ref);
        ex.refSlots().put(ref, slot);
        st.regs()[0] = new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), ref, ref, 0, -1, 0, true, 0, false,
                type);
    }

    /** At {@code bpf_rcu_read_unlock}: RCU pointers become untrusted (the kernel's handling of {@code rcu_unlock}). */
    static void endRcu(VerifierState st) {
        Regs.forEach(st, v -> v instanceof RegState.Pointer p && p.type() == PtrType.BTF_ID
                && p.btf().has(KernelObject.RCU)
                ? withoutRcu(p) : null);
    }

    private static RegState withoutRcu(RegState.Pointer p) {
        KernelObject k = p.btf().withFlags((p.btf().flags() & ~KernelObject.RCU) | KernelObject.UNTRUSTED);
        return new RegState.Pointer(p.type(), p.off(), p.var(), p.id(), p.refId(), p.range(), p.map(), p.memSize(), false,
                p.frame(), p.readOnly(), k);
    }

    /**
     * Whether structure {@code id} begins with a structure of type {@code target}: its first
     * member, at offset 0, is one, or begins with one (a {@code struct bpf_cpumask} is a
     * {@code struct cpumask} at its start). Linux lets a kfunc that neither acquires nor releases
     * a reference take such a pointer for the inner type.
     */
    private boolean startsWith(int id, int target) {
        for (int depth = 0; depth < 32; depth++) {
            Optional<KernelTypes.Struct> s = types().struct(id);
            if (s.isEmpty() || s.get().members().isEmpty()) {
                return false;
            }
            KernelTypes.Member first = s.get().members().get(0);
            if (first.offset() != 0 || !(first.type() instanceof KernelTypes.Composite c)) {
                return false;
            }
            if (c.id() == target) {
                return true;
            }
            id = c.id();
        }
        return false;
    }
}
