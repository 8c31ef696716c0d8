package org.bpf4j.object.btf;

import java.util.List;
import java.util.Objects;

/**
 * One BTF type, as a closed set of immutable records, one per kind of the kernel's
 * {@code include/uapi/linux/btf.h}. Type ids are positions in {@link Btf#types()}; id 0 is
 * {@link Void}. References to other types are ids, resolved with {@link Btf#typeById(int)}.
 * Names are strings (empty for anonymous types).
 *
 * <p>Switch over it without {@code default}, so that a new kind is a compile error wherever it
 * must be handled.
 */
public sealed interface BtfType {

    /** The kind's number in the encoding ({@code BTF_KIND_*}). */
    int kind();

    /** The type's name, empty when anonymous. */
    String name();

    /** The kind's name as bpftool prints it ({@code INT}, {@code STRUCT}, ...). */
    default String kindName() {
        return KIND_NAMES.get(kind());
    }

    /** Names of the kinds by number, as bpftool prints them. */
    List<String> KIND_NAMES = List.of("UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD",
            "TYPEDEF", "VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG",
            "TYPE_TAG", "ENUM64");

    /** {@code void}, type id 0; never encoded. */
    record Void() implements BtfType {
        @Override
        public int kind() {
            return 0;
        }

        @Override
        public String name() {
            return "void";
        }
    }

    /**
     * An integer type.
     *
     * @param size size in bytes (1, 2, 4, 8 or 16)
     * @param encoding {@link #SIGNED}, {@link #CHAR} and {@link #BOOL} bits
     * @param bitOffset offset of the value's bits (0 in practice)
     * @param bits number of value bits
     */
    record Int(String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        /** Encoding bit: signed. */
        public static final int SIGNED = 1;
        /** Encoding bit: a character type. */
        public static final int CHAR = 2;
        /** Encoding bit: a boolean. */
        public static final int BOOL = 4;

        /** Whether the integer is signed. */
        public boolean signed() {
            return (encoding & SIGNED) != 0;
        }

        @Override
        public int kind() {
            return 1;
        }
    }

    /** A pointer to {@code type}. */
    record Ptr(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 2;
        }
    }

    /** An array of {@code elements} values of {@code type}, indexed by {@code indexType}. */
    record Array(String name, int type, int indexType, long elements) implements BtfType {
        @Override
        public int kind() {
            return 3;
        }
    }

    /**
     * A member of a struct or union.
     *
     * @param name the member's name, empty for an anonymous struct or union member
     * @param type the member's type id
     * @param bitOffset offset from the start of the aggregate, in bits
     * @param bitfieldSize size of a bitfield in bits, 0 for a plain member
     */
    record Member(String name, int type, long bitOffset, int bitfieldSize) {
        /** Checks the name. */
        public Member {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A struct of {@code size} bytes. */
    record Struct(String name, long size, List<Member> members) implements BtfType {
        /** Copies the members. */
        public Struct {
            members = List.copyOf(members);
        }

        @Override
        public int kind() {
            return 4;
        }
    }

    /** A union of {@code size} bytes. */
    record Union(String name, long size, List<Member> members) implements BtfType {
        /** Copies the members. */
        public Union {
            members = List.copyOf(members);
        }

        @Override
        public int kind() {
            return 5;
        }
    }

    /** One enumerator: a name and its value (sign-extended or zero-extended to 64 bits). */
    record EnumValue(String name, long value) {
        /** Checks the name. */
        public EnumValue {
            Objects.requireNonNull(name, "name");
        }
    }

    /** An enum of {@code size} bytes (1, 2, 4 or 8) with 32-bit values. */
    record Enum(String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        /** Copies the values. */
        public Enum {
            values = List.copyOf(values);
        }

        @Override
        public int kind() {
            return 6;
        }
    }

    /** A forward declaration of a struct or ({@code union}) union. */
    record Fwd(String name, boolean union) implements BtfType {
        @Override
        public int kind() {
            return 7;
        }
    }

    /** A typedef of {@code type}. */
    record Typedef(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 8;
        }
    }

    /** {@code volatile type}. */
    record Volatile(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 9;
        }
    }

    /** {@code const type}. */
    record Const(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 10;
        }
    }

    /** {@code restrict type}. */
    record Restrict(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 11;
        }
    }

    /** Linkage of a function or variable. */
    enum Linkage {
        /** {@code static}. */
        STATIC,
        /** Global (allocated in this object). */
        GLOBAL,
        /** {@code extern}: defined elsewhere (kernel, another object). */
        EXTERN;

        static Linkage of(int value) {
            return value >= 0 && value < 3 ? values()[value] : null;
        }
    }

    /** A function named {@code name} whose prototype is {@code type} (a {@link FuncProto}). */
    record Func(String name, int type, Linkage linkage) implements BtfType {
        @Override
        public int kind() {
            return 12;
        }
    }

    /** A parameter of a function prototype; a trailing unnamed parameter of type 0 means {@code ...}. */
    record Param(String name, int type) {
        /** Checks the name. */
        public Param {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A function prototype: return type and parameters. */
    record FuncProto(String name, int returnType, List<Param> params) implements BtfType {
        /** Copies the parameters. */
        public FuncProto {
            params = List.copyOf(params);
        }

        @Override
        public int kind() {
            return 13;
        }
    }

    /** A variable of {@code type}. */
    record Var(String name, int type, Linkage linkage) implements BtfType {
        @Override
        public int kind() {
            return 14;
        }
    }

    /** A variable's place in a data section: its {@link Var} type id, offset and size in bytes. */
    record VarSecInfo(int type, long offset, long size) {
    }

    /** A data section ({@code .data}, {@code .maps}, {@code .kconfig}, ...) of {@code size} bytes. */
    record Datasec(String name, long size, List<VarSecInfo> vars) implements BtfType {
        /** Copies the variables. */
        public Datasec {
            vars = List.copyOf(vars);
        }

        @Override
        public int kind() {
            return 15;
        }
    }

    /** A floating-point type of {@code size} bytes. */
    record Float(String name, int size) implements BtfType {
        @Override
        public int kind() {
            return 16;
        }
    }

    /**
     * A declaration tag ({@code __attribute__((btf_decl_tag("name")))}) on {@code type}, or on its
     * member or parameter number {@code componentIndex} (-1 for the type itself).
     */
    record DeclTag(String name, int type, int componentIndex) implements BtfType {
        @Override
        public int kind() {
            return 17;
        }
    }

    /** A type tag ({@code __attribute__((btf_type_tag("name")))}) on {@code type}. */
    record TypeTag(String name, int type) implements BtfType {
        @Override
        public int kind() {
            return 18;
        }
    }

    /** An enum of {@code size} bytes with 64-bit values. */
    record Enum64(String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        /** Copies the values. */
        public Enum64 {
            values = List.copyOf(values);
        }

        @Override
        public int kind() {
            return 19;
        }
    }
}
