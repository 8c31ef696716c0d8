package org.bpf4j.object.elf;

/** Constants of the ELF64 format and the BPF processor supplement that the reader uses. */
public final class Elf {
    private Elf() {
    }

    /** {@code EM_BPF}: the machine number of eBPF objects. */
    public static final int EM_BPF = 247;
    /** {@code ET_REL}: a relocatable file, what {@code clang -c} writes. */
    public static final int ET_REL = 1;

    /** Inactive section header. */
    public static final int SHT_NULL = 0;
    /** Contents defined by the program: code and data. */
    public static final int SHT_PROGBITS = 1;
    /** Symbol table. */
    public static final int SHT_SYMTAB = 2;
    /** String table. */
    public static final int SHT_STRTAB = 3;
    /** Relocations with explicit addends. */
    public static final int SHT_RELA = 4;
    /** Space with no contents in the file ({@code .bss}). */
    public static final int SHT_NOBITS = 8;
    /** Relocations whose addend is in the relocated field. */
    public static final int SHT_REL = 9;
    /** LLVM's address-significance table. */
    public static final int SHT_LLVM_ADDRSIG = 0x6fff4c03;

    /** Writable section. */
    public static final long SHF_WRITE = 0x1;
    /** Section occupies memory at run time. */
    public static final long SHF_ALLOC = 0x2;
    /** Section holds instructions. */
    public static final long SHF_EXECINSTR = 0x4;

    /** Undefined section index. */
    public static final int SHN_UNDEF = 0;
    /** First reserved section index. */
    public static final int SHN_LORESERVE = 0xff00;
    /** Absolute symbol. */
    public static final int SHN_ABS = 0xfff1;
    /** Common symbol. */
    public static final int SHN_COMMON = 0xfff2;
    /** The real index is elsewhere (the header's count or string index in section 0). */
    public static final int SHN_XINDEX = 0xffff;

    /** Symbol type not specified (externs). */
    public static final int STT_NOTYPE = 0;
    /** Data object. */
    public static final int STT_OBJECT = 1;
    /** Function. */
    public static final int STT_FUNC = 2;
    /** Section symbol. */
    public static final int STT_SECTION = 3;
    /** Source file name. */
    public static final int STT_FILE = 4;

    /** Local binding. */
    public static final int STB_LOCAL = 0;
    /** Global binding. */
    public static final int STB_GLOBAL = 1;
    /** Weak binding. */
    public static final int STB_WEAK = 2;

    /** Default visibility. */
    public static final int STV_DEFAULT = 0;
    /** Internal visibility. */
    public static final int STV_INTERNAL = 1;
    /** Hidden visibility ({@code __hidden}). */
    public static final int STV_HIDDEN = 2;

    /** No relocation. */
    public static final int R_BPF_NONE = 0;
    /** 64-bit immediate of an {@code lddw}: map, global data, subprogram address, extern. */
    public static final int R_BPF_64_64 = 1;
    /** 64-bit absolute address in data (a {@code .maps} initializer, DWARF). */
    public static final int R_BPF_64_ABS64 = 2;
    /** 32-bit absolute address in data (DWARF). */
    public static final int R_BPF_64_ABS32 = 3;
    /** 32-bit value that the loader does not apply ({@code .BTF}, {@code .BTF.ext}). */
    public static final int R_BPF_64_NODYLD32 = 4;
    /** 32-bit PC-relative immediate of a call to a function. */
    public static final int R_BPF_64_32 = 10;
}
