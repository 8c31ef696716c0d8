package org.bpf4j.verifier.objects;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.object.ExternReference;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.spec.SectionNames;
import org.bpf4j.verifier.GlobalFunction;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.VerifierInput;

/**
 * Builds a {@link VerifierInput} from a parsed object: its maps (read-only and frozen global
 * data), the program's global functions from the BTF function info and prototypes, and the
 * names of the kernel functions and typed kernel variables it refers to. Stateless and thread-safe.
 */
public final class ObjectInputs {
    private static final int BPF_F_RDONLY_PROG = 1 << 7;
    private static final int BPF_F_WRONLY_PROG = 1 << 8;

    private ObjectInputs() {
    }

    /**
     * The input for program {@code linked} (a program of {@code obj} linked with its subprograms,
     * {@code ObjectSpec.linkedProgram}) verified as a program of {@code type}.
     */
    public static VerifierInput input(ObjectSpec obj, ProgramSpec linked, ProgramType type) {
        VerifierInput in = new VerifierInput(linked.name(), linked.code(), type, maps(obj), linked.gplCompatible(),
                globals(obj, linked, type), kernelSymbols(obj, linked));
        // the section names the expected attach type, which some contexts depend on (cgroup/getsockopt)
        return type == ProgramType.TRACING ? in
                : in.withAttachTo(SectionNames.withoutAutoloadMark(linked.sectionName()));
    }

    /**
     * The input for program {@code linked} verified as a program of {@code type} against a
     * kernel's types ({@code BtfKernelTypes}), which kfuncs on kernel objects and loads through
     * pointers to kernel objects need; a tracing program's attach point comes from its section
     * ({@code tp_btf/NAME}, {@code fentry/NAME}, {@code fexit/NAME}, {@code fmod_ret/NAME},
     * {@code iter/NAME}). A
     * program with CO-RE relocations is relocated for the kernel's BTF first (a relocation the
     * kernel cannot satisfy poisons its instruction, as libbpf does).
     *
     * @throws org.bpf4j.MalformedInputException if a CO-RE relocation does not fit its instruction
     */
    public static VerifierInput input(ObjectSpec obj, ProgramSpec linked, ProgramType type,
            org.bpf4j.spec.KernelTypes kernel) {
        if (!linked.coreRelocations().isEmpty()) {
            // CO-RE relocations resolve against the kernel's BTF, as libbpf does before loading: the
            // verifier then sees the field offsets, existence checks and enum values the kernel sees
            java.util.Optional<org.bpf4j.object.btf.Btf> target = org.bpf4j.object.btf.BtfKernelTypes.btfOf(kernel);
            if (target.isPresent()) {
                linked = org.bpf4j.object.CoreRelocator.relocate(obj, linked, target.get()).program();
            }
        }
        VerifierInput in = input(obj, linked, type).withKernelTypes(kernel);
        String section = SectionNames.withoutAutoloadMark(linked.sectionName());
        for (String prefix : new String[] {"tp_btf/", "fentry/", "fexit/", "fmod_ret/", "iter/", "iter.s/"}) {
            if (type == ProgramType.TRACING && section.startsWith(prefix)) {
                in = in.withAttachTo(section);
            }
        }
        return in;
    }

    /**
     * The kernel symbol (its {@code __ksym} extern) each kfunc call of a linked program of
     * {@code obj} names, and each {@code lddw} of a kernel function's or a typed kernel variable's
     * address, by slot. An untyped variable ({@code extern const void NAME __ksym}, whose address
     * libbpf takes from {@code /proc/kallsyms}) is left out: the verifier does not know it.
     */
    public static Map<Integer, String> kernelSymbols(ObjectSpec obj, ProgramSpec linked) {
        Map<Integer, String> out = new TreeMap<>();
        for (ExternReference x : linked.externReferences()) {
            if (x.kind() == ExternReference.Kind.FUNCTION || typedVariable(obj, x)) {
                out.put(x.slot(), x.name());
            }
        }
        return out;
    }

    /** Whether {@code x} is the address of a kernel variable whose type the object's BTF gives. */
    private static boolean typedVariable(ObjectSpec obj, ExternReference x) {
        Btf btf = obj.btf().orElse(null);
        return x.kind() == ExternReference.Kind.VARIABLE && btf != null && x.btfTypeId() > 0
                && x.btfTypeId() < btf.size() && btf.typeById(x.btfTypeId()) instanceof BtfType.Var v
                && !(btf.resolve(v.type()) instanceof BtfType.Void);
    }

    /** The object's maps, in the order {@code lddw map_idx(i)} refers to them. */
    public static List<MapInfo> maps(ObjectSpec obj) {
        List<MapInfo> out = new ArrayList<>();
        for (MapSpec m : obj.maps()) {
            out.add(map(m, obj.btf().orElse(null)));
        }
        return out;
    }


