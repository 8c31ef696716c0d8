package org.bpf4j.object;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfRelocation;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * BTF-defined maps: the variables of the {@code .maps} section, whose struct type encodes the map's
 * attributes as libbpf's {@code __uint}, {@code __type} and {@code __array} macros write them
 * ({@code int (*type)[BPF_MAP_TYPE_HASH]}, {@code struct key *key}, ...), and the {@code values}
 * initializers of program arrays and maps of maps from the {@code .rel.maps} relocations.
 */
final class BtfMaps {
    private static final int PROG_ARRAY = 3;
    private static final int ARRAY_OF_MAPS = 12;
    private static final int HASH_OF_MAPS = 13;

    private BtfMaps() {
    }

    /** A parsed definition and where it is: offset and size in {@code .maps}, offset of its {@code values}. */
    record Entry(long offset, long size, long valuesOffset, MapSpec spec) {
    }

    static List<Entry> parse(ObjectContext ctx, ElfSection section) {
        Btf btf = ctx.btf().orElseThrow(() -> ctx.error(section, "BTF-defined maps need a .BTF section, "
                + "and the object has none"));
        int secId = btf.typeIdByName(section.name(), 15);
        if (secId < 0) {
            throw ctx.error(section, "no DATASEC '" + section.name() + "' in BTF describes the maps");
        }
        BtfType.Datasec sec = (BtfType.Datasec) btf.typeById(secId);
        List<Entry> out = new ArrayList<>();
        for (BtfType.VarSecInfo vi : sec.vars()) {
            if (!(btf.typeById(vi.type()) instanceof BtfType.Var var)) {
                throw ctx.error(section, "DATASEC entry type id " + vi.type() + " is " + btf.describe(vi.type())
                        + ", not a VAR");
            }
            if (var.linkage() == BtfType.Linkage.EXTERN) {
                throw ctx.error(section, "map '" + var.name() + "' is extern, which is not supported");
            }
            ElfSymbol sym = symbol(ctx, section, var.name());
            long size = Math.max(btf.sizeOf(var.type()), sym.size()); // with a values initializer, the symbol is larger
            if (sym.value() > section.size() || size > section.size() - sym.value()) {
                throw ctx.error(section, "map '" + var.name() + "' at offset " + sym.value() + " (" + size
                        + " bytes) runs past the end of the section (" + section.size() + " bytes)");
            }
            Def def = definition(ctx, btf, var.name(), var.type(), false);
            out.add(new Entry(sym.value(), size, def.valuesOffset, def.spec));
        }
        return out;
    }

    private static ElfSymbol symbol(ObjectContext ctx, ElfSection section, String name) {
        for (ElfSymbol s : ctx.elf().symbols()) {
            if (s.sectionIndex() == section.index() && s.name().equals(name)) {
                return s;
            }
        }
        throw ctx.error(section, "map '" + name + "' is described in BTF but has no symbol in the section"
                + ctx.elf().symbolTableFault().map(f -> " (" + f + ")").orElse(""));
    }

    private record Def(MapSpec spec, long valuesOffset) {
    }

