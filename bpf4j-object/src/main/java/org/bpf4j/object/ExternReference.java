package org.bpf4j.object;

import java.util.Objects;

/**
 * An instruction that refers to a symbol defined outside the object, which a loader resolves:
 * a call of a kernel function ({@code kfunc}, declared {@code extern ... __ksym}), left as a
 * {@link org.bpf4j.isa.CallKind#KFUNC} call with imm 0, or the address of a kernel variable
 * ({@code extern ... __ksym}), left as an {@code lddw} of
 * {@link org.bpf4j.isa.Imm64Kind#VARIABLE_ADDRESS} with imm 0.
 *
 * @param slot the instruction's slot in the linked program
 * @param name the symbol's name
 * @param kind a function call or a variable address
 * @param btfTypeId the id of the symbol's {@code FUNC} or {@code VAR} in the object's BTF, 0 if none
 * @param weak whether the symbol is weak (a loader may resolve it to 0 when it is missing)
 * @param declared whether the object's BTF declares the symbol as a kernel symbol ({@code __ksym}),
 *     which a loader may resolve; an undeclared symbol (a {@code memset} the compiler did not
 *     inline, a helper declared {@code extern} by mistake) cannot be resolved, and
 *     {@link ProgramSpec#requireLinked()} refuses the program
 */
public record ExternReference(int slot, String name, Kind kind, int btfTypeId, boolean weak, boolean declared) {

    /** Checks the components. */
    public ExternReference {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
    }

    /** What the instruction refers to. */
    public enum Kind {
        /** A call of a kernel function. */
        FUNCTION,
        /** The address of a kernel variable. */
        VARIABLE
    }

    /** The same reference moved by {@code delta} slots. */
    public ExternReference shift(int delta) {
        return new ExternReference(slot + delta, name, kind, btfTypeId, weak, declared);
    }
}
