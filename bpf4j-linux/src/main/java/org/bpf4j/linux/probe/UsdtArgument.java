package org.bpf4j.linux.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.MalformedInputException;

/**
 * One argument of a USDT probe, as {@code <sys/sdt.h>} describes it in the note for x86_64:
 * {@code SIZE@OPERAND}, where a negative size means signed, and the operand is a constant
 * ({@code $5}), a register ({@code %edi}), memory at a register plus a displacement
 * ({@code -8(%rbp)}) or memory at a base register plus a scaled index register plus a
 * displacement ({@code -88(%rsp,%rax,8)}). A spec in another form (such as a symbol relative to
 * {@code %rip}) is kept as {@link Unsupported}, so that the binary's other probes stay usable.
 * Immutable.
 */
public sealed interface UsdtArgument {
    /** The argument's size in bytes (1, 2, 4 or 8). */
    int size();

    /** Whether it is sign-extended. */
    boolean signed();

    /** The spec as written in the note. */
    String text();

    /** A constant. */
    record Constant(int size, boolean signed, long value, String text) implements UsdtArgument {
    }

    /** The value of a register. */
    record Register(int size, boolean signed, String register, String text) implements UsdtArgument {
    }

    /** The value in memory at a register plus an offset. */
    record Memory(int size, boolean signed, String register, long offset, String text) implements UsdtArgument {
    }

    /**
     * The value in memory at {@code base + index * scale + offset} (AT&T's
     * {@code OFFSET(%BASE,%INDEX,SCALE)}).
     *
     * @param base the base register, or the empty string for {@code OFFSET(,%INDEX,SCALE)}
     * @param index the index register
     * @param scale 1, 2, 4 or 8
     */
    record Indexed(int size, boolean signed, String base, String index, int scale, long offset, String text)
            implements UsdtArgument {
    }

    /**
     * A spec bpf4j cannot read, with the reason; reading it is an error, the probe's other
     * arguments stay readable.
     */
    record Unsupported(int size, boolean signed, String text, String reason) implements UsdtArgument {
    }

    /** The offset in x86_64's {@code struct pt_regs} of a register or sub-register by its AT&T name. */
    Map<String, Integer> X86_64_PT_REGS = x86Registers();

    private static Map<String, Integer> x86Registers() {
        Map<String, Integer> m = new java.util.HashMap<>();
        String[][] legacy = {{"rax", "eax", "ax", "al"}, {"rbx", "ebx", "bx", "bl"}, {"rcx", "ecx", "cx", "cl"},
            {"rdx", "edx", "dx", "dl"}, {"rsi", "esi", "si", "sil"}, {"rdi", "edi", "di", "dil"},
            {"rbp", "ebp", "bp", "bpl"}, {"rsp", "esp", "sp", "spl"}};
        int[] legacyOff = {80, 40, 88, 96, 104, 112, 32, 152};
        for (int i = 0; i < legacy.length; i++) {
            for (String n : legacy[i]) {
                m.put(n, legacyOff[i]);
            }
        }
        int[] numbered = {72, 64, 56, 48, 24, 16, 8, 0}; // r8 .. r15
        for (int r = 8; r <= 15; r++) {
            for (String suffix : new String[] {"", "d", "w", "b"}) {
                m.put("r" + r + suffix, numbered[r - 8]);
            }
        }
        m.put("rip", 128);
        return Map.copyOf(m);
    }

    /**
     * The offset in x86_64's {@code struct pt_regs} of the register this argument reads.
     *
     * @throws MalformedInputException for a constant or an unknown register
     */
    default int ptRegsOffset() {
        String reg = switch (this) {
            case Constant c -> throw new MalformedInputException("USDT argument '" + c.text() + "' is a constant");
            case Register r -> r.register();
            case Memory m -> m.register();
            case Indexed x -> {
                if (x.base().isEmpty()) {
                    throw new MalformedInputException("USDT argument '" + x.text() + "' has no base register");
                }
                yield x.base();
            }
            case Unsupported u -> throw new MalformedInputException("USDT argument '" + u.text() + "': " + u.reason());
        };
        return ptRegsOffset(reg, text());
    }

    /**
     * The offset in x86_64's {@code struct pt_regs} of a register named in the spec {@code text}.
     *
     * @throws MalformedInputException for an unknown register
     */
    static int ptRegsOffset(String register, String text) {
        Integer off = X86_64_PT_REGS.get(register);
        if (off == null) {
            throw new MalformedInputException("USDT argument '" + text + "': unknown x86_64 register %" + register);
        }
        return off;
    }

