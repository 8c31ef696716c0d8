package org.bpf4j.vm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;

/**
 * The BTF that CO-RE relocations resolve against in the VM, as libbpf resolves them against the
 * kernel's BTF: the VM's own types, kept as data in {@code vm-target.btf} (generated from the UAPI
 * headers by {@code src/main/btf/build-target-btf.sh}): every context struct the VM gives programs
 * ({@code xdp_md}, {@code __sk_buff}, {@code bpf_sock}, ...; their layouts are the catalog's
 * {@code ContextLayouts}, and a test checks that they agree), the structs helpers use, and the UAPI
 * enums ({@code enum xdp_action}, {@code enum sk_action}, {@code enum bpf_func_id}, ...).
 *
 * <p>Kernel-internal types ({@code struct task_struct}, ...) are not the VM's: an object's CO-RE
 * target adds the object's own definitions of the names the VM lacks ({@link #coreTarget}), so that
 * a program built against {@code vmlinux.h} reads host memory with the layout it was compiled with.
 * Immutable and thread-safe.
 */
public final class VmTargetBtf {
    private static final String RESOURCE = "vm-target.btf";
    private static final Btf BTF = load();

    private VmTargetBtf() {}

    private static Btf load() {
        try (InputStream in = VmTargetBtf.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bpf4j-vm: resource " + RESOURCE + " is missing from the build");
            }
            return Btf.parse(ByteReader.of(in.readAllBytes(), RESOURCE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The VM's own types. */
    public static Btf btf() {
        return BTF;
    }

    /**
     * The CO-RE target for an object whose BTF is {@code own}: the VM's types, then the object's
     * types whose names the VM's BTF lacks, without local flavors ({@code name___suffix}, which
     * libbpf never matches as targets) and without the object's own functions, variables and data
     * sections. A program's view {@code struct xdp_md___local} thus finds the VM's
     * {@code struct xdp_md}, {@code enum xdp_action___local} the VM's {@code enum xdp_action}.
     */
    public static Btf coreTarget(Btf own) {
        List<BtfType> types = new ArrayList<>(BTF.types());
        int shift = types.size() - 1;
        List<BtfType> ownTypes = own.types();
        // Where each of the object's type ids lands: a name the VM knows becomes the VM's type of
        // that name (so the object's other types refer to the VM's), any other type is appended.
        int[] map = new int[ownTypes.size()];
        boolean[] replaced = new boolean[ownTypes.size()];
        for (int i = 1; i < ownTypes.size(); i++) {
            String name = ownTypes.get(i).name();
            List<Integer> vm = name.isEmpty() ? List.of() : BTF.typeIdsByName(name);
            replaced[i] = !vm.isEmpty();
            map[i] = replaced[i] ? vm.get(0) : i + shift;
        }
        IntUnaryOperator id = i -> i <= 0 || i >= map.length ? 0 : map[i];
        for (int i = 1; i < ownTypes.size(); i++) {
            BtfType t = ownTypes.get(i);
            boolean hidden = replaced[i] || t.name().lastIndexOf("___") > 0 || t instanceof BtfType.Func
                    || t instanceof BtfType.Var || t instanceof BtfType.Datasec || t instanceof BtfType.DeclTag;
            types.add(hidden ? new BtfType.Fwd("", false) : shifted(t, id));
        }
        return Btf.of(types);
    }

    /** {@code t} with every type id it refers to mapped by {@code id}. */
    private static BtfType shifted(BtfType t, IntUnaryOperator id) {
        return switch (t) {
            case BtfType.Void v -> v;
            case BtfType.Int i -> i;
            case BtfType.Ptr p -> new BtfType.Ptr(p.name(), id.applyAsInt(p.type()));
            case BtfType.Array a -> new BtfType.Array(a.name(), id.applyAsInt(a.type()), id.applyAsInt(a.indexType()),
                    a.elements());
            case BtfType.Struct s -> new BtfType.Struct(s.name(), s.size(), members(s.members(), id));
            case BtfType.Union u -> new BtfType.Union(u.name(), u.size(), members(u.members(), id));
            case BtfType.Enum e -> e;
            case BtfType.Enum64 e -> e;
            case BtfType.Fwd f -> f;
            case BtfType.Typedef d -> new BtfType.Typedef(d.name(), id.applyAsInt(d.type()));
            case BtfType.Volatile v -> new BtfType.Volatile(v.name(), id.applyAsInt(v.type()));
            case BtfType.Const c -> new BtfType.Const(c.name(), id.applyAsInt(c.type()));
            case BtfType.Restrict r -> new BtfType.Restrict(r.name(), id.applyAsInt(r.type()));
            case BtfType.Func f -> new BtfType.Func(f.name(), id.applyAsInt(f.type()), f.linkage());
            case BtfType.FuncProto p -> new BtfType.FuncProto(p.name(), id.applyAsInt(p.returnType()),
                    p.params().stream().map(q -> new BtfType.Param(q.name(), id.applyAsInt(q.type()))).toList());
            case BtfType.Var v -> new BtfType.Var(v.name(), id.applyAsInt(v.type()), v.linkage());
            case BtfType.Datasec d -> new BtfType.Datasec(d.name(), d.size(), d.vars().stream()
                    .map(s -> new BtfType.VarSecInfo(id.applyAsInt(s.type()), s.offset(), s.size())).toList());
            case BtfType.Float f -> f;
            case BtfType.DeclTag d -> new BtfType.DeclTag(d.name(), id.applyAsInt(d.type()), d.componentIndex());
            case BtfType.TypeTag g -> new BtfType.TypeTag(g.name(), id.applyAsInt(g.type()));
        };
    }

    private static List<BtfType.Member> members(List<BtfType.Member> ms, IntUnaryOperator id) {
        return ms.stream().map(m -> new BtfType.Member(m.name(), id.applyAsInt(m.type()), m.bitOffset(),
                m.bitfieldSize())).toList();
    }
}
