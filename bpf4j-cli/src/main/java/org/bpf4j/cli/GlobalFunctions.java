package org.bpf4j.cli;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.GlobalFunction;

/**
 * The global functions of a linked program, from the object's BTF (function info and
 * prototypes), as the verifier wants them: each parameter a scalar (integer, enum), the context
 * (a pointer to the program type's context structure) or memory of the pointed type's size.
 * The verifier's corpus tests build the same list (CorpusPrograms) since the verifier does not
 * depend on the object model.
 */
final class GlobalFunctions {
    private GlobalFunctions() {
    }

    static List<GlobalFunction> of(ObjectSpec obj, ProgramSpec linked, ProgramType type) {
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
            for (BtfType.Param param : proto.params()) {
                params.add(param(btf, param.type(), type));
            }
            out.add(new GlobalFunction(fi.slot(), f.name(), params));
        }
        return out;
    }

    private static GlobalFunction.Param param(Btf btf, int typeId, ProgramType type) {
        BtfType t = btf.resolve(typeId);
        if (t instanceof BtfType.Int || t instanceof BtfType.Enum || t instanceof BtfType.Enum64) {
            return new GlobalFunction.Param.Scalar();
        }
        if (!(t instanceof BtfType.Ptr ptr)) {
            return new GlobalFunction.Param.Unsupported(btf.describe(typeId));
        }
        if (btf.resolve(ptr.type()) instanceof BtfType.Struct st
                && type.contextStruct().map(c -> c.equals(st.name())).orElse(false)) {
            return new GlobalFunction.Param.Context();
        }
        try {
            return new GlobalFunction.Param.Memory(btf.sizeOf(ptr.type()));
        } catch (RuntimeException e) {
            return new GlobalFunction.Param.Unsupported(btf.describe(typeId));
        }
    }
}
