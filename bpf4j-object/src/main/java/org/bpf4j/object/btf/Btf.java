package org.bpf4j.object.btf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.elf.ByteReader;

/**
 * BPF Type Format: the types of a program's data, functions and variables, as in an object's
 * {@code .BTF} section or the kernel's {@code /sys/kernel/btf/vmlinux}.
 *
 * <p>{@link #types()} is indexed by type id; id 0 is {@link BtfType.Void}. The parser checks the
 * header, every kind's encoding, every string offset and that every referenced type id exists, so
 * resolution never fails on a dangling id. Chains of modifiers and typedefs are followed at most
 * {@value #MAX_RESOLVE_DEPTH} deep, so a cyclic type is reported instead of looping.
 *
 * <p>Immutable and thread-safe. Two BTFs are equal when their types and string sections are.
 */
public final class Btf {
    /** The BTF magic number. */
    public static final int MAGIC = 0xeb9f;
    /** How many typedefs and modifiers are followed before a chain counts as a cycle, as in libbpf. */
    public static final int MAX_RESOLVE_DEPTH = 32;

    private final List<BtfType> types;
    private final byte[] strings;
    private final Map<String, List<Integer>> byName;
    private final int firstOwnId;

    private Btf(List<BtfType> types, byte[] strings, int firstOwnId, Map<String, List<Integer>> byName) {
        this.types = types;
        this.strings = strings;
        this.firstOwnId = firstOwnId;
        this.byName = byName;
    }

    private Btf(List<BtfType> types, byte[] strings, int firstOwnId) {
        this.types = types;
        this.strings = strings;
        this.firstOwnId = firstOwnId;
        Map<String, List<Integer>> names = new HashMap<>();
        for (int id = 1; id < types.size(); id++) {
            String n = types.get(id).name();
            if (!n.isEmpty()) {
                names.computeIfAbsent(n, k -> new ArrayList<>(1)).add(id);
            }
        }
        names.replaceAll((k, v) -> List.copyOf(v));
        this.byName = names;
    }

    /**
     * A BTF from types, for tests and generated programs; {@code types.get(0)} must be
     * {@link BtfType.Void}. References are checked as for parsed BTF.
     *
     * @throws MalformedInputException if a type refers to an id that does not exist
     */
    public static Btf of(List<? extends BtfType> types) {
        List<BtfType> copy = List.copyOf(types);
        if (copy.isEmpty() || !(copy.get(0) instanceof BtfType.Void)) {
            throw new IllegalArgumentException("type 0 must be void");
        }
        Btf btf = new Btf(copy, new byte[] {0}, 1);
        btf.checkReferences("BTF");
        return btf;
    }

    /**
     * Parses a {@code .BTF} section.
     *
     * @param data the section's bytes; {@link ByteReader#where()} names it in messages
     * @throws MalformedInputException naming the section and the type id at fault
     */
    public static Btf parse(ByteReader data) {
        return BtfParser.parse(data);
    }

    /**
     * Parses split BTF (a kernel module's {@code /sys/kernel/btf/MODULE}) on top of its base (the
     * kernel's BTF): the result holds the base's types with their ids, then the split's own types
     * from id {@code base.size()}, and the two string sections one after the other, as the ids
     * and string offsets of split BTF count.
     *
     * @throws MalformedInputException naming the data and the type id at fault
     */
    public static Btf parseSplit(ByteReader data, Btf base) {
        return BtfParser.parseSplit(data, base);
    }

    static Btf create(List<BtfType> types, byte[] strings, String where, int firstOwnId) {
        Btf btf = new Btf(Collections.unmodifiableList(types), strings, firstOwnId);
        btf.checkReferences(where);
        return btf;
    }

    /**
     * This BTF with some types replaced (same ids, same string section), as a loader fixes types
     * the compiler left incomplete.
     *
     * @param replaced new types by id; each id must exist and be one of this BTF's own types
     * @throws MalformedInputException if a new type refers to an id that does not exist
     */
    public Btf withTypes(Map<Integer, ? extends BtfType> replaced) {
        List<BtfType> copy = new ArrayList<>(types);
        replaced.forEach((id, t) -> {
            if (id < firstOwnId || id >= copy.size()) {
                throw new IllegalArgumentException("type id " + id + " is not one of this BTF's own types");
            }
            copy.set(id, java.util.Objects.requireNonNull(t));
        });
        return create(copy, strings, "BTF", firstOwnId);
    }

    /**
     * The first id of this BTF's own types: 1, or for split BTF the base's size (the types below
     * it are the base's).
     */
    public int firstOwnId() {
        return firstOwnId;
    }

