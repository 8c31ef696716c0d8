package org.bpf4j.trace.symbols;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.symbols.DwarfData.Die;

import static org.bpf4j.trace.symbols.Dwarf.*;

/**
 * Converts type DIEs to BTF types, each once (so that a struct can point to itself), numbered
 * from a first id; what BTF cannot hold becomes {@code void}.
 */
final class DwarfBtf {
    final List<BtfType> out = new ArrayList<>();
    final Map<Object, Integer> ids = new HashMap<>();
    final int firstId;
    int indexType = -1;

    DwarfBtf(int firstId) {
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
        Integer known = ids.get(key(t));
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
        ids.put(key(t), id);
        out.set(id - firstId, convert(t, depth));
        return id;
    }

    private BtfType convert(Die t, int depth) {
        String name = t.name();
        long size = t.longAttr(AT_BYTE_SIZE, 0);
        return switch (t.tag()) {
            case TAG_BASE -> {
                long enc = t.longAttr(AT_ENCODING, 0);
                if (enc == 4) {
                    yield new BtfType.Float(String.valueOf(name), (int) size);
                }
                int flags = (enc == 5 || enc == 6 ? BtfType.Int.SIGNED : 0)
                        | (enc == 6 || enc == 8 ? BtfType.Int.CHAR : 0) | (enc == 2 ? BtfType.Int.BOOL : 0);
                yield new BtfType.Int(String.valueOf(name), (int) size, flags, 0, (int) size * 8);
            }
            case TAG_POINTER -> new BtfType.Ptr("", id(t.deref(AT_TYPE), depth + 1));
            case TAG_TYPEDEF -> new BtfType.Typedef(String.valueOf(name), id(t.deref(AT_TYPE), depth + 1));
            case TAG_CONST -> new BtfType.Const("", id(t.deref(AT_TYPE), depth + 1));
            case TAG_RESTRICT -> new BtfType.Restrict("", id(t.deref(AT_TYPE), depth + 1));
            case TAG_VOLATILE, TAG_ATOMIC -> new BtfType.Volatile("", id(t.deref(AT_TYPE), depth + 1));
            case TAG_ENUM -> {
                List<BtfType.EnumValue> values = new ArrayList<>();
                for (Die c : t.childDies()) {
                    if (c.tag() == TAG_ENUMERATOR) {
                        values.add(new BtfType.EnumValue(String.valueOf(c.name()), c.longAttr(AT_CONST_VALUE, 0)));
                    }
                }
                yield new BtfType.Enum(name == null ? "" : name, (int) Math.max(size, 1), false, values);
            }
            case TAG_ARRAY -> {
                List<Long> dims = new ArrayList<>();
                for (Die c : t.childDies()) {
                    if (c.tag() == TAG_SUBRANGE) {
                        dims.add(c.has(AT_COUNT) ? c.longAttr(AT_COUNT, 0)
                                : c.longAttr(AT_UPPER_BOUND, -1) + 1);
                    }
                }
                if (indexType < 0) {
                    indexType = add(new BtfType.Int("__ARRAY_SIZE_TYPE__", 4, 0, 0, 32));
                }
                int element = id(t.deref(AT_TYPE), depth + 1);
                for (int k = dims.size() - 1; k > 0; k--) {
                    element = add(new BtfType.Array("", element, indexType, dims.get(k)));
                }
                yield new BtfType.Array("", element, indexType, dims.isEmpty() ? 0 : dims.getFirst());
            }
            default -> { // a struct or union
                boolean union = t.tag() == TAG_UNION;
                if (t.has(Dwarf.AT_DECLARATION)) {
                    yield new BtfType.Fwd(String.valueOf(name), union);
                }
                List<BtfType.Member> members = new ArrayList<>();
                for (Die c : t.childDies()) {
                    if (c.tag() != TAG_MEMBER) {
                        continue;
                    }
                    int type = id(c.deref(AT_TYPE), depth + 1);
                    int bits = (int) c.longAttr(AT_BIT_SIZE, 0);
                    long bitOffset;
                    if (c.has(AT_DATA_BIT_OFFSET)) {
                        bitOffset = c.longAttr(AT_DATA_BIT_OFFSET, 0);
                    } else {
                        bitOffset = c.longAttr(AT_MEMBER_LOCATION, 0) * 8;
                        if (c.has(AT_BIT_OFFSET)) { // DWARF 2/3: from the storage unit's top bit
                            long unit = c.longAttr(AT_BYTE_SIZE, 0) * 8;
                            bitOffset += unit - c.longAttr(AT_BIT_OFFSET, 0) - bits;
                        }
                    }
                    String mname = c.name();
                    members.add(new BtfType.Member(mname == null ? "" : mname, type, bitOffset, bits));
                }
                String sname = name == null ? "" : name;
                yield union ? new BtfType.Union(sname, size, members) : new BtfType.Struct(sname, size, members);
            }
        };
    }

    /** A type DIE's identity across the files of a binary's debug information. */
    private static Object key(Die t) {
        return List.of(t.unit().data, t.offset());
    }
}
