package org.bpf4j.object.elf;

import java.nio.charset.StandardCharsets;
import org.bpf4j.MalformedInputException;

/**
 * Bounds-checked little-endian reads from a window of a byte array. Every read that would leave
 * the window throws {@link MalformedInputException} naming {@link #where()} and the offset, so no
 * index or buffer exception escapes a parser built on it. Offsets are relative to the window.
 *
 * <p>Instances are immutable views (the array is shared, never written) and thread-safe.
 */
public final class ByteReader {
    private final byte[] bytes;
    private final int start;
    private final int length;
    private final String where;

    private ByteReader(byte[] bytes, int start, int length, String where) {
        this.bytes = bytes;
        this.start = start;
        this.length = length;
        this.where = where;
    }

    /** A reader over a whole array; {@code where} names it in messages, such as {@code "foo.o"}. */
    public static ByteReader of(byte[] bytes, String where) {
        return new ByteReader(bytes, 0, bytes.length, where);
    }

    /**
     * A reader over {@code length} bytes at {@code offset} of this window.
     *
     * @throws MalformedInputException if the range leaves this window
     */
    public ByteReader window(long offset, long length, String where) {
        check(offset, length, where);
        return new ByteReader(bytes, start + (int) offset, (int) length, where);
    }

    /** What the window is, for messages: {@code "foo.o: section '.BTF'"}. */
    public String where() {
        return where;
    }

    /** Number of bytes in the window. */
    public int length() {
        return length;
    }

    /** Whether {@code length} bytes at {@code offset} lie in the window. */
    public boolean contains(long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= this.length && length <= this.length - offset;
    }

    private void check(long offset, long size, String what) {
        if (!contains(offset, size)) {
            throw new MalformedInputException(where + ": " + what + " at offset 0x" + Long.toHexString(offset)
                    + " (" + size + " bytes) runs past the end (" + length + " bytes)");
        }
    }

    /** The unsigned byte at {@code offset}. */
    public int u8(long offset) {
        check(offset, 1, "byte");
        return bytes[start + (int) offset] & 0xff;
    }

    /** The unsigned 16-bit value at {@code offset}. */
    public int u16(long offset) {
        check(offset, 2, "16-bit value");
        int p = start + (int) offset;
        return (bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8;
    }

    /** The 32-bit value at {@code offset}, as a signed int. */
    public int s32(long offset) {
        check(offset, 4, "32-bit value");
        int p = start + (int) offset;
        return (bytes[p] & 0xff) | (bytes[p + 1] & 0xff) << 8 | (bytes[p + 2] & 0xff) << 16 | (bytes[p + 3] & 0xff) << 24;
    }

    /** The unsigned 32-bit value at {@code offset}. */
    public long u32(long offset) {
        return s32(offset) & 0xffffffffL;
    }

    /** The 64-bit value at {@code offset}. */
    public long u64(long offset) {
        check(offset, 8, "64-bit value");
        return (u32(offset) & 0xffffffffL) | u32(offset + 4) << 32;
    }

    /** A copy of {@code size} bytes at {@code offset}. */
    public byte[] bytes(long offset, long size) {
        check(offset, size, "data");
        byte[] out = new byte[(int) size];
        System.arraycopy(bytes, start + (int) offset, out, 0, (int) size);
        return out;
    }

    /** A copy of the whole window. */
    public byte[] toArray() {
        return bytes(0, length);
    }

    /**
     * The NUL-terminated string at {@code offset}, or null if the offset is outside the window or
     * no NUL follows it inside the window.
     */
    public String cStringOrNull(long offset) {
        if (offset < 0 || offset >= length) {
            return null;
        }
        int p = start + (int) offset;
        int end = start + length;
        int q = p;
        while (q < end && bytes[q] != 0) {
            q++;
        }
        if (q == end) {
            return null;
        }
        return new String(bytes, p, q - p, StandardCharsets.UTF_8);
    }
}
