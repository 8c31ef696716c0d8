package org.bpf4j.object.btf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.MalformedInputException;

/**
 * Resolves CO-RE relocation records: what a relocated instruction's value is under the program's
 * own BTF and under a target BTF (the kernel's, or the VM's context types), following the rules
 * of libbpf's {@code relo_core.c} in a reduced form:
 *
 * <ul>
 * <li>candidates are the target types with the same kind and the same name up to a
 *     {@code ___flavor} suffix; the first candidate that matches is used;
 * <li>field accesses match members by name through anonymous structs and unions, arrays by index
 *     (a flexible array in the target accepts any index), and the accessed field's kind must be
 *     compatible (integers and enums, pointers, structs and unions, arrays);
 * <li>enumerators match by name; {@code TYPE_MATCHES} is answered with the same shallow
 *     compatibility as {@code TYPE_EXISTS}.
 * </ul>
 * A field, type or enumerator the target lacks gives 0 for the {@code *_EXISTS} kinds and an
 * unresolved result for the others, which the relocator turns into a poisoned instruction as
 * libbpf does. Thread-safe (no state).
 */
public final class CoreResolver {
    private CoreResolver() {
    }

    /**
     * The resolution of one record.
     *
     * @param relocation the record
     * @param localValue the value under the program's own BTF, which the compiler wrote into the instruction
     * @param resolved whether the target gives a value
     * @param targetValue the value under the target BTF (meaningful when {@code resolved})
     * @param targetTypeId the matched target type, 0 if none
     * @param description a readable account, such as {@code "struct sample_ctx::second (0:1): byte_off 4 -> 8"}
     * @param validate whether the instruction must hold {@code localValue} (libbpf's {@code validate}):
     *     not for a bitfield's offset, size and left shift, where the compiler may choose another
     *     load than libbpf would, nor for type ids, which linking may renumber
     */
    public record Result(CoreRelocation relocation, long localValue, boolean resolved, long targetValue,
            int targetTypeId, String description, boolean validate) {
        /** A result whose local value the instruction must hold. */
        public Result(CoreRelocation relocation, long localValue, boolean resolved, long targetValue,
                int targetTypeId, String description) {
            this(relocation, localValue, resolved, targetValue, targetTypeId, description, true);
        }
    }

    /** A field access resolved in one BTF. */
    private record Field(int rootId, long bitOffset, int bitfieldSize, int typeId, String path) {
    }

