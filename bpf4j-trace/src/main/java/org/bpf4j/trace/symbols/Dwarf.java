package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.object.btf.BtfType;

/**
 * The parameters of a function from a binary's DWARF debug information ({@code .debug_info},
 * versions 2 to 5), for {@code args} in uprobes: each parameter's name and type, with typedefs and
 * qualifiers peeled as bpftrace's libdw reading does. Immutable once read; a file without debug
 * information has no functions.
 */
public final class Dwarf {
    /** A parameter's type, reduced to what the tracing language reads. */
    public sealed interface ParamType {
        /** The type's name as {@code bpftrace -lv} shows it. */
        String name();
    }

    /** An integer (or enum, or bool) of {@code bits}. */
    public record IntType(String name, int bits, boolean signed) implements ParamType {}

    /** A pointer; {@code pointee} is null for {@code void *}. */
    public record PointerType(String name, ParamType pointee) implements ParamType {}

    /** Anything else (structs passed by value, floats...): not readable as a value. */
    public record OtherType(String name) implements ParamType {}

    /** A parameter of a function, in declaration order. */
    public record Param(String name, ParamType type) {}

    private static final int TAG_FORMAL_PARAMETER = 0x05;
    private static final int TAG_POINTER = 0x0f;
    private static final int TAG_STRUCT = 0x13;
    private static final int TAG_UNION = 0x17;
    private static final int TAG_ENUM = 0x04;
    private static final int TAG_TYPEDEF = 0x16;
    private static final int TAG_BASE = 0x24;
    private static final int TAG_CONST = 0x26;
    private static final int TAG_VOLATILE = 0x35;
    private static final int TAG_RESTRICT = 0x37;
    private static final int TAG_ATOMIC = 0x47;
    private static final int TAG_SUBPROGRAM = 0x2e;
    private static final int TAG_ARRAY = 0x01;
    private static final int TAG_MEMBER = 0x0d;
    private static final int TAG_SUBRANGE = 0x21;
    private static final int TAG_ENUMERATOR = 0x28;
    private static final int AT_BIT_OFFSET = 0x0c;
    private static final int AT_BIT_SIZE = 0x0d;
    private static final int AT_CONST_VALUE = 0x1c;
    private static final int AT_UPPER_BOUND = 0x2f;
    private static final int AT_COUNT = 0x37;
    private static final int AT_MEMBER_LOCATION = 0x38;
    private static final int AT_DATA_BIT_OFFSET = 0x6b;
    private static final int AT_NAME = 0x03;
    private static final int AT_BYTE_SIZE = 0x0b;
    private static final int AT_ENCODING = 0x3e;
    private static final int AT_TYPE = 0x49;
    private static final int AT_DECLARATION = 0x3c;
    private static final int AT_ABSTRACT_ORIGIN = 0x31;
    private static final int AT_SPECIFICATION = 0x47;
    private static final int AT_STR_OFFSETS_BASE = 0x72;

    private record Abbrev(int tag, boolean children, int[] attrs, int[] forms, long[] consts) {}

    private record Unit(int start, int end, int dieStart, int version, int offsetSize, int addressSize,
            Map<Integer, Abbrev> abbrevs, long[] strOffsetsBase) {}

    private record Die(int offset, int tag, boolean children, Map<Integer, Object> attrs, int next, Unit unit) {}

    private final ByteBuffer info;
    private final ByteBuffer abbrev;
    private final ByteBuffer str;
    private final ByteBuffer lineStr;
    private final ByteBuffer strOffsets;
    private final List<Unit> units = new ArrayList<>();
    private final Map<String, List<Param>> functions = new HashMap<>();

    private Dwarf(NativeElf elf) {
        info = section(elf, ".debug_info");
        abbrev = section(elf, ".debug_abbrev");
        str = section(elf, ".debug_str");
        lineStr = section(elf, ".debug_line_str");
        strOffsets = section(elf, ".debug_str_offsets");
        if (info != null && abbrev != null) {
            try {
                readUnits();
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                // Damaged or unsupported debug information: keep the functions read before it.
            }
        }
    }

    private static ByteBuffer section(NativeElf elf, String name) {
        return elf.section(name).map(s -> elf.data(s).slice().order(ByteOrder.LITTLE_ENDIAN)).orElse(null);
    }

    /** Reads the debug information of a binary (none if it has none or it cannot be read). */
    public static Dwarf read(Path binary) {
        return new Dwarf(NativeElf.read(binary));
    }

