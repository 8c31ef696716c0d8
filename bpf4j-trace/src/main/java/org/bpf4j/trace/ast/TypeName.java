package org.bpf4j.trace.ast;

import java.util.function.UnaryOperator;

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
 * @param arrayPointers number of {@code *} written after the array's brackets: a pointer to the
 *     array ({@code int32[4]*}, current bpftrace); 0 for other types
 */
public record TypeName(String name, int pointers, int arrayLength, Expr typeOf, int arrayPointers) {
    /**
     * The name of {@code typeof({ ... })}, the type of a block's value: a map alone there is read
     * as a value, where {@code typeof(@m)} of a map with keys is the type of its keys.
     */
    public static final String TYPEOF_BLOCK = "typeof{}";

    /** A type that is not a pointer to an array. */
    public TypeName(String name, int pointers, int arrayLength, Expr typeOf) {
        this(name, pointers, arrayLength, typeOf, 0);
    }

    /** A type named by its name. */
    public TypeName(String name, int pointers, int arrayLength) {
        this(name, pointers, arrayLength, null);
    }

    /** This type with its {@code typeof} expression replaced (by a macro's expansion). */
    public TypeName withTypeOf(UnaryOperator<Expr> f) {
        return typeOf == null ? this : new TypeName(name, pointers, arrayLength, f.apply(typeOf), arrayPointers);
    }

    /** The array (or type) this points to, for a pointer to an array; this type otherwise. */
    public TypeName arrayPointee() {
        return arrayPointers == 0 ? this : new TypeName(name, pointers, arrayLength, typeOf, arrayPointers - 1);
    }

    @Override
    public String toString() {
        String base = typeOf != null ? "typeof(" + AstPrinter.source(typeOf) + ")" : name;
        return base + (pointers > 0 ? " " + "*".repeat(pointers) : "") + (arrayLength > 0 ? "[" + arrayLength + "]" : arrayLength == 0 ? "[]" : "")
                + "*".repeat(arrayPointers);
    }
}
