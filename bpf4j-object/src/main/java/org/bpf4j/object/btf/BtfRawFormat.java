package org.bpf4j.object.btf;

import java.util.Locale;

/**
 * Lists BTF types one by one with their raw fields, in the shape of {@code bpftool btf dump
 * format raw}: {@code [ID] KIND 'name' field=value ...}, then one indented line per member,
 * parameter, enumerator or section variable. Stateless.
 */
public final class BtfRawFormat {
    private BtfRawFormat() {
    }

    /** Every type from {@code firstId} (1 for all; {@link Btf#firstOwnId()} for a split BTF's own), one entry per type. */
    public static String format(Btf btf, int firstId) {
        StringBuilder out = new StringBuilder();
        for (int id = Math.max(1, firstId); id < btf.size(); id++) {
            out.append(type(btf, id)).append('\n');
        }
        return out.toString();
    }

    /** One type: its line and the indented lines of its members (no final newline). */
    public static String type(Btf btf, int id) {
        BtfType t = btf.typeById(id);
        StringBuilder b = new StringBuilder().append('[').append(id).append("] ").append(t.kindName()).append(' ')
                .append(quoted(t.name()));
        switch (t) {
            case BtfType.Void v -> { }
            case BtfType.Int i -> b.append(" size=").append(i.size()).append(" bits_offset=").append(i.bitOffset())
                    .append(" nr_bits=").append(i.bits()).append(" encoding=").append(intEncoding(i.encoding()));
            case BtfType.Ptr p -> b.append(" type_id=").append(p.type());
            case BtfType.Array a -> b.append(" type_id=").append(a.type()).append(" index_type_id=")
                    .append(a.indexType()).append(" nr_elems=").append(a.elements());
            case BtfType.Struct s -> members(b, s.size(), s.members());
            case BtfType.Union u -> members(b, u.size(), u.members());
            case BtfType.Enum e -> enumerators(b, e.signed(), e.size(), e.values(), "");
            case BtfType.Enum64 e -> enumerators(b, e.signed(), e.size(), e.values(), e.signed() ? "LL" : "ULL");
            case BtfType.Fwd f -> b.append(" fwd_kind=").append(f.union() ? "union" : "struct");
            case BtfType.Typedef d -> b.append(" type_id=").append(d.type());
            case BtfType.Volatile v -> b.append(" type_id=").append(v.type());
            case BtfType.Const c -> b.append(" type_id=").append(c.type());
            case BtfType.Restrict r -> b.append(" type_id=").append(r.type());
            case BtfType.TypeTag tt -> b.append(" type_id=").append(tt.type());
            case BtfType.Func f -> b.append(" type_id=").append(f.type()).append(" linkage=")
                    .append(f.linkage().name().toLowerCase(Locale.ROOT));
            case BtfType.FuncProto p -> {
                b.append(" ret_type_id=").append(p.returnType()).append(" vlen=").append(p.params().size());
                for (BtfType.Param prm : p.params()) {
                    b.append("\n\t").append(quoted(prm.name())).append(" type_id=").append(prm.type());
                }
            }
            case BtfType.Var v -> b.append(" type_id=").append(v.type()).append(", linkage=")
                    .append(v.linkage().name().toLowerCase(Locale.ROOT));
            case BtfType.Datasec d -> {
                b.append(" size=").append(d.size()).append(" vlen=").append(d.vars().size());
                for (BtfType.VarSecInfo v : d.vars()) {
                    BtfType target = v.type() < btf.size() ? btf.typeById(v.type()) : null;
                    b.append("\n\ttype_id=").append(v.type()).append(" offset=").append(v.offset()).append(" size=")
                            .append(v.size());
                    if (target != null) {
                        b.append(" (").append(target.kindName()).append(' ').append(quoted(target.name())).append(')');
                    }
                }
            }
            case BtfType.Float f -> b.append(" size=").append(f.size());
            case BtfType.DeclTag d -> b.append(" type_id=").append(d.type()).append(" component_idx=")
                    .append(d.componentIndex());
        }
        return b.toString();
    }

    private static String quoted(String name) {
        return "'" + (name.isEmpty() ? "(anon)" : name) + "'";
    }

    private static String intEncoding(int encoding) {
        return switch (encoding) {
            case 1 -> "SIGNED";
            case 2 -> "CHAR";
            case 4 -> "BOOL";
            default -> "(none)";
        };
    }

    private static void members(StringBuilder b, long size, java.util.List<BtfType.Member> members) {
        b.append(" size=").append(size).append(" vlen=").append(members.size());
        for (BtfType.Member m : members) {
            b.append("\n\t").append(quoted(m.name())).append(" type_id=").append(m.type()).append(" bits_offset=")
                    .append(m.bitOffset());
            if (m.bitfieldSize() != 0) {
                b.append(" bitfield_size=").append(m.bitfieldSize());
            }
        }
    }

    private static void enumerators(StringBuilder b, boolean signed, int size,
            java.util.List<BtfType.EnumValue> values, String suffix) {
        b.append(" encoding=").append(signed ? "SIGNED" : "UNSIGNED").append(" size=").append(size).append(" vlen=")
                .append(values.size());
        for (BtfType.EnumValue v : values) {
            String value = signed ? Long.toString(v.value())
                    : size == 8 ? Long.toUnsignedString(v.value()) : Long.toString(v.value() & 0xffffffffL);
            b.append("\n\t").append(quoted(v.name())).append(" val=").append(value).append(suffix);
        }
    }
}
