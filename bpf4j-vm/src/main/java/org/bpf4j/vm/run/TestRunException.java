package org.bpf4j.vm.run;

import org.bpf4j.Bpf4jException;

/**
 * A test run refused its input as the kernel's {@code BPF_PROG_TEST_RUN} would, with the error
 * number the kernel returns ({@code EINVAL} for a context field that may not be set, a packet
 * shorter than an Ethernet header, ...).
 */
public final class TestRunException extends Bpf4jException {
    private final int errno;

    /** A refusal with a positive error number and a message saying what to change. */
    public TestRunException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The positive error number the kernel returns for the same input. */
    public int errno() {
        return errno;
    }
}
