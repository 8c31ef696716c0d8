package org.bpf4j.trace.ast;

/**
 * A type as written in a cast or a declaration: {@code uint8}, {@code int64}, {@code string},
 * {@code struct task_struct *}; an array when {@code arrayLength} is not negative; the type of an
 * expression ({@code typeof($x)}, current bpftrace) when {@code typeOf} is not null.
 *
 * @param name the name ({@code struct task_struct} keeps its keyword; {@code typeof} for the type of an expression)
 * @param pointers number of {@code *}
 * @param arrayLength elements of an array type ({@code uint8[4]}), 0 for {@code uint8[]} (a cast's operand
 *     gives the size), or -1
 * @param typeOf the expression whose type this is, or null
 */
public record TypeName(String name, int pointers, int arrayLength, Expr typeOf) {
    /** A type named by its name. */
    public TypeName(String name, int pointers, int arrayLength) {
        this(name, pointers, arrayLength, null);
    }

    /** This type with its {@code typeof} expression replaced (by a macro's expansion). */
    public TypeName withTypeOf(java.util.function.UnaryOperator<Expr> f) {
        return typeOf == null ? this : new TypeName(name, pointers, arrayLength, f.apply(typeOf));
    }

    @Override
    public String toString() {
        String base = typeOf != null ? "typeof(" + AstPrinter.source(typeOf) + ")" : name;
        return base + (pointers > 0 ? " " + "*".repeat(pointers) : "") + (arrayLength > 0 ? "[" + arrayLength + "]" : arrayLength == 0 ? "[]" : "");
    }
}
