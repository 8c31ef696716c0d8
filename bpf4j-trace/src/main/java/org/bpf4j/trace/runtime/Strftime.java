package org.bpf4j.trace.runtime;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/** C's {@code strftime} conversions, for {@code time()} and {@code strftime()}. */
final class Strftime {
    private Strftime() {}

    static String format(String fmt, ZonedDateTime t, long nanosOfSecond) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char f = fmt.charAt(++i);
            switch (f) {
                case 'H' -> sb.append(two(t.getHour()));
                case 'M' -> sb.append(two(t.getMinute()));
                case 'S' -> sb.append(two(t.getSecond()));
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(two(t.getYear() % 100));
                case 'm' -> sb.append(two(t.getMonthValue()));
                case 'd' -> sb.append(two(t.getDayOfMonth()));
                case 'e' -> sb.append(String.format("%2d", t.getDayOfMonth()));
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'I' -> sb.append(two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'T' -> sb.append(two(t.getHour())).append(':').append(two(t.getMinute())).append(':')
                        .append(two(t.getSecond()));
                case 'R' -> sb.append(two(t.getHour())).append(':').append(two(t.getMinute()));
                case 'D' -> sb.append(two(t.getMonthValue())).append('/').append(two(t.getDayOfMonth())).append('/')
                        .append(two(t.getYear() % 100));
                case 'F' -> sb.append(t.getYear()).append('-').append(two(t.getMonthValue())).append('-')
                        .append(two(t.getDayOfMonth()));
                case 's' -> sb.append(t.toEpochSecond());
                case 'u' -> sb.append(t.getDayOfWeek().getValue());
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case 'Z' -> sb.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'z' -> sb.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'f' -> sb.append(String.format("%06d", nanosOfSecond / 1000));
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case '%' -> sb.append('%');
                default -> sb.append('%').append(f);
            }
        }
        return sb.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }
}
