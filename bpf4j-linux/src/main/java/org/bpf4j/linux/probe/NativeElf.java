package org.bpf4j.linux.probe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.bpf4j.MalformedInputException;

/**
 * The parts of a native ELF64 executable or shared library that attaching needs: sections,
 * loadable segments, function and object symbols (from {@code .symtab} and {@code .dynsym}) and
 * the translation of virtual addresses to file offsets, which uprobes take. Immutable and
 * thread-safe once built; parsing is pure.
 */
public final class NativeElf {
    private static final int PT_LOAD = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_DYNSYM = 11;
    private static final int SHN_UNDEF = 0;

    private final String name;
    private final ByteBuffer bytes;
    private final List<Section> sections;
    private final List<Segment> segments;
    private final List<Symbol> symbols;

    /**
     * A section header.
     *
     * @param name its name
     * @param type {@code SHT_*}
     * @param address its virtual address (0 if not loaded)
     * @param offset its file offset
     * @param size its size in bytes
     */
    public record Section(String name, int type, long address, long offset, long size) {
    }

    /**
     * A loadable segment ({@code PT_LOAD}).
     *
     * @param vaddr its virtual address
     * @param offset its file offset
     * @param fileSize its size in the file
     * @param flags {@code PF_X} (1), {@code PF_W} (2), {@code PF_R} (4)
     */
    public record Segment(long vaddr, long offset, long fileSize, int flags) {
    }

    /**
     * A defined symbol.
     *
     * @param name its name (without a version suffix)
     * @param value its virtual address
     * @param size its size
     * @param type {@code STT_FUNC} (2), {@code STT_OBJECT} (1), ...
     * @param bind {@code STB_LOCAL} (0), {@code STB_GLOBAL} (1), {@code STB_WEAK} (2)
     */
    public record Symbol(String name, long value, long size, int type, int bind) {
    }

    private NativeElf(String name, ByteBuffer bytes, List<Section> sections, List<Segment> segments,
            List<Symbol> symbols) {
        this.name = name;
        this.bytes = bytes;
        this.sections = sections;
        this.segments = segments;
        this.symbols = symbols;
    }

    /**
     * Reads a file, or a member of a ZIP archive named {@code ARCHIVE.zip!/MEMBER} (see
     * {@link ArchiveMember}).
     *
     * @throws MalformedInputException if it is not a little-endian ELF64 file or is damaged
     */
    public static NativeElf read(Path file) {
        if (ArchiveMember.isArchivePath(file.toString()) && !Files.exists(file)) {
            // ARCHIVE.zip!/MEMBER: a file stored in a ZIP archive
            ArchiveMember m = ArchiveMember.of(file.toString()).orElseThrow();
            return parse(m.read(), file.toString());
        }
        byte[] b;
        try {
            b = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MalformedInputException(file + ": cannot read: " + e.getMessage());
        }
        return parse(b, file.toString());
    }

