package org.bpf4j.object;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfSymbol;
import org.bpf4j.spec.MapType;

/**
 * The object's externs, described by BTF as libbpf requires: variables of the {@code .kconfig}
 * DATASEC (laid out in a {@code .kconfig} map in DATASEC order, each at its natural alignment),
 * and the variables and functions of the {@code .ksyms} DATASEC (kernel symbols and functions). An
 * extern function that BTF declares but no DATASEC lists ({@code extern int f(void);} without
 * {@code __ksym}) is not declared, as libbpf finds no section for it.
 */
final class Externs {
    static final String KCONFIG = ".kconfig";
    static final String KSYMS = ".ksyms";

    private final List<ExternSpec> specs;
    private final Map<String, ExternSpec> byName;
    private final int kconfigSize;
    private final int kconfigDatasec;

    private Externs(List<ExternSpec> specs, int kconfigSize, int kconfigDatasec) {
        this.specs = List.copyOf(specs);
        this.byName = new HashMap<>();
        for (ExternSpec s : specs) {
            byName.put(s.name(), s);
        }
        this.kconfigSize = kconfigSize;
        this.kconfigDatasec = kconfigDatasec;
    }

    static Externs collect(ObjectContext ctx) {
        if (ctx.btf().isEmpty()) {
            return new Externs(List.of(), 0, 0);
        }
        Btf btf = ctx.btf().get();
        Map<String, Boolean> weak = new HashMap<>();
        for (ElfSymbol s : ctx.elf().symbols()) {
            if (s.isUndefined() && !s.name().isEmpty()) {
                weak.put(s.name(), s.bind() == Elf.STB_WEAK);
            }
        }
        List<ExternSpec> out = new ArrayList<>();
        int size = 0;
        int kconfigId = btf.typeIdByName(KCONFIG, 15);
        if (kconfigId > 0) {
            for (BtfType.VarSecInfo vi : ((BtfType.Datasec) btf.typeById(kconfigId)).vars()) {
                if (!(btf.typeById(vi.type()) instanceof BtfType.Var var)) {
                    throw ctx.error("BTF DATASEC '" + KCONFIG + "' has " + btf.describe(vi.type()) + ", not a VAR");
                }
                long sz = btf.sizeOf(var.type());
                long align = btf.alignOf(var.type());
                if (sz <= 0 || sz > 4096) {
                    throw ctx.error("kconfig extern '" + var.name() + "' has unsupported size " + sz);
                }
                size = (int) ((size + align - 1) / align * align);
                out.add(new ExternSpec(var.name(), ExternSpec.Kind.KCONFIG, vi.type(),
                        weak.getOrDefault(var.name(), false), size, (int) sz));
                size += (int) sz;
            }
        }
        // As libbpf: a kernel symbol or function is declared only when BTF lists it in .ksyms.
        int ksymsId = btf.typeIdByName(KSYMS, 15);
        if (ksymsId > 0) {
            for (BtfType.VarSecInfo vi : ((BtfType.Datasec) btf.typeById(ksymsId)).vars()) {
                BtfType t = btf.typeById(vi.type());
                if (t instanceof BtfType.Var var) {
                    out.add(new ExternSpec(var.name(), ExternSpec.Kind.KSYM, vi.type(),
                            weak.getOrDefault(var.name(), false), -1, 0));
                } else if (t instanceof BtfType.Func f) {
                    out.add(new ExternSpec(f.name(), ExternSpec.Kind.KFUNC, vi.type(),
                            weak.getOrDefault(f.name(), false), -1, 0));
                }
            }
        }
        return new Externs(out, (size + 7) / 8 * 8, Math.max(kconfigId, 0));
    }

    List<ExternSpec> specs() {
        return specs;
    }

    Optional<ExternSpec> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    int kconfigSize() {
        return kconfigSize;
    }

    MapSpec kconfigMap() {
        return new MapSpec(KCONFIG, MapType.ARRAY.id(), 4, kconfigSize, 1,
                GlobalData.BPF_F_RDONLY_PROG | GlobalData.BPF_F_MMAPABLE, 0, 0, 0, Optional.empty(), Bytes.empty(),
                List.of(), 0, kconfigDatasec, true, MapSpec.Origin.KCONFIG, KCONFIG, 0);
    }
}
