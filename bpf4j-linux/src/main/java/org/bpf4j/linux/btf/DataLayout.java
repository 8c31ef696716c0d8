package org.bpf4j.linux.btf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * Where an object file puts its data: the size of each section and the offset of each symbol in
 * its section, read from the ELF file. Compilers write DATASEC types with size 0 and variable
 * offsets 0 and leave the real numbers to the loader, which takes them from here, as libbpf does.
 * Immutable.
 *
 * @param sectionSizes section name to size in bytes
 * @param symbolOffsets section name to (symbol name to offset)
 */
public record DataLayout(Map<String, Long> sectionSizes, Map<String, Map<String, Long>> symbolOffsets) {
    /** No information: the sanitizer falls back to the sizes in BTF and the maps. */
    public static final DataLayout NONE = new DataLayout(Map.of(), Map.of());

    /** Copies the maps. */
    public DataLayout {
        sectionSizes = Map.copyOf(sectionSizes);
        Map<String, Map<String, Long>> copy = new HashMap<>();
        symbolOffsets.forEach((k, v) -> copy.put(k, Map.copyOf(v)));
        symbolOffsets = Map.copyOf(copy);
    }

    /** Reads the layout of an ELF object file. */
    public static DataLayout read(Path path) {
        try {
            return of(Files.readAllBytes(path), path.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** The layout of an ELF object's bytes. */
    public static DataLayout of(byte[] elfBytes, String name) {
        ElfFile elf = ElfFile.parse(elfBytes, name);
        Map<String, Long> sizes = new HashMap<>();
        Map<Integer, String> names = new HashMap<>();
        for (ElfSection s : elf.sections()) {
            sizes.putIfAbsent(s.name(), s.size());
            names.put(s.index(), s.name());
        }
        Map<String, Map<String, Long>> symbols = new HashMap<>();
        for (ElfSymbol sym : elf.symbols()) {
            if (!sym.isInSection() || sym.name().isEmpty()) {
                continue;
            }
            String section = names.get(sym.sectionIndex());
            if (section != null) {
                symbols.computeIfAbsent(section, k -> new HashMap<>()).putIfAbsent(sym.name(), sym.value());
            }
        }
        return new DataLayout(sizes, symbols);
    }

    /** The size of a section. */
    public Optional<Long> sectionSize(String section) {
        return Optional.ofNullable(sectionSizes.get(section));
    }

    /** The offset of a symbol in a section. */
    public Optional<Long> symbolOffset(String section, String symbol) {
        Map<String, Long> m = symbolOffsets.get(section);
        return m == null ? Optional.empty() : Optional.ofNullable(m.get(symbol));
    }
}
