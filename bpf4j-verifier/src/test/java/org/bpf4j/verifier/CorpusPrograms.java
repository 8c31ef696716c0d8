package org.bpf4j.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/** Turns a parsed object's programs and maps into verifier inputs (test scope: the verifier does not depend on objects). */
final class CorpusPrograms {
    static final int BPF_F_RDONLY_PROG = 1 << 7;

    private CorpusPrograms() {
    }

    static List<MapInfo> maps(ObjectSpec obj) {
        List<MapInfo> out = new ArrayList<>();
        for (MapSpec m : obj.maps()) {
            out.add(map(m));
        }
        return out;
    }

    static MapInfo map(MapSpec m) {
        MapType t = m.mapType().orElse(MapType.UNSPEC);
        boolean ro = (m.flags() & BPF_F_RDONLY_PROG) != 0 || m.origin() == MapSpec.Origin.RODATA
                || m.origin() == MapSpec.Origin.KCONFIG;
        Optional<MapInfo> inner = m.innerMap().map(CorpusPrograms::map);
        Optional<byte[]> frozen = Optional.empty();
        if (ro && m.frozen() && t == MapType.ARRAY && m.maxEntries() == 1) {
            byte[] v = new byte[m.valueSize()];
            byte[] c = m.contents().toArray();
            System.arraycopy(c, 0, v, 0, Math.min(c.length, v.length));
            frozen = Optional.of(v);
        }
        return new MapInfo(m.name(), t, m.keySize(), m.valueSize(), m.maxEntries(), ro, inner, frozen);
    }

    static VerifierInput input(ObjectSpec obj, ProgramSpec p, ProgramType type) {
        return new VerifierInput(p.name(), p.code(), type, maps(obj), p.gplCompatible(), globals(obj, p, type));
    }

    /** The program's global functions, from its BTF function info and prototypes. */
    static List<GlobalFunction> globals(ObjectSpec obj, ProgramSpec p, ProgramType type) {
        List<GlobalFunction> out = new ArrayList<>();
        if (obj.btf().isEmpty()) {
            return out;
        }
        Btf btf = obj.btf().get();
        for (FuncInfo fi : p.funcInfos()) {
            if (fi.slot() == 0 || !(btf.typeById(fi.typeId()) instanceof BtfType.Func f)
                    || f.linkage() != BtfType.Linkage.GLOBAL
                    || !(btf.resolve(f.type()) instanceof BtfType.FuncProto proto)) {
                continue;
            }
            List<GlobalFunction.Param> params = new ArrayList<>();
            for (BtfType.Param param : proto.params()) {
                params.add(param(btf, param.type(), type));
            }
            if (params.size() <= 5) {
                out.add(new GlobalFunction(fi.slot(), f.name(), params));
            }
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
        BtfType target = btf.resolve(ptr.type());
        if (target instanceof BtfType.Struct st
                && type.contextStruct().map(c -> c.equals("struct " + st.name()) || c.equals(st.name())).orElse(false)) {
            return new GlobalFunction.Param.Context();
        }
        try {
            return new GlobalFunction.Param.Memory(btf.sizeOf(ptr.type()));
        } catch (RuntimeException e) {
            return new GlobalFunction.Param.Unsupported(btf.describe(typeId));
        }
    }
}
