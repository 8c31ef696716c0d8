package org.bpf4j.object.btf;

import java.util.Objects;

/**
 * A {@code bpf_core_relo} record: an instruction whose immediate or offset depends on the layout
 * of a type in the target (the kernel, or the VM's context types).
 *
 * @param slot the instruction index (an {@code lddw} counts twice), relative to the section in
 *     {@link BtfExt} and to the program in a program spec
 * @param typeId the root type's id in the program's own BTF
 * @param accessString the access path, such as {@code "0:1:2"} (member and array indices from the root)
 * @param kind what is asked for
 */
public record CoreRelocation(int slot, int typeId, String accessString, CoreRelocationKind kind) {

    /** Checks the components. */
    public CoreRelocation {
        Objects.requireNonNull(accessString, "accessString");
        Objects.requireNonNull(kind, "kind");
    }

    /** The same record moved by {@code delta} slots. */
    public CoreRelocation shift(int delta) {
        return new CoreRelocation(slot + delta, typeId, accessString, kind);
    }
}
