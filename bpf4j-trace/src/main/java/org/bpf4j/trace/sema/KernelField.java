package org.bpf4j.trace.sema;

/**
 * A field of a kernel struct read through a pointer ({@code curtask->pid}), resolved from BTF.
 *
 * @param offset its byte offset from the pointer
 * @param size bytes to read (1, 2, 4 or 8; for a string the array's length)
 * @param signed whether an integer field is signed
 * @param string whether it is a {@code char} array, read as a string
 * @param struct whether it is a struct or union embedded in its parent (only its fields are read)
 */
public record KernelField(long offset, int size, boolean signed, boolean string, boolean struct) {}
