package org.bpf4j.trace.sema;

import java.util.Locale;

/** One C printf conversion of one value, as glibc's snprintf does it. */
final class CFormat {
    private CFormat() {}

    static String convert(FormatString.Spec s, Object value) {
        String body;
        switch (s.conversion()) {
            case 's', 'r' -> {
                String str = value instanceof byte[] bytes ? FormatString.hex(bytes, !s.length().equals("x")
                        && !s.length().equals("h"), !s.length().equals("h"))
                        : value instanceof String v ? v : String.valueOf(value);
                if (s.precision() >= 0 && str.length() > s.precision()) {
                    str = str.substring(0, s.precision());
                }
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
                if (s.precision() >= 0) {
                    if (s.precision() == 0 && v == 0) {
                        digits = "";
                    }
                    while (digits.length() < s.precision()) {
                        digits = "0" + digits;
                    }
                }
                String sign = s.conversion() == 'd' && v < 0 ? "-" : s.conversion() == 'd' && s.showSign() ? "+" : "";
                if (s.alternate() && v != 0 && (s.conversion() == 'x' || s.conversion() == 'X')) {
                    sign = s.conversion() == 'x' ? "0x" : "0X";
                } else if (s.alternate() && s.conversion() == 'o' && !digits.startsWith("0")) {
                    digits = "0" + digits;
                }
                if (s.zeroPad() && !s.leftAlign() && s.precision() < 0) {
                    while (sign.length() + digits.length() < s.width()) {
                        digits = "0" + digits;
                    }
                }
                body = sign + digits;
            }
        }
        if (body.length() < s.width()) {
            String pad = " ".repeat(s.width() - body.length());
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
