package org.bpf4j.trace.ast;

import java.util.List;

/**
 * A whole script: its probes in order, and the C preprocessor lines it carries.
 *
 * @param directives the {@code #include}/{@code #define} lines as written
 * @param probes the probes
 */
public record Program(List<String> directives, List<Probe> probes) {
    public Program {
        directives = List.copyOf(directives);
        probes = List.copyOf(probes);
    }
}