    private static final Map<Path, Dwarf> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** {@link #read}, once per file for the life of the process. */
    public static Dwarf cached(Path binary) {
        return CACHE.computeIfAbsent(binary, Dwarf::read);
    }

    /** Whether the file has DWARF debug information. */
    public boolean available() {
        return !units.isEmpty();
    }

    /** The parameters of a function defined in the file, if its debug information describes it. */
    public Optional<List<Param>> params(String function) {
        return Optional.ofNullable(functions.get(function));
    }

    // ---- units and DIEs ----

    private void readUnits() {
        int pos = 0;
        while (pos + 11 <= info.limit()) {
            long length = Integer.toUnsignedLong(info.getInt(pos));
            int offsetSize = 4;
            int p = pos + 4;
            if (length == 0xffff_ffffL) {
                length = info.getLong(p);
                offsetSize = 8;
                p += 8;
            }
            int end = (int) (p + length);
            int version = info.getShort(p) & 0xffff;
            p += 2;
            long abbrevOffset;
            int addressSize;
            if (version >= 5) {
                int unitType = info.get(p) & 0xff;
                addressSize = info.get(p + 1) & 0xff;
                p += 2;
                abbrevOffset = offsetSize == 8 ? info.getLong(p) : Integer.toUnsignedLong(info.getInt(p));
                p += offsetSize;
                if (unitType == 2 || unitType == 6) { // type units: signature and type offset
                    p += 8 + offsetSize;
                } else if (unitType == 4 || unitType == 5) { // skeleton and split units: dwo id
                    p += 8;
                }
            } else {
                abbrevOffset = offsetSize == 8 ? info.getLong(p) : Integer.toUnsignedLong(info.getInt(p));
                p += offsetSize;
                addressSize = info.get(p) & 0xff;
                p += 1;
            }
            if (version < 2 || version > 5 || end > info.limit()) {
                return;
            }
            Unit u = new Unit(pos, end, p, version, offsetSize, addressSize, abbrevs((int) abbrevOffset), new long[] {8});
            units.add(u);
            scanFunctions(u);
            pos = end;
        }
    }

    private Map<Integer, Abbrev> abbrevs(int offset) {
        Map<Integer, Abbrev> out = new HashMap<>();
        int[] p = {offset};
        while (p[0] < abbrev.limit()) {
            int code = (int) uleb(abbrev, p);
            if (code == 0) {
                break;
            }
            int tag = (int) uleb(abbrev, p);
            boolean children = abbrev.get(p[0]++) != 0;
            List<long[]> specs = new ArrayList<>();
            while (true) {
                int at = (int) uleb(abbrev, p);
                int form = (int) uleb(abbrev, p);
                if (at == 0 && form == 0) {
                    break;
                }
                long c = form == 0x21 ? sleb(abbrev, p) : 0;
                specs.add(new long[] {at, form, c});
            }
            int[] attrs = new int[specs.size()];
            int[] forms = new int[specs.size()];
            long[] consts = new long[specs.size()];
            for (int i = 0; i < specs.size(); i++) {
                attrs[i] = (int) specs.get(i)[0];
                forms[i] = (int) specs.get(i)[1];
                consts[i] = specs.get(i)[2];
            }
            out.put(code, new Abbrev(tag, children, attrs, forms, consts));
        }
        return out;
    }

    /** The DIE at {@code offset} of .debug_info, or null for a null entry (the end of a sibling list). */
    private Die die(int offset, Unit u) {
        int[] p = {offset};
        int code = (int) uleb(info, p);
        if (code == 0) {
            return null;
        }
        Abbrev a = u.abbrevs().get(code);
        if (a == null) {
            throw new IllegalStateException("DWARF: unknown abbreviation " + code + " at 0x" + Integer.toHexString(offset));
        }
        Map<Integer, Object> attrs = new HashMap<>();
        for (int i = 0; i < a.attrs().length; i++) {
            Object v = value(a.forms()[i], a.consts()[i], p, u);
            attrs.put(a.attrs()[i], v);
        }
        if (attrs.get(AT_STR_OFFSETS_BASE) instanceof Long base) {
            u.strOffsetsBase()[0] = base;
        }
        return new Die(offset, a.tag(), a.children(), attrs, p[0], u);
    }

    /** A reference to another DIE, as an absolute offset in .debug_info. */
    private record Ref(int offset) {}

    /** A string form not resolved yet (strx, which needs the unit's str_offsets base). */
    private record StrIndex(long index) {}

    private Object value(int form, long implicit, int[] p, Unit u) {
        int os = u.offsetSize();
        return switch (form) {
            case 0x01 -> fixed(p, u.addressSize()); // addr
            case 0x03 -> skip(p, fixed(p, 2)); // block2
            case 0x04 -> skip(p, fixed(p, 4)); // block4
            case 0x05 -> fixed(p, 2);
            case 0x06 -> fixed(p, 4);
            case 0x07 -> fixed(p, 8);
            case 0x08 -> cstring(info, p);
            case 0x09, 0x18 -> skip(p, uleb(info, p)); // block, exprloc
            case 0x0a -> skip(p, fixed(p, 1)); // block1
            case 0x0b, 0x0c -> fixed(p, 1); // data1, flag
            case 0x0d -> sleb(info, p);
            case 0x0e -> stringAt(str, fixed(p, os)); // strp
            case 0x0f -> uleb(info, p);
            case 0x10 -> new Ref((int) fixed(p, u.version() <= 2 ? u.addressSize() : os)); // ref_addr
            case 0x11 -> new Ref(u.start() + (int) fixed(p, 1));
            case 0x12 -> new Ref(u.start() + (int) fixed(p, 2));
            case 0x13 -> new Ref(u.start() + (int) fixed(p, 4));
            case 0x14 -> new Ref(u.start() + (int) fixed(p, 8));
            case 0x15 -> new Ref(u.start() + (int) uleb(info, p));
            case 0x16 -> value((int) uleb(info, p), 0, p, u); // indirect
            case 0x17 -> fixed(p, os); // sec_offset
            case 0x19 -> 1L; // flag_present
            case 0x1a -> new StrIndex(uleb(info, p)); // strx
            case 0x1b, 0x22, 0x23 -> uleb(info, p); // addrx, loclistx, rnglistx
            case 0x1c -> fixed(p, 4); // ref_sup4
            case 0x1d -> fixed(p, os); // strp_sup
            case 0x1e -> skip(p, 16); // data16
            case 0x1f -> stringAt(lineStr, fixed(p, os)); // line_strp
            case 0x20, 0x24 -> fixed(p, 8); // ref_sig8, ref_sup8
            case 0x21 -> implicit;
            case 0x25 -> new StrIndex(fixed(p, 1));
            case 0x26 -> new StrIndex(fixed(p, 2));
            case 0x27 -> new StrIndex(fixed(p, 3));
            case 0x28 -> new StrIndex(fixed(p, 4));
            case 0x29 -> fixed(p, 1); // addrx1..4
            case 0x2a -> fixed(p, 2);
            case 0x2b -> fixed(p, 3);
            case 0x2c -> fixed(p, 4);
            default -> throw new IllegalStateException("DWARF: unknown form 0x" + Integer.toHexString(form));
        };
    }

    private long fixed(int[] p, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (long) (info.get(p[0] + i) & 0xff) << (8 * i);
        }
        p[0] += size;
        return v;
    }

