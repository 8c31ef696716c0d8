package org.bpf4j.spec;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One member of a program context as a program may access it: where it is, what a load of it gives
 * and which access widths loads and stores may have. An array is one field covering all its elements.
 *
 * <p>{@link #allows(int, int, boolean)} is the kernel's rule for the field: an access of width
 * {@code w} at byte offset {@code o} of the context is allowed when {@code w} is one of the field's
 * widths for that direction, {@code o % w == 0}, and either {@code w <= elementSize} and {@code o}
 * lies inside the field (one element, whole or narrow), or {@code elementSize < w <= size} and the
 * access ends inside the field (an 8-byte access over two u32 elements, as for {@code cb[]}), or
 * {@code w > size} and {@code o == offset} (the legacy 4-byte load of a 16-bit port with its zero
 * padding). A narrow load reads the low-order bytes at that offset of the little-endian field.
 *
 * @param name        the member's name, such as {@code data_end} or {@code cb}
 * @param offset      byte offset in the context
 * @param size        bytes the field covers
 * @param elementSize bytes per element ({@code size} for a member that is not an array)
 * @param kind        what a load gives
 * @param btfType     the kernel type for {@link ContextFieldKind#BTF_ID}, else empty
 * @param readWidths  the widths (1, 2, 4, 8) a load may have; empty if the field cannot be read
 * @param writeWidths the widths a store may have; empty if the field cannot be written
 */
public record ContextField(String name, int offset, int size, int elementSize, ContextFieldKind kind,
        String btfType, Set<Integer> readWidths, Set<Integer> writeWidths) {

    /** Checks the geometry and copies the width sets. */
    public ContextField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(btfType, "btfType");
        if (offset < 0 || size <= 0 || elementSize <= 0 || size % elementSize != 0) {
            throw new IllegalArgumentException("bad geometry of field " + name + ": offset " + offset + ", size "
                    + size + ", element " + elementSize);
        }
        readWidths = Set.copyOf(readWidths);
        writeWidths = Set.copyOf(writeWidths);
        for (Set<Integer> widths : List.of(readWidths, writeWidths)) {
            for (int w : widths) {
                if (w != 1 && w != 2 && w != 4 && w != 8) {
                    throw new IllegalArgumentException("access width " + w + " of field " + name + " is not 1, 2, 4 or 8");
                }
            }
        }
        if ((kind == ContextFieldKind.BTF_ID) == btfType.isEmpty()) {
            throw new IllegalArgumentException("field " + name + ": a BTF type goes with kind btf and only with it");
        }
    }

    /** The offset just past the field. */
    public int end() {
        return offset + size;
    }

    /** Whether the byte at {@code contextOffset} belongs to this field. */
    public boolean contains(int contextOffset) {
        return contextOffset >= offset && contextOffset < end();
    }

    /** Whether a load ({@code write == false}) or store of {@code width} bytes at {@code contextOffset} is allowed. */
    public boolean allows(int contextOffset, int width, boolean write) {
        Set<Integer> widths = write ? writeWidths : readWidths;
        if (width <= 0 || !widths.contains(width) || contextOffset % width != 0 || !contains(contextOffset)) {
            return false;
        }
        if (width <= elementSize) {
            return true;
        }
        if (width <= size) {
            return contextOffset + width <= end();
        }
        return contextOffset == offset;
    }

    /** Whether a load whose value a program sign-extends ({@code BPF_MEMSX}) is allowed: only of scalars. */
    public boolean allowsSignExtension() {
        return kind == ContextFieldKind.SCALAR;
    }
}
