package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.linux.probe.NativeElf;

/**
 * The DWARF sections of one ELF file (a binary, its separate debug file, a split {@code .dwo}
 * file or a {@code .dwp} package) and the units of its {@code .debug_info}: the decoding of unit
 * headers, abbreviations, attribute forms and DIEs, versions 2 to 5. Units are read eagerly, DIEs
 * on demand. A damaged file keeps the units read before the damage.
 */
final class DwarfData {
    static final int AT_NAME = 0x03;
    static final int AT_LOW_PC = 0x11;
    static final int AT_HIGH_PC = 0x12;
    static final int AT_STMT_LIST = 0x10;
    static final int AT_COMP_DIR = 0x1b;
    static final int AT_STR_OFFSETS_BASE = 0x72;
    static final int AT_ADDR_BASE = 0x73;
    static final int AT_RANGES = 0x55;
    static final int AT_RNGLISTS_BASE = 0x74;
    static final int AT_DWO_NAME = 0x76;
    static final int AT_GNU_DWO_NAME = 0x2130;
    static final int AT_GNU_ADDR_BASE = 0x2133;
    static final int UT_SKELETON = 4;
    static final int UT_SPLIT_COMPILE = 5;

    record Abbrev(int tag, boolean children, int[] attrs, int[] forms, long[] consts) {}

    /**
     * A unit of {@code .debug_info}: where it lies, its header and the bases its DIEs' indexed
     * forms need (for a split unit, the address base comes from its skeleton in the binary).
     */
    static final class Unit {
        final DwarfData data;
        final int start;
        final int end;
        final int dieStart;
        final int version;
        final int offsetSize;
        final int addressSize;
        final int unitType;
        final long dwoId;
        final Map<Integer, Abbrev> abbrevs;
        long strOffsetsBase;
        long addrBase;
        /** Where {@code addrx} forms are resolved: this file's {@code .debug_addr}, or the skeleton's. */
        DwarfData addrData;

        Unit(DwarfData data, int start, int end, int dieStart, int version, int offsetSize, int addressSize,
                int unitType, long dwoId, Map<Integer, Abbrev> abbrevs, long strOffsetsBase) {
            this.data = data;
            this.start = start;
            this.end = end;
            this.dieStart = dieStart;
            this.version = version;
            this.offsetSize = offsetSize;
            this.addressSize = addressSize;
            this.unitType = unitType;
            this.dwoId = dwoId;
            this.abbrevs = abbrevs;
            this.strOffsetsBase = strOffsetsBase;
            this.addrData = data;
        }

        /** The unit's top DIE. */
        Die top() {
            return data.die(dieStart, this);
        }
    }

    /** A DIE: its tag, attributes (forms decoded) and where the next DIE starts. */
    record Die(int offset, int tag, boolean children, Map<Integer, Object> attrs, int next, Unit unit) {
        /** The DIE an attribute refers to, or null. */
        Die deref(int attr) {
            return attrs.get(attr) instanceof Ref r ? unit.data.die(r.offset(), unit.data.unitOf(r.offset())) : null;
        }

        /** A string attribute ({@code strx} forms resolved), or null. */
        String string(int attr) {
            return unit.data.string(attrs.get(attr), unit);
        }

        /** The DIE's name, or null. */
        String name() {
            return string(AT_NAME);
        }

        boolean has(int attr) {
            return attrs.containsKey(attr);
        }

        long longAttr(int attr, long otherwise) {
            return attrs.get(attr) instanceof Long l ? l : otherwise;
        }

        /** An address attribute ({@code addr} or an index into {@code .debug_addr}), or -1. */
        long address(int attr) {
            Object v = attrs.get(attr);
            if (v instanceof AddrIndex ix) {
                DwarfData d = unit.addrData;
                long at = unit.addrBase + ix.index() * unit.addressSize;
                if (d.addr == null || at < 0 || at + unit.addressSize > d.addr.limit()) {
                    return -1;
                }
                return unit.addressSize == 8 ? d.addr.getLong((int) at) : Integer.toUnsignedLong(d.addr.getInt((int) at));
            }
            return v instanceof Addr a ? a.value() : -1;
        }

        /**
         * The end of the DIE's address range from {@code DW_AT_high_pc} (an address, or a length
         * from the low pc), or -1.
         */
        long highPc(long low) {
            Object v = attrs.get(AT_HIGH_PC);
            return v instanceof Long l ? low + l : address(AT_HIGH_PC);
        }