    /** Whether a register name is a 32-bit one ({@code %eax}, {@code %r8d}), zero-extended when used as an address. */
    static boolean is32Bit(String register) {
        return register.startsWith("e") || register.matches("r\\d+d");
    }

    /**
     * Parses the space-separated argument specs of a note; a spec that {@link #parse} refuses
     * becomes {@link Unsupported} with its reason.
     */
    static List<UsdtArgument> parseAll(String args) {
        List<UsdtArgument> out = new ArrayList<>();
        for (String s : args.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(parseLeniently(s));
            }
        }
        return List.copyOf(out);
    }

    private static UsdtArgument parseLeniently(String spec) {
        try {
            UsdtArgument a = parse(spec);
            switch (a) {
                case Register r -> ptRegsOffset(r.register(), spec);
                case Memory m -> ptRegsOffset(m.register(), spec);
                case Indexed x -> {
                    if (!x.base().isEmpty()) {
                        ptRegsOffset(x.base(), spec);
                    }
                    ptRegsOffset(x.index(), spec);
                }
                default -> { }
            }
            return a;
        } catch (MalformedInputException e) {
            Matcher m = Holder.SPEC.matcher(spec);
            int size = m.matches() && m.group(1).length() < 4 ? Integer.parseInt(m.group(1)) : 8;
            String reason = e.getMessage().replace("USDT argument '" + spec + "': ", "");
            return new Unsupported(Math.abs(size), size < 0, spec, reason);
        }
    }

    /**
     * Parses one x86_64 argument spec.
     *
     * @throws MalformedInputException if it has another form
     */
    static UsdtArgument parse(String spec) {
        Matcher m = Holder.SPEC.matcher(spec);
        if (!m.matches()) {
            throw new MalformedInputException("USDT argument '" + spec + "' is not SIZE@OPERAND");
        }
        int size = Integer.parseInt(m.group(1));
        boolean signed = size < 0;
        size = Math.abs(size);
        if (size != 1 && size != 2 && size != 4 && size != 8) {
            throw new MalformedInputException("USDT argument '" + spec + "': size " + size + " is not 1, 2, 4 or 8");
        }
        String op = m.group(2);
        Matcher c;
        if ((c = Holder.CONSTANT.matcher(op)).matches()) {
            return new Constant(size, signed, number(c.group(1), spec), spec);
        }
        if ((c = Holder.REGISTER.matcher(op)).matches()) {
            return new Register(size, signed, c.group(1), spec);
        }
        if ((c = Holder.MEMORY.matcher(op)).matches()) {
            long off = c.group(1).isEmpty() ? 0 : number(c.group(1), spec);
            return new Memory(size, signed, c.group(2), off, spec);
        }
        if ((c = Holder.INDEXED.matcher(op)).matches()) {
            long off = c.group(1).isEmpty() ? 0 : number(c.group(1), spec);
            int scale = c.group(4) == null ? 1 : Integer.parseInt(c.group(4));
            if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
                throw new MalformedInputException("USDT argument '" + spec + "': scale " + scale
                        + " is not 1, 2, 4 or 8");
            }
            return new Indexed(size, signed, c.group(2) == null ? "" : c.group(2), c.group(3), scale, off, spec);
        }
        throw new MalformedInputException("USDT argument '" + spec + "': operand '" + op
                + "' is not $CONSTANT, %REG, OFFSET(%REG) or OFFSET(%REG,%REG,SCALE)");
    }

    /** A decimal or hex number of a spec, wrapped to 64 bits as the assembler does. */
    private static long number(String text, String spec) {
        boolean negative = text.startsWith("-");
        String digits = negative ? text.substring(1) : text;
        try {
            long v = digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16)
                    : Long.parseUnsignedLong(digits);
            return negative ? -v : v;
        } catch (NumberFormatException e) {
            throw new MalformedInputException("USDT argument '" + spec + "': number " + text + " does not fit 64 bits");
        }
    }

    /** The patterns, kept out of the interface's public constants. */
    final class Holder {
        static final Pattern SPEC = Pattern.compile("(-?\\d+)@(.+)");
        static final Pattern CONSTANT = Pattern.compile("\\$(-?(?:0x[0-9a-fA-F]+|\\d+))");
        static final Pattern REGISTER = Pattern.compile("%([a-z0-9]+)");
        static final Pattern MEMORY = Pattern.compile("(-?(?:0x[0-9a-fA-F]+|\\d+)?)\\(%([a-z0-9]+)\\)");
        static final Pattern INDEXED = Pattern.compile(
                "(-?(?:0x[0-9a-fA-F]+|\\d+)?)\\((?:%([a-z0-9]+))?,%([a-z0-9]+)(?:,(\\d+))?\\)");

        private Holder() {
        }
    }
}
