package org.bpf4j.trace;

import java.util.List;

/**
 * Integers written on bpftrace's command line ({@code -p PID}, named program arguments
 * {@code --name=VALUE}), read as bpftrace reads them: {@code _} separators are ignored, {@code 0x}
 * (hex), {@code 0b} (binary) and a leading {@code 0} (octal) set the base, {@code 1e6} is a power
 * of ten, and a suffix gives a type bound ({@code u}, {@code l}, {@code ul}, {@code ll},
 * {@code ull}) or a unit of time in nanoseconds ({@code ns}, {@code us}, {@code ms}, {@code s},
 * {@code m}, {@code h}, {@code d}). Stateless.
 */
public final class IntText {
    private IntText() {}

    /** Text that is not such an integer; the message is bpftrace's ({@code invalid integer: abc}). */
    public static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;
        private final boolean overflow;

        Invalid(String reason, String text, boolean overflow) {
            super(reason + ": " + text, null, false, false);
            this.reason = reason;
            this.overflow = overflow;
        }

        /** What is wrong, without the text ({@code invalid trailing bytes}). */
        public String reason() {
            return reason;
        }

        /** True if the number is too large rather than malformed. */
        public boolean overflow() {
            return overflow;
        }
    }

    private record Suffix(String name, long max, long unit) {}

    private static final long UMAX = -1L; // 2^64 - 1 as an unsigned long
    private static final List<Suffix> SUFFIXES = List.of(
            new Suffix("", UMAX, 1), new Suffix("u", 0xffff_ffffL, 1), new Suffix("ul", UMAX, 1),
            new Suffix("ull", UMAX, 1), new Suffix("l", Long.MAX_VALUE, 1), new Suffix("ll", Long.MAX_VALUE, 1),
            new Suffix("ns", UMAX, 1), new Suffix("us", UMAX, 1_000L), new Suffix("ms", UMAX, 1_000_000L),
            new Suffix("s", UMAX, 1_000_000_000L), new Suffix("m", UMAX, 60_000_000_000L),
            new Suffix("h", UMAX, 3_600_000_000_000L), new Suffix("d", UMAX, 86_400_000_000_000L));

    /** An unsigned 64-bit integer (returned as the bits of a {@code long}). */
    public static long parseUnsigned(String text) throws Invalid {
        return parseUnsigned(text.replace("_", ""), text, 0);
    }

    /** A signed 64-bit integer ({@code -} before an unsigned one); empty text is 0. */
    public static long parseSigned(String text) throws Invalid {
        if (text.isEmpty()) {
            return 0;
        }
        if (text.startsWith("-")) {
            long magnitude = parseUnsigned(text.substring(1).replace("_", ""), text, 0);
            if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
                throw new Invalid("overflow error, maximum value is " + Long.MAX_VALUE, text, true);
            }
            return -magnitude;
        }
        long v = parseUnsigned(text);
        if (v < 0) {
            throw new Invalid("overflow error, maximum value is " + Long.MAX_VALUE, text, true);
        }
        return v;
    }

    private static long parseUnsigned(String n, String original, int base) throws Invalid {
        if (base == 0 && n.length() >= 2) {
            char c0 = n.charAt(0);
            char c1 = n.charAt(1);
            // as bpftrace, a message then names the digits after the prefix ("invalid trailing bytes: 1g" for 0x1g)
            if (c0 == '0' && (c1 == 'x' || c1 == 'X')) {
                return parseUnsigned(n.substring(2), n.substring(2), 16);
            } else if (c0 == '0' && (c1 == 'b' || c1 == 'B')) {
                return parseUnsigned(n.substring(2), n.substring(2), 2);
            } else if (c0 == '0' && c1 >= '0' && c1 <= '7') {
                return parseUnsigned(n.substring(1), n.substring(1), 8);
            }
        }
        int radix = base == 0 ? 10 : base;
        int end = 0;
        while (end < n.length() && Character.digit(n.charAt(end), radix) >= 0) {
            end++;
        }
        if (end == 0) {
            throw new Invalid("invalid integer", original, false);
        }
        long value;
        try {
            value = Long.parseUnsignedLong(n.substring(0, end), radix);
        } catch (NumberFormatException e) {
            throw new Invalid("overflow error, maximum value is " + Long.toUnsignedString(UMAX), original, true);
        }
        String rest = n.substring(end);
        if (rest.length() >= 2 && (rest.charAt(0) == 'e' || rest.charAt(0) == 'E')
                && rest.charAt(1) >= '1' && rest.charAt(1) <= '9') {
            if (value <= 0 || value >= 10) {
                throw new Invalid("coefficient part of scientific literal must be 1-9", original, false);
            }
            int e = 1;
            while (e < rest.length() && Character.isDigit(rest.charAt(e))) {
                e++;
            }
            long exponent;
            try {
                exponent = Long.parseLong(rest.substring(1, e));
            } catch (NumberFormatException x) {
                exponent = Long.MAX_VALUE;
            }
            for (long i = 0; i < exponent; i++) {
                if (Long.compareUnsigned(value, Long.divideUnsigned(UMAX, 10)) > 0) {
                    throw new Invalid("overflow error, maximum value is " + Long.toUnsignedString(UMAX), original,
                            true);
                }
                value *= 10;
            }
            rest = rest.substring(e);
        }
        for (Suffix s : SUFFIXES) {
            if (s.name().equals(rest)) {
                if (Long.compareUnsigned(value, Long.divideUnsigned(s.max(), s.unit())) > 0) {
                    throw new Invalid("overflow error, maximum value is " + Long.toUnsignedString(s.max()), original,
                            true);
                }
                return value * s.unit();
            }
        }
        throw new Invalid("invalid trailing bytes", original, false);
    }
}
