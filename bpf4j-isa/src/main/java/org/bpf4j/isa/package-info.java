/**
 * The eBPF instruction set of RFC 9669 and its Linux extensions.
 *
 * <p>{@link org.bpf4j.isa.Instruction} is a sealed, immutable model of every instruction;
 * {@link org.bpf4j.isa.Code} is a decoded program addressed by 64-bit slot (a wide
 * {@code lddw} occupies two slots, as in the kernel). {@link org.bpf4j.isa.Encoding} turns
 * instructions into raw 64-bit words and back, rejecting invalid encodings with the slot index;
 * {@link org.bpf4j.isa.Assembler} and {@link org.bpf4j.isa.Disassembler} convert to and from
 * text, and {@link org.bpf4j.isa.DataFile} reads the conformance suite's {@code .data} format. Opcode field values live in {@link org.bpf4j.isa.Opcodes}, the single table every
 * other part reads.
 *
 * <p>Everything in this package is immutable and thread-safe, and makes no system calls.
 */
package org.bpf4j.isa;
