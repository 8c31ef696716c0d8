package org.bpf4j.object.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.MalformedInputException;

/**
 * A little-endian ELF64 relocatable file as clang writes for {@code -target bpf}: the header, the
 * section headers with their names, the symbol table and the relocation tables.
 *
 * <p>Reading is strict about the parts a loader relies on (header, section header table, section
 * names, symbol table, the relocation tables it asks for) and lazy about the rest: the contents of
 * a section are checked against the file only when {@link #data(ElfSection)} asks for them, so a
 * damaged debug section that nobody reads does not make the object unreadable, as with libelf.
 * Every failure is a {@link MalformedInputException} whose message starts with the file name.
 *
 * <p>Symbols are read as libbpf reads them: a symbol that cannot be used (its name lies outside
 * the string table, it names a section that does not exist) or a symbol table whose header is
 * damaged does not make the file unreadable. Such symbols are left out of {@link #symbols()}, and
 * {@link #symbol(int)} refuses them with the reason, so the file fails only where something needs
 * them. A function symbol of a code section must be readable, as libbpf requires.
 *
 * <p>Immutable after construction and thread-safe; the byte array passed in must not be modified
 * while the instance is in use.
 */
public final class ElfFile {
    private static final int HEADER_SIZE = 64;
    private static final int SECTION_HEADER_SIZE = 64;
    /** Size of an {@code Elf64_Sym}. */
    public static final int SYMBOL_SIZE = 24;
    /** Size of an {@code Elf64_Rel}. */
    public static final int REL_SIZE = 16;
    /** Size of an {@code Elf64_Rela}. */
    public static final int RELA_SIZE = 24;

    private final String name;
    private final ByteReader file;
    private final List<ElfSection> sections;
    private final ElfSection symbolTable;
    private final SymbolTable symtab;

    /**
     * The symbols as read: {@code bySlot} has an entry per table index ({@code null} where the
     * symbol is unusable, with the reason in {@code faults}); {@code tableFault} is set, and
     * {@code bySlot} empty, when the whole table is unusable.
     */
    private record SymbolTable(List<ElfSymbol> usable, ElfSymbol[] bySlot, Map<Integer, String> faults,
            String tableFault) {
    }

    private ElfFile(String name, ByteReader file, List<ElfSection> sections, ElfSection symbolTable,
            SymbolTable symtab) {
        this.name = name;
        this.file = file;
        this.sections = sections;
        this.symbolTable = symbolTable;
        this.symtab = symtab;
    }

