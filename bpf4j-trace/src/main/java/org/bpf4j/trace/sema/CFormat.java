package org.bpf4j.trace.sema;

import java.util.Locale;

/**
 * One printf conversion of one value, as current bpftrace formats it: with C++ streams (its
 * {@code FormatSpec::apply}), not C's snprintf as bpftrace 0.17 did. The differences from C: a
 * precision is ignored for integers and strings ({@code %.3s} prints the whole string, {@code %.3d}
 * no leading zeros), and the {@code 0} flag is a fill character that takes the place of the blanks
 * wherever they go: before a sign or {@code 0x} ({@code %05d} of -1 is {@code 000-1}), and after the
 * value with {@code -} ({@code %-05d} of 7 is {@code 70000}), also for strings.
 */
final class CFormat {
    private CFormat() {}

    static String convert(FormatString.Spec s, Object value) {
        String body;
        switch (s.conversion()) {
            case 's', 'r' -> {
                String str = value instanceof byte[] bytes ? FormatString.hex(bytes, !s.length().equals("x")
                        && !s.length().equals("h"), !s.length().equals("h"))
                        : value instanceof String v ? v : String.valueOf(value);
                body = str;
            }
            case 'c' -> body = String.valueOf((char) (((Long) value) & 0xff));
            case 'g' -> body = GfpFlags.format((Long) value);
            case 'p' -> {
                long v = (Long) value;
                body = v == 0 ? "(nil)" : "0x" + Long.toHexString(v);
            }
            default -> {
                long v = narrow((Long) value, s.length(), s.conversion() == 'd');
                String digits = switch (s.conversion()) {
                    case 'd' -> Long.toString(Math.abs(v)).replace("-", "");
                    case 'u' -> Long.toUnsignedString(v);
                    case 'o' -> Long.toOctalString(v);
                    case 'x' -> Long.toHexString(v);
                    case 'X' -> Long.toHexString(v).toUpperCase(Locale.ROOT);
                    default -> throw new IllegalStateException("conversion " + s.conversion());
                };
                if (s.conversion() == 'd' && v == Long.MIN_VALUE) {
                    digits = "9223372036854775808";
                }
                String sign = s.conversion() == 'd' && v < 0 ? "-" : s.conversion() == 'd' && s.showSign() ? "+" : "";
                if (s.alternate() && v != 0 && (s.conversion() == 'x' || s.conversion() == 'X')) {
                    sign = s.conversion() == 'x' ? "0x" : "0X";
                } else if (s.alternate() && s.conversion() == 'o' && !digits.startsWith("0")) {
                    digits = "0" + digits;
                }
                body = sign + digits;
            }
        }
        if (body.length() < s.width()) {
            String pad = String.valueOf(s.zeroPad() ? '0' : ' ').repeat(s.width() - body.length());
            body = s.leftAlign() ? body + pad : pad + body;
        }
        return body;
    }

    /** The value as the C argument type of a length modifier reads it. */
    private static long narrow(long v, String length, boolean signed) {
        return switch (length) {
            case "hh" -> signed ? (byte) v : v & 0xff;
            case "h" -> signed ? (short) v : v & 0xffff;
            case "" -> signed ? (int) v : v & 0xffff_ffffL;
            default -> v;
        };
    }
}
