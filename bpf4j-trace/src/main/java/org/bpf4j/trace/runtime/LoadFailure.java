package org.bpf4j.trace.runtime;

import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.sys.Errno;

/**
 * The kernel refused a script's program, reported in current bpftrace's words for {@code -v}:
 * "Error loading BPF program for NAME. Error code: -ERRNO (strerror).", the kernel's log, and a
 * warning when the log looks cut (the load failed with ENOSPC, or the log lacks the verifier's
 * closing "processed N insns" line): the log buffer ({@code log_size}) is too small. Immutable.
 */
public final class LoadFailure extends org.bpf4j.Bpf4jException {
    private LoadFailure(String message, VerifierException cause) {
        super(message, cause);
    }

    /** The failure of the program bpftrace names {@code name}, refused as {@code e} with a log of {@code logSize} bytes. */
    static LoadFailure of(String name, VerifierException e, int logSize) {
        StringBuilder m = new StringBuilder();
        m.append("Error loading BPF program for ").append(name).append(". Error code: -").append(e.errno())
                .append(" (").append(Errno.message(e.errno())).append(").\n");
        m.append("Kernel error log: \n").append(e.log()).append('\n');
        if (e.errno() == Errno.ENOSPC || !(e.log().contains("processed") && e.log().contains("insns"))) {
            m.append("WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try "
                    + "increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of ")
                    .append(logSize).append(" bytes. Or, add the configuration `config = { log_size = N; }` to the "
                    + "script.");
        }
        return new LoadFailure(m.toString().stripTrailing(), e);
    }
}
