/**
 * The eBPF verifier: {@link org.bpf4j.verifier.Verifier#verify} takes a
 * {@link org.bpf4j.verifier.VerifierInput} (code, program type, maps) and returns a
 * {@link org.bpf4j.verifier.VerificationResult}, accepted or rejected with the instruction, a
 * message in the Linux verifier's wording, the abstract state there and the branch path.
 *
 * <p>The rules are those of the Linux 6.12 verifier for a privileged loader (CAP_BPF, CAP_PERFMON,
 * CAP_NET_ADMIN). Stages: {@code cfg} (structure and liveness), {@code domain} (tnum, ranges,
 * register and stack values, state comparison), {@code engine} (exploration and the transfer
 * function of each instruction kind, helper and context checks). The verifier makes no system
 * calls and does not depend on the VM.
 */
package org.bpf4j.verifier;
