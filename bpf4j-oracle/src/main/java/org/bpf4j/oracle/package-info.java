/**
 * The kernel as bpf4j's oracle: a seeded generator of random eBPF programs ({@link
 * org.bpf4j.oracle.ProgramGenerator}), runners that execute them in the kernel through {@code
 * BPF_PROG_TEST_RUN} and on the VM's interpreter and JIT in the same surroundings ({@link
 * org.bpf4j.oracle.Fixture}), and campaigns ({@link org.bpf4j.oracle.Campaign}) that compare the
 * runs, compare bpf4j's verifier verdicts with the kernel's, and check that what bpf4j's verifier
 * accepts never traps on the VM. Differences are minimized ({@link org.bpf4j.oracle.Minimizer}).
 */
package org.bpf4j.oracle;