    /**
     * Reads the header, section headers and symbol table of an ELF file.
     *
     * @param bytes the whole file
     * @param name the file's name for messages, such as {@code "foo.o"}
     * @throws MalformedInputException if the file is not a little-endian ELF64 relocatable BPF
     *     object or its header tables are damaged
     */
    public static ElfFile parse(byte[] bytes, String name) {
        ByteReader file = ByteReader.of(bytes, name);
        if (bytes.length < HEADER_SIZE) {
            throw error(name, "file is " + bytes.length + " bytes, too short for an ELF header (64 bytes)");
        }
        if (bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw error(name, "not an ELF file (no \\x7fELF magic)");
        }
        if (bytes[4] != 2) {
            throw error(name, "not a 64-bit ELF file (class " + bytes[4] + "); eBPF objects are ELF64");
        }
        if (bytes[5] == 2) {
            throw error(name, "big-endian object; only little-endian eBPF objects are supported (compile with -target bpfel)");
        }
        if (bytes[5] != 1) {
            throw error(name, "unknown ELF data encoding " + bytes[5]);
        }
        int type = file.u16(16);
        int machine = file.u16(18);
        if (type != Elf.ET_REL) {
            throw error(name, "ELF type " + type + " is not a relocatable object (ET_REL); eBPF objects come from 'clang -c'");
        }
        if (machine != Elf.EM_BPF && machine != 0) {
            throw error(name, "machine " + machine + " is not eBPF (EM_BPF = 247)");
        }
        long shoff = file.u64(0x28);
        int shentsize = file.u16(0x3a);
        long shnum = file.u16(0x3c);
        int shstrndx = file.u16(0x3e);
        if (shoff == 0) {
            throw error(name, "no section header table");
        }
        if (shentsize != SECTION_HEADER_SIZE) {
            throw error(name, "section header entry size is " + shentsize + ", expected 64");
        }
        if (!file.contains(shoff, SECTION_HEADER_SIZE)) {
            throw error(name, "section header table at offset 0x" + Long.toHexString(shoff)
                    + " lies outside the file (" + bytes.length + " bytes)");
        }
        if (shnum == 0) {
            shnum = file.u64(shoff + 32);
        }
        if (shstrndx == Elf.SHN_XINDEX) {
            shstrndx = (int) file.u32(shoff + 40);
        }
        if (shnum > (bytes.length - shoff) / SECTION_HEADER_SIZE) {
            throw error(name, "section header table at offset 0x" + Long.toHexString(shoff) + " with " + shnum
                    + " entries runs past the end of the file (" + bytes.length + " bytes)");
        }
        int count = (int) shnum;
        long[][] raw = new long[count][];
        for (int i = 0; i < count; i++) {
            long h = shoff + (long) i * SECTION_HEADER_SIZE;
            raw[i] = new long[] {file.u32(h), file.u32(h + 4), file.u64(h + 8), file.u64(h + 24), file.u64(h + 32),
                file.u32(h + 40), file.u32(h + 44), file.u64(h + 48), file.u64(h + 56)};
        }
        if (shstrndx <= 0 || shstrndx >= count) {
            throw error(name, "section-name string table index " + shstrndx + " is not a section (" + count
                    + " sections)");
        }
        long[] strHeader = raw[shstrndx];
        if (strHeader[1] != Elf.SHT_STRTAB) {
            throw error(name, "section-name string table (section " + shstrndx + ") has type " + strHeader[1]
                    + ", not SHT_STRTAB");
        }
        ByteReader names = file.window(strHeader[3], strHeader[4], name + ": section-name string table");
        List<ElfSection> sections = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long[] r = raw[i];
            String sectionName = i == 0 ? "" : names.cStringOrNull(r[0]);
            if (sectionName == null) {
                throw error(name, "section " + i + ": name offset 0x" + Long.toHexString(r[0])
                        + " is outside the section-name string table (" + names.length() + " bytes)");
            }
            sections.add(new ElfSection(i, sectionName, (int) r[1], r[2], r[3], r[4], (int) r[5], (int) r[6], r[7],
                    r[8]));
        }
        ElfSection symtab = null;
        for (ElfSection s : sections) {
            if (s.type() == Elf.SHT_SYMTAB) {
                if (symtab != null) {
                    throw error(name, "two symbol tables (sections " + symtab.index() + " and " + s.index() + ")");
                }
                symtab = s;
            }
        }
        SymbolTable symbols = symtab == null ? new SymbolTable(List.of(), new ElfSymbol[0], Map.of(), null)
                : readSymbols(name, file, sections, symtab);
        return new ElfFile(name, file, Collections.unmodifiableList(sections), symtab, symbols);
    }

    private static SymbolTable readSymbols(String name, ByteReader file, List<ElfSection> sections,
            ElfSection symtab) {
        String where = name + ": symbol table (section " + symtab.index() + " '" + symtab.name() + "')";
        String tableFault = null;
        if (symtab.entrySize() != SYMBOL_SIZE) {
            tableFault = "entry size is " + symtab.entrySize() + ", expected " + SYMBOL_SIZE;
        } else if (symtab.size() % SYMBOL_SIZE != 0) {
            tableFault = "size " + symtab.size() + " is not a multiple of " + SYMBOL_SIZE;
        } else if (symtab.link() <= 0 || symtab.link() >= sections.size()
                || sections.get(symtab.link()).type() != Elf.SHT_STRTAB) {
            tableFault = "its string table index " + symtab.link() + " is not a string table section";
        } else if (!file.contains(symtab.offset(), symtab.size())) {
            tableFault = "its contents at offset 0x" + Long.toHexString(symtab.offset()) + " (" + symtab.size()
                    + " bytes) lie outside the file (" + file.length() + " bytes)";
        } else if (!file.contains(sections.get(symtab.link()).offset(), sections.get(symtab.link()).size())) {
            tableFault = "its string table (section " + symtab.link() + ") lies outside the file";
        }
        if (tableFault != null) {
            // Only what refers to a symbol fails: code sections still give programs by section.
            return new SymbolTable(List.of(), new ElfSymbol[0], Map.of(), where + ": " + tableFault);
        }
        ElfSection strSection = sections.get(symtab.link());
        ByteReader data = file.window(symtab.offset(), symtab.size(), where);
        ByteReader strings = file.window(strSection.offset(), strSection.size(),
                name + ": symbol string table (section " + strSection.index() + ")");
        int n = (int) (symtab.size() / SYMBOL_SIZE);
        List<ElfSymbol> out = new ArrayList<>(n);
        ElfSymbol[] bySlot = new ElfSymbol[n];
        Map<Integer, String> faults = new HashMap<>();
        for (int i = 0; i < n; i++) {
            long p = (long) i * SYMBOL_SIZE;
            long nameOff = data.u32(p);
            int info = data.u8(p + 4);
            int other = data.u8(p + 5);
            int shndx = data.u16(p + 6);
            long value = data.u64(p + 8);
            long size = data.u64(p + 16);
            String symName = strings.cStringOrNull(nameOff);
            int type = info & 0xf;
            String fault = null;
            if (symName == null) {
                fault = "symbol " + i + ": name offset 0x" + Long.toHexString(nameOff)
                        + " is outside the string table (" + strings.length() + " bytes)";
                if (type == Elf.STT_FUNC && shndx > 0 && shndx < sections.size() && sections.get(shndx).executable()) {
                    // libbpf refuses a program or subprogram without a name.
                    throw error(where, fault + ", and it is a function of code section " + shndx + " '"
                            + sections.get(shndx).name() + "'");
                }
            } else if (shndx != Elf.SHN_UNDEF && shndx < Elf.SHN_LORESERVE && shndx >= sections.size()) {
                fault = "symbol " + i + " '" + symName + "' is defined in section " + shndx
                        + ", which does not exist (" + sections.size() + " sections)";
            }
            if (fault != null) {
                faults.put(i, where + ": " + fault);
                continue;
            }
            ElfSymbol sym = new ElfSymbol(i, symName, value, size, type, info >>> 4, other & 0x3, shndx);
            out.add(sym);
            bySlot[i] = sym;
        }
        return new SymbolTable(Collections.unmodifiableList(out), bySlot, Collections.unmodifiableMap(faults), null);
    }

    private static MalformedInputException error(String where, String message) {
        return new MalformedInputException(where + ": " + message);
    }

    /** The file's name as given to {@link #parse}. */
    public String name() {
        return name;
    }

    /** Every section header, index 0 (the null section) included. */
    public List<ElfSection> sections() {
        return sections;
    }

    /** The section at {@code index}, or empty if there is none. */
    public Optional<ElfSection> section(int index) {
        return index > 0 && index < sections.size() ? Optional.of(sections.get(index)) : Optional.empty();
    }

    /** The first section named {@code sectionName}. */
    public Optional<ElfSection> sectionByName(String sectionName) {
        for (ElfSection s : sections) {
            if (s.index() > 0 && s.name().equals(sectionName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The symbol table section, if the file has one. */
    public Optional<ElfSection> symbolTable() {
        return Optional.ofNullable(symbolTable);
    }

    /**
     * Every usable symbol in table order, index 0 (the null symbol) included; empty without a
     * symbol table or when the table is unusable. A symbol's position in this list is not its
     * index when symbols before it are unusable: use {@link #symbol(int)} to look one up.
     */
    public List<ElfSymbol> symbols() {
        return symtab.usable();
    }

    /**
     * The symbol at an index of the symbol table, as a relocation names it.
     *
     * @throws MalformedInputException if there is no such symbol, it is unusable (see the class
     *     comment) or the whole table is, naming the symbol and the fault
     */
    public ElfSymbol symbol(int index) {
        if (symtab.tableFault() != null) {
            throw new MalformedInputException(symtab.tableFault() + "; symbol " + index + " cannot be read");
        }
        if (index < 0 || index >= symtab.bySlot().length) {
            throw error(name, "symbol " + index + " does not exist (" + symtab.bySlot().length + " symbols)");
        }
        ElfSymbol sym = symtab.bySlot()[index];
        if (sym == null) {
            throw new MalformedInputException(symtab.faults().get(index));
        }
        return sym;
    }

    /**
     * Why the symbol table cannot be used at all (its header is damaged), if it cannot; then
     * {@link #symbols()} is empty and {@link #symbol(int)} refuses every index.
     */
    public Optional<String> symbolTableFault() {
        return Optional.ofNullable(symtab.tableFault());
    }

    /** The unusable symbols of a readable table: index to the reason, for messages and tests. */
    public Map<Integer, String> unusableSymbols() {
        return symtab.faults();
    }

    /** A description of a section for messages: {@code "foo.o: section 'xdp'"}. */
    public String where(ElfSection section) {
        return name + ": section '" + section.name() + "'";
    }

    /**
     * The contents of a section; empty for {@code SHT_NOBITS}.
     *
     * @throws MalformedInputException if the contents lie outside the file
     */
    public ByteReader data(ElfSection section) {
        if (!section.hasFileData()) {
            return file.window(0, 0, where(section));
        }
        if (!file.contains(section.offset(), section.size())) {
            throw error(where(section), "contents at offset 0x" + Long.toHexString(section.offset()) + " ("
                    + section.size() + " bytes) lie outside the file (" + file.length() + " bytes)");
        }
        return file.window(section.offset(), section.size(), where(section));
    }

    /**
     * The entries of a relocation section ({@code SHT_REL} or {@code SHT_RELA}).
     *
     * @throws MalformedInputException if the section is not a relocation table, its entry size is
     *     wrong, or an entry names a symbol that does not exist in a readable symbol table
     */
    public List<ElfRelocation> relocations(ElfSection section) {
        String where = where(section);
        if (!section.isRelocations()) {
            throw error(where, "is not a relocation section");
        }
        boolean rela = section.type() == Elf.SHT_RELA;
        int entry = rela ? RELA_SIZE : REL_SIZE;
        if (section.entrySize() != entry) {
            throw error(where, "relocation entry size is " + section.entrySize() + ", expected " + entry);
        }
        if (section.size() % entry != 0) {
            throw error(where, "size " + section.size() + " is not a multiple of the entry size " + entry);
        }
        ByteReader data = data(section);
        int n = (int) (section.size() / entry);
        List<ElfRelocation> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long p = (long) i * entry;
            long offset = data.u64(p);
            long info = data.u64(p + 8);
            long addend = rela ? data.u64(p + 16) : 0;
            long sym = info >>> 32;
            int count = symtab.bySlot().length;
            if (symtab.tableFault() == null && sym >= count) {
                throw error(where, "relocation " + i + " at offset 0x" + Long.toHexString(offset) + " names symbol "
                        + sym + ", which does not exist (" + count + " symbols)");
            }
            out.add(new ElfRelocation(i, offset, (int) sym, (int) info, addend));
        }
        return Collections.unmodifiableList(out);
    }
}
