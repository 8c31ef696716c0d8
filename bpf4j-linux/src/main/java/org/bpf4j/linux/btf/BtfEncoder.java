package org.bpf4j.linux.btf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * Writes BTF types in the kernel's wire format ({@code include/uapi/linux/btf.h}), as
 * {@code BPF_BTF_LOAD} takes it: a 24-byte header, the types (ids kept: the i-th type written is
 * id i), and a string section built from the types' names plus any extra strings the caller
 * needs offsets for (line info file names and source lines). Stateless.
 */
public final class BtfEncoder {
    private BtfEncoder() {
    }

    /**
     * Encoded BTF and the offsets of its strings.
     *
     * @param bytes the BTF blob
     * @param strings the offset of every string in the string section
     */
    public record Encoded(byte[] bytes, Map<String, Integer> strings) {
        /** The offset of a string the encoding was asked to include. */
        public int offset(String s) {
            Integer off = strings.get(s);
            if (off == null) {
                throw new IllegalArgumentException("string not in the BTF: " + s);
            }
            return off;
        }
    }

    /** Encodes a BTF's types, with extra strings. */
    public static Encoded encode(Btf btf, Collection<String> extraStrings) {
        return encode(btf.types(), extraStrings);
    }

    /**
     * Encodes types (element 0, void, is not written) with extra strings.
     *
     * @param types the types by id
     * @param extraStrings strings to add to the string section
     */
    public static Encoded encode(List<BtfType> types, Collection<String> extraStrings) {
        Map<String, Integer> strings = new LinkedHashMap<>();
        ByteArrayOutputStream str = new ByteArrayOutputStream();
        intern(strings, str, "");
        Out t = new Out();
        for (int id = 1; id < types.size(); id++) {
            writeType(t, types.get(id), s -> intern(strings, str, s));
        }
        for (String s : extraStrings) {
            intern(strings, str, s);
        }
        byte[] typeBytes = t.toByteArray();
        byte[] strBytes = str.toByteArray();
        Out all = new Out();
        all.u16(Btf.MAGIC);
        all.u8(1);
        all.u8(0);
        all.u32(24);
        all.u32(0);
        all.u32(typeBytes.length);
        all.u32(typeBytes.length);
        all.u32(strBytes.length);
        all.writeBytes(typeBytes);
        all.writeBytes(strBytes);
        return new Encoded(all.toByteArray(), Map.copyOf(strings));
    }

    private static int intern(Map<String, Integer> strings, ByteArrayOutputStream str, String s) {
        Integer known = strings.get(s);
        if (known != null) {
            return known;
        }
        int off = str.size();
        str.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        str.write(0);
        strings.put(s, off);
        return off;
    }

    private interface Strings {
        int offset(String s);
    }

    private static int info(int kind, int vlen, boolean kindFlag) {
        return (kindFlag ? 1 << 31 : 0) | (kind & 0x1f) << 24 | (vlen & 0xffff);
    }

    private static void writeType(Out o, BtfType type, Strings s) {
        switch (type) {
            case BtfType.Void v -> throw new IllegalArgumentException("void is type 0 and is not encoded");
            case BtfType.Int i -> {
                head(o, s, i.name(), info(i.kind(), 0, false), i.size());
                o.u32((i.encoding() & 0xf) << 24 | (i.bitOffset() & 0xff) << 16 | (i.bits() & 0xff));
            }
            case BtfType.Ptr p -> head(o, s, p.name(), info(p.kind(), 0, false), p.type());
            case BtfType.Array a -> {
                head(o, s, a.name(), info(a.kind(), 0, false), 0);
                o.u32(a.type());
                o.u32(a.indexType());
                o.u32((int) a.elements());
            }
            case BtfType.Struct st -> members(o, s, st.kind(), st.name(), st.size(), st.members());
            case BtfType.Union u -> members(o, s, u.kind(), u.name(), u.size(), u.members());
            case BtfType.Enum e -> {
                head(o, s, e.name(), info(e.kind(), e.values().size(), e.signed()), e.size());
                for (BtfType.EnumValue v : e.values()) {
                    o.u32(s.offset(v.name()));
                    o.u32((int) v.value());
                }
            }
            case BtfType.Fwd f -> head(o, s, f.name(), info(f.kind(), 0, f.union()), 0);
            case BtfType.Typedef d -> head(o, s, d.name(), info(d.kind(), 0, false), d.type());
            case BtfType.Volatile v -> head(o, s, v.name(), info(v.kind(), 0, false), v.type());
            case BtfType.Const c -> head(o, s, c.name(), info(c.kind(), 0, false), c.type());
            case BtfType.Restrict r -> head(o, s, r.name(), info(r.kind(), 0, false), r.type());
            case BtfType.Func f -> head(o, s, f.name(), info(f.kind(), f.linkage().ordinal(), false), f.type());
            case BtfType.FuncProto p -> {
                head(o, s, p.name(), info(p.kind(), p.params().size(), false), p.returnType());
                for (BtfType.Param param : p.params()) {
                    o.u32(s.offset(param.name()));
                    o.u32(param.type());
                }
            }
            case BtfType.Var v -> {
                head(o, s, v.name(), info(v.kind(), 0, false), v.type());
                o.u32(v.linkage().ordinal());
            }
            case BtfType.Datasec d -> {
                head(o, s, d.name(), info(d.kind(), d.vars().size(), false), (int) d.size());
                for (BtfType.VarSecInfo vi : d.vars()) {
                    o.u32(vi.type());
                    o.u32((int) vi.offset());
                    o.u32((int) vi.size());
                }
            }
            case BtfType.Float f -> head(o, s, f.name(), info(f.kind(), 0, false), f.size());
            case BtfType.DeclTag d -> {
                head(o, s, d.name(), info(d.kind(), 0, false), d.type());
                o.u32(d.componentIndex());
            }
            case BtfType.TypeTag tt -> head(o, s, tt.name(), info(tt.kind(), 0, false), tt.type());
            case BtfType.Enum64 e -> {
                head(o, s, e.name(), info(e.kind(), e.values().size(), e.signed()), e.size());
                for (BtfType.EnumValue v : e.values()) {
                    o.u32(s.offset(v.name()));
                    o.u32((int) v.value());
                    o.u32((int) (v.value() >>> 32));
                }
            }
        }
    }

    private static void head(Out o, Strings s, String name, int info, long sizeOrType) {
        o.u32(s.offset(name));
        o.u32(info);
        o.u32((int) sizeOrType);
    }

    private static void members(Out o, Strings s, int kind, String name, long size, List<BtfType.Member> members) {
        boolean bitfields = members.stream().anyMatch(m -> m.bitfieldSize() != 0);
        head(o, s, name, info(kind, members.size(), bitfields), size);
        for (BtfType.Member m : members) {
            o.u32(s.offset(m.name()));
            o.u32(m.type());
            o.u32(bitfields ? m.bitfieldSize() << 24 | (int) (m.bitOffset() & 0xffffff) : (int) m.bitOffset());
        }
    }

    /** A little-endian byte sink. */
    private static final class Out extends ByteArrayOutputStream {
        void u8(int v) {
            write(v);
        }

        void u16(int v) {
            write(v);
            write(v >>> 8);
        }

        void u32(int v) {
            write(v);
            write(v >>> 8);
            write(v >>> 16);
            write(v >>> 24);
        }
    }
}