    /**
     * Resolves a record against a target.
     *
     * @throws MalformedInputException if the record does not fit the local BTF (a bad access string)
     */
    public static Result resolve(Btf local, CoreRelocation relo, Btf target) {
        CoreRelocationKind kind = relo.kind();
        int[] access = parseAccess(relo);
        BtfType root = local.typeById(relo.typeId());
        String rootName = local.describe(relo.typeId());
        if (kind.isField()) {
            Field lf = localField(local, relo, access);
            long localValue = fieldValue(local, lf, kind);
            String desc = rootName + " " + lf.path + " (" + relo.accessString() + ") " + kind;
            // libbpf checks a bitfield's signedness and right shift only: the rest is the compiler's choice
            boolean validate = lf.bitfieldSize == 0 || kind == CoreRelocationKind.FIELD_SIGNED
                    || kind == CoreRelocationKind.FIELD_RSHIFT_U64;
            for (int cand : candidates(local, relo.typeId(), target)) {
                Field tf = targetField(local, relo.typeId(), access, target, cand);
                if (tf != null) {
                    long v = fieldValue(target, tf, kind);
                    return new Result(relo, localValue, true, v, cand, desc + ": " + localValue + " -> " + v, validate);
                }
            }
            if (kind == CoreRelocationKind.FIELD_EXISTS) {
                return new Result(relo, localValue, true, 0, 0, desc + ": not in the target -> 0", validate);
            }
            return new Result(relo, localValue, false, 0, 0, desc + ": not in the target", validate);
        }
        if (kind.isType()) {
            String desc = rootName + " " + kind;
            long localValue = switch (kind) {
                case TYPE_ID_LOCAL, TYPE_ID_TARGET -> relo.typeId();
                case TYPE_SIZE -> local.sizeOf(relo.typeId());
                default -> 1;
            };
            if (kind == CoreRelocationKind.TYPE_ID_LOCAL) {
                return new Result(relo, localValue, true, relo.typeId(), 0, desc + ": " + relo.typeId(), false);
            }
            List<Integer> cands = candidates(local, relo.typeId(), target);
            if (cands.isEmpty()) {
                // libbpf: every type-based relocation gives 0 when the target lacks the type, none poisons
                return new Result(relo, localValue, true, 0, 0, desc + ": not in the target -> 0",
                        kind != CoreRelocationKind.TYPE_ID_TARGET);
            }
            int cand = cands.get(0);
            long v = switch (kind) {
                case TYPE_ID_TARGET -> cand;
                case TYPE_SIZE -> target.sizeOf(cand);
                default -> 1;
            };
            return new Result(relo, localValue, true, v, cand, desc + ": " + localValue + " -> " + v,
                    kind != CoreRelocationKind.TYPE_ID_TARGET);
        }
        // Enumerator value or existence: access[0] is the enumerator's index in the local enum.
        List<BtfType.EnumValue> localValues = enumValues(local.resolve(relo.typeId()));
        if (localValues == null || access.length != 1 || access[0] >= localValues.size()) {
            throw new MalformedInputException("CO-RE relocation at instruction " + relo.slot() + ": access '"
                    + relo.accessString() + "' is not an enumerator of " + rootName);
        }
        BtfType.EnumValue lv = localValues.get(access[0]);
        long localValue = kind == CoreRelocationKind.ENUMVAL_EXISTS ? 1 : lv.value();
        String desc = rootName + "::" + lv.name() + " " + kind;
        for (int cand : candidates(local, relo.typeId(), target)) {
            List<BtfType.EnumValue> tv = enumValues(target.resolve(cand));
            for (BtfType.EnumValue e : tv == null ? List.<BtfType.EnumValue>of() : tv) {
                // Enumerators match by essential name too: XDP_PASS___local is XDP_PASS, as in libbpf.
                if (essentialName(e.name()).equals(essentialName(lv.name()))) {
                    long v = kind == CoreRelocationKind.ENUMVAL_EXISTS ? 1 : e.value();
                    return new Result(relo, localValue, true, v, cand, desc + ": " + localValue + " -> " + v);
                }
            }
        }
        boolean exists = kind == CoreRelocationKind.ENUMVAL_EXISTS;
        return new Result(relo, localValue, exists, 0, 0, desc + ": not in the target" + (exists ? " -> 0" : ""));
    }