    private static Def definition(ObjectContext ctx, Btf btf, String name, int typeId, boolean inner) {
        String what = "map '" + name + "'";
        BtfType t = btf.resolve(typeId);
        if (!(t instanceof BtfType.Struct s)) {
            throw ctx.error("section '.maps': " + what + ": definition is " + t.kindName() + ", not a struct");
        }
        long type = 0;
        long maxEntries = 0;
        long flags = 0;
        long numa = 0;
        long extra = 0;
        long pinning = 0;
        long keySize = -1;
        long valueSize = -1;
        int keyType = 0;
        int valueType = 0;
        long valuesOffset = -1;
        Optional<MapSpec> innerMap = Optional.empty();
        boolean valuesAreProgs = false;
        for (BtfType.Member m : s.members()) {
            String attr = what + ": attribute '" + m.name() + "'";
            switch (m.name()) {
                case "type" -> type = uint(ctx, btf, m, attr);
                case "max_entries" -> max(maxEntries = uint(ctx, btf, m, attr), ctx, attr);
                case "map_flags" -> flags = uint(ctx, btf, m, attr);
                case "numa_node" -> numa = uint(ctx, btf, m, attr);
                case "map_extra" -> extra = ulong(ctx, btf, m, attr);
                case "key_size" -> keySize = checkSize(ctx, attr, keySize, uint(ctx, btf, m, attr));
                case "value_size" -> valueSize = checkSize(ctx, attr, valueSize, uint(ctx, btf, m, attr));
                case "key" -> {
                    keyType = pointee(ctx, btf, m, attr);
                    keySize = checkSize(ctx, attr, keySize, btf.sizeOf(keyType));
                }
                case "value" -> {
                    valueType = pointee(ctx, btf, m, attr);
                    valueSize = checkSize(ctx, attr, valueSize, btf.sizeOf(valueType));
                }
                case "pinning" -> pinning = uint(ctx, btf, m, attr); // 0 none, 1 by name, others loader-defined
                case "values" -> {
                    if (inner) {
                        throw ctx.error("section '.maps': " + attr + ": an inner map cannot have values");
                    }
                    valuesOffset = m.bitOffset() / 8;
                    if (!(btf.resolve(m.type()) instanceof BtfType.Array arr)) {
                        throw ctx.error("section '.maps': " + attr + ": expected an array of pointers, got "
                                + btf.describe(btf.skipQualifiers(m.type())));
                    }
                    if (!(btf.resolve(arr.type()) instanceof BtfType.Ptr ptr)) {
                        throw ctx.error("section '.maps': " + attr + ": expected an array of pointers, got an array of "
                                + btf.describe(btf.skipQualifiers(arr.type())));
                    }
                    BtfType target = btf.resolve(ptr.type());
                    if (target instanceof BtfType.FuncProto) {
                        valuesAreProgs = true;
                    } else if (target instanceof BtfType.Struct) {
                        innerMap = Optional.of(definition(ctx, btf, name + ".inner", ptr.type(), true).spec);
                    } else {
                        throw ctx.error("section '.maps': " + attr + ": values must point to a map definition or "
                                + "a function prototype, not " + target.kindName());
                    }
                }
                default -> throw ctx.error("section '.maps': " + what + ": unknown attribute '" + m.name() + "'");
            }
        }
        if (valuesOffset >= 0) {
            boolean mapOfMaps = type == ARRAY_OF_MAPS || type == HASH_OF_MAPS;
            if (valuesAreProgs && type != PROG_ARRAY) {
                throw ctx.error("section '.maps': " + what + ": values of programs need a prog_array map, "
                        + "not type " + type);
            }
            if (!valuesAreProgs && !mapOfMaps) {
                throw ctx.error("section '.maps': " + what + ": values of maps need an array_of_maps or "
                        + "hash_of_maps map, not type " + type);
            }
            if (valueSize < 0) {
                valueSize = 4;
            }
            if (keySize < 0) {
                keySize = 4;
            }
        }
        if (keySize > Integer.MAX_VALUE || valueSize > Integer.MAX_VALUE || type > Integer.MAX_VALUE
                || flags > 0xffffffffL || numa > Integer.MAX_VALUE) {
            throw ctx.error("section '.maps': " + what + ": an attribute is out of range");
        }
        MapSpec spec = new MapSpec(name, (int) type, (int) Math.max(keySize, 0), (int) Math.max(valueSize, 0),
                (int) maxEntries, (int) flags, extra, (int) pinning, (int) numa, innerMap, Bytes.empty(), List.of(),
                keyType, valueType, false, inner ? MapSpec.Origin.INNER : MapSpec.Origin.BTF, ".maps", 0);
        return new Def(spec, valuesOffset);
    }

    private static void max(long value, ObjectContext ctx, String attr) {
        if (value > 0xffffffffL) {
            throw ctx.error("section '.maps': " + attr + ": " + value + " is out of range");
        }
    }

    private static long checkSize(ObjectContext ctx, String attr, long previous, long size) {
        if (previous >= 0 && previous != size) {
            throw ctx.error("section '.maps': " + attr + ": conflicting size " + size + " (was " + previous + ")");
        }
        return size;
    }

    /** An {@code __uint(name, value)} attribute: a pointer to an array of {@code value} elements. */
    private static long uint(ObjectContext ctx, Btf btf, BtfType.Member m, String attr) {
        BtfType t = btf.resolve(m.type());
        if (!(t instanceof BtfType.Ptr p)) {
            throw ctx.error("section '.maps': " + attr + ": expected a pointer (__uint), got " + t.kindName());
        }
        BtfType arr = btf.resolve(p.type());
        if (!(arr instanceof BtfType.Array a)) {
            throw ctx.error("section '.maps': " + attr + ": expected a pointer to an array (__uint), got a pointer to "
                    + arr.kindName());
        }
        return a.elements();
    }

    /**
     * {@code map_extra}: an {@code __uint} or, for 64-bit values, libbpf's {@code __ulong(name, value)},
     * an enum (ENUM64 above 32 bits) of one enumerator holding the value (libbpf's
     * {@code get_map_field_long}; cilium/ebpf's arena map puts its mmap address there).
     */
    private static long ulong(ObjectContext ctx, Btf btf, BtfType.Member m, String attr) {
        BtfType t = btf.resolve(m.type());
        java.util.List<BtfType.EnumValue> values = switch (t) {
            case BtfType.Ptr p -> null;
            case BtfType.Enum e -> e.values();
            case BtfType.Enum64 e -> e.values();
            default -> throw ctx.error("section '.maps': " + attr + ": expected a pointer (__uint) or an enum (__ulong), got "
                    + t.kindName());
        };
        if (values == null) {
            return uint(ctx, btf, m, attr);
        }
        if (values.size() != 1) {
            throw ctx.error("section '.maps': " + attr + ": an __ulong enum must have one enumerator, not " + values.size());
        }
        return values.get(0).value();
    }

