package org.bpf4j.object;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.btf.Btf;

/**
 * Everything an eBPF object file defines, as immutable data: programs (linked), maps (BTF,
 * legacy and global data), the BTF, the license, the kernel version and the externs a loader must
 * provide. Loads into any backend; parsing the same bytes twice gives equal specs. Thread-safe.
 *
 * @param name the object's name, usually the file name
 * @param programs the programs, in section order then offset order
 * @param maps the maps; {@link MapReference#mapIndex()} indexes this list
 * @param btf the object's BTF, if it has a {@code .BTF} section
 * @param license the {@code license} section's string, empty if absent
 * @param kernelVersion the {@code version} section's value, 0 if absent
 * @param externs the externs the programs use ({@code .kconfig} values, kernel symbols and functions)
 * @param warnings damaged parts the parse ignored as libbpf ignores them (a malformed {@code .BTF}
 *     that nothing needs, a malformed {@code .BTF.ext}, an unusable symbol table), one sentence each
 * @param structOps the struct_ops variables ({@code .struct_ops}, {@code .struct_ops.link}), which
 *     the kernel backend creates as struct_ops maps; not in {@link #maps()}
 */
public record ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, Optional<Btf> btf,
        String license, int kernelVersion, List<ExternSpec> externs, List<String> warnings,
        List<StructOpsSpec> structOps) {

    /** A spec without struct_ops variables. */
    public ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, Optional<Btf> btf, String license,
            int kernelVersion, List<ExternSpec> externs, List<String> warnings) {
        this(name, programs, maps, btf, license, kernelVersion, externs, warnings, List.of());
    }

    /** A spec without warnings, as a compiler that writes its own specs makes them. */
    public ObjectSpec(String name, List<ProgramSpec> programs, List<MapSpec> maps, Optional<Btf> btf, String license,
            int kernelVersion, List<ExternSpec> externs) {
        this(name, programs, maps, btf, license, kernelVersion, externs, List.of());
    }

    /** Checks and copies the components. */
    public ObjectSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(btf, "btf");
        Objects.requireNonNull(license, "license");
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
        externs = List.copyOf(externs);
        warnings = List.copyOf(warnings);
        structOps = List.copyOf(structOps);
    }

    /** The first program with a function name. */
    public Optional<ProgramSpec> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    /**
     * The program named {@code programName}, checked with {@link ProgramSpec#requireLinked()}.
     *
     * @throws java.util.NoSuchElementException if there is no such program
     * @throws UnresolvedSymbolException if the program refers to an undefined symbol; the message
     *     starts with this object's name
     * @throws MalformedInputException if the program has a {@link ProgramSpec#defect()}; the
     *     message starts with this object's name
     */
    public ProgramSpec linkedProgram(String programName) {
        ProgramSpec p = program(programName).orElseThrow(() -> new java.util.NoSuchElementException(
                name + ": no program '" + programName + "'"));
        try {
            return p.requireLinked();
        } catch (UnresolvedSymbolException e) {
            throw new UnresolvedSymbolException(e.symbol(), name + ": " + e.getMessage());
        } catch (MalformedInputException e) {
            throw new MalformedInputException(name + ": " + e.getMessage());
        }
    }

    /** The map with a name. */
    public Optional<MapSpec> map(String mapName) {
        return maps.stream().filter(m -> m.name().equals(mapName)).findFirst();
    }

    /** The index of a map in {@link #maps()}, or -1. */
    public int mapIndex(String mapName) {
        for (int i = 0; i < maps.size(); i++) {
            if (maps.get(i).name().equals(mapName)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the license lets programs call GPL-only helpers, by the kernel's rule. */
    public boolean gplCompatible() {
        return Licenses.gplCompatible(license);
    }
}
