package org.bpf4j.linux.sys;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A C struct of the kernel's UAPI as a {@link StructLayout} built from named fields, with natural
 * alignment and the padding C inserts, and typed accessors by field name. Immutable and
 * thread-safe; the segments it reads and writes are the caller's.
 */
public final class Struct {
    private final StructLayout layout;
    private final Map<String, MemoryLayout> fields;

    private Struct(StructLayout layout, Map<String, MemoryLayout> fields) {
        this.layout = layout;
        this.fields = fields;
    }

    /** A field: a name and a layout ({@link #u32}, {@link #u64}, {@link #bytes}). */
    public record Field(String name, MemoryLayout layout) {
    }

    /** A 32-bit field. */
    public static Field u32(String name) {
        return new Field(name, ValueLayout.JAVA_INT);
    }

    /** A 64-bit field (naturally aligned to 8, as {@code __u64} and {@code __aligned_u64}). */
    public static Field u64(String name) {
        return new Field(name, ValueLayout.JAVA_LONG);
    }

    /** A byte array field, such as {@code char map_name[16]}. */
    public static Field bytes(String name, int n) {
        return new Field(name, MemoryLayout.sequenceLayout(n, ValueLayout.JAVA_BYTE));
    }

    /** Padding the caller never touches (unnamed union members, reserved fields). */
    public static Field skip(int n) {
        return new Field("", MemoryLayout.sequenceLayout(n, ValueLayout.JAVA_BYTE));
    }

    /** Lays out fields in order, as a C compiler does: each at its natural alignment, the size rounded to the largest alignment. */
    public static Struct of(String name, Field... fields) {
        List<MemoryLayout> members = new ArrayList<>();
        Map<String, MemoryLayout> named = new LinkedHashMap<>();
        long offset = 0;
        long maxAlign = 1;
        int pad = 0;
        for (Field f : fields) {
            long align = f.layout().byteAlignment();
            maxAlign = Math.max(maxAlign, align);
            if (offset % align != 0) {
                long n = align - offset % align;
                members.add(MemoryLayout.paddingLayout(n));
                offset += n;
            }
            MemoryLayout m = f.name().isEmpty() ? f.layout().withName("__pad" + pad++) : f.layout().withName(f.name());
            members.add(m);
            if (!f.name().isEmpty()) {
                named.put(f.name(), m);
            }
            offset += f.layout().byteSize();
        }
        if (offset % maxAlign != 0) {
            members.add(MemoryLayout.paddingLayout(maxAlign - offset % maxAlign));
        }
        StructLayout layout = MemoryLayout.structLayout(members.toArray(MemoryLayout[]::new)).withName(name);
        return new Struct(layout, named);
    }

    /** The layout. */
    public StructLayout layout() {
        return layout;
    }

    /** Size in bytes. */
    public long size() {
        return layout.byteSize();
    }

    /** The names of the fields, in order. */
    public List<String> fieldNames() {
        return List.copyOf(fields.keySet());
    }

    /** The byte offset of a field. */
    public long offset(String field) {
        member(field);
        return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** The size in bytes of a field. */
    public long size(String field) {
        return member(field).byteSize();
    }

    private MemoryLayout member(String field) {
        MemoryLayout m = fields.get(field);
        if (m == null) {
            throw new NoSuchElementException(layout.name().orElse("struct") + " has no field '" + field + "'");
        }
        return m;
    }

    /** Writes an integer field (4 or 8 bytes) of the struct at {@code base}. */
    public void set(MemorySegment base, String field, long value) {
        long off = offset(field);
        switch ((int) size(field)) {
            case 4 -> base.set(ValueLayout.JAVA_INT_UNALIGNED, off, (int) value);
            case 8 -> base.set(ValueLayout.JAVA_LONG_UNALIGNED, off, value);
            default -> throw new IllegalArgumentException(field + " is not an integer field");
        }
    }

    /** Writes a pointer field. */
    public void set(MemorySegment base, String field, MemorySegment pointer) {
        set(base, field, pointer.address());
    }

    /** Writes a C string into a {@code char[N]} field, truncated to N-1 bytes. */
    public void setString(MemorySegment base, String field, String value) {
        long n = size(field);
        byte[] b = value.getBytes(StandardCharsets.UTF_8);
        int len = (int) Math.min(b.length, n - 1);
        MemorySegment.copy(b, 0, base, ValueLayout.JAVA_BYTE, offset(field), len);
    }

    /** Reads a 32-bit field as an unsigned value. */
    public long getU32(MemorySegment base, String field) {
        return Integer.toUnsignedLong(base.get(ValueLayout.JAVA_INT_UNALIGNED, offset(field)));
    }

    /** Reads a 32-bit field. */
    public int getInt(MemorySegment base, String field) {
        return base.get(ValueLayout.JAVA_INT_UNALIGNED, offset(field));
    }

    /** Reads a 64-bit field. */
    public long getLong(MemorySegment base, String field) {
        return base.get(ValueLayout.JAVA_LONG_UNALIGNED, offset(field));
    }

    /** Reads a NUL-terminated string from a {@code char[N]} field. */
    public String getString(MemorySegment base, String field) {
        long off = offset(field);
        int n = (int) size(field);
        int len = 0;
        while (len < n && base.get(ValueLayout.JAVA_BYTE, off + len) != 0) {
            len++;
        }
        byte[] b = new byte[len];
        MemorySegment.copy(base, ValueLayout.JAVA_BYTE, off, b, 0, len);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Reads a {@code char[N]} field's raw bytes. */
    public byte[] getBytes(MemorySegment base, String field) {
        byte[] b = new byte[(int) size(field)];
        MemorySegment.copy(base, ValueLayout.JAVA_BYTE, offset(field), b, 0, b.length);
        return b;
    }
}