    /** A {@code __type(name, T)} attribute: a pointer to T; the id of T. */
    private static int pointee(ObjectContext ctx, Btf btf, BtfType.Member m, String attr) {
        BtfType t = btf.resolve(m.type());
        if (!(t instanceof BtfType.Ptr p)) {
            throw ctx.error("section '.maps': " + attr + ": expected a pointer (__type), got " + t.kindName());
        }
        return p.type();
    }

    /** The maps with their {@code values} initializers from the {@code .maps} relocations. */
    static List<MapSpec> withInitialSlots(ObjectContext ctx, ElfSection section, List<Entry> entries,
            List<MapSpec> maps, Map<Long, Integer> mapAt, List<ProgramSpec> programs) {
        List<ElfSection> relSections = new ArrayList<>();
        for (ElfSection s : ctx.elf().sections()) {
            if (s.isRelocations() && s.info() == section.index()) {
                relSections.add(s);
            }
        }
        if (relSections.isEmpty()) {
            return maps;
        }
        Map<Integer, TreeMap<Integer, String>> slots = new java.util.HashMap<>();
        for (ElfSection rs : relSections) {
            for (ElfRelocation r : ctx.elf().relocations(rs)) {
                String where = "section '" + rs.name() + "': relocation " + r.index() + " at offset 0x"
                        + Long.toHexString(r.offset());
                Entry owner = null;
                for (Entry e : entries) {
                    if (r.offset() >= e.offset() && r.offset() < e.offset() + e.size()) {
                        owner = e;
                    }
                }
                if (owner == null) {
                    throw ctx.error(where + " is not inside a map definition");
                }
                long rel = r.offset() - owner.offset() - owner.valuesOffset();
                if (owner.valuesOffset() < 0 || rel < 0 || rel % 8 != 0) {
                    throw ctx.error(where + " is not an element of the 'values' of map '" + owner.spec().name() + "'");
                }
                if (r.type() != Elf.R_BPF_64_ABS64 && r.type() != Elf.R_BPF_64_64) {
                    throw ctx.error(where + " has type " + ElfRelocation.typeName(r.type())
                            + ", expected R_BPF_64_ABS64");
                }
                ElfSymbol sym = ctx.elf().symbol(r.symbolIndex());
                String target = sym.name();
                boolean progArray = owner.spec().type() == PROG_ARRAY;
                if (progArray) {
                    if (sym.type() != Elf.STT_FUNC || programs.stream().noneMatch(p -> p.name().equals(target))) {
                        throw ctx.error(where + ": '" + ctx.symbolName(sym)
                                + "' is not a program, so it cannot be stored in program array '"
                                + owner.spec().name() + "'");
                    }
                } else if (sym.sectionIndex() != section.index()
                        || !mapAt.containsKey(ObjectParser.key(section.index(), sym.value()))) {
                    throw ctx.error(where + ": '" + ctx.symbolName(sym) + "' is not a map, so it cannot be stored in '"
                            + owner.spec().name() + "'");
                }
                int mapIndex = mapAt.get(ObjectParser.key(section.index(), owner.offset()));
                slots.computeIfAbsent(mapIndex, k -> new TreeMap<>()).put((int) (rel / 8), target);
            }
        }
        List<MapSpec> out = new ArrayList<>(maps);
        slots.forEach((index, byKey) -> {
            MapSpec m = out.get(index);
            List<MapSlot> list = new ArrayList<>();
            byKey.forEach((k, v) -> list.add(new MapSlot(k, v)));
            // In an array the slot is an index below max_entries; in a hash of maps it is a key,
            // and only the number of slots is bounded (libbpf stores key i for slot i; the kernel
            // takes key 7 in a 4-entry hash).
            boolean hash = m.mapType().map(t -> t == org.bpf4j.spec.MapType.HASH_OF_MAPS).orElse(false);
            if (m.maxEntries() != 0 && !hash && byKey.lastKey() >= m.maxEntries()) {
                throw ctx.error("section '.maps': map '" + m.name() + "' initializes element " + byKey.lastKey()
                        + " but has only " + m.maxEntries() + " entries");
            }
            if (m.maxEntries() != 0 && hash && byKey.size() > m.maxEntries()) {
                throw ctx.error("section '.maps': map '" + m.name() + "' initializes " + byKey.size()
                        + " elements but holds only " + m.maxEntries());
            }
            out.set(index, new MapSpec(m.name(), m.type(), m.keySize(), m.valueSize(), m.maxEntries(), m.flags(),
                    m.mapExtra(), m.pinning(), m.numaNode(), m.innerMap(), m.contents(), list, m.btfKeyTypeId(),
                    m.btfValueTypeId(), m.frozen(), m.origin(), m.sectionName(), m.legacyId()));
        });
        return out;
    }
}
