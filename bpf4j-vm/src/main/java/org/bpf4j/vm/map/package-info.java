/**
 * Maps of the VM with the kernel's semantics: flags, return codes, iteration. Their values live in
 * {@link org.bpf4j.vm.SharedRegions}, so programs address them with ordinary VM pointers from every
 * thread; host code reads and writes them through {@link org.bpf4j.vm.map.BpfMap}'s copying API.
 */
package org.bpf4j.vm.map;
