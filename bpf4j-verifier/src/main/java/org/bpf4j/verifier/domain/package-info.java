/**
 * The abstract domains: {@link org.bpf4j.verifier.domain.Tnum} (known bits),
 * {@link org.bpf4j.verifier.domain.ScalarRange} (tnum plus signed/unsigned 64/32-bit bounds with
 * the kernel's deductions), arithmetic and comparisons on them, register values
 * ({@link org.bpf4j.verifier.domain.RegState}), stack frames, whole states and their comparison
 * for pruning. Each operation carries its soundness argument in its documentation.
 */
package org.bpf4j.verifier.domain;