    /**
     * This BTF with {@code more} types after its own (their ids from {@link #size()}; they may refer
     * to any type of the result). The types this BTF has keep their ids and their index by name, so
     * adding a few types to the kernel's costs what they cost, not what {@link #of} on the whole
     * list does (the kernel has about 100,000 types).
     *
     * @throws MalformedInputException if a new type refers to an id that does not exist
     */
    public Btf plus(List<? extends BtfType> more) {
        List<BtfType> all = new ArrayList<>(types.size() + more.size());
        all.addAll(types);
        all.addAll(more);
        Map<String, List<Integer>> names = new HashMap<>(byName);
        for (int id = types.size(); id < all.size(); id++) {
            String n = java.util.Objects.requireNonNull(all.get(id), "type " + id).name();
            if (!n.isEmpty()) {
                List<Integer> ids = new ArrayList<>(names.getOrDefault(n, List.of()));
                ids.add(id);
                names.put(n, List.copyOf(ids));
            }
        }
        Btf btf = new Btf(Collections.unmodifiableList(all), strings, firstOwnId, names);
        btf.checkReferences("BTF", types.size());
        return btf;
    }

    private void checkReferences(String where) {
        checkReferences(where, firstOwnId);
    }

    private void checkReferences(String where, int from) {
        for (int id = from; id < types.size(); id++) {
            BtfType t = types.get(id);
            for (int ref : references(t)) {
                if (ref < 0 || ref >= types.size()) {
                    throw new MalformedInputException(where + ": type id " + id + " (" + t.kindName()
                            + (t.name().isEmpty() ? "" : " '" + t.name() + "'") + ") refers to type id "
                            + Integer.toUnsignedString(ref) + ", which does not exist (" + types.size() + " types)");
                }
            }
        }
    }

    /** The type ids a type refers to directly. */
    static int[] references(BtfType t) {
        return switch (t) {
            case BtfType.Void v -> new int[0];
            case BtfType.Int i -> new int[0];
            case BtfType.Ptr p -> new int[] {p.type()};
            case BtfType.Array a -> new int[] {a.type(), a.indexType()};
            case BtfType.Struct s -> s.members().stream().mapToInt(BtfType.Member::type).toArray();
            case BtfType.Union u -> u.members().stream().mapToInt(BtfType.Member::type).toArray();
            case BtfType.Enum e -> new int[0];
            case BtfType.Enum64 e -> new int[0];
            case BtfType.Fwd f -> new int[0];
            case BtfType.Typedef d -> new int[] {d.type()};
            case BtfType.Volatile v -> new int[] {v.type()};
            case BtfType.Const c -> new int[] {c.type()};
            case BtfType.Restrict r -> new int[] {r.type()};
            case BtfType.Func f -> new int[] {f.type()};
            case BtfType.FuncProto p -> {
                int[] refs = new int[p.params().size() + 1];
                refs[0] = p.returnType();
                for (int i = 0; i < p.params().size(); i++) {
                    refs[i + 1] = p.params().get(i).type();
                }
                yield refs;
            }
            case BtfType.Var v -> new int[] {v.type()};
            case BtfType.Datasec d -> d.vars().stream().mapToInt(BtfType.VarSecInfo::type).toArray();
            case BtfType.Float f -> new int[0];
            case BtfType.DeclTag d -> new int[] {d.type()};
            case BtfType.TypeTag t2 -> new int[] {t2.type()};
        };
    }

    /** Every type, indexed by id; element 0 is {@link BtfType.Void}. */
    public List<BtfType> types() {
        return types;
    }

    /** Number of types including void. */
    public int size() {
        return types.size();
    }

    /**
     * The type with an id.
     *
     * @throws IllegalArgumentException if there is no such id
     */
    public BtfType typeById(int id) {
        if (id < 0 || id >= types.size()) {
            throw new IllegalArgumentException("no BTF type id " + id + " (" + types.size() + " types)");
        }
        return types.get(id);
    }