    /**
     * What the verifier knows of a map: type, sizes, whether programs may write it
     * ({@code BPF_F_RDONLY_PROG}, {@code .rodata}, {@code .kconfig}), its inner map, and the value
     * of a frozen read-only array of one element (whose bytes programs may read as constants).
     */
    public static MapInfo map(MapSpec m) {
        return map(m, null);
    }

    /**
     * {@link #map(MapSpec)} with the offsets of the value's {@code struct bpf_spin_lock} and
     * {@code struct bpf_timer} (of the inner map's value too), found in the value's BTF type as
     * the kernel finds them; {@code btf} (the object's) may be null: then none.
     */
    public static MapInfo map(MapSpec m, Btf btf) {
        MapType t = m.mapType().orElse(MapType.UNSPEC);
        boolean ro = (m.flags() & BPF_F_RDONLY_PROG) != 0 || m.origin() == MapSpec.Origin.RODATA
                || m.origin() == MapSpec.Origin.KCONFIG;
        Optional<MapInfo> inner = m.innerMap().map(im -> map(im, btf));
        Optional<byte[]> frozen = Optional.empty();
        if (ro && m.frozen() && t == MapType.ARRAY && m.maxEntries() == 1) {
            byte[] v = new byte[m.valueSize()];
            byte[] c = m.contents().toArray();
            System.arraycopy(c, 0, v, 0, Math.min(c.length, v.length));
            frozen = Optional.of(v);
        }
        MapInfo info = new MapInfo(m.name(), t, m.keySize(), m.valueSize(), m.maxEntries(), ro, inner, frozen)
                .withWriteOnlyProg((m.flags() & BPF_F_WRONLY_PROG) != 0);
        if (btf == null || m.btfValueTypeId() <= 0) {
            return info;
        }
        int lock = btf.offsetOfStruct(m.btfValueTypeId(), "bpf_spin_lock");
        int timer = btf.offsetOfStruct(m.btfValueTypeId(), "bpf_timer");
        // a BTF type that disagrees with the map's value size describes nothing the kernel would take
        lock = lock + MapInfo.SPIN_LOCK_SIZE <= m.valueSize() ? lock : -1;
        timer = timer + MapInfo.TIMER_SIZE <= m.valueSize() ? timer : -1;
        List<MapInfo.Kptr> kptrs = new ArrayList<>();
        kptrs(btf, m.btfValueTypeId(), 0, kptrs, 0);
        kptrs.removeIf(k -> k.offset() + 8 > m.valueSize());
        return info.withSpecialFields(lock, timer).withKptrs(kptrs).withBtf(true);
    }

    /**
     * The kptr fields of BTF type {@code id} placed at {@code base}: pointer members whose target
     * carries the type tag {@code kptr} (referenced) or {@code kptr_untrusted}, with the name of the
     * structure pointed to; nested structures are searched, as the kernel's {@code btf_find_field}.
     */
    private static void kptrs(Btf btf, int id, long base, List<MapInfo.Kptr> out, int depth) {
        if (depth > 8) {
            return;
        }
        List<BtfType.Member> members = switch (btf.resolve(id)) {
            case BtfType.Struct st -> st.members();
            case BtfType.Union u -> u.members();
            default -> List.of();
        };
        for (BtfType.Member mem : members) {
            long off = base + mem.bitOffset() / 8;
            BtfType t = btf.resolve(mem.type());
            if (t instanceof BtfType.Ptr ptr) {
                String tag = null;
                int cur = ptr.type();
                for (int k = 0; k < Btf.MAX_RESOLVE_DEPTH; k++) {
                    BtfType x = btf.typeById(cur);
                    if (x instanceof BtfType.TypeTag tt) {
                        tag = tag == null ? tt.name() : tag;
                        cur = tt.type();
                    } else if (x instanceof BtfType.Const || x instanceof BtfType.Volatile
                            || x instanceof BtfType.Typedef || x instanceof BtfType.Restrict) {
                        cur = firstBelow(x);
                    } else {
                        break;
                    }
                }
                if (("kptr".equals(tag) || "kptr_untrusted".equals(tag))
                        && btf.typeById(cur) instanceof BtfType.Struct target) {
                    out.add(new MapInfo.Kptr((int) off, tag.equals("kptr"), target.name()));
                }
            } else if (t instanceof BtfType.Struct || t instanceof BtfType.Union) {
                kptrs(btf, mem.type(), off, out, depth + 1);
            }
        }
    }

    /** A (qualified) {@code bpf_user_pt_regs_t} typedef or {@code struct pt_regs}. */
    private static boolean isPtRegs(Btf btf, int id) {
        for (int k = 0; k < Btf.MAX_RESOLVE_DEPTH; k++) {
            BtfType x = btf.typeById(id);
            if (x instanceof BtfType.Typedef d && d.name().equals("bpf_user_pt_regs_t")) {
                return true;
            }
            if (x instanceof BtfType.Const || x instanceof BtfType.Volatile || x instanceof BtfType.Typedef
                    || x instanceof BtfType.Restrict || x instanceof BtfType.TypeTag) {
                id = x instanceof BtfType.TypeTag tt ? tt.type() : firstBelow(x);
                continue;
            }
            return x instanceof BtfType.Struct st && st.name().equals("pt_regs");
        }
        return false;
    }

