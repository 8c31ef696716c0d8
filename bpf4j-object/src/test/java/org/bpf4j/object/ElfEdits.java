package org.bpf4j.object;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfRelocation;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.object.elf.ElfSymbol;

/** Small edits of valid objects, to make inputs clang does not write. */
final class ElfEdits {
    private ElfEdits() {
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int header(byte[] bytes, int index) {
        return (int) le(bytes).getLong(0x28) + 64 * index;
    }

    /** Every SHT_REL section rewritten as SHT_RELA (addend 0) appended at the end of the file. */
    static byte[] relToRela(byte[] bytes) {
        ElfFile elf = ElfFile.parse(bytes, "x");
        byte[] out = bytes;
        for (ElfSection s : elf.sections()) {
            if (s.type() != Elf.SHT_REL) {
                continue;
            }
            var rels = elf.relocations(s);
            int at = (out.length + 7) / 8 * 8;
            byte[] grown = Arrays.copyOf(out, at + rels.size() * 24);
            ByteBuffer b = le(grown);
            for (int i = 0; i < rels.size(); i++) {
                ElfRelocation r = rels.get(i);
                b.putLong(at + 24 * i, r.offset());
                b.putLong(at + 24 * i + 8, ((long) r.symbolIndex() << 32) | r.type());
                b.putLong(at + 24 * i + 16, 0);
            }
            int h = header(grown, s.index());
            b.putInt(h + 4, Elf.SHT_RELA);
            b.putLong(h + 24, at);
            b.putLong(h + 32, rels.size() * 24L);
            b.putLong(h + 56, 24);
            out = grown;
        }
        return out;
    }

    /** The symbol named {@code from} renamed {@code to} (same length) in the ELF string table. */
    static byte[] renameSymbol(byte[] bytes, String from, String to) {
        if (from.length() != to.length()) {
            throw new IllegalArgumentException("same length only");
        }
        ElfFile elf = ElfFile.parse(bytes, "x");
        ElfSection symtab = elf.symbolTable().orElseThrow();
        ElfSection strtab = elf.sections().get(symtab.link());
        byte[] out = bytes.clone();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.name().equals(from)) {
                int nameOff = le(bytes).getInt((int) symtab.offset() + 24 * sym.index());
                byte[] n = to.getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(n, 0, out, (int) strtab.offset() + nameOff, n.length);
                return out;
            }
        }
        throw new IllegalArgumentException("no symbol " + from);
    }

    /** Relocation {@code index} of the section relocating {@code section} moved by {@code delta} bytes. */
    static byte[] moveRelocation(byte[] bytes, String section, int index, int delta) {
        ElfFile elf = ElfFile.parse(bytes, "x");
        ElfSection target = elf.sectionByName(section).orElseThrow();
        for (ElfSection s : elf.sections()) {
            if (s.isRelocations() && s.info() == target.index()) {
                byte[] out = bytes.clone();
                int at = (int) s.offset() + (int) s.entrySize() * index;
                le(out).putLong(at, le(out).getLong(at) + delta);
                return out;
            }
        }
        throw new IllegalArgumentException("no relocations for " + section);
    }

    /** The name offset of the symbol named {@code symbol} set to {@code nameOffset}. */
    static byte[] symbolNameOffset(byte[] bytes, String symbol, int nameOffset) {
        ElfFile elf = ElfFile.parse(bytes, "x");
        ElfSection symtab = elf.symbolTable().orElseThrow();
        for (ElfSymbol sym : elf.symbols()) {
            if (sym.name().equals(symbol)) {
                byte[] out = bytes.clone();
                le(out).putInt((int) symtab.offset() + 24 * sym.index(), nameOffset);
                return out;
            }
        }
        throw new IllegalArgumentException("no symbol " + symbol);
    }

    /** The entry size in the header of the section named {@code section} set to {@code entrySize}. */
    static byte[] sectionEntrySize(byte[] bytes, String section, long entrySize) {
        ElfFile elf = ElfFile.parse(bytes, "x");
        ElfSection s = elf.sectionByName(section).orElseThrow();
        byte[] out = bytes.clone();
        le(out).putLong(header(out, s.index()) + 56, entrySize);
        return out;
    }

    /** Byte {@code at} of instruction slot {@code slot} of section {@code section} set to {@code value}. */
    static byte[] instructionByte(byte[] bytes, String section, int slot, int at, int value) {
        ElfFile elf = ElfFile.parse(bytes, "x");
        ElfSection s = elf.sectionByName(section).orElseThrow();
        byte[] out = bytes.clone();
        out[(int) s.offset() + 8 * slot + at] = (byte) value;
        return out;
    }
}
