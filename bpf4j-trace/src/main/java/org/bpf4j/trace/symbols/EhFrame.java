package org.bpf4j.trace.symbols;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.bpf4j.linux.probe.NativeElf;

/**
 * The x86-64 unwind table of an ELF file, from its {@code .eh_frame}: for each address range of
 * code, how to find the caller's frame (the rules {@code dw_ustack} applies in the kernel). Each
 * {@link Row} holds from its address to the next row's. Only what a return-address walk needs is
 * kept: the canonical frame address (CFA) as {@code rsp} or {@code rbp} plus an offset, another
 * register plus an offset (followed where the registers are known: the interrupted frame, and the
 * one a signal frame saved them for), the expression of a PLT entry, or the word at {@code rsp} or
 * {@code rbp} plus an offset, plus a constant (the expressions of code that realigns its stack and
 * saves the old {@code rsp}, as OpenSSL's assembly and gcc's dynamic realignment do); where
 * {@code rbp} was saved, and whether the return address is undefined (the outermost frame). The
 * return address is at CFA-8, or in a register ({@link #RA_REG}), or (a signal frame) in the saved
 * context. Expressions are read by {@link CfiExpression}, whatever their spelling.
 */
public final class EhFrame {
    /** CFA = rsp + offset. */
    public static final int CFA_RSP = 0;
    /** CFA = rbp + offset. */
    public static final int CFA_RBP = 1;
    /**
     * CFA = rsp + 8 + (((rip &amp; 15) &gt;= threshold) ? 8 : 0): the expression of the lazy-binding
     * entries of a {@code .plt} section, which push an argument in their second half.
     */
    public static final int CFA_PLT = 2;
    /** No caller: outside any FDE, the return address undefined, or a rule this walk cannot follow. */
    public static final int STOP = 3;
    /**
     * CFA = register {@code extra} (its DWARF number: 0-5, 8-15) + offset: followed only in the
     * frame the probe interrupted, where every register is known.
     */
    public static final int CFA_REG = 4;
    /** CFA = *(u64 *)(rsp + offset) + {@code extra}. */
    public static final int CFA_DEREF_RSP = 5;
    /** CFA = *(u64 *)(rbp + offset) + {@code extra}. */
    public static final int CFA_DEREF_RBP = 6;
    /**
     * A signal frame (the C library's {@code __restore_rt}): CFA = *(u64 *)(rsp + offset), the
     * return address (the interrupted instruction, not past a call) at rsp + offset + {@code extra},
     * rbp at rsp + the rbp offset (0: unchanged), all by expressions on rsp.
     */
    public static final int CFA_SIGNAL = 7;
    /**
     * No caller, and none is missing: the return address is undefined (the outermost frame, as
     * {@code _start}'s or a new thread's). {@link #STOP} is a walk that cannot go on.
     */
    public static final int END = 8;
    /**
     * Added to a row's kind when the caller's rbp was saved at the frame's own rbp plus the row's
     * rbp offset ({@code DW_CFA_expression rbp: DW_OP_breg6 N}, gcc's dynamic realignment, DRAP)
     * rather than at the CFA plus it.
     */
    public static final int RBP_AT_RBP = 0x80;
    /**
     * CFA = register ({@code extra & 0xff}, its DWARF number) + offset and the return address in
     * register {@code extra >> 8} ({@code DW_CFA_register rip}, as after a {@code pop} of it): followed
     * where the registers are known (the interrupted frame, the frame a signal frame restored).
     */
    public static final int RA_REG = 9;
    /**
     * CFA = *(u64 *)(rsp or rbp + offset + register {@code extra} * scale) + plus (OpenSSL's
     * Montgomery multiplication: {@code *(rsp + 8 + r9 * 8) + 8}), followed where the registers are
     * known; the row's {@code cfaOffset} packs the offset (bits 0-19, signed), the plus (bits 20-27),
     * log2 of the scale (bits 28-29) and rbp as the base (bit 30).
     */
    public static final int CFA_DEREF_INDEX = 10;
    /**
     * Added to a {@link #CFA_SIGNAL} row's kind when the signal frame saved every general register
     * at the kernel's {@code struct sigcontext} places (r8 at the CFA's slot minus 120, ..., rsp at
     * it, rip after it): the walk restores them all, so the interrupted frame's registers are known.
     * Added to another row's kind: the caller's rbp is in the register {@code rbpOffset}
     * ({@code DW_CFA_register rbp}, as libgcrypt's assembly keeps it in r11), followed where the
     * registers are known.
     */
    public static final int REGISTERS = 0x40;
    /** The offsets of the x86-64 DWARF registers 0-15 in the kernel's {@code struct sigcontext}. */
    static final int[] SIGCONTEXT = {104, 96, 112, 88, 72, 64, 80, 120, 0, 8, 16, 24, 32, 40, 48, 56};

