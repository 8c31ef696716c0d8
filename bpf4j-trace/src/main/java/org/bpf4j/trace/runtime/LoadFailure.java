package org.bpf4j.trace.runtime;

import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.sys.Errno;

/**
 * The kernel refused a script's program, reported in current bpftrace's words: a helper the
 * program type may not call ("helper NAME not allowed in probe"), a helper's result used before a
 * null check, a stack too large (with the {@code on_stack_limit} advice), a refusal without a
 * verifier log as "Unknown BPF object load failure. ...", else "Error loading BPF
 * program for NAME. Error code: -ERRNO (strerror)." followed, with {@code -v}, by the kernel's log
 * and a warning when the log looks cut (the load failed with ENOSPC, or the log lacks the
 * verifier's closing "processed N insns" line: the log buffer, {@code log_size}, is too small),
 * without {@code -v} by "Use -v for full kernel error log.". Immutable.
 */
public final class LoadFailure extends Bpf4jException {
    /** Current bpftrace's message for a refusal without a verifier log. */
    static final String UNKNOWN = "Unknown BPF object load failure. Try using the \"-d libbpf\" option to see the full "
            + "loading log.";

    private LoadFailure(String message, VerifierException cause) {
        super(message, cause);
    }

    /**
     * The failure of the program bpftrace names {@code name}, refused as {@code e}; with
     * {@code verbose} ({@code -v}) the kernel's log, read into a buffer of {@code logSize} bytes.
     */
    static LoadFailure of(String name, VerifierException e, boolean verbose, int logSize) {
        String log = e.log();
        // the refusals current bpftrace recognizes in the log, whatever -v says
        String known = helperProblem(log, "helper call is not allowed in probe", " not allowed in probe");
        if (known == null) {
            known = helperProblem(log, "program of this type cannot use helper", " not allowed in probe");
        }
        if (known == null) {
            known = helperProblem(log, "pointer arithmetic on ptr_or_null_ prohibited, null-check it first",
                    ": result needs to be null-checked before accessing fields");
        }
        if (known == null && inOrder(log, "stack size", "Too large")) {
            known = "Stack size is too large. Trying moving some scratch variables into maps or try setting a lower "
                    + "on_stack_limit (e.g. `config = { on_stack_limit=16 }`)";
        }
        if (known != null) {
            return new LoadFailure(known, e);
        }
        if (log.isBlank() && e.errno() != Errno.ENOSPC) {
            // refused before the verifier ran (lockdown's EPERM): current bpftrace reports only the
            // programs with a log, and without one this, in its words (ENOSPC is a log cut short by
            // its buffer, BPFTRACE_LOG_SIZE=2: reported below with the advice to enlarge it)
            return new LoadFailure(UNKNOWN, e);
        }
        StringBuilder m = new StringBuilder();
        m.append("Error loading BPF program for ").append(name).append(". Error code: -").append(e.errno())
                .append(" (").append(Errno.message(e.errno())).append(").");
        if (!verbose) {
            m.append(" Use -v for full kernel error log.");
            return new LoadFailure(m.toString(), e);
        }
        m.append('\n').append("Kernel error log: \n").append(log).append('\n');
        if (e.errno() == Errno.ENOSPC || !inOrder(log, "processed", "insns")) {
            m.append("WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try "
                    + "increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of ")
                    .append(logSize).append(" bytes. Or, add the configuration `config = { log_size = N; }` to the "
                    + "script.");
        }
        return new LoadFailure(m.toString().stripTrailing(), e);
    }

    /**
     * "helper NAME" and {@code suffix} when the log has {@code pattern} after a line
     * {@code N: (85) call NAME#ID} (the helper call it refuses), as current bpftrace reads the log;
     * else null.
     */
    static String helperProblem(String log, String pattern, String suffix) {
        int at = log.indexOf(pattern);
        if (at < 0) {
            return null;
        }
        int call = log.lastIndexOf(" call ", at);
        if (call < 0) {
            return null;
        }
        int begin = call + " call ".length();
        int hash = log.indexOf('#', begin);
        if (hash < 0 || log.indexOf('\n', hash + 1) < 0) {
            return null;
        }
        return "helper " + log.substring(begin, hash) + suffix;
    }

    /** Whether {@code text} holds {@code first} and, after it, {@code second}. */
    private static boolean inOrder(String text, String first, String second) {
        int i = text.indexOf(first);
        return i >= 0 && text.indexOf(second, i + first.length()) >= 0;
    }
}
