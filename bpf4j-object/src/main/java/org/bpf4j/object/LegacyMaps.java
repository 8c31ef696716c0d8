package org.bpf4j.object;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * The legacy {@code maps} section: one fixed-size definition per symbol, 20 to 36 bytes each.
 *
 * <p>The first five 32-bit fields are always type, key size, value size, max entries and flags.
 * What follows depends on the loader the object was written for:
 * <ul>
 * <li>kernel samples' {@code bpf_load.c} (28 bytes): {@code inner_map_idx}, {@code numa_node};
 * <li>iproute2's {@code struct bpf_elf_map} (28 or 36 bytes): {@code id}, {@code pinning}, and
 *     in the 36-byte form {@code inner_id}, {@code inner_idx}.
 * </ul>
 * When the object's BTF describes the definition's struct, its member names decide. Otherwise a
 * 28-byte definition is read the samples' way when the object has a map of maps or the entry
 * asks for a NUMA node ({@code BPF_F_NUMA_NODE}), else iproute2's way; 32 and 36 bytes are
 * iproute2's. Bytes past the known fields must be zero, as libbpf requires.
 *
 * <p>Map of maps: the samples' form names the inner template by its index in the section;
 * iproute2's by {@code inner_id}, the {@code id} of the template; an iproute2 map whose
 * {@code inner_id} names an outer map's {@code id} is stored in that outer map at {@code inner_idx}.
 */
final class LegacyMaps {
    private static final int BPF_F_NUMA_NODE = 1 << 2;
    private static final int MIN_SIZE = 20;
    private static final int MAX_SIZE = 36;

    private LegacyMaps() {
    }

    record Entry(int sectionIndex, long offset, MapSpec spec) {
    }

    private enum Field {
        TYPE, KEY_SIZE, VALUE_SIZE, MAX_ENTRIES, FLAGS, INNER_MAP_IDX, NUMA_NODE, ID, PINNING, INNER_ID, INNER_IDX
    }

    private static final class Raw {
        String name;
        long offset;
        ElfSection section;
        long[] values = new long[Field.values().length];

        long get(Field f) {
            return values[f.ordinal()];
        }
    }

    /** Whether a section holds legacy map definitions: {@code maps} or {@code maps/NAME}. */
    static boolean isLegacyMapSection(ElfSection s) {
        return s.type() == Elf.SHT_PROGBITS && !s.executable()
                && (s.name().equals("maps") || s.name().startsWith("maps/"));
    }

    /**
     * The definitions of every legacy map section, in section order; inner map indices count
     * across all of them.
     */
    static List<Entry> parse(ObjectContext ctx, List<ElfSection> sections) {
        List<Raw> raws = new ArrayList<>();
        boolean anyMapOfMaps = false;
        List<List<ElfSymbol>> symsBySection = new ArrayList<>();
        for (ElfSection section : sections) {
            List<ElfSymbol> syms = symbols(ctx, section);
            symsBySection.add(syms);
            ByteReader data = ctx.elf().data(section);
            long defSize = syms.isEmpty() ? 0 : section.size() / syms.size();
            for (ElfSymbol s : syms) {
                if (data.contains(s.value(), 4)) {
                    long type = data.u32(s.value());
                    anyMapOfMaps |= type == 12 || type == 13;
                }
            }
        }
        for (int k = 0; k < sections.size(); k++) {
            ElfSection section = sections.get(k);
            List<ElfSymbol> syms = symsBySection.get(k);
            if (syms.isEmpty()) {
                continue;
            }
            long size = section.size();
            if (size % syms.size() != 0) {
                throw ctx.error(section, size + " bytes do not divide into " + syms.size()
                        + " map definitions of equal size");
            }
            long defSize = size / syms.size();
            if (defSize < MIN_SIZE || defSize > 1024) {
                throw ctx.error(section, "map definitions of " + defSize + " bytes (" + size + " bytes, "
                        + syms.size() + " maps); expected " + MIN_SIZE + " to " + MAX_SIZE);
            }
            ByteReader data = ctx.elf().data(section);
            for (ElfSymbol s : syms) {
                raws.add(read(ctx, section, data, s, defSize, anyMapOfMaps));
            }
        }
        return build(ctx, raws);
    }

