package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A printf format string as bpftrace reads it: conversion specifiers are
 * {@code %-?\+? ?#?0?[0-9]*(\.[0-9]+)?} (the flags in that order only, as current bpftrace's pattern)
 * followed by a length ({@code hh h l ll j z t}) and a conversion ({@code d i u o x X p}), or {@code s},
 * {@code c}, {@code r}, {@code rx}, {@code rh}, or current bpftrace's {@code gr} (an integer's GFP flags by
 * name; its conversion is {@code g}). Anything else, {@code %%} included, is literal text handed to C's
 * printf rules when formatting. Immutable.
 */
public final class FormatString {
    private static final Pattern SPEC = Pattern.compile(
            "%%|%-?\\+? ?#?[0-9]*(\\.[0-9]+)?(rx|rh|r|s|c|gr|(hh|h|ll|l|j|z|t)?[diuoxXp])");

    /**
     * One conversion: its text, flags and what it converts ({@code i} is read as {@code d}).
     * {@code showSign} is the {@code +} flag, {@code alternate} the {@code #} flag; a space flag is read
     * and ignored, as current bpftrace formats with C++ streams, which have no such flag.
     */
    public record Spec(String text, int start, int end, boolean leftAlign, boolean showSign, boolean alternate,
            boolean zeroPad, int width, int precision, String length, char conversion) {
        /** True for a conversion of an integer. */
        public boolean integer() {
            return conversion != 's' && conversion != 'r';
        }
    }

    private final String format;
    private final List<Spec> specs;

    private FormatString(String format, List<Spec> specs) {
        this.format = format;
        this.specs = List.copyOf(specs);
    }

    /** Equal when the texts are (the conversions follow from the text). */
    @Override
    public boolean equals(Object o) {
        return o instanceof FormatString f && f.format.equals(format);
    }

    @Override
    public int hashCode() {
        return format.hashCode();
    }

    /** Reads a format string. */
    public static FormatString parse(String format) {
        List<Spec> specs = new ArrayList<>();
        Matcher m = SPEC.matcher(format);
        while (m.find()) {
            String t = m.group();
            if (t.equals("%%")) {
                continue; // a literal '%', read first so that "%% d" is no "% d"
            }
            int i = 1;
            boolean left = false;
            if (t.charAt(i) == '-') {
                left = true;
                i++;
            }
            boolean sign = t.charAt(i) == '+';
            if (sign) {
                i++;
            }
            if (t.charAt(i) == ' ') {
                i++;
            }
            boolean alternate = t.charAt(i) == '#';
            if (alternate) {
                i++;
            }
            boolean zero = i < t.length() && t.charAt(i) == '0';
            int w = 0;
            while (Character.isDigit(t.charAt(i))) {
                w = w * 10 + (t.charAt(i) - '0');
                i++;
            }
            int prec = -1;
            if (t.charAt(i) == '.') {
                i++;
                prec = 0;
                while (Character.isDigit(t.charAt(i))) {
                    prec = prec * 10 + (t.charAt(i) - '0');
                    i++;
                }
            }
            String rest = t.substring(i);
            String length = "";
            char conv;
            if (rest.equals("gr")) {
                conv = 'g';
            } else if (rest.startsWith("r")) {
                conv = 'r';
                length = rest.substring(1);
            } else {
                conv = rest.charAt(rest.length() - 1) == 'i' ? 'd' : rest.charAt(rest.length() - 1);
                length = rest.substring(0, rest.length() - 1);
            }
            specs.add(new Spec(t, m.start(), m.end(), left, sign, alternate, zero, w, prec, length, conv));
        }
        return new FormatString(format, specs);
    }

    /** The format as written. */
    public String format() {
        return format;
    }

    /** The conversions in order. */
    public List<Spec> specs() {
        return specs;
    }

    /**
     * Checks argument types as bpftrace does and returns its message for the first problem, or null.
     *
     * @param func {@code printf} (or another function taking a format), for messages
     */
    public String check(String func, List<Type> args) {
        if (args.size() < specs.size()) {
            return func + ": Not enough arguments for format string (" + args.size() + " supplied, " + specs.size()
                    + " expected)";
        }
        if (args.size() > specs.size()) {
            return func + ": Too many arguments for format string (" + args.size() + " supplied, " + specs.size()
                    + " expected)";
        }
        for (int i = 0; i < args.size(); i++) {
            Spec s = specs.get(i);
            Type t = args.get(i);
            String supplied = switch (t) {
                case Type.Int x -> "integer";
                case Type.Str x -> "string";
                case Type.ProbeName x -> "string";
                case Type.Timestamp x -> "string";
                case Type.Ksym x -> "string";
                case Type.Usym x -> "string";
                case Type.Deferred x -> "string";
                case Type.Inet x -> "string";
                case Type.Stack x -> "string";
                case Type.Tuple x -> "tuple";
                case Type.Buf x -> "buffer";
                case Type.MacAddr x -> "string";
                case Type.Array x -> "array";
                case Type.Record x -> "record";
                case Type.Agg x -> x.display();
                case Type.StructRef x -> "record";
                case Type.None x -> "none";
            };
            String expected = s.conversion() == 's' ? "string" : s.conversion() == 'r' ? "buffer" : "integer";
            // current bpftrace: %s prints a value of any type as print() shows it
            boolean anything = s.conversion() == 's' && !func.equals("debugf") && !(t instanceof Type.None)
                    && !(t instanceof Type.Agg);
            if (!anything && !supplied.equals(expected)) {
                String token = s.text().replaceFirst("^%-?\\+? ?#?[0-9]*(\\.[0-9]+)?", "");
                return func + ": %" + token + " specifier expects a value of type " + expected + " (" + supplied
                        + " supplied)";
            }
        }
        return null;
    }

    /**
     * Formats with argument values ({@link Long} for integers, {@link String} for strings, one char per
     * byte), as current bpftrace formats each conversion ({@link CFormat}: a {@code %d} of a 64-bit
     * value prints its low 32 bits, as C's int would; no precision for integers and strings).
     */
    public String format(List<Object> values) {
        StringBuilder out = new StringBuilder();
        int last = 0;
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            literal(out, format.substring(last, s.start()));
            out.append(CFormat.convert(s, values.get(i)));
            last = s.end();
        }
        // bpftrace 0.17 prints the text after the last conversion as it is (not through snprintf),
        // so a "%%" there stays "%%".
        out.append(format.substring(last));
        return out.toString();
    }

    /**
     * Bytes as bpftrace shows a buffer: printable ASCII (32-126) as itself when {@code keepAscii},
     * other bytes as {@code \xNN} when {@code escape}, else as two hex digits separated by spaces.
     */
    public static String hex(byte[] bytes, boolean keepAscii, boolean escape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (keepAscii && b >= 32 && b <= 126) {
                sb.append((char) b);
            } else if (escape) {
                sb.append(String.format("\\x%02x", b));
            } else {
                sb.append(String.format(i == bytes.length - 1 ? "%02x" : "%02x ", b));
            }
        }
        return sb.toString();
    }

    /** Literal text through C's printf: {@code %%} prints one {@code %}. */
    private static void literal(StringBuilder out, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 1 < text.length() && text.charAt(i + 1) == '%') {
                i++;
            }
            out.append(c);
        }
    }
}
