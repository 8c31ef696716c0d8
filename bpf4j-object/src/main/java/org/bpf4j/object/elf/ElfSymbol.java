package org.bpf4j.object.elf;

/**
 * One entry of an ELF64 symbol table. Immutable.
 *
 * @param index the entry's index in the symbol table
 * @param name the name, or the empty string for an unnamed symbol (section symbols)
 * @param value {@code st_value}: for a defined symbol in a relocatable file, the offset in its section
 * @param size {@code st_size} in bytes
 * @param type {@code ELF64_ST_TYPE}, such as {@link Elf#STT_FUNC}
 * @param bind {@code ELF64_ST_BIND}, such as {@link Elf#STB_GLOBAL}
 * @param visibility {@code ELF64_ST_VISIBILITY}, such as {@link Elf#STV_HIDDEN}
 * @param sectionIndex {@code st_shndx}: the defining section, {@link Elf#SHN_UNDEF} for an undefined symbol
 */
public record ElfSymbol(int index, String name, long value, long size, int type, int bind, int visibility,
        int sectionIndex) {

    /** Whether the symbol is local ({@code STB_LOCAL}), as a C {@code static} definition is. */
    public boolean isLocal() {
        return bind == Elf.STB_LOCAL;
    }

    /** Whether the symbol is undefined ({@code SHN_UNDEF}), as an {@code extern} is. */
    public boolean isUndefined() {
        return sectionIndex == Elf.SHN_UNDEF;
    }

    /** Whether the symbol is defined in a regular section (not undefined, absolute or common). */
    public boolean isInSection() {
        return sectionIndex != Elf.SHN_UNDEF && sectionIndex < Elf.SHN_LORESERVE;
    }
}
