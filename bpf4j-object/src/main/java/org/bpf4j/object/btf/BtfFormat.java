package org.bpf4j.object.btf;

import java.util.List;

/**
 * Writes BTF types as C, in the style of {@code bpftool btf dump format c}: a full definition for
 * structs, unions, enums, typedefs, functions and variables, and C declarators for type
 * references ({@code struct sk_buff *}, {@code int (*)(void *)}, {@code char[16]}).
 *
 * <p>Anonymous structs and unions are written inline. Nesting deeper than
 * {@value Btf#MAX_RESOLVE_DEPTH} (a cyclic or hostile BTF) is cut with a comment. Thread-safe.
 */
public final class BtfFormat {
    /** How many types one call writes at most, so that a hostile BTF cannot blow up the output. */
    private static final int MAX_NODES = 100_000;

    private int nodes;

    private BtfFormat() {
    }

    /**
     * The C definition of a type, ending with a semicolon: the body of a struct, union or enum,
     * {@code typedef ...;}, a function prototype, a variable; for other kinds the type as a
     * declaration without a name.
     */
    public static String declaration(Btf btf, int id) {
        return new BtfFormat().define(btf, id);
    }

    private String define(Btf btf, int id) {
        StringBuilder out = new StringBuilder();
        BtfType t = btf.typeById(id);
        switch (t) {
            case BtfType.Struct s -> body(btf, out, "struct", s.name(), s.members(), 0, 0).append(';');
            case BtfType.Union u -> body(btf, out, "union", u.name(), u.members(), 0, 0).append(';');
            case BtfType.Enum e -> enumBody(out, e.name(), e.values(), e.signed(), 0).append(';');
            case BtfType.Enum64 e -> enumBody(out, e.name(), e.values(), e.signed(), 0).append(';');
            case BtfType.Typedef d -> out.append("typedef ").append(declarator(btf, d.type(), d.name(), 0, 0))
                    .append(';');
            case BtfType.Func f -> out.append(f.linkage() == BtfType.Linkage.STATIC ? "static " : "")
                    .append(f.linkage() == BtfType.Linkage.EXTERN ? "extern " : "")
                    .append(declarator(btf, f.type(), f.name(), 0, 0)).append(';');
            case BtfType.Var v -> out.append(v.linkage() == BtfType.Linkage.STATIC ? "static " : "")
                    .append(v.linkage() == BtfType.Linkage.EXTERN ? "extern " : "")
                    .append(declarator(btf, v.type(), v.name(), 0, 0)).append(';');
            case BtfType.Datasec d -> {
                out.append("/* section '").append(d.name()).append("', ").append(d.size()).append(" bytes */\n");
                for (BtfType.VarSecInfo v : d.vars()) {
                    out.append("/* offset ").append(v.offset()).append(", ").append(v.size()).append(" bytes */ ")
                            .append(define(btf, v.type())).append('\n');
                }
                if (!d.vars().isEmpty()) {
                    out.setLength(out.length() - 1);
                }
            }
            case BtfType.DeclTag d -> out.append("/* ").append(btf.describe(d.type()))
                    .append(d.componentIndex() >= 0 ? " component " + d.componentIndex() : "")
                    .append(" */ __attribute__((btf_decl_tag(\"").append(d.name()).append("\")));");
            default -> out.append(declarator(btf, id, "", 0, 0)).append(';');
        }
        return out.toString();
    }

    /** The C spelling of a reference to a type: {@code const char *}, {@code struct foo[4]}. */
    public static String typeName(Btf btf, int id) {
        return new BtfFormat().declarator(btf, id, "", 0, 0);
    }

    /** The declaration of {@code name} with type {@code id}: {@code int (*fn)(void *)}. */
    public static String declarator(Btf btf, int id, String name) {
        return new BtfFormat().declarator(btf, id, name, 0, 0);
    }

    private static String join(String base, String decl) {
        if (decl.isEmpty()) {
            return base;
        }
        if (base.endsWith("*") || decl.startsWith("[")) {
            return base + decl;
        }
        return base + " " + decl;
    }

