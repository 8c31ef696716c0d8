package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The line table of one compilation unit ({@code .debug_line}, versions 2 to 5): the rows its
 * line-number program produces, each an address with its file, line and column, sorted by address
 * (as libdw gives them). Immutable once read.
 */
final class DwarfLines {
    /** A row of the table; {@code end} marks the first address after a sequence. */
    record Row(long address, int file, int line, int column, boolean end) {}

    private final List<String> files = new ArrayList<>();
    private final List<Row> rows = new ArrayList<>();
    private final int firstFile;

    /**
     * Reads the program at {@code offset} of a line section.
     *
     * @param d the file whose {@code .debug_line} (and {@code .debug_line_str}, {@code .debug_str}) it is in
     * @param offset the unit's {@code DW_AT_stmt_list}
     * @param compDir the unit's compilation directory (may be null)
     * @param cuName the unit's name (the primary source file of DWARF 2 to 4, may be null)
     */
    DwarfLines(DwarfData d, long offset, String compDir, String cuName) {
        ByteBuffer b = d.line;
        int[] p = {(int) offset};
        long length = Integer.toUnsignedLong(b.getInt(p[0]));
        int os = 4;
        p[0] += 4;
        if (length == 0xffff_ffffL) {
            length = b.getLong(p[0]);
            os = 8;
            p[0] += 8;
        }
        int end = (int) (p[0] + length);
        int version = b.getShort(p[0]) & 0xffff;
        p[0] += 2;
        int addressSize = 8;
        if (version >= 5) {
            addressSize = b.get(p[0]) & 0xff;
            p[0] += 2; // and the segment selector size
        }
        long headerLength = os == 8 ? b.getLong(p[0]) : Integer.toUnsignedLong(b.getInt(p[0]));
        p[0] += os;
        int program = (int) (p[0] + headerLength);
        int minInst = b.get(p[0]++) & 0xff;
        if (version >= 4) {
            p[0]++; // maximum operations per instruction (VLIW)
        }
        boolean defaultStmt = b.get(p[0]++) != 0;
        int lineBase = b.get(p[0]++);
        int lineRange = b.get(p[0]++) & 0xff;
        int opcodeBase = b.get(p[0]++) & 0xff;
        int[] opLengths = new int[opcodeBase];
        for (int i = 1; i < opcodeBase; i++) {
            opLengths[i] = b.get(p[0]++) & 0xff;
        }
        String dir0 = compDir == null ? "" : compDir;
        if (version >= 5) {
            firstFile = 0;
            List<String> dirs = entries(d, b, p, os, null, dir0);
            files.addAll(entries(d, b, p, os, dirs, dir0));
        } else {
            firstFile = 1;
            List<String> dirs = new ArrayList<>();
            dirs.add(dir0);
            while (b.get(p[0]) != 0) {
                dirs.add(join(dir0, DwarfData.cstring(b, p)));
            }
            p[0]++;
            while (b.get(p[0]) != 0) {
                String name = DwarfData.cstring(b, p);
                int dir = (int) DwarfData.uleb(b, p);
                DwarfData.uleb(b, p);
                DwarfData.uleb(b, p);
                files.add(join(dir < dirs.size() ? dirs.get(dir) : dir0, name));
            }
        }
        run(b, program, end, minInst, defaultStmt, lineBase, lineRange, opcodeBase, opLengths, addressSize);
        rows.sort(Comparator.comparingLong(Row::address)); // stable: a sequence's end stays before the next start
    }

    /** The directory or file entries of a version 5 header ({@code dirs} null for directories). */
    private static List<String> entries(DwarfData d, ByteBuffer b, int[] p, int os, List<String> dirs, String dir0) {
        int formats = b.get(p[0]++) & 0xff;
        int[] kinds = new int[formats];
        int[] forms = new int[formats];
        for (int i = 0; i < formats; i++) {
            kinds[i] = (int) DwarfData.uleb(b, p);
            forms[i] = (int) DwarfData.uleb(b, p);
        }
        long count = DwarfData.uleb(b, p);
        List<String> out = new ArrayList<>();
        for (long n = 0; n < count; n++) {
            String path = "";
            long dir = 0;
            for (int i = 0; i < formats; i++) {
                Object v = form(d, b, p, forms[i], os);
                if (kinds[i] == 1 && v instanceof String s) {
                    path = s;
                } else if (kinds[i] == 2 && v instanceof Long l) {
                    dir = l;
                }
            }
            if (dirs == null) {
                out.add(n == 0 ? path : join(dir0, path));
            } else {
                out.add(join(dir < dirs.size() ? dirs.get((int) dir) : dir0, path));
            }
        }
        return out;
    }

