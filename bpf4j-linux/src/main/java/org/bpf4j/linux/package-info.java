/**
 * The Linux kernel backend: {@link org.bpf4j.linux.Kernel} creates maps
 * ({@link org.bpf4j.linux.KernelMap}), loads programs ({@link org.bpf4j.linux.KernelProgram}) and
 * whole objects ({@link org.bpf4j.linux.KernelObject}) through bpf(), and runs programs with
 * {@code BPF_PROG_TEST_RUN}. Failures are {@link org.bpf4j.linux.KernelException}s with the call
 * and errno; verifier refusals are {@link org.bpf4j.linux.VerifierException}s with the log.
 * The system calls themselves are in {@link org.bpf4j.linux.sys}; BTF preparation in
 * {@link org.bpf4j.linux.btf}. Only this module uses {@code java.lang.foreign}.
 */
package org.bpf4j.linux;