    /** The ids of the types named {@code name}, in id order. */
    public List<Integer> typeIdsByName(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** The first type named {@code name}. */
    public Optional<BtfType> typeByName(String name) {
        List<Integer> ids = typeIdsByName(name);
        return ids.isEmpty() ? Optional.empty() : Optional.of(types.get(ids.get(0)));
    }

    /** The id of the first type of kind {@code kind} named {@code name}, or -1. */
    public int typeIdByName(String name, int kind) {
        for (int id : typeIdsByName(name)) {
            if (types.get(id).kind() == kind) {
                return id;
            }
        }
        return -1;
    }

    /** The string at an offset of the string section, if the offset starts a string. */
    public Optional<String> string(long offset) {
        return Optional.ofNullable(ByteReader.of(strings, "BTF strings").cStringOrNull(offset));
    }

    /** A copy of the string section. */
    public byte[] stringSection() {
        return strings.clone();
    }

    /**
     * The id reached by skipping typedefs, {@code const}, {@code volatile}, {@code restrict} and
     * type tags from {@code id}.
     *
     * @throws MalformedInputException if the chain is longer than {@value #MAX_RESOLVE_DEPTH} (a cycle)
     */
    public int skipQualifiers(int id) {
        int cur = id;
        for (int depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = typeById(cur);
            switch (t) {
                case BtfType.Typedef d -> cur = d.type();
                case BtfType.Const c -> cur = c.type();
                case BtfType.Volatile v -> cur = v.type();
                case BtfType.Restrict r -> cur = r.type();
                case BtfType.TypeTag tt -> cur = tt.type();
                default -> {
                    return cur;
                }
            }
        }
        throw cycle(id);
    }

    /** {@link #skipQualifiers} then the type. */
    public BtfType resolve(int id) {
        return typeById(skipQualifiers(id));
    }

    private MalformedInputException cycle(int id) {
        return new MalformedInputException("BTF type id " + id + ": chain of typedefs, modifiers or arrays is "
                + "longer than " + MAX_RESOLVE_DEPTH + " (a cycle?)");
    }

    /**
     * The byte offset, in type {@code id}, of the first member whose type is the struct named
     * {@code structName} (searching members of nested structs, depth first, in member order), or
     * -1 when there is none; in a data section ({@code DATASEC}, the value of global data), its
     * variables are searched at their offsets, if the section's size is set (compilers leave the
     * size and offsets 0 for the loader to fix: then -1). This is where the kernel finds a map value's
     * special fields, such as {@code struct bpf_spin_lock} and {@code struct bpf_timer}, in the
     * value's BTF.
     */
    public int offsetOfStruct(int id, String structName) {
        return offsetOfStruct(id, structName, 0, 0);
    }

    private int offsetOfStruct(int id, String structName, int base, int depth) {
        if (depth > 8) {
            return -1;
        }
        if (resolve(id) instanceof BtfType.Datasec ds) {
            // global data: the section's variables at their offsets, when they are known (a
            // compiler writes size 0 and offsets 0, which a loader fixes from the ELF symbols)
            if (ds.size() == 0) {
                return -1;
            }
            for (BtfType.VarSecInfo v : ds.vars()) {
                int type = typeById(v.type()) instanceof BtfType.Var var ? var.type() : v.type();
                int found = offsetOfStruct(type, structName, base + (int) v.offset(), depth + 1);
                if (found >= 0) {
                    return found;
                }
            }
            return -1;
        }
        if (!(resolve(id) instanceof BtfType.Struct st)) {
            return -1;
        }
        if (st.name().equals(structName)) {
            return base;
        }
        for (BtfType.Member member : st.members()) {
            int found = offsetOfStruct(member.type(), structName, base + (int) (member.bitOffset() / 8), depth + 1);
            if (found >= 0) {
                return found;
            }
        }
        return -1;
    }

    /**
     * The size in bytes of a value of a type, as {@code sizeof} in C.
     *
     * @throws MalformedInputException if the type has no size (void, a function, a forward
     *     declaration) or its size overflows
     */
    public long sizeOf(int id) {
        int cur = id;
        long multiplier = 1;
        for (int depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = typeById(cur);
            long size;
            switch (t) {
                case BtfType.Int i -> size = i.size();
                case BtfType.Ptr p -> size = 8;
                case BtfType.Struct s -> size = s.size();
                case BtfType.Union u -> size = u.size();
                case BtfType.Enum e -> size = e.size();
                case BtfType.Enum64 e -> size = e.size();
                case BtfType.Float f -> size = f.size();
                case BtfType.Datasec d -> size = d.size();
                case BtfType.Typedef d -> {
                    cur = d.type();
                    continue;
                }
                case BtfType.Const c -> {
                    cur = c.type();
                    continue;
                }
                case BtfType.Volatile v -> {
                    cur = v.type();
                    continue;
                }
                case BtfType.Restrict r -> {
                    cur = r.type();
                    continue;
                }
                case BtfType.TypeTag tt -> {
                    cur = tt.type();
                    continue;
                }
                case BtfType.Var v -> {
                    cur = v.type();
                    continue;
                }
                case BtfType.Array a -> {
                    if (a.elements() != 0 && multiplier > Long.MAX_VALUE / a.elements()) {
                        throw new MalformedInputException("BTF type id " + id + ": array size overflows");
                    }
                    multiplier *= a.elements();
                    cur = a.type();
                    continue;
                }
                case BtfType.Void v -> throw noSize(id, t);
                case BtfType.Fwd f -> throw noSize(id, t);
                case BtfType.Func f -> throw noSize(id, t);
                case BtfType.FuncProto p -> throw noSize(id, t);
                case BtfType.DeclTag d -> throw noSize(id, t);
            }
            if (multiplier != 0 && size > Long.MAX_VALUE / multiplier) {
                throw new MalformedInputException("BTF type id " + id + ": size overflows");
            }
            return size * multiplier;
        }
        throw cycle(id);
    }

    private MalformedInputException noSize(int id, BtfType t) {
        return new MalformedInputException("BTF type id " + id + " (" + t.kindName()
                + (t.name().isEmpty() ? "" : " '" + t.name() + "'") + ") has no size");
    }

    /**
     * The alignment in bytes of a type: its own size for scalars and pointers (at most 8), the
     * largest member alignment for structs and unions (1 for a packed one), the element's for arrays.
     *
     * @throws MalformedInputException if the type has no size
     */
    public long alignOf(int id) {
        return alignOf(id, 0, new HashMap<>());
    }

    private long alignOf(int id, int depth, Map<Integer, Long> memo) {
        if (depth > MAX_RESOLVE_DEPTH) {
            throw cycle(id);
        }
        Long known = memo.get(id);
        if (known != null) {
            return known;
        }
        long align = computeAlign(id, depth, memo);
        memo.put(id, align);
        return align;
    }

    private long computeAlign(int id, int depth, Map<Integer, Long> memo) {
        BtfType t = typeById(id);
        return switch (t) {
            case BtfType.Int i -> Math.min(8, Math.max(1, i.size()));
            case BtfType.Enum e -> Math.min(8, Math.max(1, e.size()));
            case BtfType.Enum64 e -> Math.min(8, Math.max(1, e.size()));
            case BtfType.Float f -> Math.min(8, Math.max(1, f.size()));
            case BtfType.Ptr p -> 8;
            case BtfType.Array a -> alignOf(a.type(), depth + 1, memo);
            case BtfType.Typedef d -> alignOf(d.type(), depth + 1, memo);
            case BtfType.Const c -> alignOf(c.type(), depth + 1, memo);
            case BtfType.Volatile v -> alignOf(v.type(), depth + 1, memo);
            case BtfType.Restrict r -> alignOf(r.type(), depth + 1, memo);
            case BtfType.TypeTag tt -> alignOf(tt.type(), depth + 1, memo);
            case BtfType.Var v -> alignOf(v.type(), depth + 1, memo);
            case BtfType.Struct s -> aggregateAlign(s.members(), s.size(), depth, memo);
            case BtfType.Union u -> aggregateAlign(u.members(), u.size(), depth, memo);
            case BtfType.Datasec d -> 1;
            case BtfType.Void v -> throw noSize(id, t);
            case BtfType.Fwd f -> throw noSize(id, t);
            case BtfType.Func f -> throw noSize(id, t);
            case BtfType.FuncProto p -> throw noSize(id, t);
            case BtfType.DeclTag d -> throw noSize(id, t);
        };
    }

    private long aggregateAlign(List<BtfType.Member> members, long size, int depth, Map<Integer, Long> memo) {
        long align = 1;
        for (BtfType.Member m : members) {
            long a = alignOf(m.type(), depth + 1, memo);
            if (m.bitfieldSize() == 0 && (m.bitOffset() % (8 * a)) != 0) {
                return 1; // a member off its natural alignment: the struct is packed
            }
            align = Math.max(align, a);
        }
        return size % align == 0 ? align : 1;
    }

    /** The C declaration of a type, as {@link BtfFormat#declaration(Btf, int)} writes it. */
    public String format(int id) {
        return BtfFormat.declaration(this, id);
    }

    /** The name of a type for messages: {@code "STRUCT 'foo'"}, {@code "PTR"}. */
    public String describe(int id) {
        BtfType t = typeById(id);
        return t.kindName() + (t.name().isEmpty() || t instanceof BtfType.Void ? "" : " '" + t.name() + "'");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Btf b && b.types.equals(types) && Arrays.equals(b.strings, strings);
    }

    @Override
    public int hashCode() {
        return types.hashCode() * 31 + Arrays.hashCode(strings);
    }

    @Override
    public String toString() {
        return "Btf[" + (types.size() - 1) + " types]";
    }
}