    private static Long skip(int[] p, long n) {
        p[0] += (int) n;
        return 0L;
    }

    private String name(Die d) {
        Object v = d.attrs().get(AT_NAME);
        if (v instanceof StrIndex s && strOffsets != null) {
            int os = d.unit().offsetSize();
            int at = (int) (d.unit().strOffsetsBase()[0] + s.index() * os);
            long off = os == 8 ? strOffsets.getLong(at) : Integer.toUnsignedLong(strOffsets.getInt(at));
            return stringAt(str, off);
        }
        return v instanceof String s ? s : null;
    }

    private Die deref(Die d, int attr) {
        if (d.attrs().get(attr) instanceof Ref r) {
            return die(r.offset(), unitOf(r.offset()));
        }
        return null;
    }

    private Unit unitOf(int offset) {
        for (Unit u : units) {
            if (offset >= u.start() && offset < u.end()) {
                return u;
            }
        }
        throw new IllegalStateException("DWARF: reference 0x" + Integer.toHexString(offset) + " outside every unit");
    }

    /** Walks a unit's DIEs, recording every function definition with its parameters. */
    private void scanFunctions(Unit u) {
        int pos = u.dieStart();
        int depth = 0;
        Die current = null;
        List<Param> params = null;
        int paramsDepth = -1;
        while (pos < u.end()) {
            Die d = die(pos, u);
            if (d == null) {
                pos++;
                depth--;
                if (depth < paramsDepth && params != null) {
                    finish(current, params);
                    params = null;
                    paramsDepth = -1;
                }
                if (depth < 0) {
                    break;
                }
                continue;
            }
            if (params != null && depth == paramsDepth && d.tag() == TAG_FORMAL_PARAMETER) {
                params.add(param(d));
            }
            if (d.tag() == TAG_SUBPROGRAM && !d.attrs().containsKey(AT_DECLARATION)) {
                if (params != null) {
                    finish(current, params);
                }
                current = d;
                params = new ArrayList<>();
                paramsDepth = depth + 1;
                if (!d.children()) {
                    finish(current, params);
                    params = null;
                    paramsDepth = -1;
                }
            }
            pos = d.next();
            if (d.children()) {
                depth++;
            }
        }
        if (params != null) {
            finish(current, params);
        }
    }

