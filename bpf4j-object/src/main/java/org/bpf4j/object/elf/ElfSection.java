package org.bpf4j.object.elf;

/**
 * One section header of an ELF64 file. Immutable.
 *
 * @param index the section's index in the header table
 * @param name the name from the section-name string table
 * @param type {@code sh_type}, such as {@link Elf#SHT_PROGBITS}
 * @param flags {@code sh_flags}, such as {@link Elf#SHF_EXECINSTR}
 * @param offset file offset of the contents
 * @param size size of the contents in bytes (for {@link Elf#SHT_NOBITS}, the size in memory)
 * @param link {@code sh_link}: the symbol table of a relocation section, the string table of a symbol table
 * @param info {@code sh_info}: the section a relocation section applies to
 * @param addrAlign {@code sh_addralign}
 * @param entrySize {@code sh_entsize}, the size of one entry of a table section
 */
public record ElfSection(int index, String name, int type, long flags, long offset, long size, int link, int info,
        long addrAlign, long entrySize) {

    /** Whether the section holds instructions ({@code SHF_EXECINSTR}). */
    public boolean executable() {
        return (flags & Elf.SHF_EXECINSTR) != 0;
    }

    /** Whether the section's contents are in the file (every type but {@link Elf#SHT_NOBITS}). */
    public boolean hasFileData() {
        return type != Elf.SHT_NOBITS && type != Elf.SHT_NULL;
    }

    /** Whether the section is a relocation table ({@code SHT_REL} or {@code SHT_RELA}). */
    public boolean isRelocations() {
        return type == Elf.SHT_REL || type == Elf.SHT_RELA;
    }
}
