package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.sys.Fd;

/**
 * An object loaded into the kernel: its maps, the programs the kernel accepted, the ones it
 * refused with why, and its BTF. Owns every descriptor: {@link #close()} releases them all
 * (programs first, then maps, then BTF). Not thread-safe for closing; the maps and programs are.
 */
public final class KernelObject implements AutoCloseable {
    private final String name;
    private final Map<String, KernelMap> maps;
    private final List<Outcome> outcomes;
    private final Optional<Fd> btf;
    private final List<String> warnings;
    private final List<PinnedMap> pinnedMaps;
    private final Map<String, KernelStructOps> structOps;

    /**
     * A map declared as pinned by name, and where it is pinned.
     *
     * @param map the map's name in the object
     * @param path its pin in a bpf file system
     * @param reused whether a map already pinned there was reused (otherwise this load created and pinned it)
     */
    public record PinnedMap(String map, java.nio.file.Path path, boolean reused) {
    }

    /** What happened to one program. */
    public sealed interface Outcome {
        /** The program's name. */
        String name();

        /** The kernel accepted the program. */
        record Loaded(String name, KernelProgram program) implements Outcome {
        }

        /** The program was not loaded: the verifier refused it, or it could not be prepared. */
        record Rejected(String name, Bpf4jException error) implements Outcome {
        }
    }

    KernelObject(String name, Map<String, KernelMap> maps, List<Outcome> outcomes, Optional<Fd> btf,
            List<String> warnings, List<PinnedMap> pinnedMaps, Map<String, KernelStructOps> structOps) {
        this.name = Objects.requireNonNull(name, "name");
        this.maps = Collections.unmodifiableMap(new LinkedHashMap<>(maps));
        this.outcomes = List.copyOf(outcomes);
        this.btf = btf;
        this.warnings = List.copyOf(warnings);
        this.pinnedMaps = List.copyOf(pinnedMaps);
        this.structOps = Collections.unmodifiableMap(new LinkedHashMap<>(structOps));
    }

    /**
     * The struct_ops maps by variable name, created and filled, not yet registered (see
     * {@link org.bpf4j.linux.link.Attacher#structOps}).
     */
    public Map<String, KernelStructOps> structOps() {
        return structOps;
    }

    /**
     * The maps pinned by name ({@code pinning = LIBBPF_PIN_BY_NAME}): created and pinned by this
     * load, or reused from an earlier pin. The pins outlive {@link #close()}; remove them to free the maps.
     */
    public List<PinnedMap> pinnedMaps() {
        return pinnedMaps;
    }

    /** The object's name. */
    public String name() {
        return name;
    }

    /** The maps by name, in the object's order. */
    public Map<String, KernelMap> maps() {
        return maps;
    }

    /** The map with a name. */
    public Optional<KernelMap> map(String mapName) {
        return Optional.ofNullable(maps.get(mapName));
    }

    /** What happened to each program asked for, in the object's order. */
    public List<Outcome> outcomes() {
        return outcomes;
    }

    /** The loaded programs by name. */
    public Map<String, KernelProgram> programs() {
        Map<String, KernelProgram> out = new LinkedHashMap<>();
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Loaded l) {
                out.put(l.name(), l.program());
            }
        }
        return out;
    }

    /** The loaded program with a name. */
    public Optional<KernelProgram> program(String programName) {
        return Optional.ofNullable(programs().get(programName));
    }

    /** The programs that were not loaded, with why. */
    public List<Outcome.Rejected> rejected() {
        List<Outcome.Rejected> out = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Rejected r) {
                out.add(r);
            }
        }
        return out;
    }

    /** Whether the object's BTF was loaded. */
    public boolean hasBtf() {
        return btf.isPresent();
    }

    /** Things the loader worked around (BTF refused and dropped, ...). */
    public List<String> warnings() {
        return warnings;
    }

    /** Closes every struct_ops map, program, map and the BTF; later calls do nothing. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (KernelStructOps o : structOps.values()) {
            try {
                o.close();
            } catch (RuntimeException e) {
                first = e;
            }
        }
        for (Outcome o : outcomes) {
            if (o instanceof Outcome.Loaded l) {
                try {
                    l.program().close();
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
        }
        for (KernelMap m : maps.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (btf.isPresent()) {
            try {
                btf.get().close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