    private static List<ElfSymbol> symbols(ObjectContext ctx, ElfSection section) {
        List<ElfSymbol> syms = new ArrayList<>();
        for (ElfSymbol s : ctx.elf().symbols()) {
            if (s.sectionIndex() == section.index() && s.type() != Elf.STT_SECTION && !s.name().isEmpty()) {
                syms.add(s);
            }
        }
        syms.sort(Comparator.comparingLong(ElfSymbol::value));
        return syms;
    }

    private static Raw read(ObjectContext ctx, ElfSection section, ByteReader data, ElfSymbol s, long defSize,
            boolean anyMapOfMaps) {
        if (s.value() % 4 != 0 || !data.contains(s.value(), defSize)) {
            throw ctx.error(section, "map '" + s.name() + "' at offset " + s.value() + " (" + defSize
                    + " bytes) is not inside the section (" + section.size() + " bytes)");
        }
        Raw raw = new Raw();
        raw.name = s.name();
        raw.offset = s.value();
        raw.section = section;
        Layout layout = layout(ctx, s.name(), defSize, anyMapOfMaps, data.u32(s.value() + 16));
        for (int i = 0; i < defSize / 4; i++) {
            long v = data.u32(s.value() + 4L * i);
            Field f = i < layout.fields.size() ? layout.fields.get(i) : null;
            if (f == null) {
                if (v != 0) {
                    throw ctx.error(section, "map '" + s.name() + "' has unrecognized, non-zero option 0x"
                            + Long.toHexString(v) + " at byte " + 4 * i + " of its " + defSize
                            + "-byte definition (" + layout.description + ")");
                }
                continue;
            }
            raw.values[f.ordinal()] = v;
        }
        for (long b = defSize / 4 * 4; b < defSize; b++) {
            if (data.u8(s.value() + b) != 0) {
                throw ctx.error(section, "map '" + s.name() + "' has unrecognized, non-zero byte at " + b);
            }
        }
        return raw;
    }

    private record Layout(List<Field> fields, String description) {
    }

    private static final List<Field> BASE = List.of(Field.TYPE, Field.KEY_SIZE, Field.VALUE_SIZE,
            Field.MAX_ENTRIES, Field.FLAGS);

    private static Layout layout(ObjectContext ctx, String mapName, long defSize, boolean anyMapOfMaps, long flags) {
        Optional<Layout> fromBtf = ctx.btf().flatMap(btf -> btfLayout(btf, mapName));
        if (fromBtf.isPresent()) {
            return fromBtf.get();
        }
        List<Field> fields = new ArrayList<>(BASE);
        if (defSize == 28 && (anyMapOfMaps || (flags & BPF_F_NUMA_NODE) != 0)) {
            fields.add(Field.INNER_MAP_IDX);
            fields.add(Field.NUMA_NODE);
            return new Layout(fields, "struct bpf_map_def of the kernel samples");
        }
        if (defSize >= 28) {
            fields.add(Field.ID);
            fields.add(Field.PINNING);
        }
        if (defSize >= 36) {
            fields.add(Field.INNER_ID);
            fields.add(Field.INNER_IDX);
        }
        return new Layout(fields, defSize >= 28 ? "iproute2's struct bpf_elf_map" : "struct bpf_map_def");
    }

    /** The layout a BTF struct of 32-bit members gives, if the map's variable has one. */
    private static Optional<Layout> btfLayout(Btf btf, String mapName) {
        int varId = btf.typeIdByName(mapName, 14);
        if (varId < 0) {
            return Optional.empty();
        }
        BtfType.Var var = (BtfType.Var) btf.typeById(varId);
        if (!(btf.resolve(var.type()) instanceof BtfType.Struct s)) {
            return Optional.empty();
        }
        List<Field> fields = new ArrayList<>();
        for (BtfType.Member m : s.members()) {
            if (m.bitfieldSize() != 0 || m.bitOffset() != 32L * fields.size()) {
                return Optional.empty();
            }
            Field f = switch (m.name()) {
                case "type" -> Field.TYPE;
                case "key_size", "size_key" -> Field.KEY_SIZE;
                case "value_size", "size_value" -> Field.VALUE_SIZE;
                case "max_entries", "max_elem" -> Field.MAX_ENTRIES;
                case "map_flags", "flags" -> Field.FLAGS;
                case "inner_map_idx" -> Field.INNER_MAP_IDX;
                case "numa_node" -> Field.NUMA_NODE;
                case "id" -> Field.ID;
                case "pinning" -> Field.PINNING;
                case "inner_id" -> Field.INNER_ID;
                case "inner_idx" -> Field.INNER_IDX;
                default -> null;
            };
            fields.add(f);
        }
        if (fields.size() < BASE.size() || !fields.subList(0, BASE.size()).equals(BASE)) {
            return Optional.empty();
        }
        return Optional.of(new Layout(fields, "struct " + s.name() + " in BTF"));
    }

