package org.bpf4j.object.btf;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.elf.ByteReader;

/** Decodes the binary BTF format (kernel {@code include/uapi/linux/btf.h}). */
final class BtfParser {
    private static final int HEADER_MIN = 24;
    private static final int TYPE_HEADER = 12;

    private final ByteReader data;
    private final String where;
    private final Btf base;
    private ByteReader strings;

    private BtfParser(ByteReader data, Btf base) {
        this.data = data;
        this.where = data.where();
        this.base = base;
    }

    static Btf parse(ByteReader data) {
        return new BtfParser(data, null).run();
    }

    static Btf parseSplit(ByteReader data, Btf base) {
        return new BtfParser(data, base).run();
    }

    private MalformedInputException error(String message) {
        return new MalformedInputException(where + ": " + message);
    }

    private Btf run() {
        if (data.length() < HEADER_MIN) {
            throw error("too short for a BTF header (" + data.length() + " bytes)");
        }
        int magic = data.u16(0);
        if (magic == 0x9feb) {
            throw error("big-endian BTF is not supported");
        }
        if (magic != Btf.MAGIC) {
            throw error("bad magic 0x" + Integer.toHexString(magic) + ", expected 0xeb9f");
        }
        int version = data.u8(2);
        if (version != 1) {
            throw error("unsupported version " + version);
        }
        long hdrLen = data.u32(4);
        if (hdrLen < HEADER_MIN || hdrLen > data.length()) {
            throw error("header length " + hdrLen + " is outside 24.." + data.length());
        }
        for (long p = HEADER_MIN; p < hdrLen; p++) {
            if (data.u8(p) != 0) {
                throw error("unknown non-zero header field at offset " + p);
            }
        }
        long typeOff = data.u32(8);
        long typeLen = data.u32(12);
        long strOff = data.u32(16);
        long strLen = data.u32(20);
        long body = data.length() - hdrLen;
        if (typeOff > body || typeLen > body - typeOff) {
            throw error("type section (offset " + typeOff + ", " + typeLen + " bytes) runs past the end ("
                    + body + " bytes after the header)");
        }
        if (strOff > body || strLen > body - strOff) {
            throw error("string section (offset " + strOff + ", " + strLen + " bytes) runs past the end ("
                    + body + " bytes after the header)");
        }
        if (typeOff % 4 != 0) {
            throw error("type section offset " + typeOff + " is not 4-byte aligned");
        }
        if (typeOff < strOff + strLen && strOff < typeOff + typeLen) {
            throw error("type and string sections overlap");
        }
        strings = data.window(hdrLen + strOff, strLen, where + " strings");
        List<BtfType> types = new ArrayList<>();
        if (base == null) {
            if (strLen == 0 || strings.u8(0) != 0 || strings.u8(strLen - 1) != 0) {
                throw error("string section must start and end with a NUL byte");
            }
            types.add(new BtfType.Void());
        } else {
            // Split BTF: type ids and string offsets continue those of the base.
            if (strLen != 0 && strings.u8(strLen - 1) != 0) {
                throw error("string section must end with a NUL byte");
            }
            byte[] baseStrings = base.stringSection();
            byte[] all = new byte[baseStrings.length + (int) strLen];
            System.arraycopy(baseStrings, 0, all, 0, baseStrings.length);
            System.arraycopy(strings.toArray(), 0, all, baseStrings.length, (int) strLen);
            strings = ByteReader.of(all, where + " strings");
            types.addAll(base.types());
        }
        ByteReader typeData = data.window(hdrLen + typeOff, typeLen, where + " types");
        long p = 0;
        while (p < typeLen) {
            int id = types.size();
            if (!typeData.contains(p, TYPE_HEADER)) {
                throw error("type id " + id + " at offset " + p + " is truncated");
            }
            long nameOff = typeData.u32(p);
            long info = typeData.u32(p + 4);
            long sizeOrType = typeData.u32(p + 8);
            int vlen = (int) (info & 0xffff);
            int kind = (int) ((info >>> 24) & 0x1f);
            boolean kindFlag = (info >>> 31) != 0;
            if ((info & 0x60ff0000L) != 0) {
                throw error("type id " + id + ": reserved bits of info 0x" + Long.toHexString(info) + " are set");
            }
            String name = string(nameOff, id);
            p += TYPE_HEADER;
            Ctx c = new Ctx(typeData, p, id, name, vlen, kindFlag, sizeOrType);
            BtfType t = switch (kind) {
                case 1 -> intType(c);
                case 2 -> new BtfType.Ptr(noName(c, "PTR"), ref(c, sizeOrType));
                case 3 -> array(c);
                case 4, 5 -> aggregate(c, kind == 5);
                case 6 -> enumType(c);
                case 7 -> new BtfType.Fwd(named(c, "FWD"), kindFlag);
                case 8 -> new BtfType.Typedef(named(c, "TYPEDEF"), ref(c, sizeOrType));
                case 9 -> new BtfType.Volatile(noName(c, "VOLATILE"), ref(c, sizeOrType));
                case 10 -> new BtfType.Const(noName(c, "CONST"), ref(c, sizeOrType));
                case 11 -> new BtfType.Restrict(noName(c, "RESTRICT"), ref(c, sizeOrType));
                case 12 -> func(c);
                case 13 -> funcProto(c);
                case 14 -> var(c);
                case 15 -> datasec(c);
                case 16 -> floatType(c);
                case 17 -> declTag(c);
                case 18 -> new BtfType.TypeTag(named(c, "TYPE_TAG"), ref(c, sizeOrType));
                case 19 -> enum64(c);
                default -> throw error("type id " + id + ": unknown kind " + kind);
            };
            p += extraSize(kind, vlen);
            types.add(t);
        }
        return Btf.create(types, strings.toArray(), where, base == null ? 1 : base.size());
    }

