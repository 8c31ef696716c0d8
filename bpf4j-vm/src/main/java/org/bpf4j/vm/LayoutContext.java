package org.bpf4j.vm;

import java.util.Optional;
import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextFieldKind;
import org.bpf4j.spec.ContextLayout;

/**
 * A context laid out as a UAPI struct of the catalog ({@link ContextLayout}): the struct's bytes,
 * with every load and store checked against the kernel's access rules for the program type. A load
 * of a scalar field reads the little-endian bytes (a narrow load reads the low-order bytes at its
 * offset, as the kernel's rewrite does); a load of a pointer field gives {@link #pointer}; a store
 * writes the bytes and then tells {@link #stored}. Subclasses serve the pointers (packets, sockets)
 * and keep live fields up to date.
 *
 * <p>Not thread-safe: one per execution.
 */
public class LayoutContext implements ContextRegion {
    /** Per layout, the field each (offset, width) access reaches, precomputed for layouts up to this size. */
    private static final int TABLE_LIMIT = 8192;
    private static final java.util.concurrent.ConcurrentHashMap<ContextLayout, ContextField[][]> TABLES =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final ContextLayout layout;
    private final byte[] bytes;
    /** [0]: loads, [1]: stores; index offset * 4 + log2(width); null when the access is refused; null tables for big layouts. */
    private final ContextField[][] table;

    /** A context of this layout whose bytes are all zero. */
    public LayoutContext(ContextLayout layout) {
        this(layout, new byte[layout.size()]);
    }

    /** A context of this layout over {@code bytes} (not copied), at least as long as the struct. */
    public LayoutContext(ContextLayout layout, byte[] bytes) {
        if (bytes.length < layout.size()) {
            throw new IllegalArgumentException("context " + layout.name() + " needs " + layout.size() + " bytes, not "
                    + bytes.length);
        }
        this.layout = layout;
        this.bytes = bytes;
        this.table = layout.size() <= TABLE_LIMIT ? TABLES.computeIfAbsent(layout, LayoutContext::tableOf) : null;
    }

    private static ContextField[][] tableOf(ContextLayout layout) {
        ContextField[][] t = new ContextField[2][layout.size() * 4];
        for (int off = 0; off < layout.size(); off++) {
            for (int w = 0; w < 4; w++) {
                t[0][off * 4 + w] = layout.access(off, 1 << w, false, false).orElse(null);
                t[1][off * 4 + w] = layout.access(off, 1 << w, true, false).orElse(null);
            }
        }
        return t;
    }

    private ContextField field(int offset, int size, boolean write) {
        if (table == null) {
            return layout.access(offset, size, write, false).orElse(null);
        }
        if (offset < 0 || offset >= layout.size()) {
            return null;
        }
        return table[write ? 1 : 0][offset * 4 + Integer.numberOfTrailingZeros(size)];
    }

    /** The layout. */
    public final ContextLayout layout() {
        return layout;
    }

    /** The struct's bytes as the program sees them (live: not a copy). */
    public final byte[] bytes() {
        return bytes;
    }

    /** Reads a u32 field of the struct by name (0 when the layout lacks it). */
    public final long u32(String field) {
        return layout.field(field).map(f -> (long) (int) Memory.I32.get(bytes, f.offset()) & 0xffff_ffffL).orElse(0L);
    }

    /** Sets a field of the struct by name to the low bytes of {@code value}; ignored when the layout lacks it. */
    public final void set(String field, long value) {
        Optional<ContextField> f = layout.field(field);
        if (f.isPresent()) {
            putLe(f.get().offset(), Math.min(f.get().elementSize(), 8), value);
        }
    }

    final void putLe(int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }

    private long getLe(int offset, int size) {
        long v = 0;
        for (int i = 0; i < size && offset + i < bytes.length; i++) {
            v |= (bytes[offset + i] & 0xffL) << (8 * i);
        }
        return v;
    }

    @Override
    public final long load(int offset, int size, int slot) {
        ContextField f = field(offset, size, false);
        if (f == null) {
            throw refused(offset, size, false, slot);
        }
        if (f.kind() != ContextFieldKind.SCALAR) {
            return pointer(f, slot);
        }
        return getLe(offset, size);
    }

    @Override
    public final void store(int offset, int size, long value, int slot) {
        ContextField f = field(offset, size, true);
        if (f == null) {
            throw refused(offset, size, true, slot);
        }
        putLe(offset, size, value);
        stored(f, offset, size, value);
    }

    /**
     * The value of a pointer field ({@link ContextFieldKind#isPointer()}). This class has none to give:
     * it traps, naming the field.
     */
    protected long pointer(ContextField field, int slot) {
        throw new VmTrapException(VmTrapException.Kind.MEMORY, slot, "the VM provides no " + field.kind().token()
                + " pointer for " + layout.struct() + "." + field.name());
    }

    /** Called after a store into a field; subclasses apply the kernel's semantics of that store. */
    protected void stored(ContextField field, int offset, int size, long value) {
    }

    private VmTrapException refused(int offset, int size, boolean write, int slot) {
        return new VmTrapException(VmTrapException.Kind.MEMORY, slot, "invalid bpf_context access off=" + offset
                + " size=" + size + " (" + (write ? "store to " : "load from ") + layout.name() + describe(offset) + ")");
    }

    private String describe(int offset) {
        return layout.fieldAt(offset).map(f -> ", field " + f.name()).orElse(offset >= 0 && offset < layout.size()
                ? ", no accessible field there" : ", outside the struct of " + layout.size() + " bytes");
    }
}
