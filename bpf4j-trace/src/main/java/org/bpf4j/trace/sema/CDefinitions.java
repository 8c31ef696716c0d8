package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * The {@code struct}, {@code union} and {@code enum} definitions written in a script, turned into
 * BTF types laid out as a C compiler for x86-64 lays them out (natural alignment; bit fields packed
 * into units of their declared type). bpftrace hands these to clang; bpf4j reads them itself.
 * Types they name that they do not define (typedefs such as {@code u64}, other structs) are taken
 * from the base BTF (the kernel's), so the new types are numbered after it.
 *
 * <p>Supported: the C integer types and their combinations ({@code unsigned long long}),
 * {@code _Bool}/{@code bool}, typedef names of the base, {@code struct}/{@code union}/{@code enum}
 * references and nested definitions, pointers (function pointers count as {@code void *}), arrays
 * of any dimension, bit fields, {@code const}/{@code volatile}; enumerators with constant values.
 */
final class CDefinitions {
    /** A definition that cannot be read. */
    static final class CError extends RuntimeException {
        CError(String message) {
            super(message, null, false, false);
        }
    }

    private final Btf base;
    private final List<BtfType> types;
    private final int firstId;
    private final Map<String, Integer> tagged = new HashMap<>();
    private final Map<String, Long> enumerators;
    private final Map<String, Integer> ints = new HashMap<>();
    /** The alignment of each struct and union defined here (packed ones' differs from their members'). */
    private final Map<Integer, Long> aligns = new HashMap<>();

    private List<String> toks;
    private int at;
    /** How many of the base's types are the kernel's (the rest: the DWARF types of uprobe binaries). */
    private final int kernelTypes;
    /**
     * A kernel struct, union or enum the definitions redefine ({@code struct task_struct}), or null;
     * then, as in bpftrace, the definitions take no struct, union or enum from the kernel.
     */
    private String redefined;

    private CDefinitions(Btf base, List<BtfType> types, Map<String, Long> enumerators, int kernelTypes) {
        this.base = base;
        this.types = types;
        this.firstId = types.size();
        this.enumerators = enumerators;
        this.kernelTypes = kernelTypes;
    }

    /**
     * Reads definitions on top of {@code base}.
     *
     * @param base the kernel's types (its ids are kept)
     * @param definitions each definition's text, in order
     * @param enumerators receives the script's enumerators (name to value)
     * @return every type, the base's first
     * @throws CError naming the definition and what is wrong
     */
    static List<BtfType> read(Btf base, List<String> definitions, Map<String, Long> enumerators) {
        return read(base, base.size(), definitions, enumerators);
    }

    /**
     * Reads definitions on top of {@code base}, whose first {@code kernelTypes} types are the
     * kernel's. As bpftrace, which hands clang the kernel's definitions of the types a script needs
     * unless one of them would redefine a type the script defines: a script that redefines a kernel
     * struct, union or enum ({@code struct task_struct { ... }}) takes none from the kernel, so its
     * definitions must define every struct, union and enum they use (a field of a kernel struct
     * type is then of an incomplete type, as in bpftrace). Typedef names still come from the
     * kernel (where bpftrace's scripts include headers for them).
     *
     * @throws CError naming the definition and what is wrong
     */
    static List<BtfType> read(Btf base, int kernelTypes, List<String> definitions, Map<String, Long> enumerators) {
        List<BtfType> all = new ArrayList<>(base.types());
        CDefinitions c = new CDefinitions(base, all, enumerators, kernelTypes);
        c.redefined = c.redefinedKernelType(definitions);
        for (String d : definitions) {
            c.toks = tokenize(d);
            c.at = 0;
            c.typeSpecifier();
            c.accept(";"); // clang accepts a definition without it, with a warning
            if (c.at != c.toks.size()) {
                throw new CError("unexpected '" + c.toks.get(c.at) + "' after the definition");
            }
        }
        return all;
    }

    /**
     * Why the kernel's {@code type} was not taken: nothing when the kernel has no such type or the
     * script redefines none of the kernel's.
     */
    private String kernelDropped(String type) {
        int space = type.indexOf(' ');
        if (redefined == null || kernelTagged(type.substring(0, space), type.substring(space + 1)) < 0) {
            return "";
        }
        return " (the script redefines the kernel's '" + redefined + "', so, as in bpftrace, its definitions take no "
                + "struct, union or enum from the kernel's BTF: define '" + type + "' too)";
    }

    /** The first struct, union or enum the definitions define that the kernel has too ("struct task_struct"), or null. */
    private String redefinedKernelType(List<String> definitions) {
        for (String d : definitions) {
            List<String> t = tokenize(d);
            for (int i = 0; i + 2 < t.size(); i++) {
                String kind = t.get(i);
                if ((kind.equals("struct") || kind.equals("union") || kind.equals("enum")) && t.get(i + 2).equals("{")
                        && kernelTagged(kind, t.get(i + 1)) >= 0) {
                    return kind + " " + t.get(i + 1);
                }
            }
        }
        return null;
    }

    /** The kernel's {@code kind name} (a struct, union or enum of the base's first {@link #kernelTypes}), or -1. */
    private int kernelTagged(String kind, String name) {
        for (int id : base.typeIdsByName(name)) {
            if (id < kernelTypes && isKind(kind, base.typeById(id))) {
                return id;
            }
        }
        return -1;
    }

    private static boolean isKind(String kind, BtfType t) {
        return kind.equals("struct") && t instanceof BtfType.Struct || kind.equals("union") && t instanceof BtfType.Union
                || kind.equals("enum") && (t instanceof BtfType.Enum || t instanceof BtfType.Enum64);
    }

    private static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (s.startsWith("//", i)) {
                int e = s.indexOf('\n', i);
                i = e < 0 ? s.length() : e;
            } else if (s.startsWith("/*", i)) {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? s.length() : e + 2;
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                int j = i;
                while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            } else if (s.startsWith("<<", i) || s.startsWith(">>", i)) {
                out.add(s.substring(i, i + 2));
                i += 2;
            } else {
                out.add(String.valueOf(c));
                i++;
            }
        }
        return out;
    }

    private String peek() {
        return at < toks.size() ? toks.get(at) : "";
    }

    private String take() {
        if (at >= toks.size()) {
            throw new CError("unexpected end of the definition");
        }
        return toks.get(at++);
    }

    private boolean accept(String t) {
        if (peek().equals(t)) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(String t) {
        if (!accept(t)) {
            throw new CError("expected '" + t + "'" + (peek().isEmpty() ? " at the end" : " before '" + peek() + "'"));
        }
    }

    private int add(BtfType t) {
        types.add(t);
        return types.size() - 1;
    }

    private int intType(String name, int size, boolean signed, boolean isChar, boolean isBool) {
        return ints.computeIfAbsent(name, n -> add(new BtfType.Int(n, size,
                (signed ? BtfType.Int.SIGNED : 0) | (isChar ? BtfType.Int.CHAR : 0) | (isBool ? BtfType.Int.BOOL : 0),
                0, size * 8)));
    }

    private static final Set<String> BASE_WORDS = Set.of("unsigned", "signed", "char", "short",
            "int", "long", "_Bool", "bool", "void", "float", "double");

    /** Reads a type specifier (with its definition, if it has one) and returns its type id. */
    private int typeSpecifier() {
        while (accept("const") || accept("volatile") || accept("static") || accept("extern")) {
            // qualifiers make no difference to layout
        }
        String w = peek();
        if (w.equals("struct") || w.equals("union") || w.equals("enum")) {
            take();
            String name = Character.isLetter(peek().isEmpty() ? ' ' : peek().charAt(0)) || peek().startsWith("_")
                    ? take() : "";
            // attributes may also come before the body: struct Foo __attribute__((packed)) { ... }
            Attributes before = peek().equals("__attribute__") && !w.equals("enum") ? attributes()
                    : new Attributes(false, 0);
            if (peek().equals("{")) {
                return w.equals("enum") ? enumBody(name) : recordBody(w.equals("union"), name, before);
            }
            if (name.isEmpty()) {
                throw new CError("expected a name or '{' after '" + w + "'");
            }
            return reference(w, name);
        }
        if (BASE_WORDS.contains(w)) {
            return baseType();
        }
        take();
        for (int id : base.typeIdsByName(w)) {
            BtfType t = base.typeById(id);
            if (t instanceof BtfType.Typedef || t instanceof BtfType.Int) {
                return id;
            }
        }
        throw new CError("unknown type name '" + w + "'");
    }

    private int baseType() {
        boolean unsigned = false;
        boolean signedWord = false;
        int longs = 0;
        boolean shortWord = false;
        boolean charWord = false;
        boolean sawInt = false;
        for (;;) {
            String w = peek();
            switch (w) {
                case "unsigned" -> unsigned = true;
                case "signed" -> signedWord = true;
                case "long" -> longs++;
                case "short" -> shortWord = true;
                case "char" -> charWord = true;
                case "int" -> sawInt = true;
                case "const", "volatile" -> { }
                case "_Bool", "bool" -> {
                    take();
                    return intType("_Bool", 1, false, false, true);
                }
                case "void" -> {
                    take();
                    return 0;
                }
                case "float", "double" -> {
                    // a value of no type in bpftrace (printed null); the size keeps the layout right
                    take();
                    String name = longs > 0 ? "long double" : w;
                    return ints.computeIfAbsent(name, n -> add(new BtfType.Float(n, n.equals("float") ? 4
                            : n.equals("double") ? 8 : 16)));
                }
                default -> {
                    if (unsigned && signedWord) {
                        throw new CError("both 'signed' and 'unsigned' in a type");
                    }
                    if (charWord) {
                        return intType(unsigned ? "unsigned char" : signedWord ? "signed char" : "char", 1, !unsigned,
                                true, false);
                    }
                    if (shortWord) {
                        return intType(unsigned ? "short unsigned int" : "short int", 2, !unsigned, false, false);
                    }
                    if (longs >= 2) {
                        return intType(unsigned ? "long long unsigned int" : "long long int", 8, !unsigned, false, false);
                    }
                    if (longs == 1) {
                        return intType(unsigned ? "long unsigned int" : "long int", 8, !unsigned, false, false);
                    }
                    if (!sawInt && !unsigned && !signedWord) {
                        throw new CError("expected a type");
                    }
                    return intType(unsigned ? "unsigned int" : "int", 4, !unsigned, false, false);
                }
            }
            take();
        }
    }

    /** A struct, union or enum named but not defined here: the script's, else the base's, else a forward declaration. */
    private int reference(String kind, String name) {
        Integer own = tagged.get(kind + " " + name);
        if (own != null) {
            return own;
        }
        for (int id : base.typeIdsByName(name)) {
            if (isKind(kind, base.typeById(id)) && (redefined == null || id >= kernelTypes)) {
                return id;
            }
        }
        if (kind.equals("enum")) {
            throw new CError("unknown enum '" + name + "'" + kernelDropped(kind + " " + name));
        }
        int id = add(new BtfType.Fwd(name, kind.equals("union")));
        tagged.put(kind + " " + name, id);
        return id;
    }

    /** GCC's {@code __attribute__((packed))} and {@code __attribute__((aligned(N)))} of a struct or union. */
    private record Attributes(boolean packed, long aligned) {}

    /** Reads the {@code __attribute__((...))} groups at the current token (after a body's closing brace). */
    private Attributes attributes() {
        boolean packed = false;
        long aligned = 0;
        while (accept("__attribute__")) {
            expect("(");
            expect("(");
            while (!accept(")")) {
                String a = take();
                String n = a.startsWith("__") && a.endsWith("__") && a.length() > 4 ? a.substring(2, a.length() - 2) : a;
                switch (n) {
                    case "packed" -> packed = true;
                    case "aligned" -> {
                        if (accept("(")) {
                            aligned = constant();
                            expect(")");
                        } else {
                            aligned = 16; // GCC: the largest alignment of the target
                        }
                        if (aligned <= 0 || (aligned & (aligned - 1)) != 0) {
                            throw new CError("requested alignment is not a positive power of 2");
                        }
                    }
                    default -> throw new CError("unsupported attribute '" + a + "'");
                }
                if (!peek().equals(")")) {
                    expect(",");
                }
            }
            expect(")");
        }
        return new Attributes(packed, aligned);
    }

    private int recordBody(boolean union, String name, Attributes before) {
        int open = at;
        int depth = 0;
        int close = open;
        for (; close < toks.size(); close++) {
            if (toks.get(close).equals("{")) {
                depth++;
            } else if (toks.get(close).equals("}") && --depth == 0) {
                break;
            }
        }
        at = close + 1;
        Attributes after = attributes();
        Attributes attrs = new Attributes(before.packed() || after.packed(), Math.max(before.aligned(),
                after.aligned()));
        int end = at;
        at = open;
        expect("{");
        List<BtfType.Member> members = new ArrayList<>();
        long bits = 0; // struct: the next free bit; union: the largest member
        long align = 1;
        while (!accept("}")) {
            int type = typeSpecifier();
            do {
                Declarator d = declarator(type);
                long size;
                long a;
                if (d.bits >= 0) {
                    BtfType bt = types.get(skip(d.type));
                    long unit = bt instanceof BtfType.Int i ? i.size() : bt instanceof BtfType.Enum e ? e.size() : -1;
                    if (unit <= 0 || d.bits > unit * 8) {
                        throw new CError("invalid bit field '" + d.name + "'");
                    }
                    long offset = union ? 0 : bits;
                    if (!union && d.bits == 0) {
                        bits = (bits + unit * 8 - 1) / (unit * 8) * (unit * 8);
                        continue;
                    }
                    if (!union && offset / (unit * 8) != (offset + d.bits - 1) / (unit * 8)) {
                        offset = (offset + unit * 8 - 1) / (unit * 8) * (unit * 8); // does not fit: next unit
                    }
                    members.add(new BtfType.Member(d.name, d.type, offset, (int) d.bits));
                    bits = union ? Math.max(bits, d.bits) : offset + d.bits;
                    align = Math.max(align, attrs.packed() ? 1 : unit);
                    continue;
                }
                size = sizeOf(d.type);
                a = attrs.packed() ? 1 : alignOf(d.type);
                long offset = union ? 0 : (bits + a * 8 - 1) / (a * 8) * (a * 8);
                members.add(new BtfType.Member(d.name, d.type, offset, 0));
                bits = union ? Math.max(bits, size * 8) : offset + size * 8;
                align = Math.max(align, a);
            } while (accept(","));
            if (!peek().equals("}")) { // the last member's ';' may be left out, as clang allows
                expect(";");
            }
        }
        at = end;
        if (attrs.aligned() > 0) {
            align = attrs.packed() ? attrs.aligned() : Math.max(align, attrs.aligned());
        }
        long bytes = (bits + 7) / 8;
        long size = (bytes + align - 1) / align * align;
        BtfType t = union ? new BtfType.Union(name, size, members) : new BtfType.Struct(name, size, members);
        String key = (union ? "union " : "struct ") + name;
        Integer fwd = name.isEmpty() ? null : tagged.get(key);
        if (fwd != null && types.get(fwd) instanceof BtfType.Fwd) {
            types.set(fwd, t); // a pointer to it was written before its definition
            aligns.put(fwd, align);
            return fwd;
        }
        if (fwd != null) {
            throw new CError("redefinition of '" + key + "'");
        }
        int id = add(t);
        if (!name.isEmpty()) {
            tagged.put(key, id);
        }
        aligns.put(id, align);
        return id;
    }

    private int enumBody(String name) {
        expect("{");
        List<BtfType.EnumValue> values = new ArrayList<>();
        long next = 0;
        while (!accept("}")) {
            String n = take();
            if (accept("=")) {
                next = constant();
            }
            values.add(new BtfType.EnumValue(n, next));
            enumerators.put(n, next);
            next++;
            if (!accept(",")) {
                expect("}");
                break;
            }
        }
        int id = add(new BtfType.Enum(name, 4, values.stream().anyMatch(v -> v.value() < 0), values));
        if (!name.isEmpty()) {
            tagged.put("enum " + name, id);
        }
        return id;
    }

    private long constant() {
        boolean neg = accept("-");
        String t = take();
        long v;
        try {
            String lit = t.toLowerCase(Locale.ROOT).replaceAll("[ul]+$", "");
            v = lit.startsWith("0x") ? Long.parseUnsignedLong(lit.substring(2), 16)
                    : lit.length() > 1 && lit.startsWith("0") ? Long.parseLong(lit.substring(1), 8) : Long.parseLong(lit);
        } catch (NumberFormatException e) {
            Long known = enumerators.get(t);
            if (known == null) {
                throw new CError("expected a constant, not '" + t + "'");
            }
            v = known;
        }
        if (accept("<<")) {
            v <<= constant();
        }
        return neg ? -v : v;
    }

    private record Declarator(String name, int type, long bits) {}

    private Declarator declarator(int type) {
        while (accept("*")) {
            type = add(new BtfType.Ptr("", type));
            while (accept("const") || accept("volatile")) {
                // qualifiers of the pointer
            }
        }
        String name;
        if (accept("(")) {
            // a function pointer: (*name)(parameters)
            expect("*");
            name = take();
            expect(")");
            skipParens();
            type = add(new BtfType.Ptr("", 0));
        } else if (peek().equals(":") || peek().equals(";")) {
            name = ""; // an anonymous member (a nested struct or union, or padding bits)
        } else {
            name = take();
        }
        List<Long> dims = new ArrayList<>();
        while (accept("[")) {
            dims.add(peek().equals("]") ? 0 : constant());
            expect("]");
        }
        for (int k = dims.size() - 1; k >= 0; k--) {
            type = add(new BtfType.Array("", type, intType("unsigned int", 4, false, false, false), dims.get(k)));
        }
        long bits = -1;
        if (accept(":")) {
            bits = constant();
        }
        return new Declarator(name, type, bits);
    }

    private void skipParens() {
        expect("(");
        int depth = 1;
        while (depth > 0) {
            String t = take();
            depth += t.equals("(") ? 1 : t.equals(")") ? -1 : 0;
        }
    }

    private int skip(int id) {
        for (int depth = 0; depth < 32; depth++) {
            BtfType t = types.get(id);
            switch (t) {
                case BtfType.Typedef d -> id = d.type();
                case BtfType.Const c -> id = c.type();
                case BtfType.Volatile v -> id = v.type();
                case BtfType.Restrict r -> id = r.type();
                case BtfType.TypeTag tt -> id = tt.type();
                default -> {
                    return id;
                }
            }
        }
        throw new CError("typedef chain too long");
    }

    private long sizeOf(int id) {
        if (id < firstId) {
            return base.sizeOf(id);
        }
        BtfType t = types.get(skip(id));
        return switch (t) {
            case BtfType.Int i -> i.size();
            case BtfType.Ptr p -> 8;
            case BtfType.Enum e -> e.size();
            case BtfType.Enum64 e -> e.size();
            case BtfType.Struct s -> s.size();
            case BtfType.Union u -> u.size();
            case BtfType.Array a -> a.elements() * sizeOf(a.type());
            case BtfType.Float f -> f.size();
            case BtfType.Fwd f -> throw new CError("field has incomplete type '" + (f.union() ? "union " : "struct ")
                    + f.name() + "'" + kernelDropped((f.union() ? "union " : "struct ") + f.name()));
            default -> throw new CError("field of type " + t.kindName() + " has no size");
        };
    }

    private long alignOf(int id) {
        if (id < firstId) {
            return base.alignOf(id);
        }
        Long own = aligns.get(skip(id));
        if (own != null) {
            return own;
        }
        BtfType t = types.get(skip(id));
        return switch (t) {
            case BtfType.Array a -> alignOf(a.type());
            case BtfType.Struct s -> s.members().stream().mapToLong(m -> m.bitfieldSize() > 0
                    ? sizeOf(m.type()) : alignOf(m.type())).max().orElse(1);
            case BtfType.Union u -> u.members().stream().mapToLong(m -> m.bitfieldSize() > 0
                    ? sizeOf(m.type()) : alignOf(m.type())).max().orElse(1);
            default -> Math.min(8, sizeOf(id));
        };
    }
}
