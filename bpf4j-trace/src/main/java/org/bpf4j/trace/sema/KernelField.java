package org.bpf4j.trace.sema;

/**
 * A field of a kernel struct read through a pointer ({@code curtask->pid}), resolved from BTF.
 *
 * @param offset its byte offset from the pointer
 * @param size bytes to read (1, 2, 4 or 8; for a string the array's length)
 * @param signed whether an integer field is signed
 * @param string whether it is a {@code char} array, read as a string
 * @param struct whether it is a struct or union embedded in its parent (only its fields are read)
 * @param bitShift for a bit field, its first bit in the bytes read (little-endian)
 * @param bitSize for a bit field, its width in bits; 0 for other fields
 * @param user whether the struct is in user memory (read with {@code bpf_probe_read_user})
 */
public record KernelField(long offset, int size, boolean signed, boolean string, boolean struct, int bitShift,
        int bitSize, boolean user) {
    /** A field that is not a bit field, in kernel memory. */
    public KernelField(long offset, int size, boolean signed, boolean string, boolean struct) {
        this(offset, size, signed, string, struct, 0, 0, false);
    }

    /** The same field, in user memory when {@code inUser}. */
    public KernelField inUser(boolean inUser) {
        return new KernelField(offset, size, signed, string, struct, bitShift, bitSize, inUser);
    }
}