    private static int firstBelow(BtfType t) {
        return switch (t) {
            case BtfType.Const c -> c.type();
            case BtfType.Volatile v -> v.type();
            case BtfType.Typedef d -> d.type();
            case BtfType.Restrict r -> r.type();
            default -> 0;
        };
    }

    /**
     * The global functions of a linked program, from the object's BTF (function info and
     * prototypes): each parameter a scalar (integer, enum), the context (a pointer to the program
     * type's context structure), memory of the pointed type's size, or a type Linux does not take
     * there. Empty without BTF; functions of more than 5 parameters are left out (Linux refuses
     * their calls).
     */
    public static List<GlobalFunction> globals(ObjectSpec obj, ProgramSpec linked, ProgramType type) {
        List<GlobalFunction> out = new ArrayList<>();
        if (obj.btf().isEmpty()) {
            return out;
        }
        Btf btf = obj.btf().get();
        for (FuncInfo fi : linked.funcInfos()) {
            if (fi.slot() == 0 || !(btf.typeById(fi.typeId()) instanceof BtfType.Func f)
                    || f.linkage() != BtfType.Linkage.GLOBAL
                    || !(btf.resolve(f.type()) instanceof BtfType.FuncProto proto) || proto.params().size() > 5) {
                continue;
            }
            List<GlobalFunction.Param> params = new ArrayList<>();
            int funcId = fi.typeId();
            for (int i = 0; i < proto.params().size(); i++) {
                int typeId = proto.params().get(i).type();
                boolean ptr = btf.resolve(typeId) instanceof BtfType.Ptr;
                GlobalFunction.Param param;
                if (ptr && hasArgTag(btf, funcId, i, "arg:ctx")) {
                    param = new GlobalFunction.Param.Context();
                } else if (ptr && hasArgTag(btf, funcId, i, "arg:trusted")
                        && btf.resolve(((BtfType.Ptr) btf.resolve(typeId)).type()) instanceof BtfType.Struct st) {
                    // a CO-RE flavour (task_struct___local) names the kernel's structure
                    String name = st.name().contains("___") ? st.name().substring(0, st.name().indexOf("___"))
                            : st.name();
                    param = new GlobalFunction.Param.Trusted(name, hasArgTag(btf, funcId, i, "arg:nullable"));
                } else {
                    param = param(btf, typeId, type);
                    if (param instanceof GlobalFunction.Param.Memory m && hasArgTag(btf, funcId, i, "arg:nonnull")) {
                        param = new GlobalFunction.Param.Memory(m.size(), true);
                    }
                }
                params.add(param);
            }
            out.add(new GlobalFunction(fi.slot(), f.name(), params));
        }
        return out;
    }

    /**
     * Whether parameter {@code index} of function {@code funcId} carries the decl tag {@code tag}
     * ({@code arg:ctx} for {@code __arg_ctx}, {@code arg:trusted}, {@code arg:nullable}, {@code arg:nonnull}).
     */
    private static boolean hasArgTag(Btf btf, int funcId, int index, String tag) {
        for (BtfType t : btf.types()) {
            if (t instanceof BtfType.DeclTag d && d.type() == funcId && d.componentIndex() == index
                    && d.name().equals(tag)) {
                return true;
            }
        }
        return false;
    }

    private static GlobalFunction.Param param(Btf btf, int typeId, ProgramType type) {
        BtfType t = btf.resolve(typeId);
        if (t instanceof BtfType.Int || t instanceof BtfType.Enum || t instanceof BtfType.Enum64) {
            return new GlobalFunction.Param.Scalar();
        }
        if (!(t instanceof BtfType.Ptr ptr)) {
            return new GlobalFunction.Param.Unsupported(btf.describe(typeId));
        }
        if (btf.resolve(ptr.type()) instanceof BtfType.Struct st && type.contextStruct()
                .map(c -> c.equals(st.name()) || c.equals("struct " + st.name())).orElse(false)) {
            return new GlobalFunction.Param.Context();
        }
        if (btf.resolve(ptr.type()) instanceof BtfType.Struct st && st.name().equals("bpf_dynptr")) {
            return new GlobalFunction.Param.Dynptr();
        }
        if (type == ProgramType.KPROBE && isPtRegs(btf, ptr.type())) {
            // btf_is_prog_ctx_type: a kprobe's context is bpf_user_pt_regs_t, the typedef or the
            // struct it names (struct pt_regs on x86-64; libbpf's usdt.bpf.h takes a struct pt_regs *)
            return new GlobalFunction.Param.Context();
        }
        try {
            return new GlobalFunction.Param.Memory(btf.sizeOf(ptr.type()));
        } catch (RuntimeException e) {
            return new GlobalFunction.Param.Unsupported(btf.describe(typeId));
        }
    }
}
