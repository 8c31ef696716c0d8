package org.bpf4j.trace.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The record a tracepoint hands its programs, as tracefs describes it in
 * {@code events/CATEGORY/NAME/format}: the fields after the common ones, each with its C type,
 * offset, size and signedness. Immutable.
 *
 * @param category the tracepoint's category ({@code syscalls})
 * @param name the tracepoint's name ({@code sys_enter_openat})
 * @param fields the fields in record order, the {@code common_} ones left out
 */
public record TracepointFormat(String category, String name, List<Field> fields) {
    private static final Pattern FIELD = Pattern.compile(
            "\\s*field:(.+?);\\s*offset:(\\d+);\\s*size:(\\d+);\\s*signed:(\\d+);.*");

    public TracepointFormat {
        fields = List.copyOf(fields);
    }

    /** What kind of value a field holds, as bpftrace sees it. */
    public enum Kind {
        /** An integer of the field's size. */
        INTEGER,
        /** A fixed array of {@code char}: a string of the field's size. */
        CHAR_ARRAY,
        /** {@code __data_loc}: a 32-bit offset (low half) and length (high half) of data in the record. */
        DATA_LOC,
        /** A pointer: a 64-bit address. */
        POINTER,
        /**
         * A fixed array of integers ({@code __u8 saddr[4]}, {@code unsigned long args[6]}): an array
         * value, as bpftrace reads it ({@code ntop(args.saddr)}, {@code args.args[0]}).
         */
        INT_ARRAY,
        /** Any other array or struct: bytes bpftrace cannot use as a value. */
        OTHER
    }

    /**
     * One field.
     *
     * @param name the field's name
     * @param type the C type as written ({@code const char *}, {@code char[16]}, {@code __data_loc char[]})
     * @param offset the offset in the record
     * @param size the size in bytes
     * @param signed whether an integer field is signed
     * @param kind how its value is read
     */
    public record Field(String name, String type, int offset, int size, boolean signed, Kind kind) {
        /** The number of elements of an array field ({@code 4} for {@code __u8[4]}), or 0. */
        public int count() {
            int open = type.lastIndexOf('[');
            int close = type.lastIndexOf(']');
            if (open < 0 || close < open + 2) {
                return 0;
            }
            try {
                return Integer.parseInt(type.substring(open + 1, close).strip());
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        /** Whether the elements of an integer array field are signed, from their C type. */
        public boolean elementSigned() {
            int open = type.indexOf('[');
            String base = (open < 0 ? type : type.substring(0, open)).replace("const", "").replace("volatile", "")
                    .strip();
            return !(base.contains("unsigned") || base.startsWith("u") || base.startsWith("__u")
                    || base.equals("bool") || base.equals("_Bool"));
        }
    }

    /** The field called {@code name}. */
    public Optional<Field> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /**
     * Parses the text of a format file.
     *
     * @throws IllegalArgumentException if a field line cannot be read
     */
    public static TracepointFormat parse(String category, String name, String text) {
        List<Field> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.trim().startsWith("field:")) {
                continue;
            }
            Matcher m = FIELD.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException("tracepoint " + category + ":" + name
                        + ": cannot read format line '" + line.trim() + "'");
            }
            String decl = m.group(1).trim();
            int offset = Integer.parseInt(m.group(2));
            int size = Integer.parseInt(m.group(3));
            boolean signed = m.group(4).equals("1");
            Field f = field(decl, offset, size, signed);
            if (!f.name().startsWith("common_")) {
                out.add(f);
            }
        }
        return new TracepointFormat(category, name, out);
    }

    /** Whether an array type holds integers of 1, 2, 4 or 8 bytes ({@code __u8[4]}): not structs, not unsized. */
    private static boolean integerArray(String type, int size) {
        String base = type.substring(0, type.indexOf('[')).strip();
        if (base.startsWith("struct ") || base.startsWith("union ") || base.contains("*")) {
            return false;
        }
        Field probe = new Field("", type, 0, size, false, Kind.OTHER);
        int n = probe.count();
        if (n <= 0 || size % n != 0) {
            return false;
        }
        int elem = size / n;
        return elem == 1 || elem == 2 || elem == 4 || elem == 8;
    }

    /** A field from its declaration, {@code TYPE NAME} or {@code TYPE NAME[N]}. */
    private static Field field(String decl, int offset, int size, boolean signed) {
        String type;
        String fieldName;
        String array = "";
        String d = decl;
        int bracket = d.lastIndexOf('[');
        if (bracket > 0 && d.endsWith("]") && !d.substring(0, bracket).endsWith(" ")
                && Character.isJavaIdentifierPart(d.charAt(bracket - 1))) {
            array = d.substring(bracket);
            d = d.substring(0, bracket);
        }
        int cut = d.length();
        while (cut > 0 && Character.isJavaIdentifierPart(d.charAt(cut - 1))) {
            cut--;
        }
        fieldName = d.substring(cut);
        type = (d.substring(0, cut).trim() + array).trim();
        Kind kind;
        if (type.startsWith("__data_loc")) {
            kind = Kind.DATA_LOC;
        } else if (type.contains("*")) {
            kind = Kind.POINTER;
        } else if (!array.isEmpty()) {
            kind = type.replace("unsigned ", "").replace("signed ", "").startsWith("char[") ? Kind.CHAR_ARRAY
                    : integerArray(type, size) ? Kind.INT_ARRAY : Kind.OTHER;
        } else if (size == 1 || size == 2 || size == 4 || size == 8) {
            kind = Kind.INTEGER;
        } else {
            kind = Kind.OTHER;
        }
        return new Field(fieldName, type, offset, size, signed, kind);
    }
}
