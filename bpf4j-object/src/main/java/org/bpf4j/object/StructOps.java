package org.bpf4j.object;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfRelocation;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * Reads the struct_ops variables of {@code .struct_ops} and {@code .struct_ops.link} sections:
 * each variable of the section's BTF {@code DATASEC} is one struct_ops map, its bytes come from
 * the section at the variable's symbol, and each relocation in it points a function pointer
 * member at a program (a function of the object).
 */
final class StructOps {
    private StructOps() {
    }

    static boolean isStructOpsSection(ElfSection s) {
        return s.name().equals(".struct_ops") || s.name().equals(".struct_ops.link");
    }

    static List<StructOpsSpec> parse(ObjectContext ctx, List<ProgramSpec> programs) {
        List<StructOpsSpec> out = new ArrayList<>();
        for (ElfSection section : ctx.elf().sections()) {
            if (!isStructOpsSection(section)) {
                continue;
            }
            Btf btf = ctx.btf().orElseThrow(() -> ctx.error(section, "struct_ops variables need the object's BTF"));
            int secId = btf.typeIdByName(section.name(), 15);
            if (secId < 0) {
                throw ctx.error(section, "no BTF DATASEC describes the section");
            }
            BtfType.Datasec ds = (BtfType.Datasec) btf.typeById(secId);
            byte[] bytes = ctx.elf().data(section).toArray();
            List<ElfRelocation> relocs = new ArrayList<>();
            for (ElfSection rs : ctx.elf().sections()) {
                if (rs.isRelocations() && rs.info() == section.index()) {
                    relocs.addAll(ctx.elf().relocations(rs));
                }
            }
            for (BtfType.VarSecInfo v : ds.vars()) {
                if (!(btf.typeById(v.type()) instanceof BtfType.Var var)) {
                    throw ctx.error(section, "DATASEC entry type id " + v.type() + " is not a variable");
                }
                int structId = btf.skipQualifiers(var.type());
                if (!(btf.typeById(structId) instanceof BtfType.Struct st)) {
                    throw ctx.error(section, "struct_ops variable '" + var.name() + "' is not a struct");
                }
                long offset = symbolOffset(ctx, section, var.name()).orElse(v.offset());
                long size = st.size();
                if (offset < 0 || offset + size > bytes.length) {
                    throw ctx.error(section, "struct_ops variable '" + var.name() + "' (" + size + " bytes at "
                            + offset + ") lies outside the section (" + bytes.length + " bytes)");
                }
                byte[] data = java.util.Arrays.copyOfRange(bytes, (int) offset, (int) (offset + size));
                Map<String, String> functions = new LinkedHashMap<>();
                for (ElfRelocation r : relocs) {
                    if (r.offset() < offset || r.offset() >= offset + size) {
                        continue;
                    }
                    long memberByte = r.offset() - offset;
                    BtfType.Member member = null;
                    for (BtfType.Member m : st.members()) {
                        if (m.bitOffset() == memberByte * 8) {
                            member = m;
                        }
                    }
                    String where = "struct_ops variable '" + var.name() + "': relocation at offset " + memberByte;
                    if (member == null) {
                        throw ctx.error(section, where + " is not at a member");
                    }
                    ElfSymbol sym = ctx.elf().symbol(r.symbolIndex());
                    long addend = r.addend() != 0 ? r.addend() : u64(bytes, (int) r.offset());
                    String target = sym.type() == Elf.STT_FUNC ? sym.name() : functionAt(ctx, sym, addend);
                    if (target == null || programs.stream().noneMatch(p -> p.name().equals(target))) {
                        throw ctx.error(section, where + " (member '" + member.name() + "') points at '" + sym.name()
                                + "', which is not a program of the object");
                    }
                    functions.put(member.name(), target);
                    // The relocated slot holds no data of its own.
                    java.util.Arrays.fill(data, (int) memberByte, (int) Math.min(size, memberByte + 8), (byte) 0);
                }
                out.add(new StructOpsSpec(var.name(), section.name(), structId, st.name(), Bytes.of(data), functions));
            }
        }
        return out;
    }

    /** For a relocation against a section symbol: the function that starts at the addend in that section. */
    private static String functionAt(ObjectContext ctx, ElfSymbol sym, long addend) {
        if (sym.type() != Elf.STT_SECTION) {
            return null;
        }
        for (ElfSymbol f : ctx.elf().symbols()) {
            if (f.type() == Elf.STT_FUNC && f.isInSection() && f.sectionIndex() == sym.sectionIndex()
                    && f.value() == addend) {
                return f.name();
            }
        }
        return null;
    }

    private static long u64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xff);
        }
        return v;
    }

    private static java.util.Optional<Long> symbolOffset(ObjectContext ctx, ElfSection section, String name) {
        for (ElfSymbol s : ctx.elf().symbols()) {
            if (s.isInSection() && s.sectionIndex() == section.index() && s.name().equals(name)) {
                return java.util.Optional.of(s.value());
            }
        }
        return java.util.Optional.empty();
    }
}