    private void finish(Die fn, List<Param> params) {
        String name = name(fn);
        Die origin = fn;
        for (int i = 0; name == null && i < 4; i++) {
            origin = deref(origin, origin.attrs().containsKey(AT_ABSTRACT_ORIGIN) ? AT_ABSTRACT_ORIGIN : AT_SPECIFICATION);
            if (origin == null) {
                return;
            }
            name = name(origin);
        }
        if (name != null) {
            functions.putIfAbsent(name, List.copyOf(params));
        }
    }

    private Param param(Die d) {
        Die named = d;
        String name = name(d);
        if (name == null && d.attrs().containsKey(AT_ABSTRACT_ORIGIN)) {
            named = deref(d, AT_ABSTRACT_ORIGIN);
            name = named == null ? null : name(named);
        }
        Die typed = d.attrs().containsKey(AT_TYPE) || named == null ? d : named;
        return new Param(name == null ? "" : name, type(deref(typed, AT_TYPE), 0));
    }

    /** The type a type DIE denotes, qualifiers and typedefs peeled (their names kept for display). */
    private ParamType type(Die t, int depth) {
        if (t == null) {
            return new OtherType("void");
        }
        if (depth > 16) {
            return new OtherType("<unknown type>");
        }
        String display = displayName(t, 0);
        Die peeled = t;
        while (peeled != null && (peeled.tag() == TAG_TYPEDEF || peeled.tag() == TAG_CONST
                || peeled.tag() == TAG_VOLATILE || peeled.tag() == TAG_RESTRICT || peeled.tag() == TAG_ATOMIC)) {
            peeled = deref(peeled, AT_TYPE);
        }
        if (peeled == null) {
            return new OtherType(display);
        }
        long size = peeled.attrs().get(AT_BYTE_SIZE) instanceof Long l ? l : 0;
        return switch (peeled.tag()) {
            case TAG_BASE -> {
                long enc = peeled.attrs().get(AT_ENCODING) instanceof Long l ? l : 0;
                boolean isInt = enc == 2 || enc == 5 || enc == 6 || enc == 7 || enc == 8;
                yield isInt && (size == 1 || size == 2 || size == 4 || size == 8)
                        ? new IntType(display, (int) size * 8, enc == 5 || enc == 6) : new OtherType(display);
            }
            case TAG_ENUM -> size == 1 || size == 2 || size == 4 || size == 8
                    ? new IntType(display, (int) size * 8, false) : new OtherType(display);
            case TAG_POINTER -> {
                Die inner = deref(peeled, AT_TYPE);
                yield new PointerType(display, inner == null ? null : type(inner, depth + 1));
            }
            default -> new OtherType(display);
        };
    }

    /** A type's name as bpftrace's listing writes it ({@code const char*}, {@code char**}). */
    private String displayName(Die t, int depth) {
        if (t == null) {
            return "void";
        }
        if (depth > 16) {
            return "<unknown type>";
        }
        return switch (t.tag()) {
            case TAG_BASE, TAG_TYPEDEF -> String.valueOf(name(t));
            case TAG_POINTER -> displayName(deref(t, AT_TYPE), depth + 1) + "*";
            case TAG_STRUCT, TAG_UNION, TAG_ENUM -> (t.tag() == TAG_STRUCT ? "struct " : t.tag() == TAG_UNION
                    ? "union " : "enum ") + (name(t) == null ? "<anonymous>" : name(t));
            case TAG_CONST -> {
                Die inner = deref(t, AT_TYPE);
                yield inner != null && inner.tag() == TAG_POINTER ? displayName(inner, depth + 1) + " const"
                        : "const " + displayName(inner, depth + 1);
            }
            default -> "<unknown type>";
        };
    }