    private static Object form(DwarfData d, ByteBuffer b, int[] p, int form, int os) {
        return switch (form) {
            case 0x08 -> DwarfData.cstring(b, p);
            case 0x1f, 0x0e -> {
                long off = os == 8 ? b.getLong(p[0]) : Integer.toUnsignedLong(b.getInt(p[0]));
                p[0] += os;
                yield DwarfData.stringAt(form == 0x1f ? d.lineStr : d.str, off);
            }
            case 0x0f -> DwarfData.uleb(b, p);
            case 0x0b -> (long) (b.get(p[0]++) & 0xff);
            case 0x05 -> {
                long v = b.getShort(p[0]) & 0xffff;
                p[0] += 2;
                yield v;
            }
            case 0x06 -> {
                long v = Integer.toUnsignedLong(b.getInt(p[0]));
                p[0] += 4;
                yield v;
            }
            case 0x07 -> {
                long v = b.getLong(p[0]);
                p[0] += 8;
                yield v;
            }
            case 0x1e -> {
                p[0] += 16; // data16: an MD5 sum
                yield 0L;
            }
            case 0x09 -> {
                p[0] += (int) DwarfData.uleb(b, p);
                yield 0L;
            }
            default -> throw new IllegalStateException("DWARF: unknown form 0x" + Integer.toHexString(form)
                    + " in a line table header");
        };
    }

    private static String join(String dir, String name) {
        if (name.startsWith("/") || dir.isEmpty()) {
            return name;
        }
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private void run(ByteBuffer b, int start, int end, int minInst, boolean defaultStmt, int lineBase, int lineRange,
            int opcodeBase, int[] opLengths, int addressSize) {
        int[] p = {start};
        long address = 0;
        int file = 1;
        int line = 1;
        int column = 0;
        while (p[0] < end) {
            int op = b.get(p[0]++) & 0xff;
            if (op >= opcodeBase) {
                int adj = op - opcodeBase;
                address += (long) (adj / lineRange) * minInst;
                line += lineBase + adj % lineRange;
                rows.add(new Row(address, file, line, column, false));
                continue;
            }
            switch (op) {
                case 0 -> {
                    long len = DwarfData.uleb(b, p);
                    int next = (int) (p[0] + len);
                    int sub = len == 0 ? -1 : b.get(p[0]++) & 0xff;
                    if (sub == 1) {
                        rows.add(new Row(address, file, line, column, true));
                        address = 0;
                        file = 1;
                        line = 1;
                        column = 0;
                    } else if (sub == 2) {
                        address = addressSize == 4 ? Integer.toUnsignedLong(b.getInt(p[0])) : b.getLong(p[0]);
                    }
                    p[0] = next;
                }
                case 1 -> rows.add(new Row(address, file, line, column, false));
                case 2 -> address += DwarfData.uleb(b, p) * minInst;
                case 3 -> line += (int) DwarfData.sleb(b, p);
                case 4 -> file = (int) DwarfData.uleb(b, p);
                case 5 -> column = (int) DwarfData.uleb(b, p);
                case 6, 7, 10, 11 -> { } // is_stmt, basic block, prologue end, epilogue begin: not kept
                case 8 -> address += (long) ((255 - opcodeBase) / lineRange) * minInst;
                case 9 -> {
                    address += b.getShort(p[0]) & 0xffff;
                    p[0] += 2;
                }
                default -> {
                    for (int i = 0; i < opLengths[op]; i++) {
                        DwarfData.uleb(b, p);
                    }
                }
            }
        }
    }

    /** The path of a file index of the rows, or null. */
    String file(int index) {
        int i = index - firstFile;
        return i >= 0 && i < files.size() ? files.get(i) : null;
    }

    /** The unit's file paths. */
    List<String> files() {
        return List.copyOf(files);
    }

    /** The rows, by address. */
    List<Row> rows() {
        return rows;
    }

    /** The row that covers {@code pc} (the last at or below it in its sequence), or null. */
    Row at(long pc) {
        int lo = 0;
        int hi = rows.size() - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(rows.get(mid).address(), pc) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return null;
        }
        // rows at the same address: the last non-end one that is not the start of an empty sequence
        Row r = rows.get(found);
        while (r.end() && found > 0 && rows.get(found - 1).address() == r.address()) {
            r = rows.get(--found);
        }
        return r.end() ? null : r;
    }
}
