package org.bpf4j.cli;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * The positional words of bpftool-shaped commands ({@code id 5 key 0 0 0 0 value hex 01 00 00 00
 * any}), read left to right. Mistakes are one-line usage failures naming the command. Not thread-safe.
 */
final class Words {
    private final String command;
    private final List<String> words;
    private int pos;

    Words(String command, List<String> words) {
        this.command = command;
        this.words = List.copyOf(words);
    }

    boolean atEnd() {
        return pos >= words.size();
    }

    String peek() {
        return atEnd() ? null : words.get(pos);
    }

    String next(String expected) {
        if (atEnd()) {
            throw fail("expected " + expected + " after '" + String.join(" ", words.subList(0, pos)) + "'");
        }
        return words.get(pos++);
    }

    /** Consumes {@code word} if it comes next. */
    boolean accept(String word) {
        if (!atEnd() && words.get(pos).equals(word)) {
            pos++;
            return true;
        }
        return false;
    }

    /** Fails unless every word was used. */
    void end() {
        if (!atEnd()) {
            throw fail("unexpected '" + String.join(" ", words.subList(pos, words.size())) + "'");
        }
    }

    /**
     * Which object: {@code id N}, or one of the other forms in {@code forms} ({@code pinned},
     * {@code file}), as {@code [form, value]}.
     */
    String[] object(String... forms) {
        String how = next(usage(forms));
        if (!how.equals("id") && !List.of(forms).contains(how)) {
            throw fail("expected " + usage(forms) + ", got '" + how + "'");
        }
        String value = next(how.equals("id") ? "an id" : how.equals("name") ? "a name" : "a path");
        if (how.equals("id")) {
            parseId(value);
        }
        return new String[] {how, value};
    }

    private static String usage(String... forms) {
        StringBuilder b = new StringBuilder("'id N'");
        for (String f : forms) {
            b.append(" or '").append(f).append(' ').append(f.equals("file") || f.equals("pinned") ? "PATH" : "X")
                    .append('\'');
        }
        return b.toString();
    }

    int parseId(String value) {
        try {
            int id = Integer.parseInt(value);
            if (id > 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw fail("'" + value + "' is not an id (a positive number)");
    }

    /**
     * The word {@code what} (such as {@code key} or {@code value}), which must come next, and the
     * bytes after it, as {@link #bytes} reads them.
     */
    byte[] labelledBytes(String what, int expectedLength, List<String> stops) {
        if (!accept(what)) {
            throw fail("expected '" + what + " BYTES'");
        }
        return bytes(what, expectedLength, stops);
    }

    /**
     * Bytes as bpftool reads them: each word a number from 0 to 255 (decimal, {@code 0x} hex or
     * {@code 0} octal), or after the word {@code hex} each word two hex digits; up to the next
     * word in {@code stops} or the end.
     */
    byte[] bytes(String what, int expectedLength, List<String> stops) {
        boolean hex = accept("hex");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!atEnd() && !stops.contains(peek())) {
            String w = words.get(pos++);
            int v;
            try {
                if (hex) {
                    v = Integer.parseInt(w, 16);
                } else if (w.startsWith("0x") || w.startsWith("0X")) {
                    v = Integer.parseInt(w.substring(2), 16);
                } else if (w.length() > 1 && w.startsWith("0")) {
                    v = Integer.parseInt(w.substring(1), 8);
                } else {
                    v = Integer.parseInt(w);
                }
            } catch (NumberFormatException e) {
                v = -1;
            }
            if (v < 0 || v > 255) {
                throw fail(what + ": '" + w + "' is not a byte (0..255" + (hex ? ", in hex" : "") + ")");
            }
            out.write(v);
        }
        byte[] b = out.toByteArray();
        if (b.length != expectedLength) {
            throw fail(what + " has " + b.length + " byte" + (b.length == 1 ? "" : "s") + ", the map's are "
                    + expectedLength + " bytes");
        }
        return b;
    }

    CommandFailure fail(String message) {
        return CommandFailure.badInput(command + ": " + message);
    }
}