    /** Parses the bytes of an ELF file named {@code name} in messages. */
    public static NativeElf parse(byte[] b, String name) {
        if (b.length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F') {
            throw new MalformedInputException(name + ": not an ELF file");
        }
        if (b[4] != 2 || b[5] != 1) {
            throw new MalformedInputException(name + ": not a little-endian ELF64 file (class " + b[4] + ", data "
                    + b[5] + ")");
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        try {
            long phoff = bb.getLong(0x20);
            long shoff = bb.getLong(0x28);
            int phentsize = Short.toUnsignedInt(bb.getShort(0x36));
            int phnum = Short.toUnsignedInt(bb.getShort(0x38));
            int shentsize = Short.toUnsignedInt(bb.getShort(0x3a));
            int shnum = Short.toUnsignedInt(bb.getShort(0x3c));
            int shstrndx = Short.toUnsignedInt(bb.getShort(0x3e));
            List<Segment> segs = new ArrayList<>();
            for (int i = 0; i < phnum; i++) {
                int h = Math.toIntExact(phoff + (long) i * phentsize);
                if (bb.getInt(h) == PT_LOAD) {
                    segs.add(new Segment(bb.getLong(h + 16), bb.getLong(h + 8), bb.getLong(h + 32), bb.getInt(h + 4)));
                }
            }
            long[][] raw = new long[shnum][];
            for (int i = 0; i < shnum; i++) {
                int h = Math.toIntExact(shoff + (long) i * shentsize);
                raw[i] = new long[] {Integer.toUnsignedLong(bb.getInt(h)), bb.getInt(h + 4), bb.getLong(h + 16),
                    bb.getLong(h + 24), bb.getLong(h + 32), bb.getInt(h + 40), bb.getLong(h + 56)};
            }
            List<Section> secs = new ArrayList<>();
            long strOff = shnum > shstrndx ? raw[shstrndx][3] : 0;
            for (int i = 0; i < shnum; i++) {
                secs.add(new Section(i == 0 ? "" : cString(bb, strOff + raw[i][0]), (int) raw[i][1], raw[i][2],
                        raw[i][3], raw[i][4]));
            }
            List<Symbol> syms = new ArrayList<>();
            for (int i = 0; i < shnum; i++) {
                int type = (int) raw[i][1];
                if (type != SHT_SYMTAB && type != SHT_DYNSYM) {
                    continue;
                }
                int link = (int) raw[i][5];
                long strtab = raw[link][3];
                long n = raw[i][4] / 24;
                for (long k = 1; k < n; k++) {
                    int s = Math.toIntExact(raw[i][3] + k * 24);
                    int shndx = Short.toUnsignedInt(bb.getShort(s + 6));
                    if (shndx == SHN_UNDEF) {
                        continue;
                    }
                    String symName = cString(bb, strtab + Integer.toUnsignedLong(bb.getInt(s)));
                    int at = symName.indexOf('@');
                    if (at > 0) {
                        symName = symName.substring(0, at);
                    }
                    int info = Byte.toUnsignedInt(bb.get(s + 4));
                    syms.add(new Symbol(symName, bb.getLong(s + 8), bb.getLong(s + 16), info & 0xf, info >>> 4));
                }
            }
            return new NativeElf(name, bb, Collections.unmodifiableList(secs), List.copyOf(segs), List.copyOf(syms));
        } catch (IndexOutOfBoundsException | ArithmeticException e) {
            throw new MalformedInputException(name + ": header tables lie outside the file (" + b.length + " bytes)");
        }
    }

    private static String cString(ByteBuffer bb, long off) {
        int start = Math.toIntExact(off);
        int end = start;
        while (bb.get(end) != 0) {
            end++;
        }
        byte[] s = new byte[end - start];
        bb.get(start, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** The file's name as given. */
    public String name() {
        return name;
    }

    /** The sections in header order. */
    public List<Section> sections() {
        return sections;
    }

    /** The section with a name. */
    public Optional<Section> section(String sectionName) {
        return sections.stream().filter(s -> s.name().equals(sectionName)).findFirst();
    }

    /** A section's bytes. */
    public ByteBuffer data(Section s) {
        return bytes.slice(Math.toIntExact(s.offset()), Math.toIntExact(s.size())).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The loadable segments. */
    public List<Segment> segments() {
        return segments;
    }

    /** The defined symbols of {@code .symtab} and {@code .dynsym} (a name may appear in both). */
    public List<Symbol> symbols() {
        return symbols;
    }

    /** The first defined function or object symbol with a name (global before weak before local). */
    public Optional<Symbol> symbol(String symbolName) {
        return symbols.stream().filter(s -> s.name().equals(symbolName) && (s.type() == 1 || s.type() == 2
                || s.type() == 10)).min(java.util.Comparator.comparingInt(s -> s.bind() == 1 ? 0 : s.bind() == 2 ? 1 : 2));
    }

    /**
     * The file offset of a virtual address, through the loadable segment that contains it.
     *
     * @throws MalformedInputException if no segment contains it
     */
    public long fileOffset(long vaddr) {
        for (Segment s : segments) {
            if (vaddr >= s.vaddr() && vaddr < s.vaddr() + Math.max(s.fileSize(), 1)) {
                return vaddr - s.vaddr() + s.offset();
            }
        }
        throw new MalformedInputException(name + ": address 0x" + Long.toHexString(vaddr)
                + " is in no loadable segment");
    }
}
