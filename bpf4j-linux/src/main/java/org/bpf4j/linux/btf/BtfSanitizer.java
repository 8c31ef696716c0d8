package org.bpf4j.linux.btf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * Makes an object's BTF acceptable to the kernel's BTF checker, as libbpf does before
 * {@code BPF_BTF_LOAD}. Type ids are kept (func info and map type ids stay valid); new types are
 * appended. What is changed:
 * <ul>
 * <li>DATASECs with size 0 get the section's size, and their variables the symbols' offsets
 *     (from {@link DataLayout}, else the given section sizes, else laid out one after another);
 *     the kernel refuses size 0 and overlapping variables.
 * <li>{@code extern} variables ({@code .kconfig}, {@code .ksyms}) become global: the kernel accepts
 *     only static and global-allocated linkage.
 * <li>{@code extern} functions (kfunc declarations) become static: the kernel accepts only static
 *     and global functions; their prototypes' unnamed parameters get names ({@code argN}), which the
 *     kernel requires of a function's parameters (clang leaves a declaration's unnamed).
 * <li>The {@code .ksyms} DATASEC lists functions and untyped variables, which the kernel refuses
 *     in a DATASEC: each entry becomes a 4-byte {@code int} variable of the same name.
 * </ul>
 * Stateless.
 */
public final class BtfSanitizer {
    private BtfSanitizer() {
    }

    /**
     * The sanitized types.
     *
     * @param btf the object's BTF
     * @param layout section sizes and symbol offsets from the ELF file ({@link DataLayout#NONE} if unknown)
     * @param sectionSizes sizes of data sections known otherwise (global data maps' value sizes)
     * @return the types by id, element 0 void
     */
    public static List<BtfType> sanitize(Btf btf, DataLayout layout, Map<String, Long> sectionSizes) {
        List<BtfType> types = new ArrayList<>(btf.types());
        int intId = -1;
        for (int id = 1; id < types.size(); id++) {
            BtfType t = types.get(id);
            switch (t) {
                case BtfType.Var v when v.linkage() == BtfType.Linkage.EXTERN ->
                    types.set(id, new BtfType.Var(v.name(), v.type(), BtfType.Linkage.GLOBAL));
                case BtfType.Func f when f.linkage() == BtfType.Linkage.EXTERN -> {
                    types.set(id, new BtfType.Func(f.name(), f.type(), BtfType.Linkage.STATIC));
                    if (types.get(f.type()) instanceof BtfType.FuncProto fp) {
                        types.set(f.type(), named(fp));
                    }
                }
                default -> {
                }
            }
        }
        for (int id = 1; id < types.size(); id++) {
            if (!(types.get(id) instanceof BtfType.Datasec d)) {
                continue;
            }
            if (d.name().equals(".ksyms")) {
                if (intId < 0) {
                    intId = types.size();
                    types.add(new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32));
                }
                List<BtfType.VarSecInfo> vars = new ArrayList<>();
                long off = 0;
                for (BtfType.VarSecInfo vi : d.vars()) {
                    String name = types.get(vi.type()).name();
                    int varId = types.size();
                    types.add(new BtfType.Var(name, intId, BtfType.Linkage.GLOBAL));
                    vars.add(new BtfType.VarSecInfo(varId, off, 4));
                    off += 4;
                }
                types.set(id, new BtfType.Datasec(d.name(), Math.max(off, 4), vars));
                continue;
            }
            types.set(id, fixDatasec(btf, d, layout, sectionSizes));
        }
        return types;
    }

    /** The prototype with a name for each unnamed parameter, which the kernel requires of a FUNC's. */
    private static BtfType.FuncProto named(BtfType.FuncProto fp) {
        List<BtfType.Param> params = new ArrayList<>();
        for (int i = 0; i < fp.params().size(); i++) {
            BtfType.Param q = fp.params().get(i);
            params.add(q.name().isEmpty() && q.type() != 0 ? new BtfType.Param("arg" + i, q.type()) : q);
        }
        return new BtfType.FuncProto(fp.name(), fp.returnType(), params);
    }

    private static BtfType.Datasec fixDatasec(Btf btf, BtfType.Datasec d, DataLayout layout,
            Map<String, Long> sectionSizes) {
        List<BtfType.VarSecInfo> vars = new ArrayList<>();
        for (BtfType.VarSecInfo vi : d.vars()) {
            String name = btf.typeById(vi.type()).name();
            long off = layout.symbolOffset(d.name(), name).orElse(vi.offset());
            vars.add(new BtfType.VarSecInfo(vi.type(), off, vi.size()));
        }
        vars.sort(Comparator.comparingLong(BtfType.VarSecInfo::offset));
        long size = d.size();
        if (size == 0) {
            Long known = sectionSizes.get(d.name());
            size = known != null ? known : layout.sectionSize(d.name()).orElse(0L);
        }
        if (!consistent(vars, size)) {
            // Lay the variables out one after another, each at its size's natural alignment.
            List<BtfType.VarSecInfo> seq = new ArrayList<>();
            long off = 0;
            for (BtfType.VarSecInfo vi : d.vars()) {
                long align = Math.min(8, Integer.highestOneBit((int) Math.max(1, Math.min(vi.size(), 8))));
                off = (off + align - 1) / align * align;
                seq.add(new BtfType.VarSecInfo(vi.type(), off, vi.size()));
                off += vi.size();
            }
            vars = seq;
            size = Math.max(size, off);
        }
        if (size == 0) {
            size = 1;
        }
        return new BtfType.Datasec(d.name(), size, vars);
    }

    private static boolean consistent(List<BtfType.VarSecInfo> vars, long size) {
        long end = 0;
        for (BtfType.VarSecInfo vi : vars) {
            if (vi.offset() < end || vi.size() == 0 || vi.offset() + vi.size() > size) {
                return false;
            }
            end = vi.offset() + vi.size();
        }
        return size > 0 || vars.isEmpty();
    }
}
