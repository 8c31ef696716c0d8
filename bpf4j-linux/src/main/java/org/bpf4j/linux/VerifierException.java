package org.bpf4j.linux;

import java.util.List;
import java.util.Objects;

/**
 * The kernel refused to load a program (or BTF): the errno, a one-line summary (the decisive line
 * of the verifier's log, as a person reads it first) and the full log. Immutable.
 */
public final class VerifierException extends KernelException {
    private final String program;
    private final String summary;
    private final String log;

    /**
     * An exception for a refused load.
     *
     * @param syscall the call, {@code bpf(BPF_PROG_LOAD)} or {@code bpf(BPF_BTF_LOAD)}
     * @param errno the errno
     * @param program the program's name (or {@code BTF})
     * @param log the kernel's log, possibly empty
     */
    public VerifierException(String syscall, int errno, String program, String log) {
        this(syscall, errno, program, log, summarize(log));
    }

    private VerifierException(String syscall, int errno, String program, String log, String summary) {
        super(syscall, errno, program + ": " + (summary.isEmpty() ? "refused" : summary) + " ("
                + org.bpf4j.linux.sys.Errno.name(errno) + ")", true);
        this.program = Objects.requireNonNull(program, "program");
        this.summary = summary;
        this.log = Objects.requireNonNull(log, "log");
    }

    /** The program's name. */
    public String program() {
        return program;
    }

    /** The decisive line of the log, empty if the kernel wrote none. */
    public String summary() {
        return summary;
    }

    /** The kernel's full log. */
    public String log() {
        return log;
    }

    private static final List<String> NOISE = List.of("processed ", "verification time", "stack depth ",
            "-- END PROG LOAD LOG --", "mark_precise", "max_states_per_insn");

    /**
     * The decisive line of a verifier log: the last line that is not a statistic, an instruction
     * trace or a register state dump.
     */
    public static String summarize(String log) {
        String[] lines = log.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            String l = lines[i].strip();
            if (l.isEmpty() || NOISE.stream().anyMatch(l::startsWith) || l.matches("^\\d+: .*")
                    || l.matches("^; .*") || l.matches("^(from \\d+ to \\d+|R\\d+(_[a-z]+)?=).*")) {
                continue;
            }
            return l;
        }
        return "";
    }
}