    private static int[] parseAccess(CoreRelocation relo) {
        String[] parts = relo.accessString().split(":");
        int[] out = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                out[i] = Integer.parseInt(parts[i]);
                if (out[i] < 0) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            throw new MalformedInputException("CO-RE relocation at instruction " + relo.slot()
                    + ": bad access string '" + relo.accessString() + "'");
        }
        return out;
    }

    private static List<BtfType.EnumValue> enumValues(BtfType t) {
        return switch (t) {
            case BtfType.Enum e -> e.values();
            case BtfType.Enum64 e -> e.values();
            default -> null;
        };
    }

    /** The name without a {@code ___flavor} suffix, as libbpf compares names. */
    public static String essentialName(String name) {
        int i = name.lastIndexOf("___");
        return i > 0 ? name.substring(0, i) : name;
    }

    /** Type ids of a target by essential name, for the last target seen (kept by identity: the kernel's BTF is large). */
    private record NameIndex(Btf target, Map<String, List<Integer>> ids) {
    }

    private static volatile NameIndex lastIndex;

    private static Map<String, List<Integer>> index(Btf target) {
        NameIndex idx = lastIndex;
        if (idx != null && idx.target() == target) {
            return idx.ids();
        }
        Map<String, List<Integer>> ids = new HashMap<>();
        for (int id = 1; id < target.size(); id++) {
            String n = target.typeById(id).name();
            if (!n.isEmpty()) {
                ids.computeIfAbsent(essentialName(n), k -> new ArrayList<>(1)).add(id);
            }
        }
        lastIndex = new NameIndex(target, ids);
        return ids;
    }

    private static List<Integer> candidates(Btf local, int localId, Btf target) {
        BtfType lt = local.typeById(localId);
        String name = essentialName(lt.name());
        List<Integer> out = new ArrayList<>();
        if (name.isEmpty()) {
            return out;
        }
        for (int id : index(target).getOrDefault(name, List.of())) {
            if (target.typeById(id).kind() == lt.kind()) {
                out.add(id);
            }
        }
        return out;
    }

    private static Field localField(Btf btf, CoreRelocation relo, int[] access) {
        int id = relo.typeId();
        long bits = access[0] * 8L * btf.sizeOf(id);
        int bitfield = 0;
        StringBuilder path = new StringBuilder(access[0] == 0 ? "" : "[" + access[0] + "]");
        for (int i = 1; i < access.length; i++) {
            BtfType t = btf.resolve(id);
            int index = access[i];
            switch (t) {
                case BtfType.Struct s when index < s.members().size() -> {
                    BtfType.Member m = s.members().get(access[i]);
                    bits += m.bitOffset();
                    bitfield = m.bitfieldSize();
                    id = m.type();
                    path.append(m.name().isEmpty() ? "" : "::" + m.name());
                }
                case BtfType.Union u when index < u.members().size() -> {
                    BtfType.Member m = u.members().get(access[i]);
                    bits += m.bitOffset();
                    bitfield = m.bitfieldSize();
                    id = m.type();
                    path.append(m.name().isEmpty() ? "" : "::" + m.name());
                }
                case BtfType.Array a -> {
                    bits += access[i] * 8L * btf.sizeOf(a.type());
                    bitfield = 0;
                    id = a.type();
                    path.append('[').append(access[i]).append(']');
                }
                default -> throw new MalformedInputException("CO-RE relocation at instruction " + relo.slot()
                        + ": access '" + relo.accessString() + "' does not fit " + btf.describe(relo.typeId()));
            }
        }
        return new Field(relo.typeId(), bits, bitfield, id, path.toString());
    }

    /** The same access in the target, following names; null if the target lacks it. */
    private static Field targetField(Btf local, int localRoot, int[] access, Btf target, int targetRoot) {
        int lid = localRoot;
        int tid = targetRoot;
        long bits = access[0] * 8L * target.sizeOf(targetRoot);
        int bitfield = 0;
        for (int i = 1; i < access.length; i++) {
            BtfType lt = local.resolve(lid);
            BtfType tt = target.resolve(tid);
            if (lt instanceof BtfType.Array la) {
                if (!(tt instanceof BtfType.Array ta) || (ta.elements() != 0 && access[i] >= ta.elements())) {
                    return null;
                }
                bits += access[i] * 8L * target.sizeOf(ta.type());
                bitfield = 0;
                lid = la.type();
                tid = ta.type();
                continue;
            }
            List<BtfType.Member> lms = members(lt);
            List<BtfType.Member> tms = members(tt);
            if (lms == null || tms == null || access[i] >= lms.size()) {
                return null;
            }
            BtfType.Member lm = lms.get(access[i]);
            if (lm.name().isEmpty() && i + 1 < access.length) {
                // An anonymous struct or union member is not matched itself (libbpf leaves it out of
                // the spec): the next named member is looked up from here, through the target's
                // anonymous members, so the target may nest it differently.
                lid = lm.type();
                continue;
            }
            long[] found = findMember(target, tms, lm.name(), 0);
            if (found == null) {
                return null;
            }
            bits += found[0];
            bitfield = (int) found[1];
            lid = lm.type();
            tid = (int) found[2];
        }
        if (!compatible(local.resolve(lid), target.resolve(tid))) {
            return null;
        }
        return new Field(targetRoot, bits, bitfield, tid, "");
    }

    private static List<BtfType.Member> members(BtfType t) {
        return switch (t) {
            case BtfType.Struct s -> s.members();
            case BtfType.Union u -> u.members();
            default -> null;
        };
    }

    /** {bit offset, bitfield size, type id} of a member by name, looking into anonymous members. */
    private static long[] findMember(Btf btf, List<BtfType.Member> ms, String name, int depth) {
        if (name.isEmpty() || depth > Btf.MAX_RESOLVE_DEPTH) {
            return null;
        }
        for (BtfType.Member m : ms) {
            if (m.name().equals(name)) {
                return new long[] {m.bitOffset(), m.bitfieldSize(), m.type()};
            }
        }
        for (BtfType.Member m : ms) {
            if (m.name().isEmpty()) {
                List<BtfType.Member> inner = members(btf.resolve(m.type()));
                long[] f = inner == null ? null : findMember(btf, inner, name, depth + 1);
                if (f != null) {
                    return new long[] {f[0] + m.bitOffset(), f[1], f[2]};
                }
            }
        }
        return null;
    }

    private static boolean compatible(BtfType a, BtfType b) {
        return switch (a) {
            case BtfType.Int i -> b instanceof BtfType.Int || b instanceof BtfType.Enum || b instanceof BtfType.Enum64;
            case BtfType.Enum e -> b instanceof BtfType.Int || b instanceof BtfType.Enum || b instanceof BtfType.Enum64;
            case BtfType.Enum64 e -> b instanceof BtfType.Int || b instanceof BtfType.Enum || b instanceof BtfType.Enum64;
            case BtfType.Ptr p -> b instanceof BtfType.Ptr;
            case BtfType.Struct s -> b instanceof BtfType.Struct || b instanceof BtfType.Union;
            case BtfType.Union u -> b instanceof BtfType.Struct || b instanceof BtfType.Union;
            case BtfType.Array x -> b instanceof BtfType.Array;
            case BtfType.Float f -> b instanceof BtfType.Float;
            default -> a.kind() == b.kind();
        };
    }

    private static long fieldValue(Btf btf, Field f, CoreRelocationKind kind) {
        long byteSize;
        long byteOff;
        long bitSize;
        if (f.bitfieldSize == 0) {
            byteSize = btf.sizeOf(f.typeId);
            byteOff = f.bitOffset / 8;
            bitSize = byteSize * 8;
        } else {
            // The smallest naturally aligned load (at most 8 bytes) that holds the bitfield.
            byteSize = btf.sizeOf(f.typeId);
            byteOff = f.bitOffset / 8 / byteSize * byteSize;
            while (f.bitOffset + f.bitfieldSize - byteOff * 8 > byteSize * 8 && byteSize < 8) {
                byteSize *= 2;
                byteOff = f.bitOffset / 8 / byteSize * byteSize;
            }
            bitSize = f.bitfieldSize;
        }
        long bitOff = f.bitfieldSize == 0 ? byteOff * 8 : f.bitOffset;
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> byteOff;
            case FIELD_BYTE_SIZE -> byteSize;
            case FIELD_EXISTS -> 1;
            case FIELD_SIGNED -> switch (btf.resolve(f.typeId)) {
                case BtfType.Int i -> i.signed() ? 1 : 0;
                case BtfType.Enum e -> e.signed() ? 1 : 0;
                case BtfType.Enum64 e -> e.signed() ? 1 : 0;
                default -> 0;
            };
            case FIELD_LSHIFT_U64 -> 64 - (bitOff + bitSize - byteOff * 8);
            case FIELD_RSHIFT_U64 -> 64 - bitSize;
            default -> throw new IllegalArgumentException(kind + " is not a field relocation");
        };
    }
}
