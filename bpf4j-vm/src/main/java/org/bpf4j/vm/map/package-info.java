/**
 * Maps of the VM with the kernel's semantics: flags, return codes, iteration, batch operations,
 * {@code BPF_F_LOCK}. Their values live in {@link org.bpf4j.vm.SharedRegions}, so programs address
 * them with ordinary VM pointers from every thread; host code reads and writes them through
 * {@link org.bpf4j.vm.map.BpfMap}'s copying API, perf buffers through a
 * {@link org.bpf4j.vm.map.PerfEventReader}.
 */
package org.bpf4j.vm.map;
