/**
 * {@code BPF_PROG_TEST_RUN} on the VM: {@link org.bpf4j.vm.run.TestRun} runs a program over a packet
 * and a context built as the kernel's test run builds them, and gives back retval, data_out,
 * ctx_out and the mean duration ({@link org.bpf4j.vm.run.TestRunResult}); input the kernel would
 * refuse gives a {@link org.bpf4j.vm.run.TestRunException} with its errno.
 */
package org.bpf4j.vm.run;
