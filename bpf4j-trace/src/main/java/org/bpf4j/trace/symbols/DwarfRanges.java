package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import org.bpf4j.trace.symbols.DwarfData.Die;
import org.bpf4j.trace.symbols.DwarfData.Unit;

/**
 * The address ranges of a DIE: {@code DW_AT_low_pc}/{@code DW_AT_high_pc}, or {@code DW_AT_ranges}
 * in {@code .debug_ranges} (DWARF 2 to 4) or {@code .debug_rnglists} (DWARF 5, offsets or indexes).
 */
final class DwarfRanges {
    private DwarfRanges() {}

    /**
     * Whether a DIE's ranges hold {@code pc}.
     *
     * @param d the DIE
     * @param pc the address
     * @param base the unit whose top DIE's low pc is the base of range lists (the skeleton of a split unit)
     */
    static boolean covers(Die d, long pc, Unit base) {
        long low = d.address(DwarfData.AT_LOW_PC);
        if (d.has(DwarfData.AT_HIGH_PC) && low != -1) {
            long high = d.highPc(low);
            return Long.compareUnsigned(pc, low) >= 0 && Long.compareUnsigned(pc, high) < 0;
        }
        Object r = d.attrs().get(DwarfData.AT_RANGES);
        boolean index = r instanceof DwarfData.RangesIndex;
        long value;
        if (r instanceof DwarfData.RangesIndex ix) {
            value = ix.index();
        } else if (r instanceof Long l) {
            value = l;
        } else {
            return false;
        }
        Die top = base.top();
        long baseAddress = top == null ? 0 : Math.max(0, top.address(DwarfData.AT_LOW_PC));
        Unit u = d.unit();
        try {
            if (u.version < 5) {
                return inRanges(u.data.ranges != null ? u.data.ranges : base.data.ranges, value, pc, baseAddress,
                        u.addressSize);
            }
            ByteBuffer b = u.data.rnglists;
            long offset = value;
            if (index) {
                Die utop = u.top();
                long listsBase = utop != null && utop.attrs().get(DwarfData.AT_RNGLISTS_BASE) instanceof Long l ? l
                        : u.unitType == DwarfData.UT_SPLIT_COMPILE ? 12 : 0;
                offset = listsBase + (u.offsetSize == 8 ? b.getLong((int) (listsBase + value * 8))
                        : Integer.toUnsignedLong(b.getInt((int) (listsBase + value * 4))));
            }
            return inRngLists(b, offset, pc, baseAddress, d);
        } catch (IndexOutOfBoundsException | NullPointerException e) {
            return false;
        }
    }

    private static boolean inRanges(ByteBuffer b, long offset, long pc, long base, int addressSize) {
        int p = (int) offset;
        while (p + 2 * addressSize <= b.limit()) {
            long start = addressSize == 8 ? b.getLong(p) : Integer.toUnsignedLong(b.getInt(p));
            long end = addressSize == 8 ? b.getLong(p + addressSize) : Integer.toUnsignedLong(b.getInt(p + addressSize));
            p += 2 * addressSize;
            if (start == 0 && end == 0) {
                return false;
            }
            if (start == (addressSize == 8 ? -1L : 0xffff_ffffL)) {
                base = end;
                continue;
            }
            if (Long.compareUnsigned(pc, base + start) >= 0 && Long.compareUnsigned(pc, base + end) < 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean inRngLists(ByteBuffer b, long offset, long pc, long base, Die d) {
        int[] p = {(int) offset};
        Unit u = d.unit();
        while (p[0] < b.limit()) {
            int kind = b.get(p[0]++) & 0xff;
            long start;
            long end;
            switch (kind) {
                case 0 -> {
                    return false;
                }
                case 1 -> {
                    base = addrx(u, DwarfData.uleb(b, p));
                    continue;
                }
                case 2 -> {
                    start = addrx(u, DwarfData.uleb(b, p));
                    end = addrx(u, DwarfData.uleb(b, p));
                }
                case 3 -> {
                    start = addrx(u, DwarfData.uleb(b, p));
                    end = start + DwarfData.uleb(b, p);
                }
                case 4 -> {
                    start = base + DwarfData.uleb(b, p);
                    end = base + DwarfData.uleb(b, p);
                }
                case 5 -> {
                    base = b.getLong(p[0]);
                    p[0] += 8;
                    continue;
                }
                case 6 -> {
                    start = b.getLong(p[0]);
                    end = b.getLong(p[0] + 8);
                    p[0] += 16;
                }
                case 7 -> {
                    start = b.getLong(p[0]);
                    p[0] += 8;
                    end = start + DwarfData.uleb(b, p);
                }
                default -> {
                    return false;
                }
            }
            if (Long.compareUnsigned(pc, start) >= 0 && Long.compareUnsigned(pc, end) < 0) {
                return true;
            }
        }
        return false;
    }

    private static long addrx(Unit u, long index) {
        ByteBuffer a = u.addrData.addr;
        long at = u.addrBase + index * u.addressSize;
        return u.addressSize == 8 ? a.getLong((int) at) : Integer.toUnsignedLong(a.getInt((int) at));
    }
}
