package org.bpf4j.trace.ast;

import java.util.List;
import java.util.Optional;

/**
 * A whole script: its probes in order, and the C preprocessor lines it carries.
 *
 * @param directives the {@code #include}/{@code #define} lines as written
 * @param probes the probes
 * @param maps the top-level map declarations ({@code let @m = lruhash(N);})
 * @param config the entries of the top-level {@code config = { ... }} block
 * @param functions the functions of the BPF C it imports ({@code import "lib.bpf.c";})
 * @param subprogs the script's own functions ({@code fn f($a: int64): int64 { ... }}), in the order written
 */
public record Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config,
        List<CFunction> functions, List<Subprog> subprogs) {
    public Program {
        directives = List.copyOf(directives);
        probes = List.copyOf(probes);
        maps = List.copyOf(maps);
        config = List.copyOf(config);
        functions = List.copyOf(functions);
        subprogs = List.copyOf(subprogs);
    }

    /** A program without functions of its own. */
    public Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config,
            List<CFunction> functions) {
        this(directives, probes, maps, config, functions, List.of());
    }

    /** A program that imports no C. */
    public Program(List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config) {
        this(directives, probes, maps, config, List.of());
    }

    /** This program with other probes (the rest kept). */
    public Program withProbes(List<Probe> other) {
        return new Program(directives, other, maps, config, functions, subprogs);
    }

    /** This program with other functions of its own (the rest kept). */
    public Program withSubprogs(List<Subprog> other) {
        return new Program(directives, probes, maps, config, functions, other);
    }

    /** The script's function of this name, if there is one. */
    public Optional<Subprog> subprog(String name) {
        return subprogs.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** The imported C function of this name, if there is one. */
    public Optional<CFunction> function(String name) {
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
