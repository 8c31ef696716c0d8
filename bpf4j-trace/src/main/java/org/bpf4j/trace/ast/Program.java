package org.bpf4j.trace.ast;

import java.util.List;

/**
 * A whole script: its probes in order, and the C preprocessor lines it carries.
 *
 * @param directives the {@code #include}/{@code #define} lines as written
 * @param probes the probes
 * @param maps the top-level map declarations ({@code let @m = lruhash(N);})
 * @param config the entries of the top-level {@code config = { ... }} block
 */
public record Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config) {
    public Program {
        directives = List.copyOf(directives);
        probes = List.copyOf(probes);
        maps = List.copyOf(maps);
        config = List.copyOf(config);
    }

    /** A program without a config block. */
    public Program(List<String> directives, List<Probe> probes, List<MapDecl> maps) {
        this(directives, probes, maps, List.of());
    }

    /** A program without map declarations. */
    public Program(List<String> directives, List<Probe> probes) {
        this(directives, probes, List.of());
    }
}