    private record Ctx(ByteReader d, long p, int id, String name, int vlen, boolean kindFlag, long sizeOrType) {
    }

    private static long extraSize(int kind, int vlen) {
        return switch (kind) {
            case 1, 14, 17 -> 4;
            case 3 -> 12;
            case 4, 5, 15 -> 12L * vlen;
            case 6, 13 -> 8L * vlen;
            case 19 -> 12L * vlen;
            default -> 0;
        };
    }

    private String string(long offset, int id) {
        String s = strings.cStringOrNull(offset);
        if (s == null) {
            throw error("type id " + id + ": name offset " + offset + " is outside the string section ("
                    + strings.length() + " bytes)");
        }
        return s;
    }

    private void need(Ctx c, long bytes) {
        if (!c.d.contains(c.p, bytes)) {
            throw error("type id " + c.id + " is truncated: needs " + bytes + " more bytes at offset " + c.p);
        }
    }

    private String noName(Ctx c, String kind) {
        if (!c.name.isEmpty()) {
            throw error("type id " + c.id + ": " + kind + " must not have a name ('" + c.name + "')");
        }
        checkNoVlen(c, kind);
        return c.name;
    }

    private String named(Ctx c, String kind) {
        if (c.name.isEmpty()) {
            throw error("type id " + c.id + ": " + kind + " must have a name");
        }
        if (kind.equals("TYPEDEF") && c.kindFlag) {
            throw error("type id " + c.id + ": " + kind + " must not set kind_flag");
        }
        checkNoVlen(c, kind);
        return c.name;
    }

    private void checkNoVlen(Ctx c, String kind) {
        if (c.vlen != 0) {
            throw error("type id " + c.id + ": " + kind + " must have vlen 0, has " + c.vlen);
        }
    }

    private int ref(Ctx c, long id) {
        if (id > Integer.MAX_VALUE) {
            throw error("type id " + c.id + " refers to type id " + id + ", which does not exist");
        }
        return (int) id;
    }

    private BtfType intType(Ctx c) {
        need(c, 4);
        long v = c.d.u32(c.p);
        int size = (int) c.sizeOrType;
        int encoding = (int) ((v >>> 24) & 0xf);
        int offset = (int) ((v >>> 16) & 0xff);
        int bits = (int) (v & 0xff);
        if (c.sizeOrType != 1 && c.sizeOrType != 2 && c.sizeOrType != 4 && c.sizeOrType != 8
                && c.sizeOrType != 16) {
            throw error("type id " + c.id + ": INT '" + c.name + "' has size " + c.sizeOrType
                    + ", expected 1, 2, 4, 8 or 16");
        }
        if ((v & 0xf0000000L) != 0 || (v & 0xff00L) != 0 || bits + offset > size * 8 || bits == 0) {
            throw error("type id " + c.id + ": INT '" + c.name + "' has invalid bits " + bits + " at offset "
                    + offset + " for size " + size);
        }
        checkNoVlen(c, "INT");
        return new BtfType.Int(c.name, size, encoding, offset, bits);
    }

    private BtfType array(Ctx c) {
        need(c, 12);
        noName(c, "ARRAY");
        return new BtfType.Array(c.name, ref(c, c.d.u32(c.p)), ref(c, c.d.u32(c.p + 4)), c.d.u32(c.p + 8));
    }