    private static final int RBP = 6;
    private static final int RSP = 7;
    private static final int RIP = 16;

    /**
     * One row of the table.
     *
     * @param pc the first address (the ELF file's virtual address) the row holds for
     * @param kind one of the kinds above ({@link #CFA_RSP} ... {@link #RA_REG}), with its flags
     *     ({@link #RBP_AT_RBP}, {@link #REGISTERS})
     * @param cfaOffset the offset added to the register (for {@link #CFA_PLT} the PLT threshold)
     * @param rbpOffset where the caller's rbp was saved, relative to the CFA; 0 if rbp is unchanged
     * @param extra for {@link #CFA_REG} the register, for {@link #RA_REG} the CFA's register and
     *     (shifted left by 8) the return address's, for the dereferencing kinds the constant added
     *     (0-255), for {@link #CFA_SIGNAL} where rip is after the CFA's place; else 0
     */
    public record Row(long pc, int kind, int cfaOffset, int rbpOffset, int extra) {
        /** A row of a kind without an {@code extra}. */
        public Row(long pc, int kind, int cfaOffset, int rbpOffset) {
            this(pc, kind, cfaOffset, rbpOffset, 0);
        }

        Row at(long newPc) {
            return new Row(newPc, kind, cfaOffset, rbpOffset, extra);
        }

        boolean sameRule(Row o) {
            return kind == o.kind && cfaOffset == o.cfaOffset && rbpOffset == o.rbpOffset && extra == o.extra;
        }
    }

    private EhFrame() {
    }

    /**
     * The rows of a file's {@code .eh_frame}, sorted by address, with a {@link #STOP} row after each
     * function's range; empty if it has none. Damaged entries end the walk with the rows read so far.
     */
    public static List<Row> rows(NativeElf elf) {
        NativeElf.Section s = elf.section(".eh_frame").filter(x -> x.type() != 8).orElse(null);
        if (s == null) {
            return List.of();
        }
        ByteBuffer b = elf.data(s).slice().order(ByteOrder.LITTLE_ENDIAN);
        List<Row> rows = new ArrayList<>();
        try {
            new Parser(b, s.address()).run(rows);
        } catch (RuntimeException damaged) {
            // keep the rows read before the damage
        }
        return normalize(rows);
    }

