package org.bpf4j.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
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
        return new VerifierInput(p.name(), p.code(), type, maps(obj), p.gplCompatible());
    }
}