    private BtfType aggregate(Ctx c, boolean union) {
        need(c, 12L * c.vlen);
        List<BtfType.Member> members = new ArrayList<>(c.vlen);
        for (int i = 0; i < c.vlen; i++) {
            long q = c.p + 12L * i;
            String mName = string(c.d.u32(q), c.id);
            int type = ref(c, c.d.u32(q + 4));
            long off = c.d.u32(q + 8);
            long bitOffset = c.kindFlag ? off & 0xffffff : off;
            int bitfield = c.kindFlag ? (int) (off >>> 24) : 0;
            members.add(new BtfType.Member(mName, type, bitOffset, bitfield));
        }
        return union ? new BtfType.Union(c.name, c.sizeOrType, members)
                : new BtfType.Struct(c.name, c.sizeOrType, members);
    }

    private BtfType enumType(Ctx c) {
        need(c, 8L * c.vlen);
        checkEnumSize(c);
        List<BtfType.EnumValue> values = new ArrayList<>(c.vlen);
        for (int i = 0; i < c.vlen; i++) {
            long q = c.p + 8L * i;
            String vName = string(c.d.u32(q), c.id);
            int raw = c.d.s32(q + 4);
            values.add(new BtfType.EnumValue(vName, c.kindFlag ? raw : raw & 0xffffffffL));
        }
        return new BtfType.Enum(c.name, (int) c.sizeOrType, c.kindFlag, values);
    }

    private BtfType enum64(Ctx c) {
        need(c, 12L * c.vlen);
        checkEnumSize(c);
        List<BtfType.EnumValue> values = new ArrayList<>(c.vlen);
        for (int i = 0; i < c.vlen; i++) {
            long q = c.p + 12L * i;
            String vName = string(c.d.u32(q), c.id);
            values.add(new BtfType.EnumValue(vName, c.d.u32(q + 4) | c.d.u32(q + 8) << 32));
        }
        return new BtfType.Enum64(c.name, (int) c.sizeOrType, c.kindFlag, values);
    }

    private void checkEnumSize(Ctx c) {
        long s = c.sizeOrType;
        if (s != 1 && s != 2 && s != 4 && s != 8) {
            throw error("type id " + c.id + ": enum '" + c.name + "' has size " + s + ", expected 1, 2, 4 or 8");
        }
    }

    private BtfType func(Ctx c) {
        if (c.name.isEmpty()) {
            throw error("type id " + c.id + ": FUNC must have a name");
        }
        BtfType.Linkage linkage = BtfType.Linkage.of(c.vlen);
        if (linkage == null) {
            throw error("type id " + c.id + ": FUNC '" + c.name + "' has unknown linkage " + c.vlen);
        }
        return new BtfType.Func(c.name, ref(c, c.sizeOrType), linkage);
    }

    private BtfType funcProto(Ctx c) {
        need(c, 8L * c.vlen);
        List<BtfType.Param> params = new ArrayList<>(c.vlen);
        for (int i = 0; i < c.vlen; i++) {
            long q = c.p + 8L * i;
            params.add(new BtfType.Param(string(c.d.u32(q), c.id), ref(c, c.d.u32(q + 4))));
        }
        return new BtfType.FuncProto(c.name, ref(c, c.sizeOrType), params);
    }

    private BtfType var(Ctx c) {
        need(c, 4);
        checkNoVlen(c, "VAR");
        long l = c.d.u32(c.p);
        BtfType.Linkage linkage = l > 2 ? null : BtfType.Linkage.of((int) l);
        if (linkage == null) {
            throw error("type id " + c.id + ": VAR '" + c.name + "' has unknown linkage " + l);
        }
        return new BtfType.Var(c.name, ref(c, c.sizeOrType), linkage);
    }

    private BtfType datasec(Ctx c) {
        need(c, 12L * c.vlen);
        List<BtfType.VarSecInfo> vars = new ArrayList<>(c.vlen);
        for (int i = 0; i < c.vlen; i++) {
            long q = c.p + 12L * i;
            vars.add(new BtfType.VarSecInfo(ref(c, c.d.u32(q)), c.d.u32(q + 4), c.d.u32(q + 8)));
        }
        return new BtfType.Datasec(c.name, c.sizeOrType, vars);
    }

    private BtfType floatType(Ctx c) {
        long s = c.sizeOrType;
        if (s != 2 && s != 4 && s != 8 && s != 12 && s != 16) {
            throw error("type id " + c.id + ": FLOAT '" + c.name + "' has size " + s);
        }
        checkNoVlen(c, "FLOAT");
        return new BtfType.Float(c.name, (int) s);
    }

    private BtfType declTag(Ctx c) {
        need(c, 4);
        if (c.name.isEmpty()) {
            throw error("type id " + c.id + ": DECL_TAG must have a name");
        }
        int component = c.d.s32(c.p);
        if (component < -1) {
            throw error("type id " + c.id + ": DECL_TAG '" + c.name + "' has component index " + component);
        }
        return new BtfType.DeclTag(c.name, ref(c, c.sizeOrType), component);
    }
}
