/**
 * Object files: the ELF reader, BTF and BTF.ext, relocations, and the immutable
 * {@code ObjectSpec} they produce. No system calls.
 */
package org.bpf4j.object;
