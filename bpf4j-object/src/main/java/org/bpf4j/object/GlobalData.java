package org.bpf4j.object;

import java.util.List;
import java.util.Optional;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.spec.MapType;

/** Global data sections as single-element array maps, as libbpf creates them. */
final class GlobalData {
    /** {@code BPF_F_RDONLY_PROG}: programs may not write the map. */
    static final int BPF_F_RDONLY_PROG = 1 << 7;
    /** {@code BPF_F_MMAPABLE}: the map can be mapped into user memory. */
    static final int BPF_F_MMAPABLE = 1 << 10;

    private GlobalData() {
    }

    /** The kind of global data a section holds, or null if it is not global data. */
    static MapSpec.Origin origin(ElfSection s) {
        if (s.index() == 0 || s.size() == 0 || s.executable()) {
            return null;
        }
        String n = s.name();
        if (s.type() == Elf.SHT_PROGBITS) {
            if (n.equals(".data") || n.startsWith(".data.")) {
                return MapSpec.Origin.DATA;
            }
            if (n.equals(".rodata") || n.startsWith(".rodata.")) {
                return MapSpec.Origin.RODATA;
            }
        } else if (s.type() == Elf.SHT_NOBITS && (n.equals(".bss") || n.startsWith(".bss."))) {
            return MapSpec.Origin.BSS;
        }
        return null;
    }

    static MapSpec spec(ObjectContext ctx, ElfSection s, MapSpec.Origin origin) {
        if (s.size() > Integer.MAX_VALUE - 8) {
            throw ctx.error(s, "global data of " + s.size() + " bytes is too large for a map value");
        }
        Bytes contents = origin == MapSpec.Origin.BSS ? Bytes.empty() : Bytes.wrap(ctx.elf().data(s).toArray());
        boolean readOnly = origin == MapSpec.Origin.RODATA;
        int flags = BPF_F_MMAPABLE | (readOnly ? BPF_F_RDONLY_PROG : 0);
        int valueType = ctx.btf().map(b -> datasecId(b, s.name())).orElse(0);
        return new MapSpec(s.name(), MapType.ARRAY.id(), 4, (int) s.size(), 1, flags, 0, 0, 0, Optional.empty(),
                contents, List.of(), 0, valueType, readOnly, origin, s.name(), 0);
    }

    static int datasecId(Btf btf, String section) {
        int id = btf.typeIdByName(section, new BtfType.Datasec("", 0, List.of()).kind());
        return Math.max(id, 0);
    }
}
