/**
 * Symbol tables for {@code ksym()}, {@code kaddr()} and {@code usym()}: the kernel's from
 * {@code /proc/kallsyms} ({@link org.bpf4j.trace.symbols.KernelSymbols}) and a process's from its
 * memory map and the ELF symbols of its files ({@link org.bpf4j.trace.symbols.UserSymbols}).
 */
package org.bpf4j.trace.symbols;
