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
 * ({@code $5}), a register ({@code %edi}) or memory at a register plus a displacement
 * ({@code -8(%rbp)}). Immutable.
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
        };
        Integer off = X86_64_PT_REGS.get(reg);
        if (off == null) {
            throw new MalformedInputException("USDT argument '" + text() + "': unknown x86_64 register %" + reg);
        }
        return off;
    }

    /** Parses the space-separated argument specs of a note. */
    static List<UsdtArgument> parseAll(String args) {
        List<UsdtArgument> out = new ArrayList<>();
        for (String s : args.trim().split("\\s+")) {
            if (!s.isEmpty()) {
                out.add(parse(s));
            }
        }
        return List.copyOf(out);
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
            return new Constant(size, signed, Long.decode(c.group(1)), spec);
        }
        if ((c = Holder.REGISTER.matcher(op)).matches()) {
            return new Register(size, signed, c.group(1), spec);
        }
        if ((c = Holder.MEMORY.matcher(op)).matches()) {
            long off = c.group(1).isEmpty() ? 0 : Long.decode(c.group(1));
            return new Memory(size, signed, c.group(2), off, spec);
        }
        throw new MalformedInputException("USDT argument '" + spec + "': operand '" + op
                + "' is not $CONSTANT, %REG or OFFSET(%REG)");
    }

    /** The patterns, kept out of the interface's public constants. */
    final class Holder {
        static final Pattern SPEC = Pattern.compile("(-?\\d+)@(.+)");
        static final Pattern CONSTANT = Pattern.compile("\\$(-?(?:0x[0-9a-fA-F]+|\\d+))");
        static final Pattern REGISTER = Pattern.compile("%([a-z0-9]+)");
        static final Pattern MEMORY = Pattern.compile("(-?(?:0x[0-9a-fA-F]+|\\d+)?)\\(%([a-z0-9]+)\\)");

        private Holder() {
        }
    }
}
