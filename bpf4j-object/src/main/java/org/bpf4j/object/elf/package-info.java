/**
 * A small, strict reader of ELF64 little-endian relocatable files: section headers, symbols and
 * relocations, with every read bounded by the file ({@link org.bpf4j.object.elf.ByteReader}).
 * No system calls.
 */
package org.bpf4j.object.elf;