        /** The direct children of the DIE. */
        List<Die> childDies() {
            List<Die> out = new ArrayList<>();
            if (!children) {
                return out;
            }
            int pos = next;
            int depth = 0;
            while (pos < unit.end) {
                Die c = unit.data.die(pos, unit);
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
    }

    /** A reference to another DIE, as an absolute offset in .debug_info. */
    record Ref(int offset) {}

    /** A string form not resolved yet (strx, which needs the unit's str_offsets base). */
    record StrIndex(long index) {}

    /** An index into the unit's range lists (rnglistx). */
    record RangesIndex(long index) {}

    /** An address (form addr), told apart from constants (a high pc may be either). */
    record Addr(long value) {}

    /** An address form not resolved yet (addrx, which needs the unit's addr base). */
    record AddrIndex(long index) {}

    final String file;
    final ByteBuffer info;
    final ByteBuffer abbrev;
    final ByteBuffer str;
    final ByteBuffer lineStr;
    final ByteBuffer strOffsets;
    final ByteBuffer line;
    final ByteBuffer addr;
    final ByteBuffer rnglists;
    final ByteBuffer ranges;
    final List<Unit> units = new ArrayList<>();

    /**
     * The debug sections of an ELF file; {@code split} reads the {@code .dwo} sections of a split
     * file or package (whose units' contributions a {@code .debug_cu_index} places).
     */
    DwarfData(NativeElf elf, boolean split) {
        String suffix = split ? ".dwo" : "";
        file = elf.name();
        info = section(elf, ".debug_info" + suffix);
        abbrev = section(elf, ".debug_abbrev" + suffix);
        str = section(elf, ".debug_str" + suffix);
        lineStr = section(elf, ".debug_line_str");
        strOffsets = section(elf, ".debug_str_offsets" + suffix);
        line = section(elf, ".debug_line" + suffix);
        addr = section(elf, ".debug_addr");
        rnglists = section(elf, ".debug_rnglists" + suffix);
        ranges = section(elf, ".debug_ranges");
        Map<Integer, long[]> index = split ? cuIndex(section(elf, ".debug_cu_index")) : Map.of();
        if (info != null && abbrev != null) {
            try {
                readUnits(index, split);
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                // Damaged or unsupported debug information: keep the units read before it.
            }
        }
    }

    private static ByteBuffer section(NativeElf elf, String name) {
        return elf.section(name).filter(s -> s.type() != 8) // SHT_NOBITS: stripped into a separate file
                .map(s -> elf.data(s).slice().order(ByteOrder.LITTLE_ENDIAN)).orElse(null);
    }

    /** Whether the file has units. */
    boolean available() {
        return !units.isEmpty();
    }

    // ---- units ----

    /**
     * A package's index ({@code .debug_cu_index}, version 2 of GNU or 5): for each unit's offset in
     * {@code .debug_info.dwo}, the offsets of its abbreviations and string offsets.
     */
    private static Map<Integer, long[]> cuIndex(ByteBuffer b) {
        Map<Integer, long[]> out = new HashMap<>();
        if (b == null || b.limit() < 16) {
            return out;
        }
        int version = b.getShort(0) & 0xffff;
        int columns = b.getInt(4);
        int rows = b.getInt(8);
        int slots = b.getInt(12);
        int offsets = 16 + slots * 12;
        int ids = offsets;
        int table = ids + columns * 4;
        int infoCol = -1;
        int abbrevCol = -1;
        int strCol = -1;
        for (int c = 0; c < columns; c++) {
            int id = b.getInt(ids + c * 4);
            if (id == 1) {
                infoCol = c;
            } else if (id == 3) {
                abbrevCol = c;
            } else if (id == 6) {
                strCol = c;
            }
        }
        if (infoCol < 0 || version != 2 && version != 5) {
            return out;
        }
        for (int r = 0; r < rows; r++) {
            int row = table + r * columns * 4;
            int infoOff = b.getInt(row + infoCol * 4);
            long abbrevOff = abbrevCol < 0 ? 0 : Integer.toUnsignedLong(b.getInt(row + abbrevCol * 4));
            long strOff = strCol < 0 ? 0 : Integer.toUnsignedLong(b.getInt(row + strCol * 4));
            out.put(infoOff, new long[] {abbrevOff, strOff});
        }
        return out;
    }

    private void readUnits(Map<Integer, long[]> index, boolean split) {
        int pos = 0;
        Map<Long, Map<Integer, Abbrev>> abbrevTables = new HashMap<>();
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
            int unitType = 1;
            long dwoId = 0;
            if (version >= 5) {
                unitType = info.get(p) & 0xff;
                addressSize = info.get(p + 1) & 0xff;
                p += 2;
                abbrevOffset = offsetSize == 8 ? info.getLong(p) : Integer.toUnsignedLong(info.getInt(p));
                p += offsetSize;
                if (unitType == 2 || unitType == 6) { // type units: signature and type offset
                    p += 8 + offsetSize;
                } else if (unitType == UT_SKELETON || unitType == UT_SPLIT_COMPILE) {
                    dwoId = info.getLong(p);
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
            long[] contribution = index.get(pos);
            long strBase = split ? (version >= 5 ? 8 : 0) : 8;
            if (contribution != null) {
                abbrevOffset += contribution[0];
                strBase += contribution[1];
            }
            Map<Integer, Abbrev> abbrevs = abbrevTables.computeIfAbsent(abbrevOffset, o -> abbrevs((int) (long) o));
            Unit u = new Unit(this, pos, end, p, version, offsetSize, addressSize, unitType, dwoId, abbrevs, strBase);
            units.add(u);
            Die top = die(p, u);
            if (top != null) {
                if (top.attrs().get(AT_STR_OFFSETS_BASE) instanceof Long base) {
                    u.strOffsetsBase = base;
                }
                Object ab = top.attrs().containsKey(AT_ADDR_BASE) ? top.attrs().get(AT_ADDR_BASE)
                        : top.attrs().get(AT_GNU_ADDR_BASE);
                if (ab instanceof Long base) {
                    u.addrBase = base;
                }
            }
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

    Unit unitOf(int offset) {
        int lo = 0;
        int hi = units.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Unit u = units.get(mid);
            if (offset < u.start) {
                hi = mid - 1;
            } else if (offset >= u.end) {
                lo = mid + 1;
            } else {
                return u;
            }
        }
        throw new IllegalStateException("DWARF: reference 0x" + Integer.toHexString(offset) + " outside every unit");
    }

    // ---- DIEs ----

    /** The DIE at {@code offset} of .debug_info, or null for a null entry (the end of a sibling list). */
    Die die(int offset, Unit u) {
        int[] p = {offset};
        int code = (int) uleb(info, p);
        if (code == 0) {
            return null;
        }
        Abbrev a = u.abbrevs.get(code);
        if (a == null) {
            throw new IllegalStateException("DWARF: unknown abbreviation " + code + " at 0x" + Integer.toHexString(offset));
        }
        Map<Integer, Object> attrs = new HashMap<>();
        for (int i = 0; i < a.attrs().length; i++) {
            Object v = value(a.forms()[i], a.consts()[i], p, u);
            attrs.put(a.attrs()[i], v);
        }
        return new Die(offset, a.tag(), a.children(), attrs, p[0], u);
    }

    private Object value(int form, long implicit, int[] p, Unit u) {
        int os = u.offsetSize;
        return switch (form) {
            case 0x01 -> new Addr(fixed(p, u.addressSize)); // addr
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
            case 0x10 -> new Ref((int) fixed(p, u.version <= 2 ? u.addressSize : os)); // ref_addr
            case 0x11 -> new Ref(u.start + (int) fixed(p, 1));
            case 0x12 -> new Ref(u.start + (int) fixed(p, 2));
            case 0x13 -> new Ref(u.start + (int) fixed(p, 4));
            case 0x14 -> new Ref(u.start + (int) fixed(p, 8));
            case 0x15 -> new Ref(u.start + (int) uleb(info, p));
            case 0x16 -> value((int) uleb(info, p), 0, p, u); // indirect
            case 0x17 -> fixed(p, os); // sec_offset
            case 0x19 -> 1L; // flag_present
            case 0x1a, 0x1f02 -> new StrIndex(uleb(info, p)); // strx, GNU_str_index
            case 0x1b, 0x1f01 -> new AddrIndex(uleb(info, p)); // addrx, GNU_addr_index
            case 0x22 -> uleb(info, p); // loclistx
            case 0x23 -> new RangesIndex(uleb(info, p)); // rnglistx
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
            case 0x29 -> new AddrIndex(fixed(p, 1));
            case 0x2a -> new AddrIndex(fixed(p, 2));
            case 0x2b -> new AddrIndex(fixed(p, 3));
            case 0x2c -> new AddrIndex(fixed(p, 4));
            case 0x1f20, 0x1f21 -> fixed(p, os); // GNU_ref_alt, GNU_strp_alt: in a dwz file bpf4j does not read
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

    /** A decoded string attribute value as a string ({@code strx} through the unit's base), or null. */
    String string(Object v, Unit u) {
        if (v instanceof StrIndex s && strOffsets != null) {
            int os = u.offsetSize;
            long at = u.strOffsetsBase + s.index() * os;
            if (at < 0 || at + os > strOffsets.limit()) {
                return null;
            }
            long off = os == 8 ? strOffsets.getLong((int) at) : Integer.toUnsignedLong(strOffsets.getInt((int) at));
            return stringAt(str, off);
        }
        return v instanceof String s ? s : null;
    }

    // ---- encodings ----

    static long uleb(ByteBuffer b, int[] p) {
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

    static long sleb(ByteBuffer b, int[] p) {
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

    static String cstring(ByteBuffer b, int[] p) {
        int start = p[0];
        while (b.get(p[0]) != 0) {
            p[0]++;
        }
        byte[] out = new byte[p[0] - start];
        b.get(start, out);
        p[0]++;
        return new String(out, StandardCharsets.UTF_8);
    }

    static String stringAt(ByteBuffer b, long offset) {
        if (b == null || offset < 0 || offset >= b.limit()) {
            return null;
        }
        return cstring(b, new int[] {(int) offset});
    }
}
