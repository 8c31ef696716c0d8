package org.bpf4j.vm;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bpf4j.vm.map.Errno;

/**
 * The format language of {@code bpf_trace_printk}, {@code bpf_trace_vprintk} and
 * {@code bpf_snprintf}, with the kernel's rules: each conversion takes one argument; flags
 * {@code 0 + - space} and a width are allowed, a precision is not; {@code %d %i %u %x %X} with
 * {@code l} or {@code ll} (without them the argument is cut to 32 bits); {@code %c}; {@code %s},
 * {@code %pks} and {@code %pus} read a string from program memory (empty if unreadable);
 * {@code %p %pK %px} print an address, {@code %ps %pS %pB} a symbol (here the address, as the
 * kernel prints an unknown one); {@code %pi4 %pI4 %pi6 %pI6} an IP address read from memory;
 * {@code %%} a percent sign. Anything else, too few arguments, or a control character in the
 * format is {@code -EINVAL}.
 *
 * <p>Where the kernel hashes plain {@code %p} addresses to hide them, the VM prints them as
 * {@code %px} does: there is nothing to hide.
 */
final class BpfPrintf {
    private BpfPrintf() {}

    /** {@code MAX_BPRINTF_BUF}: the output buffer of the printk helpers, NUL included. */
    static final int MAX_BUF = 1024;
    /** {@code MAX_BPRINTF_VARARGS}. */
    static final int MAX_VARARGS = 12;

    /** The outcome: a negative error number, or the whole text (which callers may cut). */
    record Result(int error, byte[] text) {
        static Result failed(int errno) {
            return new Result(-errno, null);
        }
    }

    private static boolean isPunct(int c) {
        return c > 0x20 && c < 0x7f && !Character.isLetterOrDigit(c);
    }

    private static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** Formats {@code fmt} (without its NUL) with 64-bit arguments, reading strings from {@code mem}. */
    static Result format(Memory mem, byte[] fmt, long[] args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = fmt.length;
        int spec = 0;
        for (int i = 0; i < n; i++) {
            int c = fmt[i] & 0xff;
            if (c < 0x80 && !(c >= 0x20 && c < 0x7f) && !isSpace(c)) {
                return Result.failed(Errno.EINVAL);
            }
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (at(fmt, i + 1) == '%') {
                out.write('%');
                i++;
                continue;
            }
            if (spec >= args.length) {
                return Result.failed(Errno.EINVAL);
            }
            i++;
            if (at(fmt, i) >= 0x80) {
                return Result.failed(Errno.EINVAL);
            }
            boolean left = false, zero = false, plus = false, space = false;
            for (int f = at(fmt, i); f == '0' || f == '+' || f == '-' || f == ' '; f = at(fmt, ++i)) {
                switch (f) {
                    case '0' -> zero = true;
                    case '+' -> plus = true;
                    case '-' -> left = true;
                    default -> space = true;
                }
            }
            int width = 0;
            if (at(fmt, i) >= '1' && at(fmt, i) <= '9') {
                while (at(fmt, i) >= '0' && at(fmt, i) <= '9') {
                    width = Math.min(width * 10 + (at(fmt, i) - '0'), 1 << 16);
                    i++;
                }
            }
            long arg = args[spec++];
            int conv = at(fmt, i);
            String text;
            if (conv == 'p') {
                int next = at(fmt, i + 1);
                if (next == 0 || isSpace(next) || isPunct(next)) {
                    text = String.format("%016x", arg);
                } else if ((next == 'k' || next == 'u') && at(fmt, i + 2) == 's') {
                    i += 2;
                    if (!endsString(fmt, i)) {
                        return Result.failed(Errno.EINVAL);
                    }
                    text = string(mem, arg);
                } else if (next == 'K' || next == 'x') {
                    i++;
                    text = String.format("%016x", arg);
                } else if (next == 's' || next == 'S' || next == 'B') {
                    i++;
                    text = "0x" + Long.toHexString(arg);
                } else if ((next == 'i' || next == 'I') && (at(fmt, i + 2) == '4' || at(fmt, i + 2) == '6')) {
                    i += 2;
                    text = ip(mem, arg, next == 'I', at(fmt, i) == '4');
                } else {
                    return Result.failed(Errno.EINVAL);
                }
            } else if (conv == 's') {
                if (!endsString(fmt, i)) {
                    return Result.failed(Errno.EINVAL);
                }
                text = string(mem, arg);
            } else if (conv == 'c') {
                text = String.valueOf((char) (arg & 0xff));
            } else {
                boolean wide = false;
                if (conv == 'l') {
                    wide = true;
                    conv = at(fmt, ++i);
                    if (conv == 'l') {
                        conv = at(fmt, ++i);
                    }
                }
                text = switch (conv) {
                    case 'd', 'i' -> {
                        long v = wide ? arg : (int) arg;
                        String digits = v < 0 ? Long.toUnsignedString(-v) : Long.toString(v);
                        yield (v < 0 ? "-" : plus ? "+" : space ? " " : "") + digits;
                    }
                    case 'u' -> wide ? Long.toUnsignedString(arg) : Integer.toUnsignedString((int) arg);
                    case 'x' -> wide ? Long.toHexString(arg) : Integer.toHexString((int) arg);
                    case 'X' -> (wide ? Long.toHexString(arg) : Integer.toHexString((int) arg)).toUpperCase();
                    default -> null;
                };
                if (text == null) {
                    return Result.failed(Errno.EINVAL);
                }
                pad(out, text, width, left, zero, true);
                continue;
            }
            pad(out, text, width, left, false, false);
        }
        return new Result(0, out.toByteArray());
    }

    private static int at(byte[] fmt, int i) {
        return i < fmt.length ? fmt[i] & 0xff : 0;
    }

    private static boolean endsString(byte[] fmt, int i) {
        int next = at(fmt, i + 1);
        return next == 0 || isSpace(next) || isPunct(next);
    }

    private static String string(Memory mem, long addr) {
        byte[] s = mem.readString(addr, MAX_BUF);
        return s == null ? "" : new String(s, StandardCharsets.ISO_8859_1);
    }

    private static String ip(Memory mem, long addr, boolean upper, boolean v4) {
        int size = v4 ? 4 : 16;
        byte[] b = mem.readable(addr, size) ? mem.read(addr, size, 0) : new byte[size];
        StringBuilder sb = new StringBuilder();
        if (v4) {
            for (int k = 0; k < 4; k++) {
                sb.append(k == 0 ? "" : ".").append(upper ? Integer.toString(b[k] & 0xff)
                        : String.format("%03d", b[k] & 0xff));
            }
        } else {
            for (int k = 0; k < 16; k += 2) {
                sb.append(k == 0 || !upper ? "" : ":").append(String.format("%02x%02x", b[k] & 0xff, b[k + 1] & 0xff));
            }
        }
        return sb.toString();
    }

    private static void pad(ByteArrayOutputStream out, String text, int width, boolean left, boolean zero,
            boolean numeric) {
        int fill = Math.max(0, width - text.length());
        if (left) {
            out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(" ".repeat(fill).getBytes(StandardCharsets.ISO_8859_1));
        } else if (zero && numeric) {
            int sign = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+' || text.charAt(0) == ' ') ? 1 : 0;
            out.writeBytes(text.substring(0, sign).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes("0".repeat(fill).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(text.substring(sign).getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(" ".repeat(fill).getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** The bytes before the first NUL of {@code bytes}, or null if there is none. */
    static byte[] untilNul(byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                return Arrays.copyOf(bytes, i);
            }
        }
        return null;
    }
}
