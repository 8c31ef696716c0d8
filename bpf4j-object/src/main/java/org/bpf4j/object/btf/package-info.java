/**
 * BPF Type Format: {@link org.bpf4j.object.btf.Btf} with its sealed
 * {@link org.bpf4j.object.btf.BtfType} records, {@link org.bpf4j.object.btf.BtfExt} (function
 * info, line info, CO-RE relocation records), the C writer {@link org.bpf4j.object.btf.BtfFormat}
 * and CO-RE resolution against a target BTF. Parsers check every offset, length and type id, and
 * report damage as {@link org.bpf4j.MalformedInputException}. No system calls.
 */
package org.bpf4j.object.btf;
