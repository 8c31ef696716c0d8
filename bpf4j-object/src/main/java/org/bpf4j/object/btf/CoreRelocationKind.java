package org.bpf4j.object.btf;

/** What a CO-RE relocation asks for ({@code enum bpf_core_relo_kind}). */
public enum CoreRelocationKind {
    /** Byte offset of a field. */
    FIELD_BYTE_OFFSET,
    /** Size of a field in bytes. */
    FIELD_BYTE_SIZE,
    /** 1 if the field exists in the target, else 0. */
    FIELD_EXISTS,
    /** 1 if the field is a signed integer. */
    FIELD_SIGNED,
    /** Left shift that brings a bitfield's top bit to bit 63 after a load. */
    FIELD_LSHIFT_U64,
    /** Right shift that brings a bitfield down after {@link #FIELD_LSHIFT_U64}. */
    FIELD_RSHIFT_U64,
    /** The type's id in the program's own BTF. */
    TYPE_ID_LOCAL,
    /** The type's id in the target BTF. */
    TYPE_ID_TARGET,
    /** 1 if the type exists in the target. */
    TYPE_EXISTS,
    /** Size of the type in the target. */
    TYPE_SIZE,
    /** 1 if the enumerator exists in the target. */
    ENUMVAL_EXISTS,
    /** The enumerator's value in the target. */
    ENUMVAL_VALUE,
    /** 1 if the type matches a target type under the stricter "matches" rules. */
    TYPE_MATCHES;

    /** The kind with an encoding number, or null. */
    public static CoreRelocationKind of(long value) {
        return value >= 0 && value < values().length ? values()[(int) value] : null;
    }

    /** Whether the relocation is about a field (access string with member indices). */
    public boolean isField() {
        return ordinal() <= FIELD_RSHIFT_U64.ordinal();
    }

    /** Whether the relocation is about a whole type. */
    public boolean isType() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS || this == TYPE_SIZE
                || this == TYPE_MATCHES;
    }

    /** Whether the relocation is about an enumerator. */
    public boolean isEnumValue() {
        return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
    }
}
