package org.bpf4j.linux.btf;

import java.util.List;
import java.util.OptionalInt;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * Finds the kernel function an object's {@code extern ... __ksym} function declaration names, as
 * libbpf does before patching a kfunc call: a {@code FUNC} of the same name (without a
 * {@code ___flavor} suffix) in the kernel's BTF whose prototype is compatible with the
 * declaration's. Compatible means the same shape after typedefs and modifiers: the same number of
 * parameters, and parameter by parameter and for the return type the same kind, where any two
 * integers (not bitfield-like), enums, structs, unions or forward declarations match, pointers match
 * if their targets do and arrays if their elements do. Stateless.
 */
public final class KfuncResolver {
    private static final int BTF_KIND_FUNC = 12;
    private static final int MAX_DEPTH = 32;

    private KfuncResolver() {
    }

    /** The name without a {@code ___flavor} suffix, as libbpf matches externs. */
    public static String essentialName(String name) {
        int i = name.indexOf("___");
        return i > 0 ? name.substring(0, i) : name;
    }

    /**
     * The id of the kernel's {@code FUNC} of a name (without its flavor suffix), empty if the kernel
     * has no function of that name.
     */
    public static OptionalInt find(Btf kernel, String name) {
        int id = kernel.typeIdByName(essentialName(name), BTF_KIND_FUNC);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * Whether a declaration's prototype is compatible with the kernel function's; true when the
     * declaration's {@code FUNC} is unknown ({@code localFuncId} 0 or not a {@code FUNC}).
     */
    public static boolean prototypesCompatible(Btf local, int localFuncId, Btf kernel, int kernelFuncId) {
        if (local == null || localFuncId <= 0 || localFuncId >= local.size()
                || !(local.typeById(localFuncId) instanceof BtfType.Func lf)) {
            return true;
        }
        BtfType.Func kf = (BtfType.Func) kernel.typeById(kernelFuncId);
        return compatible(local, lf.type(), kernel, kf.type(), MAX_DEPTH);
    }

    /** Whether two types have compatible shapes (see the class comment). */
    static boolean compatible(Btf a, int aId, Btf b, int bId, int depth) {
        if (depth <= 0) {
            return false;
        }
        BtfType x = a.resolve(aId);
        BtfType y = b.resolve(bId);
        return switch (x) {
            case BtfType.Void v -> y instanceof BtfType.Void;
            case BtfType.Int i -> y instanceof BtfType.Int j && i.bitOffset() == 0 && j.bitOffset() == 0;
            case BtfType.Enum e -> y instanceof BtfType.Enum || y instanceof BtfType.Enum64;
            case BtfType.Enum64 e -> y instanceof BtfType.Enum || y instanceof BtfType.Enum64;
            case BtfType.Struct s -> y instanceof BtfType.Struct;
            case BtfType.Union u -> y instanceof BtfType.Union;
            case BtfType.Fwd f -> y instanceof BtfType.Fwd || y instanceof BtfType.Struct || y instanceof BtfType.Union;
            case BtfType.Ptr p -> y instanceof BtfType.Ptr q && compatible(a, p.type(), b, q.type(), depth - 1);
            case BtfType.Array r -> y instanceof BtfType.Array s && compatible(a, r.type(), b, s.type(), depth - 1);
            case BtfType.FuncProto p -> y instanceof BtfType.FuncProto q && sameParams(a, p.params(), b, q.params(), depth)
                    && compatible(a, p.returnType(), b, q.returnType(), depth - 1);
            default -> x.kind() == y.kind();
        };
    }

    private static boolean sameParams(Btf a, List<BtfType.Param> ps, Btf b, List<BtfType.Param> qs, int depth) {
        if (ps.size() != qs.size()) {
            return false;
        }
        for (int i = 0; i < ps.size(); i++) {
            if (!compatible(a, ps.get(i).type(), b, qs.get(i).type(), depth - 1)) {
                return false;
            }
        }
        return true;
    }
}
