package org.bpf4j.object.elf;

/**
 * One relocation entry of an {@code SHT_REL} or {@code SHT_RELA} section. Immutable.
 *
 * @param index the entry's index in its relocation section
 * @param offset {@code r_offset}: the byte offset in the section the relocation applies to
 * @param symbolIndex {@code ELF64_R_SYM(r_info)}, an index into the symbol table
 * @param type {@code ELF64_R_TYPE(r_info)}, such as {@link Elf#R_BPF_64_64}
 * @param addend {@code r_addend} for {@code SHT_RELA}; 0 for {@code SHT_REL}, whose addend is in the
 *     relocated field itself
 */
public record ElfRelocation(int index, long offset, int symbolIndex, int type, long addend) {

    /** The name of a BPF relocation type, such as {@code R_BPF_64_64}, or {@code type N} for others. */
    public static String typeName(int type) {
        return switch (type) {
            case Elf.R_BPF_NONE -> "R_BPF_NONE";
            case Elf.R_BPF_64_64 -> "R_BPF_64_64";
            case Elf.R_BPF_64_ABS64 -> "R_BPF_64_ABS64";
            case Elf.R_BPF_64_ABS32 -> "R_BPF_64_ABS32";
            case Elf.R_BPF_64_NODYLD32 -> "R_BPF_64_NODYLD32";
            case Elf.R_BPF_64_32 -> "R_BPF_64_32";
            default -> "type " + type;
        };
    }
}
