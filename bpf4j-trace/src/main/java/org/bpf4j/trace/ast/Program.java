package org.bpf4j.trace.ast;

import java.util.List;

/**
 * A whole script: its probes in order, and the C preprocessor lines it carries.
 *
 * @param directives the {@code #include}/{@code #define} lines as written
 * @param probes the probes
 * @param maps the top-level map declarations ({@code let @m = lruhash(N);})
 * @param config the entries of the top-level {@code config = { ... }} block
 * @param functions the functions of the BPF C it imports ({@code import "lib.bpf.c";})
 */
public record Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config,
        List<CFunction> functions) {
    public Program {
        directives = List.copyOf(directives);
        probes = List.copyOf(probes);
        maps = List.copyOf(maps);
        config = List.copyOf(config);
        functions = List.copyOf(functions);
    }

    /** A program that imports no C. */
    public Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config) {
        this(directives, probes, maps, config, List.of());
    }

    /** This program with other probes (the rest kept). */
    public Program withProbes(List<Probe> other) {
        return new Program(directives, other, maps, config, functions);
    }

    /** The imported C function of this name, if there is one. */
    public java.util.Optional<CFunction> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
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
