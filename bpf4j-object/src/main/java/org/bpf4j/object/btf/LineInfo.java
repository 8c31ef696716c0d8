package org.bpf4j.object.btf;

import java.util.Objects;

/**
 * A {@code bpf_line_info} record: the source position of the code from an instruction on.
 *
 * @param slot the instruction index (an {@code lddw} counts twice), relative to the section in
 *     {@link BtfExt} and to the program in a program spec
 * @param fileName the source file as the compiler saw it
 * @param sourceLine the text of the source line (may be empty)
 * @param line the line number, from 1
 * @param column the column, from 1, or 0 when unknown
 */
public record LineInfo(int slot, String fileName, String sourceLine, int line, int column) {

    /** Checks the strings. */
    public LineInfo {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(sourceLine, "sourceLine");
    }

    /** The same record moved by {@code delta} slots. */
    public LineInfo shift(int delta) {
        return new LineInfo(slot + delta, fileName, sourceLine, line, column);
    }

    /** {@code file:line:column}, as compilers print positions. */
    public String position() {
        return fileName + ":" + line + ":" + column;
    }
}