    private static List<Entry> build(ObjectContext ctx, List<Raw> raws) {
        int n = raws.size();
        MapSpec[] specs = new MapSpec[n];
        for (int i = 0; i < n; i++) {
            specs[i] = plain(ctx, raws.get(i).section, raws.get(i));
        }
        // Inner templates: by index (samples) or by id (iproute2).
        for (int i = 0; i < n; i++) {
            Raw r = raws.get(i);
            int type = (int) r.get(Field.TYPE);
            if (type != 12 && type != 13) {
                continue;
            }
            int inner = -1;
            if (r.get(Field.INNER_ID) != 0) {
                for (int j = 0; j < n; j++) {
                    if (j != i && raws.get(j).get(Field.ID) == r.get(Field.INNER_ID)) {
                        inner = j;
                    }
                }
                if (inner < 0) {
                    throw ctx.error(r.section, "map of maps '" + r.name + "' names inner map id "
                            + r.get(Field.INNER_ID) + ", which no map in the section has");
                }
            } else {
                long idx = r.get(Field.INNER_MAP_IDX);
                if (idx >= n || idx == i) {
                    throw ctx.error(r.section, "map of maps '" + r.name + "' names inner map index " + idx
                            + ", which is not another legacy map (" + n + " maps)");
                }
                inner = (int) idx;
            }
            List<MapSlot> slots = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                Raw m = raws.get(j);
                long mt = m.get(Field.TYPE);
                if (j != i && mt != 12 && mt != 13 && m.get(Field.ID) != 0 && m.get(Field.INNER_ID) == r.get(Field.ID)
                        && r.get(Field.ID) != 0 && j != inner) {
                    slots.add(new MapSlot((int) m.get(Field.INNER_IDX), m.name));
                }
            }
            MapSpec template = specs[inner];
            MapSpec asInner = new MapSpec(template.name(), template.type(), template.keySize(), template.valueSize(),
                    template.maxEntries(), template.flags(), 0, 0, template.numaNode(), Optional.empty(),
                    Bytes.empty(), List.of(), 0, 0, false, MapSpec.Origin.INNER, template.sectionName(), template.legacyId());
            MapSpec s = specs[i];
            specs[i] = new MapSpec(s.name(), s.type(), s.keySize(), s.valueSize(), s.maxEntries(), s.flags(),
                    s.mapExtra(), s.pinning(), s.numaNode(), Optional.of(asInner), s.contents(), slots,
                    s.btfKeyTypeId(), s.btfValueTypeId(), s.frozen(), s.origin(), s.sectionName(), s.legacyId());
        }
        List<Entry> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Entry(raws.get(i).section.index(), raws.get(i).offset, specs[i]));
        }
        return out;
    }

    private static MapSpec plain(ObjectContext ctx, ElfSection section, Raw r) {
        for (Field f : List.of(Field.KEY_SIZE, Field.VALUE_SIZE, Field.MAX_ENTRIES)) {
            if (r.get(f) > Integer.MAX_VALUE) {
                throw ctx.error(section, "map '" + r.name + "': " + f.name().toLowerCase() + " " + r.get(f)
                        + " is too large");
            }
        }
        long legacyId = r.get(Field.ID) | r.get(Field.INNER_ID) << 32;
        long type = r.get(Field.TYPE);
        long valueSize = r.get(Field.VALUE_SIZE);
        if ((type == 12 || type == 13) && valueSize == 0) {
            valueSize = 4; // the loaders of such objects create maps of maps with 4-byte (fd) values
        }
        return new MapSpec(r.name, (int) type, (int) r.get(Field.KEY_SIZE), (int) valueSize, (int) r.get(Field.MAX_ENTRIES), (int) r.get(Field.FLAGS), 0,
                (int) r.get(Field.PINNING), (int) r.get(Field.NUMA_NODE), Optional.empty(), Bytes.empty(), List.of(),
                0, 0, false, MapSpec.Origin.LEGACY, section.name(), legacyId);
    }
}
