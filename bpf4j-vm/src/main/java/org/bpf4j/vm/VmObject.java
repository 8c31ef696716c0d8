package org.bpf4j.vm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.bpf4j.Bpf4jException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Instruction;
import org.bpf4j.object.CoreRelocator;
import org.bpf4j.object.ExternReference;
import org.bpf4j.object.MapReference;
import org.bpf4j.object.MapSlot;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.MapException;
import org.bpf4j.vm.map.ProgArrayMap;

/**
 * An object file loaded into the VM: its maps created (global data as single-element arrays holding
 * the section's bytes, {@code lddw} of a map value pointing into them), its programs loaded against
 * those maps, and program arrays filled from their initializers. Programs and maps are found by name.
 *
 * <p>A program the VM cannot load (a helper it lacks, a map type it does not implement, a defect
 * of the object) does not stop the others: {@link #program(String)} throws the reason for it, and
 * {@link #failures()} lists them all. Maps of a type the VM lacks are left out the same way
 * ({@link #mapFailures()}).
 *
 * <p>CO-RE relocations resolve against the VM's target BTF ({@link VmTargetBtf}: its context
 * structs and UAPI enums, then the object's own definitions of names the VM lacks), so
 * {@code struct xdp_md___local} finds the VM's {@code struct xdp_md} and
 * {@code enum xdp_action___local} its {@code enum xdp_action}. The object owns its maps: close it to release them. Thread-safe
 * after loading.
 */
public final class VmObject implements AutoCloseable {
    /**
     * A program of the object, loaded.
     *
     * @param spec    the program as the object file describes it
     * @param program the program loaded into the VM
     */
    public record Program(ProgramSpec spec, VmProgram program) {
        /** The program's name (its function symbol). */
        public String name() {
            return spec.name();
        }

        /** The program type the section name gives ({@link ProgramType#UNSPEC} when none does). */
        public ProgramType type() {
            return spec.programType().orElse(ProgramType.UNSPEC);
        }

        /** The expected attach type the section name gives. */
        public Optional<AttachType> attachType() {
            return spec.expectedAttachType();
        }
    }

    private final ObjectSpec spec;
    private final Map<String, BpfMap> maps;
    private final Map<String, String> mapFailures;
    private final Map<String, Program> programs;
    private final Map<String, RuntimeException> failures;

    private VmObject(ObjectSpec spec, Map<String, BpfMap> maps, Map<String, String> mapFailures,
            Map<String, Program> programs, Map<String, RuntimeException> failures) {
        this.spec = spec;
        this.maps = Collections.unmodifiableMap(maps);
        this.mapFailures = Collections.unmodifiableMap(mapFailures);
        this.programs = Collections.unmodifiableMap(programs);
        this.failures = Collections.unmodifiableMap(failures);
    }

    /** Loads every map and program of {@code spec} with {@code options}. */
    public static VmObject load(ObjectSpec spec, VmOptions options) {
        return load(spec, options, Map.of());
    }

