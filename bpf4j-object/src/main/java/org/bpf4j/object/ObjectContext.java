package org.bpf4j.object;

import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/** What every step of a parse reads: the ELF file, its BTF and the object's name for messages. */
record ObjectContext(ElfFile elf, Optional<Btf> btf, String name) {

    MalformedInputException error(String message) {
        return new MalformedInputException(name + ": " + message);
    }

    MalformedInputException error(ElfSection section, String message) {
        return new MalformedInputException(name + ": section '" + section.name() + "': " + message);
    }

    /** The name of a section by index, for messages. */
    String sectionName(int index) {
        return elf.section(index).map(ElfSection::name).orElse("#" + index);
    }

    /** A symbol's name for messages; section symbols are named after their section. */
    String symbolName(ElfSymbol sym) {
        if (sym.name().isEmpty() && sym.isInSection()) {
            return sectionName(sym.sectionIndex());
        }
        return sym.name();
    }
}
