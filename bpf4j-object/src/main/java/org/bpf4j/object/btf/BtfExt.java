package org.bpf4j.object.btf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.elf.ByteReader;

/**
 * The {@code .BTF.ext} section: per code section, function info, line info and CO-RE relocation
 * records, with instruction offsets turned into slots of the section. Strings (section names,
 * file names, source lines, access strings) come from the object's {@link Btf}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param funcInfos function info by section name, in record order
 * @param lineInfos line info by section name, in record order
 * @param coreRelocations CO-RE relocation records by section name, in record order
 */
public record BtfExt(Map<String, List<FuncInfo>> funcInfos, Map<String, List<LineInfo>> lineInfos,
        Map<String, List<CoreRelocation>> coreRelocations) {

    private static final int HEADER_MIN = 24;
    private static final int INSN_SIZE = 8;

    /** Copies the maps. */
    public BtfExt {
        funcInfos = copy(funcInfos);
        lineInfos = copy(lineInfos);
        coreRelocations = copy(coreRelocations);
    }

    private static <T> Map<String, List<T>> copy(Map<String, List<T>> in) {
        Map<String, List<T>> out = new LinkedHashMap<>();
        in.forEach((k, v) -> out.put(k, List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    /** A {@code .BTF.ext} with no records. */
    public static BtfExt empty() {
        return new BtfExt(Map.of(), Map.of(), Map.of());
    }

    /** The function info of a section, empty if it has none. */
    public List<FuncInfo> funcInfos(String section) {
        return funcInfos.getOrDefault(section, List.of());
    }

    /** The line info of a section, empty if it has none. */
    public List<LineInfo> lineInfos(String section) {
        return lineInfos.getOrDefault(section, List.of());
    }

    /** The CO-RE relocations of a section, empty if it has none. */
    public List<CoreRelocation> coreRelocations(String section) {
        return coreRelocations.getOrDefault(section, List.of());
    }

    /**
     * Parses a {@code .BTF.ext} section.
     *
     * @param data the section's bytes; {@link ByteReader#where()} names it in messages
     * @param btf the object's BTF, whose strings the records refer to
     * @throws MalformedInputException naming the section, the sub-section and the record at fault
     */
    public static BtfExt parse(ByteReader data, Btf btf) {
        String where = data.where();
        if (data.length() < HEADER_MIN) {
            throw new MalformedInputException(where + ": too short for a BTF.ext header (" + data.length()
                    + " bytes)");
        }
        if (data.u16(0) != Btf.MAGIC) {
            throw new MalformedInputException(where + ": bad magic 0x" + Integer.toHexString(data.u16(0))
                    + ", expected 0xeb9f");
        }
        if (data.u8(2) != 1) {
            throw new MalformedInputException(where + ": unsupported version " + data.u8(2));
        }
        long hdrLen = data.u32(4);
        if (hdrLen < HEADER_MIN || hdrLen > data.length()) {
            throw new MalformedInputException(where + ": header length " + hdrLen + " is outside 24.."
                    + data.length());
        }
        Parser p = new Parser(data, btf, hdrLen, where);
        Map<String, List<FuncInfo>> funcs = p.subsection(8, 12, "func_info", 8, (r, o, sec, i) -> {
            return new FuncInfo(p.slot(r.u32(o), sec, "func_info", i), p.typeId(r.u32(o + 4), sec, "func_info", i));
        });
        Map<String, List<LineInfo>> lines = p.subsection(16, 20, "line_info", 16, (r, o, sec, i) -> {
            int slot = p.slot(r.u32(o), sec, "line_info", i);
            String file = p.string(r.u32(o + 4), sec, "line_info", i);
            String text = p.string(r.u32(o + 8), sec, "line_info", i);
            long lineCol = r.u32(o + 12);
            return new LineInfo(slot, file, text, (int) (lineCol >>> 10), (int) (lineCol & 0x3ff));
        });
        Map<String, List<CoreRelocation>> relos = Map.of();
        if (hdrLen >= 32) {
            relos = p.subsection(24, 28, "core_relo", 16, (r, o, sec, i) -> {
                int slot = p.slot(r.u32(o), sec, "core_relo", i);
                int typeId = p.typeId(r.u32(o + 4), sec, "core_relo", i);
                String access = p.string(r.u32(o + 8), sec, "core_relo", i);
                CoreRelocationKind kind = CoreRelocationKind.of(r.u32(o + 12));
                if (kind == null) {
                    throw p.error(sec, "core_relo", i, "unknown relocation kind " + r.u32(o + 12));
                }
                return new CoreRelocation(slot, typeId, access, kind);
            });
        }
        return new BtfExt(funcs, lines, relos);
    }

    private interface RecordReader<T> {
        T read(ByteReader data, long offset, String section, int index);
    }

    private record Parser(ByteReader data, Btf btf, long hdrLen, String where) {
        MalformedInputException error(String section, String kind, int index, String message) {
            return new MalformedInputException(where + ": " + kind + " record " + index + " of section '" + section
                    + "': " + message);
        }

        int slot(long insnOff, String section, String kind, int index) {
            if (insnOff % INSN_SIZE != 0 || insnOff / INSN_SIZE > Integer.MAX_VALUE) {
                throw error(section, kind, index, "instruction offset " + insnOff
                        + " is not on an instruction boundary");
            }
            return (int) (insnOff / INSN_SIZE);
        }

        int typeId(long id, String section, String kind, int index) {
            if (id <= 0 || id >= btf.size()) {
                throw error(section, kind, index, "type id " + id + " does not exist (" + btf.size() + " types)");
            }
            return (int) id;
        }

        String string(long offset, String section, String kind, int index) {
            return btf.string(offset).orElseThrow(() -> error(section, kind, index, "string offset " + offset
                    + " is outside the BTF string section"));
        }

        <T> Map<String, List<T>> subsection(int offField, int lenField, String kind, int minRecord,
                RecordReader<T> reader) {
            long off = data.u32(offField);
            long len = data.u32(lenField);
            Map<String, List<T>> out = new LinkedHashMap<>();
            if (len == 0) {
                return out;
            }
            long body = data.length() - hdrLen;
            if (off > body || len > body - off) {
                throw new MalformedInputException(where + ": " + kind + " (offset " + off + ", " + len
                        + " bytes) runs past the end (" + body + " bytes after the header)");
            }
            ByteReader sub = data.window(hdrLen + off, len, where + " " + kind);
            if (len < 4) {
                throw new MalformedInputException(where + ": " + kind + " is too short for its record size");
            }
            long recSize = sub.u32(0);
            if (recSize < minRecord || recSize % 4 != 0 || recSize > len) {
                throw new MalformedInputException(where + ": " + kind + " record size " + recSize
                        + " is invalid (at least " + minRecord + ", a multiple of 4)");
            }
            long p = 4;
            while (p < len) {
                if (!sub.contains(p, 8)) {
                    throw new MalformedInputException(where + ": " + kind + " section header at offset " + p
                            + " is truncated");
                }
                long nameOff = sub.u32(p);
                long count = sub.u32(p + 4);
                String section = btf.string(nameOff).orElseThrow(() -> new MalformedInputException(where + ": "
                        + kind + " names section at string offset " + nameOff + ", outside the BTF strings"));
                p += 8;
                if (count == 0) {
                    throw new MalformedInputException(where + ": " + kind + " of section '" + section
                            + "' has no records");
                }
                if (count > (len - p) / recSize) {
                    throw new MalformedInputException(where + ": " + kind + " of section '" + section + "' has "
                            + count + " records of " + recSize + " bytes, more than remain (" + (len - p) + " bytes)");
                }
                List<T> records = out.computeIfAbsent(section, k -> new ArrayList<>());
                for (int i = 0; i < count; i++) {
                    records.add(reader.read(sub, p, section, i));
                    p += recSize;
                }
            }
            return out;
        }
    }
}
