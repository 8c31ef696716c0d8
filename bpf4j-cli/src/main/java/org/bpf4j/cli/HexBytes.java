package org.bpf4j.cli;

import java.io.ByteArrayOutputStream;

/** Parses bytes written as hexadecimal pairs, as {@code --mem} takes them. Stateless. */
final class HexBytes {
    private HexBytes() {}

    /**
     * Parses hexadecimal digits, two per byte, with any white space between bytes:
     * {@code "00 01 ff"}, {@code "0001ff"}. The empty string is zero bytes.
     *
     * @param what the name of the input for messages, such as {@code --mem}
     * @throws CommandFailure naming the bad character or the odd digit count
     */
    static byte[] parse(String text, String what) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int high = -1;
        int highAt = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                if (high >= 0) {
                    throw oddDigit(what, highAt);
                }
                continue;
            }
            int digit = Character.digit(c, 16);
            if (digit < 0) {
                throw CommandFailure.badInput(what + ": '" + c + "' at character " + (i + 1)
                        + " is not a hexadecimal digit (write bytes as hex pairs, such as \"00 01 ff\")");
            }
            if (high < 0) {
                high = digit;
                highAt = i;
            } else {
                out.write(high << 4 | digit);
                high = -1;
            }
        }
        if (high >= 0) {
            throw oddDigit(what, highAt);
        }
        return out.toByteArray();
    }

    private static CommandFailure oddDigit(String what, int at) {
        return CommandFailure.badInput(what + ": the digit at character " + (at + 1)
                + " has no partner (each byte is two hexadecimal digits)");
    }
}