    // ---- types as BTF ----

    /**
     * The named structs, unions and enums of the file's debug information (the first definition of
     * each name) as BTF types, with the types they use, numbered from {@code firstId} (the types
     * before it are someone else's: the kernel's). Member offsets are the compiler's, bit fields
     * included; what BTF cannot say (functions, floats' encodings) becomes {@code void}.
     */
    public List<BtfType> btfTypes(int firstId) {
        TypeBuilder b = new TypeBuilder(firstId);
        Set<String> seen = new java.util.HashSet<>();
        for (Unit u : units) {
            int pos = u.dieStart();
            int depth = 0;
            while (pos < u.end()) {
                Die d = die(pos, u);
                if (d == null) {
                    pos++;
                    if (--depth < 0) {
                        break;
                    }
                    continue;
                }
                if ((d.tag() == TAG_STRUCT || d.tag() == TAG_UNION || d.tag() == TAG_ENUM) && name(d) != null
                        && !d.attrs().containsKey(AT_DECLARATION) && seen.add(d.tag() + " " + name(d))) {
                    b.id(d, 0);
                }
                pos = d.next();
                if (d.children()) {
                    depth++;
                }
            }
        }
        return b.out;
    }

    /** The direct children of a DIE. */
    private List<Die> children(Die d) {
        List<Die> out = new ArrayList<>();
        if (!d.children()) {
            return out;
        }
        int pos = d.next();
        int depth = 0;
        while (pos < d.unit().end()) {
            Die c = die(pos, d.unit());
            if (c == null) {
                pos++;
                if (depth-- == 0) {
                    break;
                }
                continue;
            }
            if (depth == 0) {
                out.add(c);
            }
            pos = c.next();
            if (c.children()) {
                depth++;
            }
        }
        return out;
    }

    private static long longAttr(Die d, int attr, long otherwise) {
        return d.attrs().get(attr) instanceof Long l ? l : otherwise;
    }

    /** Converts type DIEs to BTF types, each once (so that a struct can point to itself). */
    private final class TypeBuilder {
        final List<BtfType> out = new ArrayList<>();
        final Map<Integer, Integer> ids = new HashMap<>();
        final int firstId;
        int indexType = -1;

        TypeBuilder(int firstId) {
            this.firstId = firstId;
        }

        private int add(BtfType t) {
            out.add(t);
            return firstId + out.size() - 1;
        }

        /** The BTF id of a type DIE (0, void, for none or what BTF cannot hold). */
        int id(Die t, int depth) {
            if (t == null || depth > 64) {
                return 0;
            }
            Integer known = ids.get(t.offset());
            if (known != null) {
                return known;
            }
            int tag = t.tag();
            if (tag != TAG_BASE && tag != TAG_POINTER && tag != TAG_TYPEDEF && tag != TAG_CONST && tag != TAG_VOLATILE
                    && tag != TAG_RESTRICT && tag != TAG_ATOMIC && tag != TAG_STRUCT && tag != TAG_UNION
                    && tag != TAG_ENUM && tag != TAG_ARRAY) {
                return 0;
            }
            int id = add(null); // reserved first: a struct's members may point back to it
            ids.put(t.offset(), id);
            out.set(id - firstId, convert(t, depth));
            return id;
        }