    /**
     * Loads every map and program of {@code spec} with {@code options}, with the host's initial
     * values for global data maps ({@code .rodata}, {@code .data}, {@code .bss}, ... by map name) in
     * place of the section's bytes, as a libbpf skeleton sets them between open and load. After the
     * load, {@code .rodata} and {@code .kconfig} maps are frozen (the host cannot change them any
     * more) and read-only for programs (a store traps), as in the kernel.
     *
     * @throws IllegalArgumentException if a name is not a global data map of the object or a value
     *     does not have the map's value size
     */
    public static VmObject load(ObjectSpec spec, VmOptions options, Map<String, byte[]> initialData) {
        for (Map.Entry<String, byte[]> e : initialData.entrySet()) {
            MapSpec m = spec.maps().stream().filter(x -> x.name().equals(e.getKey()) && x.isGlobalData()).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(spec.name() + ": no global data map '" + e.getKey()
                            + "'; the global data maps are " + String.join(", ", spec.maps().stream()
                                    .filter(MapSpec::isGlobalData).map(MapSpec::name).toList())));
            if (e.getValue().length != m.valueSize()) {
                throw new IllegalArgumentException(spec.name() + ": initial value of '" + e.getKey() + "' has "
                        + e.getValue().length + " bytes; the section has " + m.valueSize());
            }
        }
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        Map<String, String> mapFailures = new LinkedHashMap<>();
        List<BpfMap> byIndex = new ArrayList<>();
        try {
            for (MapSpec m : spec.maps()) {
                BpfMap map = null;
                try {
                    map = create(m, spec.btf().orElse(null), initialData.get(m.name()));
                    maps.put(m.name(), map);
                } catch (MapException | UnsupportedFeatureException | IllegalArgumentException e) {
                    mapFailures.put(m.name(), e.getMessage());
                }
                byIndex.add(map);
            }
            Map<String, Program> programs = new LinkedHashMap<>();
            Map<String, RuntimeException> failures = new LinkedHashMap<>();
            for (ProgramSpec p : spec.programs()) {
                try {
                    programs.put(p.name(), new Program(p, loadProgram(spec, p, byIndex, mapFailures, options)));
                } catch (Bpf4jException e) {
                    failures.put(p.name(), e);
                }
            }
            for (MapSpec m : spec.maps()) {
                if (maps.get(m.name()) instanceof ProgArrayMap pa) {
                    for (MapSlot slot : m.initialSlots()) {
                        Program target = programs.get(slot.target());
                        if (target != null) {
                            pa.set(slot.index(), target.program());
                        }
                    }
                }
                if (maps.get(m.name()) instanceof org.bpf4j.vm.map.MapOfMaps outer) {
                    for (MapSlot slot : m.initialSlots()) {
                        BpfMap inner = maps.get(slot.target());
                        if (inner != null) {
                            byte[] key = new byte[m.keySize()];
                            for (int i = 0; i < Math.min(4, key.length); i++) {
                                key[i] = (byte) (slot.index() >>> (8 * i));
                            }
                            outer.set(key, inner, BpfMap.ANY);
                        }
                    }
                }
            }
            return new VmObject(spec, maps, mapFailures, programs, failures);
        } catch (RuntimeException e) {
            for (BpfMap m : maps.values()) {
                m.close();
            }
            throw e;
        }
    }

    /** Loads with {@link VmOptions#defaults()}. */
    public static VmObject load(ObjectSpec spec) {
        return load(spec, VmOptions.defaults());
    }

    private static BpfMap create(MapSpec m, org.bpf4j.object.btf.Btf btf, byte[] initial) {
        MapType type = m.mapType().orElseThrow(() -> new UnsupportedFeatureException("map " + m.name()
                + ": map type " + m.type() + " is unknown"));
        MapDefinition d = definition(m, type);
        if (btf != null && m.btfValueTypeId() > 0) {
            // Where the value's bpf_spin_lock and bpf_timer are, as the kernel finds them in the value's BTF.
            int lock = btf.offsetOfStruct(m.btfValueTypeId(), "bpf_spin_lock");
            int timer = btf.offsetOfStruct(m.btfValueTypeId(), "bpf_timer");
            d = lock >= 0 ? d.withSpinLock(lock) : d;
            d = timer >= 0 ? d.withTimer(timer) : d;
        }
        BpfMap map = BpfMap.create(d);
        if (m.isGlobalData() || m.contents().size() > 0) {
            byte[] value = new byte[m.valueSize()];
            byte[] contents = initial != null ? initial : m.contents().toArray();
            System.arraycopy(contents, 0, value, 0, Math.min(contents.length, value.length));
            map.put(new byte[m.keySize()], value, BpfMap.ANY);
        }
        if (m.frozen()) {
            map.freeze();
        }
        return map;
    }

    /** The VM's definition of a map spec, with the inner map template of a map of maps. */
    private static MapDefinition definition(MapSpec m, MapType type) {
        MapDefinition d = new MapDefinition(m.name(), type, m.keySize(), m.valueSize(), m.maxEntries(), m.flags(),
                m.mapExtra());
        if (m.innerMap().isPresent()) {
            MapSpec inner = m.innerMap().get();
            MapType innerType = inner.mapType().orElseThrow(() -> new UnsupportedFeatureException("map " + m.name()
                    + ": inner map type " + inner.type() + " is unknown"));
            d = d.withInnerMap(definition(inner, innerType));
        }
        return d;
    }

    private static VmProgram loadProgram(ObjectSpec spec, ProgramSpec p, List<BpfMap> byIndex,
            Map<String, String> mapFailures, VmOptions options) {
        ProgramSpec linked = loadedForm(spec, p);
        for (MapReference r : linked.mapReferences()) {
            if (r.mapIndex() < 0 || r.mapIndex() >= byIndex.size() || byIndex.get(r.mapIndex()) == null) {
                throw new UnsupportedFeatureException("program '" + p.name() + "' (section '" + p.sectionName()
                        + "'): instruction " + r.slot() + " refers to map '" + r.mapName() + "', which the VM could not "
                        + "create: " + mapFailures.getOrDefault(r.mapName(), "no such map"));
            }
        }
        linked.externReferences().stream().min(Comparator.comparingInt(ExternReference::slot))
                .ifPresent(x -> {
                    String msg = "instruction " + x.slot() + ": " + kernelSymbolUse(linked, x) + ", a __ksym extern "
                            + "the VM cannot provide: it has no kernel";
                    throw new UnsupportedFeatureException("program '" + p.name() + "' (section '" + p.sectionName()
                            + "'): " + msg + lineOf(linked, msg));
                });
        // Maps the VM could not create are never referenced (checked above): their positions hold
        // another map so that the list has no holes.
        BpfMap filler = byIndex.stream().filter(m -> m != null).findFirst().orElse(null);
        List<BpfMap> maps = new ArrayList<>(byIndex.size());
        if (filler != null) {
            for (BpfMap m : byIndex) {
                maps.add(m != null ? m : filler);
            }
        }
        try {
            return VmProgram.load(p.name(), linked.code(), maps, options);
        } catch (UnsupportedFeatureException e) {
            throw new UnsupportedFeatureException("program '" + p.name() + "' (section '" + p.sectionName() + "'): "
                    + e.getMessage() + lineOf(linked, e.getMessage()));
        }
    }

    /**
     * A program of {@code spec} as the VM loads it: linked with its subprograms and, when it has
     * CO-RE relocations, relocated against the VM's target BTF ({@link VmTargetBtf#coreTarget}).
     * Its code is the {@link VmProgram#code()} of the program {@link #load} loads, so that a
     * verifier can check (and give facts about) exactly the code that runs.
     *
     * @throws Bpf4jException if the program cannot be linked or relocated
     */
    public static ProgramSpec loadedForm(ObjectSpec spec, ProgramSpec p) {
        ProgramSpec linked = p.requireLinked();
        if (!linked.coreRelocations().isEmpty()) {
            linked = CoreRelocator.relocate(spec, linked, coreTarget(spec)).program();
        }
        return linked;
    }

    /** The BTF that CO-RE relocations resolve against in the VM: {@link VmTargetBtf#coreTarget}. */
    private static Btf coreTarget(ObjectSpec spec) {
        Btf own = spec.btf().orElseThrow(() -> new UnsupportedFeatureException(spec.name()
                + ": CO-RE relocations without BTF"));
        return VmTargetBtf.coreTarget(own);
    }

    /** " (file.c:12: source)" for a message that starts with "instruction N:", when line info has it. */
    /** What the instruction of {@code x} does with its kernel symbol, for messages. */
    private static String kernelSymbolUse(ProgramSpec linked, ExternReference x) {
        if (x.kind() == ExternReference.Kind.VARIABLE) {
            return "loads the address of kernel variable '" + x.name() + "'";
        }
        return linked.code().atSlot(x.slot()) instanceof Instruction.Call
                ? "calls kernel function '" + x.name() + "' (a kfunc)"
                : "loads the address of kernel function '" + x.name() + "'";
    }

    private static String lineOf(ProgramSpec p, String message) {
        if (message == null || !message.startsWith("instruction ")) {
            return "";
        }
        int colon = message.indexOf(':');
        try {
            int slot = Integer.parseInt(message.substring(12, colon));
            return p.lineAt(slot).map(l -> " (" + l.fileName() + ":" + l.line() + ": " + l.sourceLine().strip() + ")")
                    .orElse("");
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The object as parsed. */
    public ObjectSpec spec() {
        return spec;
    }

    /** The loaded programs by name, in the object's order. */
    public Map<String, Program> programs() {
        return programs;
    }

    /** Why each program that could not be loaded was refused, by name. */
    public Map<String, RuntimeException> failures() {
        return failures;
    }

    /**
     * The program with this name.
     *
     * @throws NoSuchElementException if the object has no such program
     * @throws Bpf4jException         the reason the VM could not load it
     */
    public Program program(String name) {
        Program p = programs.get(name);
        if (p != null) {
            return p;
        }
        RuntimeException e = failures.get(name);
        if (e != null) {
            throw e;
        }
        throw new NoSuchElementException(spec.name() + ": no program '" + name + "'; the programs are "
                + String.join(", ", spec.programs().stream().map(ProgramSpec::name).toList()));
    }

    /** The maps the VM created, by name, in the object's order. */
    public Map<String, BpfMap> maps() {
        return maps;
    }

    /** Why each map the VM could not create was left out, by name. */
    public Map<String, String> mapFailures() {
        return mapFailures;
    }

    /**
     * The map with this name.
     *
     * @throws NoSuchElementException if the VM has no such map (the message says why)
     */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            throw new NoSuchElementException(spec.name() + ": " + (mapFailures.containsKey(name)
                    ? "map '" + name + "' was not created: " + mapFailures.get(name) : "no map '" + name + "'"));
        }
        return m;
    }

    /** Closes every map. */
    @Override
    public void close() {
        for (BpfMap m : maps.values()) {
            m.close();
        }
    }
}