    /**
     * How many rows of a file's {@code .eh_frame} (each function's rows, one for each location its
     * rules change at) {@code dw_ustack} follows.
     *
     * @param fdes the functions (FDEs) with rows
     * @param rows their rows
     * @param anyFrame rows followed in every frame of a walk
     * @param knownRegisters rows followed where the registers are known (the interrupted frame, and
     *     the one a signal frame restored): a CFA or a return address in another register
     * @param ends rows of an outermost frame (the return address undefined): the walk ends there
     * @param unsupported the other rows, by what is not followed: the walk fails there
     */
    public record Census(int fdes, int rows, int anyFrame, int knownRegisters, int ends,
            SortedMap<String, Integer> unsupported) {
        /** The rows the walk fails at. */
        public int failures() {
            return unsupported.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** The {@link Census} of a file's rows. */
    public static Census census(NativeElf elf) {
        NativeElf.Section s = elf.section(".eh_frame").filter(x -> x.type() != 8).orElse(null);
        SortedMap<String, Integer> unsupported = new TreeMap<>();
        int[] n = new int[5];
        if (s != null) {
            Parser parser = new Parser(elf.data(s).slice().order(ByteOrder.LITTLE_ENDIAN), s.address());
            parser.census = (row, reason) -> {
                n[1]++;
                int kind = row.kind() & ~(RBP_AT_RBP | REGISTERS);
                switch (kind) {
                    case STOP -> unsupported.merge(reason, 1, Integer::sum);
                    case END -> n[4]++;
                    case CFA_REG, RA_REG, CFA_DEREF_INDEX -> n[3]++;
                    default -> n[(row.kind() & REGISTERS) != 0 && kind != CFA_SIGNAL ? 3 : 2]++;
                }
            };
            parser.fdes = () -> n[0]++;
            try {
                parser.run(new ArrayList<>());
            } catch (RuntimeException damaged) {
                // the rows read before the damage
            }
        }
        return new Census(n[0], n[1], n[2], n[3], n[4], unsupported);
    }

    /** Sorts rows; at one address a function's start wins over another's end; drops repeats. */
    static List<Row> normalize(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        // stable: within one address, a STOP (an end) sorts before a rule (a start), and the last one wins
        sorted.sort(Comparator.comparingLong(Row::pc).thenComparing(r -> r.kind() == STOP ? 0 : 1));
        List<Row> out = new ArrayList<>();
        for (Row r : sorted) {
            if (!out.isEmpty() && out.getLast().pc() == r.pc()) {
                out.removeLast();
            }
            if (!out.isEmpty() && out.getLast().sameRule(r)) {
                continue;
            }
            out.add(r);
        }
        return out;
    }

    private static final class Cie {
        long codeAlign;
        long dataAlign;
        int raReg;
        int fdeEncoding;
        boolean hasAugmentationData;
        int initialStart;
        int initialEnd;
    }

    /** The rules of one location: CFA, rbp and whether the return address is defined. */
    private static final class State {
        int cfaReg = RSP;
        long cfaOffset;
        int plt; // > 0: the CFA is the PLT expression with this threshold
        int derefReg = -1; // RSP or RBP: the CFA is *(derefReg + cfaOffset) + derefPlus
        long derefPlus;
        long raAtSp = NONE; // the return address at rsp + this (an expression rule), or NONE
        long rbpAtSp = NONE; // rbp at rsp + this (an expression rule), or NONE
        long rbpAtBp = NONE; // rbp at rbp + this (an expression rule: DRAP), or NONE
        boolean cfaUnsupported;
        int rbpOffset; // 0 = unchanged
        boolean rbpUnsupported;
        boolean raUndefined;
        boolean raAtReg; // with raUndefined: a rule for the return address this walk cannot follow
        boolean rspRule; // rsp has a rule of its own (not the CFA): followed in signal frames only
        int raReg = -1; // the register holding the return address (DW_CFA_register rip), or -1
        int rbpReg = -1; // the register holding rbp (DW_CFA_register rbp), or -1
        int derefIndex = -1; // with derefReg: the register added to it times derefScale, or -1
        long derefScale;
        long[] atSp = none(); // each register's rsp + N of an expression rule (a signal frame), or NONE
        String reason; // why the last row made was STOP

        private static long[] none() {
            long[] a = new long[16];
            Arrays.fill(a, NONE);
            return a;
        }

        State copy() {
            State s = new State();
            s.set(this);
            return s;
        }

        /** Takes every rule of {@code o} (DW_CFA_restore_state). */
        void set(State o) {
            cfaReg = o.cfaReg;
            cfaOffset = o.cfaOffset;
            plt = o.plt;
            derefReg = o.derefReg;
            derefPlus = o.derefPlus;
            raAtSp = o.raAtSp;
            rbpAtSp = o.rbpAtSp;
            rbpAtBp = o.rbpAtBp;
            cfaUnsupported = o.cfaUnsupported;
            rbpOffset = o.rbpOffset;
            rbpUnsupported = o.rbpUnsupported;
            raUndefined = o.raUndefined;
            raAtReg = o.raAtReg;
            rspRule = o.rspRule;
            raReg = o.raReg;
            rbpReg = o.rbpReg;
            derefIndex = o.derefIndex;
            derefScale = o.derefScale;
            atSp = o.atSp.clone();
        }

        /** A STOP row, for {@code why}. */
        private Row stop(long pc, String why) {
            reason = why;
            return new Row(pc, STOP, 0, 0);
        }

        /** The row of a signal frame, whose rules are expressions on rsp; STOP for any other such. */
        Row signalRow(long pc) {
            long extra = raAtSp - cfaOffset;
            boolean ok = raAtSp != NONE && !cfaUnsupported && derefReg == RSP && derefPlus == 0
                    && cfaOffset == (int) cfaOffset && extra >= 0 && extra <= 255
                    && (rbpAtSp == NONE ? rbpOffset == 0 && !rbpUnsupported : rbpAtSp > 0 && rbpAtSp <= Short.MAX_VALUE);
            if (!ok) {
                return stop(pc, "signal frame");
            }
            // every register where struct sigcontext keeps it: rsp at the CFA's slot, rip after it
            long base = cfaOffset - SIGCONTEXT[RSP];
            boolean all = extra == 8 && rbpAtSp == base + SIGCONTEXT[RBP];
            for (int r = 0; r < 16 && all; r++) {
                all = r == RBP || atSp[r] == base + SIGCONTEXT[r];
            }
            return new Row(pc, CFA_SIGNAL | (all ? REGISTERS : 0), (int) cfaOffset,
                    rbpAtSp == NONE ? 0 : (int) rbpAtSp, (int) extra);
        }

        Row row(long pc) {
            if (raAtSp != NONE || rbpAtSp != NONE) {
                return rbpAtBp != NONE ? stop(pc, "signal frame") : signalRow(pc);
            }
            if (raUndefined && !raAtReg) {
                return new Row(pc, END, 0, 0);
            }
            if (raUndefined) {
                return stop(pc, "return address rule");
            }
            if (cfaUnsupported) {
                return stop(pc, "CFA expression");
            }
            if (rbpUnsupported) {
                return stop(pc, "rbp rule");
            }
            if (rspRule) {
                return stop(pc, "rsp rule");
            }
            if (rbpReg >= 0) {
                Row r = raReg >= 0 ? raRow(pc) : ruleRow(pc);
                if (r.kind() == STOP) {
                    return r;
                }
                return r.kind() == CFA_PLT || rbpAtBp != NONE || rbpReg >= 16 ? stop(pc, "rbp rule")
                        : new Row(pc, r.kind() | REGISTERS, r.cfaOffset(), rbpReg, r.extra());
            }
            if (raReg >= 0) {
                return raRow(pc);
            }
            if (rbpAtBp != NONE) {
                Row r = ruleRow(pc);
                if (r.kind() == STOP) {
                    return r;
                }
                return r.kind() == CFA_PLT || rbpAtBp != (short) rbpAtBp ? stop(pc, "rbp rule")
                        : new Row(pc, r.kind() | RBP_AT_RBP, r.cfaOffset(), (int) rbpAtBp, r.extra());
            }
            return ruleRow(pc);
        }

        /** The row of a return address in a register ({@link #RA_REG}). */
        private Row raRow(long pc) {
            Row r = ruleRow(pc);
            if (r.kind() != CFA_RSP && r.kind() != CFA_RBP && r.kind() != CFA_REG) {
                return r.kind() == STOP ? r : stop(pc, "return address in a register");
            }
            if (rbpAtBp != NONE || raReg >= 16) {
                return stop(pc, "return address in a register");
            }
            return new Row(pc, RA_REG, r.cfaOffset(), r.rbpOffset(), cfaReg | raReg << 8);
        }

        /** The row of the CFA rule, with rbp at the CFA plus its offset. */
        private Row ruleRow(long pc) {
            if (plt > 0) {
                return new Row(pc, CFA_PLT, plt, rbpOffset);
            }
            if (cfaOffset != (int) cfaOffset) {
                return stop(pc, "CFA offset");
            }
            if (derefReg >= 0 && derefIndex >= 0) {
                int shift = Long.numberOfTrailingZeros(derefScale);
                if (derefPlus < 0 || derefPlus > 255 || cfaOffset != (cfaOffset << 44) >> 44
                        || derefScale != 1L << shift || shift > 3 || derefIndex >= 16) {
                    return stop(pc, "CFA expression");
                }
                int packed = (int) (cfaOffset & 0xfffff) | (int) derefPlus << 20 | shift << 28
                        | (derefReg == RBP ? 1 << 30 : 0);
                return new Row(pc, CFA_DEREF_INDEX, packed, rbpOffset, derefIndex);
            }
            if (derefReg >= 0) {
                if (derefPlus < 0 || derefPlus > 255) {
                    return stop(pc, "CFA offset");
                }
                return new Row(pc, derefReg == RSP ? CFA_DEREF_RSP : CFA_DEREF_RBP, (int) cfaOffset, rbpOffset,
                        (int) derefPlus);
            }
            if (cfaReg == RSP || cfaReg == RBP) {
                return new Row(pc, cfaReg == RSP ? CFA_RSP : CFA_RBP, (int) cfaOffset, rbpOffset);
            }
            if (cfaReg >= 0 && cfaReg < 16) {
                return new Row(pc, CFA_REG, (int) cfaOffset, rbpOffset, cfaReg);
            }
            return stop(pc, "CFA register");
        }
    }

    private static final long NONE = Long.MIN_VALUE;

    private static final class Parser {
        private final ByteBuffer b;
        private final long sectionAddress;
        private final Map<Integer, Cie> cies = new HashMap<>();
        /** Told each row of a function and, for a STOP, why ({@link #census}). */
        BiConsumer<Row, String> census;
        Runnable fdes;
        private final List<String> reasons = new ArrayList<>();

        Parser(ByteBuffer b, long sectionAddress) {
            this.b = b;
            this.sectionAddress = sectionAddress;
        }

        void run(List<Row> rows) {
            int p = 0;
            while (p + 4 <= b.limit()) {
                long len = Integer.toUnsignedLong(b.getInt(p));
                if (len == 0) {
                    break; // the terminator
                }
                int hdr = 4;
                if (len == 0xffffffffL) {
                    len = b.getLong(p + 4);
                    hdr = 12;
                }
                int start = p + hdr;
                int end = Math.toIntExact(start + len);
                int id = b.getInt(start);
                if (id != 0) {
                    int ciePos = start - id;
                    Cie cie = cies.computeIfAbsent(ciePos, this::cie);
                    fde(cie, start + 4, end, rows);
                }
                p = end;
            }
        }

        private Cie cie(int at) {
            long len = Integer.toUnsignedLong(b.getInt(at));
            int hdr = 4;
            if (len == 0xffffffffL) {
                len = b.getLong(at + 4);
                hdr = 12;
            }
            int end = Math.toIntExact(at + hdr + len);
            int[] p = {at + hdr + 4};
            int version = b.get(p[0]++) & 0xff;
            StringBuilder aug = new StringBuilder();
            for (int c; (c = b.get(p[0]++)) != 0; ) {
                aug.append((char) c);
            }
            Cie cie = new Cie();
            if (aug.toString().contains("eh")) {
                p[0] += 8;
            }
            if (version >= 4) {
                p[0] += 2; // address size, segment selector size
            }
            cie.codeAlign = DwarfData.uleb(b, p);
            cie.dataAlign = DwarfData.sleb(b, p);
            cie.raReg = version == 1 ? b.get(p[0]++) & 0xff : (int) DwarfData.uleb(b, p);
            cie.fdeEncoding = 0;
            if (aug.length() > 0 && aug.charAt(0) == 'z') {
                cie.hasAugmentationData = true;
                long augLen = DwarfData.uleb(b, p);
                int augEnd = (int) (p[0] + augLen);
                for (int i = 1; i < aug.length(); i++) {
                    switch (aug.charAt(i)) {
                        case 'R' -> cie.fdeEncoding = b.get(p[0]++) & 0xff;
                        case 'L' -> p[0]++;
                        case 'P' -> {
                            int enc = b.get(p[0]++) & 0xff;
                            encoded(enc, p);
                        }
                        default -> { }
                    }
                }
                p[0] = augEnd;
            }
            cie.initialStart = p[0];
            cie.initialEnd = end;
            return cie;
        }

        /** A pointer in encoding {@code enc} (DW_EH_PE_*), as an address. */
        private long encoded(int enc, int[] p) {
            if (enc == 0xff) {
                return 0;
            }
            int at = p[0];
            long v = switch (enc & 0x0f) {
                case 0x00 -> { p[0] += 8; yield b.getLong(at); }
                case 0x01 -> DwarfData.uleb(b, p);
                case 0x02 -> { p[0] += 2; yield Short.toUnsignedLong(b.getShort(at)); }
                case 0x03 -> { p[0] += 4; yield Integer.toUnsignedLong(b.getInt(at)); }
                case 0x04 -> { p[0] += 8; yield b.getLong(at); }
                case 0x09 -> DwarfData.sleb(b, p);
                case 0x0a -> { p[0] += 2; yield (long) b.getShort(at); }
                case 0x0b -> { p[0] += 4; yield (long) b.getInt(at); }
                case 0x0c -> { p[0] += 8; yield b.getLong(at); }
                default -> throw new IllegalStateException("pointer encoding " + enc);
            };
            if ((enc & 0x70) == 0x10) {
                v += sectionAddress + at; // pc-relative
            }
            return v;
        }

        private void fde(Cie cie, int at, int end, List<Row> rows) {
            int[] p = {at};
            long begin = encoded(cie.fdeEncoding, p);
            long range = encoded(cie.fdeEncoding & 0x0f, p);
            if (cie.hasAugmentationData) {
                long augLen = DwarfData.uleb(b, p);
                p[0] += (int) augLen;
            }
            if (begin == 0 || range == 0) {
                return; // a discarded function
            }
            State initial = new State();
            long[] loc = {begin};
            List<Row> fdeRows = new ArrayList<>();
            reasons.clear();
            State s = execute(cie, cie.initialStart, cie.initialEnd, initial, null, loc, null);
            State init = s.copy();
            execute(cie, p[0], end, s, init, loc, fdeRows);
            add(s, loc[0], fdeRows);
            if (fdes != null) {
                fdes.run();
            }
            // rows past the function's end are dropped; its end stops the walk
            for (int i = 0; i < fdeRows.size(); i++) {
                Row r = fdeRows.get(i);
                if (r.pc() < begin + range) {
                    rows.add(r);
                    if (census != null) {
                        census.accept(r, reasons.get(i));
                    }
                }
            }
            rows.add(new Row(begin + range, STOP, 0, 0));
        }

        /**
         * Runs call-frame instructions on a state. Each advance of the location records the row of
         * the location left (when {@code rows} is not null).
         */
        private State execute(Cie cie, int from, int to, State s, State initial, long[] loc, List<Row> rows) {
            ArrayDeque<State> saved = new ArrayDeque<>();
            int[] p = {from};
            while (p[0] < to) {
                int op = b.get(p[0]++) & 0xff;
                int high = op & 0xc0;
                int low = op & 0x3f;
                if (high == 0x40) {
                    s = advance(s, loc, low * cie.codeAlign, rows);
                    continue;
                }
                if (high == 0x80) {
                    offset(s, low, DwarfData.uleb(b, p) * cie.dataAlign);
                    continue;
                }
                if (high == 0xc0) {
                    restore(s, initial, low);
                    continue;
                }
                switch (op) {
                    case 0x00 -> { }
                    case 0x01 -> {
                        long to2 = encoded(cie.fdeEncoding, p);
                        s = advance(s, loc, to2 - loc[0], rows);
                    }
                    case 0x02 -> s = advance(s, loc, (b.get(p[0]++) & 0xff) * cie.codeAlign, rows);
                    case 0x03 -> {
                        s = advance(s, loc, Short.toUnsignedLong(b.getShort(p[0])) * cie.codeAlign, rows);
                        p[0] += 2;
                    }
                    case 0x04 -> {
                        s = advance(s, loc, Integer.toUnsignedLong(b.getInt(p[0])) * cie.codeAlign, rows);
                        p[0] += 4;
                    }
                    case 0x05 -> offset(s, (int) DwarfData.uleb(b, p), DwarfData.uleb(b, p) * cie.dataAlign);
                    case 0x06 -> restore(s, initial, (int) DwarfData.uleb(b, p));
                    case 0x07 -> other(s, (int) DwarfData.uleb(b, p), true);
                    case 0x08 -> same(s, (int) DwarfData.uleb(b, p));
                    case 0x09 -> {
                        int reg = (int) DwarfData.uleb(b, p);
                        int in = (int) DwarfData.uleb(b, p);
                        other(s, reg, false);
                        if (reg == RIP && in < 16) {
                            // the return address in a register (as after a pop of it)
                            s.raUndefined = false;
                            s.raAtReg = false;
                            s.raReg = in;
                        } else if (reg == RBP && in < 16 && in != RBP && in != RSP) {
                            s.rbpUnsupported = false;
                            s.rbpReg = in;
                        }
                    }
                    case 0x0a -> saved.push(s.copy());
                    case 0x0b -> {
                        if (!saved.isEmpty()) {
                            s.set(saved.pop());
                        }
                    }
                    case 0x0c -> {
                        s.cfaReg = (int) DwarfData.uleb(b, p);
                        s.cfaOffset = DwarfData.uleb(b, p);
                        s.plt = 0;
                        s.derefReg = -1;
                        s.derefIndex = -1;
                        s.cfaUnsupported = false;
                    }
                    case 0x0d -> {
                        s.cfaReg = (int) DwarfData.uleb(b, p);
                        s.plt = 0;
                        s.derefReg = -1;
                        s.derefIndex = -1;
                        s.cfaUnsupported = false;
                    }
                    case 0x0e -> s.cfaOffset = DwarfData.uleb(b, p);
                    case 0x0f -> {
                        int len = (int) DwarfData.uleb(b, p);
                        cfaExpression(s, p[0], len);
                        p[0] += len;
                    }
                    case 0x10 -> {
                        int reg = (int) DwarfData.uleb(b, p);
                        int len = (int) DwarfData.uleb(b, p);
                        CfiExpression.Value v = CfiExpression.evaluate(b, p[0], len, true);
                        p[0] += len;
                        expression(s, reg, v);
                    }
                    case 0x16 -> {
                        int reg = (int) DwarfData.uleb(b, p);
                        int len = (int) DwarfData.uleb(b, p);
                        CfiExpression.Value v = CfiExpression.evaluate(b, p[0], len, true);
                        p[0] += len;
                        other(s, reg, false);
                        if (reg == RSP && v.kind() == CfiExpression.REG && v.plain() && v.reg() == CfiExpression.CFA
                                && v.offset() == 0) {
                            s.rspRule = false; // rsp = CFA: the rule every row has
                        }
                    }
                    case 0x11 -> offset(s, (int) DwarfData.uleb(b, p), DwarfData.sleb(b, p) * cie.dataAlign);
                    case 0x12 -> {
                        s.cfaReg = (int) DwarfData.uleb(b, p);
                        s.cfaOffset = DwarfData.sleb(b, p) * cie.dataAlign;
                        s.plt = 0;
                        s.derefReg = -1;
                        s.derefIndex = -1;
                        s.cfaUnsupported = false;
                    }
                    case 0x13 -> s.cfaOffset = DwarfData.sleb(b, p) * cie.dataAlign;
                    case 0x14 -> valOffset(s, (int) DwarfData.uleb(b, p), DwarfData.uleb(b, p) * cie.dataAlign);
                    case 0x15 -> valOffset(s, (int) DwarfData.uleb(b, p), DwarfData.sleb(b, p) * cie.dataAlign);
                    case 0x2e -> DwarfData.uleb(b, p); // GNU_args_size
                    case 0x2f -> offset(s, (int) DwarfData.uleb(b, p), -DwarfData.uleb(b, p) * cie.dataAlign);
                    default -> throw new IllegalStateException("call frame instruction " + op);
                }
            }
            return s;
        }

        private State advance(State s, long[] loc, long delta, List<Row> rows) {
            if (rows != null && delta != 0) {
                add(s, loc[0], rows);
            }
            loc[0] += delta;
            return s;
        }

        /** Adds the row of {@code s} at {@code pc}, and why if it is a STOP. */
        private void add(State s, long pc, List<Row> rows) {
            s.reason = null;
            rows.add(s.row(pc));
            reasons.add(s.reason);
        }

        private static void offset(State s, int reg, long off) {
            clearExpression(s, reg);
            if (reg == RBP) {
                s.rbpOffset = (int) off;
                s.rbpUnsupported = off == 0 || off != (short) off;
            } else if (reg == RIP) {
                s.raUndefined = off != -8; // the walk reads the return address at CFA-8
                s.raAtReg = off != -8;
            } else if (reg == RSP) {
                s.rspRule = true;
            }
        }

        private static void restore(State s, State initial, int reg) {
            State i = initial == null ? new State() : initial;
            if (reg < 16) {
                s.atSp[reg] = i.atSp[reg];
            }
            if (reg == RIP) {
                s.raAtSp = i.raAtSp;
                s.raReg = i.raReg;
            } else if (reg == RBP) {
                s.rbpAtSp = i.rbpAtSp;
                s.rbpAtBp = i.rbpAtBp;
                s.rbpReg = i.rbpReg;
            }
            if (reg == RBP) {
                s.rbpOffset = i.rbpOffset;
                s.rbpUnsupported = i.rbpUnsupported;
            } else if (reg == RIP) {
                s.raUndefined = i.raUndefined;
                s.raAtReg = i.raAtReg;
            } else if (reg == RSP) {
                s.rspRule = i.rspRule;
            }
        }

        private static void clearExpression(State s, int reg) {
            if (reg < 16) {
                s.atSp[reg] = NONE;
            }
            if (reg == RIP) {
                s.raAtSp = NONE;
                s.raReg = -1;
            } else if (reg == RBP) {
                s.rbpAtSp = NONE;
                s.rbpAtBp = NONE;
                s.rbpReg = -1;
            }
        }

        private static void same(State s, int reg) {
            clearExpression(s, reg);
            if (reg == RBP) {
                s.rbpOffset = 0;
                s.rbpUnsupported = false;
            } else if (reg == RIP) {
                // the return address in itself: no caller this walk can find
                s.raUndefined = true;
                s.raAtReg = true;
            } else if (reg == RSP) {
                s.rspRule = false;
            }
        }

        /** A rule other than offset(N) for a register: undefined (the outermost frame) or unfollowed. */
        private static void other(State s, int reg, boolean undefined) {
            clearExpression(s, reg);
            if (reg == RIP) {
                s.raUndefined = true;
                s.raAtReg = !undefined;
            } else if (reg == RBP) {
                s.rbpUnsupported = !undefined;
                s.rbpOffset = 0;
            } else if (reg == RSP) {
                s.rspRule = true;
            }
        }

        /** DW_CFA_val_offset: rsp = CFA + 0 is the rule every row has; others are not followed. */
        private static void valOffset(State s, int reg, long off) {
            other(s, reg, false);
            if (reg == RSP && off == 0) {
                s.rspRule = false;
            }
        }

        /**
         * DW_CFA_def_cfa_expression: the PLT's expression, a register plus N, or the word at rsp or
         * rbp plus N, plus M; else a CFA this walk does not follow.
         */
        private void cfaExpression(State s, int at, int len) {
            int threshold = pltThreshold(at, len);
            CfiExpression.Value v = threshold > 0 ? null : CfiExpression.evaluate(b, at, len, false);
            s.plt = threshold;
            s.derefReg = -1;
            s.derefIndex = -1;
            s.derefPlus = 0;
            s.cfaUnsupported = false;
            if (v == null) {
                return;
            }
            if (v.kind() == CfiExpression.REG && v.plain() && v.reg() >= 0 && v.reg() < 16) {
                s.cfaReg = v.reg();
                s.cfaOffset = v.offset();
            } else if (v.kind() == CfiExpression.DEREF && (v.reg() == RSP || v.reg() == RBP)) {
                s.derefReg = v.reg();
                s.cfaOffset = v.offset();
                s.derefPlus = v.plus();
                s.derefIndex = v.index();
                s.derefScale = v.scale();
            } else {
                s.cfaUnsupported = true;
            }
        }

        /**
         * DW_CFA_expression (the register saved at the address the expression computes): at the
         * CFA plus N (as DW_CFA_offset), rbp at rbp plus N (gcc's DRAP), a register at rsp plus N
         * (a signal frame's saved context); other addresses are not followed (for the registers the
         * walk needs: rip, rbp, rsp).
         */
        private static void expression(State s, int reg, CfiExpression.Value v) {
            boolean address = v.kind() == CfiExpression.REG && v.plain();
            if (address && v.reg() == CfiExpression.CFA && (reg == RIP || reg == RBP)) {
                offset(s, reg, v.offset());
                return;
            }
            other(s, reg, false);
            if (!address) {
                return;
            }
            if (reg == RBP && v.reg() == RBP) {
                s.rbpAtBp = v.offset();
                s.rbpUnsupported = false;
            } else if (v.reg() == RSP && reg == RIP) {
                s.raAtSp = v.offset();
                s.raUndefined = false;
                s.raAtReg = false;
            } else if (v.reg() == RSP && reg == RBP) {
                s.rbpAtSp = v.offset();
                s.rbpUnsupported = false;
            }
            if (v.reg() == RSP && reg < 16) {
                s.atSp[reg] = v.offset();
            }
        }

        /**
         * The threshold of the PLT expression {@code rsp+8; rip; 15 and; N ge; 3 shl; plus} (as
         * the linkers write for {@code .plt}), or 0 for any other expression.
         */
        private int pltThreshold(int at, int len) {
            byte[] e = new byte[len];
            b.get(at, e);
            // DW_OP_breg7 8, DW_OP_breg16 0, DW_OP_lit15, DW_OP_and, DW_OP_litN, DW_OP_ge, DW_OP_lit3, DW_OP_shl, DW_OP_plus
            if (len == 11 && (e[0] & 0xff) == 0x77 && e[1] == 8 && (e[2] & 0xff) == 0x80 && e[3] == 0
                    && (e[4] & 0xff) == 0x3f && (e[5] & 0xff) == 0x1a && (e[6] & 0xff) >= 0x30
                    && (e[6] & 0xff) <= 0x4f && (e[7] & 0xff) == 0x2a && (e[8] & 0xff) == 0x33
                    && (e[9] & 0xff) == 0x24 && (e[10] & 0xff) == 0x22) {
                return (e[6] & 0xff) - 0x30;
            }
            return 0;
        }
    }
}
