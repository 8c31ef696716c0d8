package org.bpf4j.vm.run;

import java.util.Optional;

/**
 * What a test run gives back, as {@code BPF_PROG_TEST_RUN} does.
 *
 * @param retval        R0 of the last run as the kernel reports it: the low 32 bits, unsigned
 * @param data          {@code data_out}: the packet after the runs
 * @param context       {@code ctx_out}: the context after the runs, when a context was given
 * @param durationNanos {@code duration}: the mean time of one run in nanoseconds
 * @param redirect      where the last run redirected the packet ({@code bpf_redirect},
 *                      {@code bpf_redirect_map}), if it did
 */
public record TestRunResult(long retval, byte[] data, Optional<byte[]> context, long durationNanos,
        Optional<org.bpf4j.vm.PacketContext.Redirect> redirect) {
    /** Copies the arrays. */
    public TestRunResult {
        data = data.clone();
        context = context.map(byte[]::clone);
    }

    /** {@code data_out} (a copy). */
    @Override
    public byte[] data() {
        return data.clone();
    }
}