    private String declarator(Btf btf, int id, String decl, int depth, int indent) {
        if (++nodes > MAX_NODES) {
            return join("/* too large */ void", decl);
        }
        if (depth > Btf.MAX_RESOLVE_DEPTH) {
            return join("/* nested too deep */ void", decl);
        }
        BtfType t = btf.typeById(id);
        return switch (t) {
            case BtfType.Void v -> join("void", decl);
            case BtfType.Int i -> join(i.name(), decl);
            case BtfType.Float f -> join(f.name(), decl);
            case BtfType.Ptr p -> declarator(btf, p.type(), "*" + decl, depth + 1, indent);
            case BtfType.Array a -> declarator(btf, a.type(),
                    (decl.startsWith("*") ? "(" + decl + ")" : decl) + "[" + a.elements() + "]", depth + 1, indent);
            case BtfType.Struct s -> join(s.name().isEmpty()
                    ? body(btf, new StringBuilder(), "struct", "", s.members(), indent, depth + 1).toString()
                    : "struct " + s.name(), decl);
            case BtfType.Union u -> join(u.name().isEmpty()
                    ? body(btf, new StringBuilder(), "union", "", u.members(), indent, depth + 1).toString()
                    : "union " + u.name(), decl);
            case BtfType.Enum e -> join(e.name().isEmpty()
                    ? enumBody(new StringBuilder(), "", e.values(), e.signed(), indent).toString()
                    : "enum " + e.name(), decl);
            case BtfType.Enum64 e -> join(e.name().isEmpty()
                    ? enumBody(new StringBuilder(), "", e.values(), e.signed(), indent).toString()
                    : "enum " + e.name(), decl);
            case BtfType.Fwd f -> join((f.union() ? "union " : "struct ") + f.name(), decl);
            case BtfType.Typedef d -> join(d.name(), decl);
            case BtfType.Const c -> qualified(btf, c.type(), "const", decl, depth, indent);
            case BtfType.Volatile v -> qualified(btf, v.type(), "volatile", decl, depth, indent);
            case BtfType.Restrict r -> qualified(btf, r.type(), "restrict", decl, depth, indent);
            case BtfType.TypeTag tt -> qualified(btf, tt.type(),
                    "__attribute__((btf_type_tag(\"" + tt.name() + "\")))", decl, depth, indent);
            case BtfType.FuncProto p -> {
                StringBuilder params = new StringBuilder("(");
                if (p.params().isEmpty()) {
                    params.append("void");
                }
                for (int i = 0; i < p.params().size(); i++) {
                    BtfType.Param param = p.params().get(i);
                    if (i > 0) {
                        params.append(", ");
                    }
                    if (param.type() == 0 && i == p.params().size() - 1) {
                        params.append("...");
                    } else {
                        params.append(declarator(btf, param.type(), param.name(), depth + 1, indent));
                    }
                }
                params.append(')');
                String inner = decl.startsWith("*") ? "(" + decl + ")" : decl;
                yield declarator(btf, p.returnType(), inner + params, depth + 1, indent);
            }
            case BtfType.Func f -> declarator(btf, f.type(), decl.isEmpty() ? f.name() : decl, depth + 1, indent);
            case BtfType.Var v -> declarator(btf, v.type(), decl.isEmpty() ? v.name() : decl, depth + 1, indent);
            case BtfType.Datasec d -> join("/* section " + d.name() + " */ void", decl);
            case BtfType.DeclTag d -> declarator(btf, d.type(), decl, depth + 1, indent);
        };
    }

    private String qualified(Btf btf, int target, String qualifier, String decl, int depth, int indent) {
        BtfType t = btf.typeById(target);
        if (t instanceof BtfType.Ptr) {
            return declarator(btf, target, (qualifier + " " + decl).strip(), depth + 1, indent)
                    .replace("* " + qualifier, "*" + qualifier);
        }
        return qualifier + " " + declarator(btf, target, decl, depth + 1, indent);
    }

    private StringBuilder body(Btf btf, StringBuilder out, String keyword, String name,
            List<BtfType.Member> members, int indent, int depth) {
        out.append(keyword);
        if (!name.isEmpty()) {
            out.append(' ').append(name);
        }
        if (depth > Btf.MAX_RESOLVE_DEPTH) {
            return out.append(" { /* nested too deep */ }");
        }
        out.append(" {\n");
        for (BtfType.Member m : members) {
            tabs(out, indent + 1);
            out.append(declarator(btf, m.type(), m.name(), depth + 1, indent + 1));
            if (m.bitfieldSize() != 0) {
                out.append(": ").append(m.bitfieldSize());
            }
            out.append(";\n");
        }
        tabs(out, indent);
        return out.append('}');
    }

    private static StringBuilder enumBody(StringBuilder out, String name, List<BtfType.EnumValue> values,
            boolean signed, int indent) {
        out.append("enum");
        if (!name.isEmpty()) {
            out.append(' ').append(name);
        }
        out.append(" {\n");
        for (BtfType.EnumValue v : values) {
            tabs(out, indent + 1);
            out.append(v.name()).append(" = ")
                    .append(signed ? Long.toString(v.value()) : Long.toUnsignedString(v.value())).append(",\n");
        }
        tabs(out, indent);
        return out.append('}');
    }

    private static void tabs(StringBuilder out, int n) {
        out.append("\t".repeat(n));
    }
}
