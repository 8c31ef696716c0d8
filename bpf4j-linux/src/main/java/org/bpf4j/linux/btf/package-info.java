/**
 * BTF for the kernel: {@link org.bpf4j.linux.btf.BtfEncoder} writes types in the wire format of
 * {@code BPF_BTF_LOAD}; {@link org.bpf4j.linux.btf.BtfSanitizer} fixes what compilers leave to
 * the loader (DATASEC sizes and offsets, extern linkage), using the ELF file's
 * {@link org.bpf4j.linux.btf.DataLayout}. No system calls.
 */
package org.bpf4j.linux.btf;