        private BtfType convert(Die t, int depth) {
            String name = name(t);
            long size = longAttr(t, AT_BYTE_SIZE, 0);
            return switch (t.tag()) {
                case TAG_BASE -> {
                    long enc = longAttr(t, AT_ENCODING, 0);
                    if (enc == 4) {
                        yield new BtfType.Float(String.valueOf(name), (int) size);
                    }
                    int flags = (enc == 5 || enc == 6 ? BtfType.Int.SIGNED : 0)
                            | (enc == 6 || enc == 8 ? BtfType.Int.CHAR : 0) | (enc == 2 ? BtfType.Int.BOOL : 0);
                    yield new BtfType.Int(String.valueOf(name), (int) size, flags, 0, (int) size * 8);
                }
                case TAG_POINTER -> new BtfType.Ptr("", id(deref(t, AT_TYPE), depth + 1));
                case TAG_TYPEDEF -> new BtfType.Typedef(String.valueOf(name), id(deref(t, AT_TYPE), depth + 1));
                case TAG_CONST -> new BtfType.Const("", id(deref(t, AT_TYPE), depth + 1));
                case TAG_RESTRICT -> new BtfType.Restrict("", id(deref(t, AT_TYPE), depth + 1));
                case TAG_VOLATILE, TAG_ATOMIC -> new BtfType.Volatile("", id(deref(t, AT_TYPE), depth + 1));
                case TAG_ENUM -> {
                    List<BtfType.EnumValue> values = new ArrayList<>();
                    for (Die c : children(t)) {
                        if (c.tag() == TAG_ENUMERATOR) {
                            values.add(new BtfType.EnumValue(String.valueOf(name(c)), longAttr(c, AT_CONST_VALUE, 0)));
                        }
                    }
                    yield new BtfType.Enum(name == null ? "" : name, (int) Math.max(size, 1), false, values);
                }
                case TAG_ARRAY -> {
                    List<Long> dims = new ArrayList<>();
                    for (Die c : children(t)) {
                        if (c.tag() == TAG_SUBRANGE) {
                            dims.add(c.attrs().containsKey(AT_COUNT) ? longAttr(c, AT_COUNT, 0)
                                    : longAttr(c, AT_UPPER_BOUND, -1) + 1);
                        }
                    }
                    if (indexType < 0) {
                        indexType = add(new BtfType.Int("__ARRAY_SIZE_TYPE__", 4, 0, 0, 32));
                    }
                    int element = id(deref(t, AT_TYPE), depth + 1);
                    for (int k = dims.size() - 1; k > 0; k--) {
                        element = add(new BtfType.Array("", element, indexType, dims.get(k)));
                    }
                    yield new BtfType.Array("", element, indexType, dims.isEmpty() ? 0 : dims.getFirst());
                }
                default -> { // a struct or union
                    boolean union = t.tag() == TAG_UNION;
                    if (t.attrs().containsKey(AT_DECLARATION)) {
                        yield new BtfType.Fwd(String.valueOf(name), union);
                    }
                    List<BtfType.Member> members = new ArrayList<>();
                    for (Die c : children(t)) {
                        if (c.tag() != TAG_MEMBER) {
                            continue;
                        }
                        int type = id(deref(c, AT_TYPE), depth + 1);
                        int bits = (int) longAttr(c, AT_BIT_SIZE, 0);
                        long bitOffset;
                        if (c.attrs().containsKey(AT_DATA_BIT_OFFSET)) {
                            bitOffset = longAttr(c, AT_DATA_BIT_OFFSET, 0);
                        } else {
                            bitOffset = longAttr(c, AT_MEMBER_LOCATION, 0) * 8;
                            if (c.attrs().containsKey(AT_BIT_OFFSET)) { // DWARF 2/3: from the storage unit's top bit
                                long unit = longAttr(c, AT_BYTE_SIZE, 0) * 8;
                                bitOffset += unit - longAttr(c, AT_BIT_OFFSET, 0) - bits;
                            }
                        }
                        String mname = name(c);
                        members.add(new BtfType.Member(mname == null ? "" : mname, type, bitOffset, bits));
                    }
                    String sname = name == null ? "" : name;
                    yield union ? new BtfType.Union(sname, size, members) : new BtfType.Struct(sname, size, members);
                }
            };
        }
    }

    // ---- encodings ----

    private static long uleb(ByteBuffer b, int[] p) {
        long v = 0;
        int shift = 0;
        while (true) {
            int x = b.get(p[0]++) & 0xff;
            if (shift < 64) {
                v |= (long) (x & 0x7f) << shift;
            }
            shift += 7;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
    }

    private static long sleb(ByteBuffer b, int[] p) {
        long v = 0;
        int shift = 0;
        int x;
        do {
            x = b.get(p[0]++) & 0xff;
            if (shift < 64) {
                v |= (long) (x & 0x7f) << shift;
            }
            shift += 7;
        } while ((x & 0x80) != 0);
        if (shift < 64 && (x & 0x40) != 0) {
            v |= -1L << shift;
        }
        return v;
    }

    private static String cstring(ByteBuffer b, int[] p) {
        int start = p[0];
        while (b.get(p[0]) != 0) {
            p[0]++;
        }
        byte[] out = new byte[p[0] - start];
        b.get(start, out);
        p[0]++;
        return new String(out, StandardCharsets.UTF_8);
    }

    private static String stringAt(ByteBuffer b, long offset) {
        if (b == null || offset < 0 || offset >= b.limit()) {
            return null;
        }
        return cstring(b, new int[] {(int) offset});
    }
}
