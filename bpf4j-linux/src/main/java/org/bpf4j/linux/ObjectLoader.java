package org.bpf4j.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.Bpf4jException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.btf.BtfEncoder;
import org.bpf4j.linux.btf.BtfSanitizer;
import org.bpf4j.linux.btf.KfuncResolver;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.object.CoreRelocator;
import org.bpf4j.object.ExternReference;
import org.bpf4j.object.MapReference;
import org.bpf4j.object.MapSlot;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.StructOpsSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.spec.SectionFlag;

/**
 * The steps of loading an {@link ObjectSpec} into the kernel, in libbpf's order: {@code .kconfig}
 * values, BTF (sanitized, dropped with a warning if the kernel refuses it), maps (inner map
 * templates, initial contents, {@code .rodata} frozen), programs (CO-RE against the kernel's BTF,
 * map and extern references patched, func and line info, attach BTF ids), then program arrays
 * and maps of maps filled. One instance per load.
 */
final class ObjectLoader {
    private static final int BPF_F_SLEEPABLE = 1 << 4;
    private static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;
    private static final int LIBBPF_PIN_BY_NAME = 1;
    private static final int BPF_F_LINK = 1 << 13;
    private static final int BTF_KIND_STRUCT = 4;
    /** Helper ids from here on stand for calls of missing weak kfuncs (plus the slot). */
    private static final int MISSING_KFUNC_HELPER = 1_900_000_000;

    private final Kernel kernel;
    private final Bpf bpf;
    private final LoadOptions options;
    private ObjectSpec object;
    private final List<String> warnings = new ArrayList<>();
    private final Map<Integer, KernelMap> maps = new LinkedHashMap<>();
    private Optional<Fd> btfFd = Optional.empty();
    private final List<KernelObject.PinnedMap> pinned = new ArrayList<>();
    private final Map<String, KernelStructOps> structOps = new LinkedHashMap<>();
    private BtfEncoder.Encoded encoded;
    /** The calls of missing weak kfuncs in the program being loaded, by the helper id standing for each. */
    private final Map<Integer, ExternReference> missingWeakCalls = new HashMap<>();

    ObjectLoader(Kernel kernel, ObjectSpec object, LoadOptions options) {
        this.kernel = kernel;
        this.bpf = kernel.bpf();
        this.object = object;
        this.options = options;
    }

    KernelObject load() {
        List<KernelObject.Outcome> outcomes = new ArrayList<>();
        try {
            fillKconfig();
            loadBtf();
            createMaps();
            for (ProgramSpec p : object.programs()) {
                if (!options.programs().isEmpty() && !options.programs().contains(p.name())) {
                    continue;
                }
                if (p.sectionName().startsWith("?") && !options.programs().contains(p.name())) {
                    // as libbpf: a program in SEC("?...") is loaded only when asked for
                    continue;
                }
                if (p.programType().orElse(null) == ProgramType.STRUCT_OPS && !options.types().containsKey(p.name())
                        && object.structOps().stream().noneMatch(o -> o.functions().containsValue(p.name()))) {
                    // As libbpf: a struct_ops program no struct_ops variable uses is not loaded.
                    warnings.add("program '" + p.name() + "' is not used by any struct_ops variable; not loaded");
                    continue;
                }
                try {
                    outcomes.add(new KernelObject.Outcome.Loaded(p.name(), loadProgram(p)));
                } catch (Bpf4jException e) {
                    outcomes.add(new KernelObject.Outcome.Rejected(p.name(), e));
                }
            }
            fillSlots(outcomes);
            createStructOps(outcomes);
        } catch (RuntimeException | Error e) {
            closeAll(outcomes);
            throw e;
        }
        Map<String, KernelMap> byName = new LinkedHashMap<>();
        maps.forEach((i, m) -> byName.put(object.maps().get(i).name(), m));
        return new KernelObject(object.name(), byName, outcomes, btfFd, warnings, pinned, structOps);
    }

    private void closeAll(List<KernelObject.Outcome> outcomes) {
        structOps.values().forEach(KernelStructOps::close);
        for (KernelObject.Outcome o : outcomes) {
            if (o instanceof KernelObject.Outcome.Loaded l) {
                l.program().close();
            }
        }
        maps.values().forEach(KernelMap::close);
        btfFd.ifPresent(Fd::close);
        // A failed load leaves no pins of its own behind (pins it reused stay).
        for (KernelObject.PinnedMap p : pinned) {
            if (!p.reused()) {
                try {
                    Files.deleteIfExists(p.path());
                } catch (IOException e) {
                    warnings.add("cannot remove the pin " + p.path() + ": " + e.getMessage());
                }
            }
        }
    }

    private void fillKconfig() {
        object = KernelRelease.withRunningKernelKconfig(object);
    }

    // ---- BTF

    private void loadBtf() {
        if (object.btf().isEmpty()) {
            return;
        }
        Btf btf = object.btf().get();
        Map<String, Long> sizes = new HashMap<>();
        for (MapSpec m : object.maps()) {
            if (m.isGlobalData()) {
                sizes.put(m.name(), (long) m.valueSize());
            }
        }
        Set<String> extra = new LinkedHashSet<>();
        for (ProgramSpec p : object.programs()) {
            for (LineInfo l : p.lineInfos()) {
                extra.add(l.fileName());
                extra.add(l.sourceLine());
            }
        }
        List<BtfType> types = BtfSanitizer.sanitize(btf, options.layout(), sizes);
        BtfEncoder.Encoded enc = BtfEncoder.encode(types, extra);
        try {
            btfFd = Optional.of(kernel.loadBtf(enc.bytes(), "BTF of " + object.name()));
            encoded = enc;
        } catch (KernelException e) {
            warnings.add("the kernel refused the object's BTF, loading without it: " + e.getMessage());
        }
    }

    // ---- maps

    private void createMaps() {
        List<MapSpec> specs = object.maps();
        // Maps of maps last, so that an inner map given by another map (legacy inner_id) exists.
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < specs.size(); i++) {
                MapSpec s = specs.get(i);
                boolean outer = s.mapType().map(MapType::mapOfMaps).orElse(false);
                if (outer == (pass == 1)) {
                    maps.put(i, createMap(s));
                }
            }
        }
        // Keep the object's order.
        Map<Integer, KernelMap> ordered = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            ordered.put(i, maps.get(i));
        }
        maps.clear();
        maps.putAll(ordered);
    }

    private Bpf.MapCreate attributes(MapSpec s, int innerFd, String name) {
        int key = s.keySize();
        int value = s.valueSize();
        int max = s.maxEntries();
        // Map types whose keys and values are not data the kernel can describe with BTF (fds, CPU
        // numbers, sockets, or no values at all) are created without BTF ids, as libbpf does.
        boolean noBtf = s.mapType().map(t -> switch (t) {
            case PERF_EVENT_ARRAY, CGROUP_ARRAY, STACK_TRACE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, DEVMAP_HASH, CPUMAP,
                XSKMAP, SOCKMAP, SOCKHASH, QUEUE, STACK, ARENA, RINGBUF, USER_RINGBUF -> true;
            default -> false;
        }).orElse(false);
        if (s.type() == MapType.PERF_EVENT_ARRAY.id()) {
            // Keys are CPU numbers and values perf event fds, whatever the definition says (as
            // libbpf and cilium/ebpf fix them); one slot per CPU when no size is given.
            key = 4;
            value = 4;
            max = max == 0 ? kernel.cpus() : max;
        } else if (s.origin() == MapSpec.Origin.LEGACY && max == 0) {
            // Legacy loaders size such maps at load time: Falco's gives them one entry per CPU.
            max = kernel.cpus();
        } else if (s.type() == MapType.RINGBUF.id() || s.type() == MapType.USER_RINGBUF.id()) {
            key = 0;
            value = 0;
        }
        boolean btf = !noBtf && btfFd.isPresent() && (s.btfKeyTypeId() != 0 || s.btfValueTypeId() != 0);
        return new Bpf.MapCreate(s.type(), key, value, max, s.flags(), innerFd, s.numaNode(), name, 0,
                btf ? btfFd.get().value() : 0, btf ? s.btfKeyTypeId() : 0, btf ? s.btfValueTypeId() : 0, 0,
                s.mapExtra());
    }

    private KernelMap createMap(MapSpec s) {
        if (s.type() == MapType.STRUCT_OPS.id()) {
            throw new UnsupportedFeatureException(object.name() + ": map '" + s.name()
                    + "': struct_ops maps are not supported by the kernel backend yet");
        }
        String name = s.isGlobalData() ? Names.globalData(object.name(), s.name()) : Names.object(s.name());
        KernelMap inner = null;
        int innerFd = 0;
        try {
            if (s.mapType().map(MapType::mapOfMaps).orElse(false)) {
                if (s.innerMap().isPresent()) {
                    inner = kernel.createMap(attributes(s.innerMap().get(), 0, Names.object(s.name() + ".inner"))
                            .withoutBtf());
                    innerFd = inner.fd();
                } else {
                    innerFd = legacyInner(s);
                }
            }
            Bpf.MapCreate attr = attributes(s, innerFd, name);
            Optional<Path> pin = pinPath(s);
            if (pin.isPresent() && Files.exists(pin.get())) {
                KernelMap reused = reusePinned(s, attr, pin.get());
                pinned.add(new KernelObject.PinnedMap(s.name(), pin.get(), true));
                return reused;
            }
            KernelMap m;
            try {
                m = kernel.createMap(attr);
            } catch (KernelException e) {
                if (attr.btfFd() == 0) {
                    throw new KernelException(e.syscall(), e.errno(), object.name() + ": creating map '" + s.name()
                            + "' (" + s.typeName() + ")");
                }
                warnings.add("map '" + s.name() + "': created without BTF (" + e.errnoName() + " with it)");
                try {
                    m = kernel.createMap(attr.withoutBtf());
                } catch (KernelException e2) {
                    throw new KernelException(e2.syscall(), e2.errno(), object.name() + ": creating map '"
                            + s.name() + "' (" + s.typeName() + ")");
                }
            }
            try {
                initialize(s, m);
                if (pin.isPresent()) {
                    m.pin(pin.get().toString());
                    pinned.add(new KernelObject.PinnedMap(s.name(), pin.get(), false));
                }
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        } finally {
            if (inner != null) {
                inner.close();
            }
        }
    }

    /**
     * Where a map declared {@code pinning = LIBBPF_PIN_BY_NAME} is pinned: the pin root and the
     * map's name. Legacy (iproute2) pinning modes are iproute2's business and are left alone.
     */
    private Optional<Path> pinPath(MapSpec s) {
        if (s.pinning() == 0 || s.origin() != MapSpec.Origin.BTF) {
            return Optional.empty();
        }
        if (s.pinning() != LIBBPF_PIN_BY_NAME) {
            warnings.add("map '" + s.name() + "': pinning mode " + s.pinning()
                    + " is not libbpf's (only 1, by name, is understood); the map is not pinned");
            return Optional.empty();
        }
        if (options.pinRoot().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(options.pinRoot().get().resolve(s.name()));
    }

    /**
     * Opens the map pinned at {@code path} and checks that it is what the object declares (type,
     * key and value sizes, max_entries, flags), as libbpf does before reusing a pinned map.
     */
    private KernelMap reusePinned(MapSpec s, Bpf.MapCreate attr, Path path) {
        KernelMap m;
        try {
            m = kernel.openPinnedMap(path.toString());
        } catch (KernelException e) {
            throw new KernelException(e.syscall(), e.errno(), object.name() + ": map '" + s.name()
                    + "': cannot open the map pinned at " + path);
        }
        List<String> diffs = new ArrayList<>();
        if (m.type() != attr.mapType()) {
            diffs.add("type " + typeName(m.type()) + ", declared " + typeName(attr.mapType()));
        }
        if (m.keySize() != attr.keySize()) {
            diffs.add("key size " + m.keySize() + ", declared " + attr.keySize());
        }
        if (m.valueSize() != attr.valueSize()) {
            diffs.add("value size " + m.valueSize() + ", declared " + attr.valueSize());
        }
        if (m.maxEntries() != attr.maxEntries()) {
            diffs.add("max_entries " + m.maxEntries() + ", declared " + attr.maxEntries());
        }
        if (m.flags() != attr.flags()) {
            diffs.add("flags 0x" + Integer.toHexString(m.flags()) + ", declared 0x" + Integer.toHexString(attr.flags()));
        }
        if (!diffs.isEmpty()) {
            m.close();
            throw new IncompatiblePinException(object.name() + ": map '" + s.name() + "': the map pinned at " + path
                    + " is incompatible (" + String.join("; ", diffs) + "); unpin it or change the pin root");
        }
        return m;
    }

    private static String typeName(int type) {
        return MapType.byId(type).map(MapType::kernelName).orElse(Integer.toString(type));
    }

    private int legacyInner(MapSpec s) {
        long innerId = s.legacyId() >>> 32;
        for (int i = 0; i < object.maps().size(); i++) {
            MapSpec o = object.maps().get(i);
            if (o != s && o.origin() == MapSpec.Origin.LEGACY && (o.legacyId() & 0xffffffffL) == innerId
                    && maps.containsKey(i)) {
                return maps.get(i).fd();
            }
        }
        throw new UnsupportedFeatureException(object.name() + ": map '" + s.name()
                + "' is a map of maps without an inner map template");
    }

    private void initialize(MapSpec s, KernelMap m) {
        if (s.isGlobalData() && !s.contents().isEmpty()) {
            byte[] value = new byte[m.transferValueSize()];
            byte[] c = s.contents().toArray();
            System.arraycopy(c, 0, value, 0, Math.min(c.length, value.length));
            m.update(new byte[4], value, KernelMap.ANY);
        }
        if (s.frozen()) {
            m.freeze();
        }
    }

    // ---- programs

    private ProgramType typeOf(ProgramSpec p) {
        ProgramType t = options.types().get(p.name());
        if (t != null) {
            return t;
        }
        return p.programType().or(options::fallbackType).orElseThrow(() -> new UnsupportedFeatureException(
                object.name() + ": program '" + p.name() + "' is in section '" + p.sectionName()
                        + "', whose name implies no program type; give one"));
    }

    private KernelProgram loadProgram(ProgramSpec spec) {
        ProgramType type = typeOf(spec);
        ProgramSpec linked = spec.requireLinked();
        ProgramSpec p = linked;
        List<org.bpf4j.object.btf.CoreResolver.Result> unresolved = List.of();
        if (!linked.coreRelocations().isEmpty()) {
            Btf target = kernel.vmlinuxBtf().orElseThrow(() -> new UnsupportedFeatureException(object.name()
                    + ": program '" + linked.name() + "' has CO-RE relocations but the kernel has no BTF"));
            CoreRelocator.Relocated relocated = CoreRelocator.relocate(object, linked, coreTarget(linked, target));
            p = relocated.program();
            unresolved = relocated.results().stream().filter(r -> !r.resolved()).toList();
        }
        Code code = patch(p);
        AttachType expected = options.types().containsKey(spec.name()) && spec.programType().orElse(null) != type
                ? null : p.expectedAttachType().orElse(null);
        int attachBtfId = attachBtfId(p, type, expected);
        int expectedId = expected == null ? 0 : expected.id();
        if (type == ProgramType.STRUCT_OPS) {
            // The kernel struct's BTF id and the index of the member the program implements.
            int[] target = structOpsTarget(p);
            attachBtfId = target[0];
            expectedId = target[1];
        }
        int flags = 0;
        if (p.sectionDef().map(d -> d.has(SectionFlag.SLEEPABLE)).orElse(false)) {
            flags |= BPF_F_SLEEPABLE;
        }
        if (p.sectionDef().map(d -> d.has(SectionFlag.XDP_FRAGS)).orElse(false)) {
            flags |= BPF_F_XDP_HAS_FRAGS;
        }
        int kernVersion = p.kernelVersion() != 0 ? p.kernelVersion() : KernelRelease.versionCode();
        byte[] funcInfo = new byte[0];
        byte[] lineInfo = new byte[0];
        int btf = 0;
        if (btfFd.isPresent() && !p.funcInfos().isEmpty()) {
            btf = btfFd.get().value();
            funcInfo = funcInfo(p.funcInfos());
            lineInfo = lineInfo(p.lineInfos());
        }
        String license = p.license().isEmpty() ? options.defaultLicense() : p.license();
        Bpf.ProgLoad attr = new Bpf.ProgLoad(type.id(), code.toBytes(), license, 0, 0, kernVersion, flags,
                Names.object(p.name()), 0, expectedId, btf, funcInfo, lineInfo,
                attachBtfId, 0, new int[0]);
        try {
            return kernel.loadProgram(p.name(), type, attr);
        } catch (VerifierException e) {
            for (var w : missingWeakCalls.entrySet()) {
                if (e.log().contains("#" + w.getKey() + "\n") || e.log().endsWith("#" + w.getKey())) {
                    throw new UnsupportedFeatureException(object.name() + ": program '" + p.name() + "': instruction "
                            + w.getValue().slot() + " calls weak kernel function '" + w.getValue().name()
                            + "', which the kernel's BTF does not have, and the kernel's verifier reached the call");
                }
            }
            if (unresolved.isEmpty() || !e.log().contains("#" + CoreRelocator.POISON_HELPER)) {
                throw e;
            }
            // The verifier met an instruction poisoned for a relocation that found no target: say which.
            org.bpf4j.object.btf.CoreResolver.Result r = unresolved.get(0);
            throw new UnsupportedFeatureException(object.name() + ": program '" + p.name() + "': CO-RE relocation at "
                    + "instruction " + r.relocation().slot() + " (" + r.description() + ") has no target in the "
                    + "kernel's BTF" + (kernel.moduleBtfNames().isEmpty() ? "" : " or its modules'")
                    + ", and the kernel refused the poisoned instruction"
                    + (unresolved.size() > 1 ? " (" + unresolved.size() + " relocations unresolved)" : ""));
        }
    }

    /**
     * The BTF to resolve a program's CO-RE relocations against: the kernel's, unless a type the
     * relocations start from has no candidate there, in which case the module whose BTF defines
     * it (its BTF includes the kernel's), as libbpf searches module BTF only when vmlinux has no
     * candidate. Types found in no module stay unresolved against the kernel's BTF (existence
     * checks give 0, other relocations fail as they would).
     */
    private Btf coreTarget(ProgramSpec p, Btf vmlinux) {
        Btf local = object.btf().orElse(null);
        if (local == null) {
            return vmlinux;
        }
        Kernel.ModuleBtf chosen = null;
        for (org.bpf4j.object.btf.CoreRelocation r : p.coreRelocations()) {
            if (r.kind() == org.bpf4j.object.btf.CoreRelocationKind.TYPE_ID_LOCAL || r.typeId() <= 0
                    || r.typeId() >= local.size()) {
                continue;
            }
            String name = org.bpf4j.object.btf.CoreResolver.essentialName(local.typeById(r.typeId()).name());
            if (name.isEmpty() || !vmlinux.typeIdsByName(name).isEmpty()) {
                continue;
            }
            Kernel.ModuleBtf current = chosen;
            if (current != null && current.btf().typeIdsByName(name).stream().anyMatch(
                    id -> id >= current.btf().firstOwnId())) {
                continue;
            }
            Optional<Kernel.ModuleBtf> m = kernel.moduleDefining(name);
            if (m.isEmpty()) {
                continue;
            }
            if (chosen != null && !chosen.name().equals(m.get().name())) {
                throw new UnsupportedFeatureException(object.name() + ": program '" + p.name() + "': its CO-RE "
                        + "relocations need types of two modules (" + chosen.name() + ", " + m.get().name()
                        + "); bpf4j resolves one program against one module's BTF");
            }
            chosen = m.get();
        }
        return chosen == null ? vmlinux : chosen.btf();
    }

    private Code patch(ProgramSpec p) {
        missingWeakCalls.clear();
        List<Instruction> insns = new ArrayList<>(p.code().instructions());
        Code code = p.code();
        for (MapReference ref : p.mapReferences()) {
            int pos = code.positionAt(ref.slot());
            Instruction.LoadImm64 l = (Instruction.LoadImm64) insns.get(pos);
            int fd = maps.get(ref.mapIndex()).fd();
            insns.set(pos, ref.kind() == MapReference.Kind.MAP
                    ? new Instruction.LoadImm64(l.dst(), Imm64Kind.MAP_BY_FD, fd, 0)
                    : new Instruction.LoadImm64(l.dst(), Imm64Kind.MAP_VALUE_BY_FD, fd, ref.offset()));
        }
        for (ExternReference x : p.externReferences()) {
            int pos = code.positionAt(x.slot());
            Btf vmlinux = kernel.vmlinuxBtf().orElseThrow(() -> new UnsupportedFeatureException(object.name()
                    + ": program '" + p.name() + "' refers to kernel symbol '" + x.name()
                    + "' but the kernel has no BTF"));
            Instruction at = insns.get(pos);
            if (x.kind() == ExternReference.Kind.FUNCTION) {
                int id = kfunc(p, x, vmlinux);
                if (at instanceof Instruction.LoadImm64 l) {
                    // The address of a kernel function (a weak kfunc's existence test): 0 if missing.
                    insns.set(pos, id == 0 ? Instruction.LoadImm64.of(l.dst(), 0)
                            : new Instruction.LoadImm64(l.dst(), Imm64Kind.VARIABLE_ADDRESS, id, 0));
                } else if (id == 0) {
                    // A missing weak kfunc: a call of a helper that does not exist, which the
                    // kernel's verifier refuses only if it can reach it (a kfunc call with id 0 it
                    // would refuse even in dead code), as libbpf does.
                    insns.set(pos, Instruction.Call.helper(MISSING_KFUNC_HELPER + x.slot()));
                    missingWeakCalls.put(MISSING_KFUNC_HELPER + x.slot(), x);
                } else {
                    insns.set(pos, new Instruction.Call(org.bpf4j.isa.CallKind.KFUNC, id, (short) 0));
                }
            } else {
                Instruction.LoadImm64 l = (Instruction.LoadImm64) at;
                int id = vmlinux.typeIdByName(x.name(), 14);
                if (id < 0) {
                    if (!x.weak()) {
                        throw new UnsupportedFeatureException(object.name() + ": program '" + p.name()
                                + "': instruction " + x.slot() + " loads the address of kernel variable '" + x.name()
                                + "', which the kernel's BTF does not have");
                    }
                    insns.set(pos, Instruction.LoadImm64.of(l.dst(), 0));
                } else {
                    insns.set(pos, new Instruction.LoadImm64(l.dst(), Imm64Kind.VARIABLE_ADDRESS, id, 0));
                }
            }
        }
        return Code.of(insns);
    }

    /**
     * The kernel's BTF id of the function an extern names (this kernel's functions only: module
     * kfuncs are not searched), 0 for a weak one that is missing or has another prototype, as libbpf
     * resolves them.
     */
    private int kfunc(ProgramSpec p, ExternReference x, Btf vmlinux) {
        java.util.OptionalInt found = KfuncResolver.find(vmlinux, x.name());
        if (found.isEmpty()) {
            if (x.weak()) {
                return 0;
            }
            throw new UnsupportedFeatureException(object.name() + ": program '" + p.name()
                    + "': instruction " + x.slot() + " calls kernel function '" + x.name()
                    + "', which the kernel's BTF does not have");
        }
        int id = found.getAsInt();
        if (!KfuncResolver.prototypesCompatible(object.btf().orElse(null), x.btfTypeId(), vmlinux, id)) {
            if (x.weak()) {
                return 0;
            }
            Btf local = object.btf().orElseThrow();
            throw new UnsupportedFeatureException(object.name() + ": program '" + p.name()
                    + "': instruction " + x.slot() + ": kernel function '" + x.name() + "' is declared "
                    + local.format(((BtfType.Func) local.typeById(x.btfTypeId())).type())
                    + " but the kernel's prototype is "
                    + vmlinux.format(((BtfType.Func) vmlinux.typeById(id)).type()));
        }
        return id;
    }

    private int attachBtfId(ProgramSpec p, ProgramType type, AttachType expected) {
        if (expected == null || (type != ProgramType.TRACING && type != ProgramType.LSM)) {
            return 0;
        }
        String target = p.attachTarget().orElse("");
        String name;
        int kind;
        switch (expected) {
            case TRACE_FENTRY, TRACE_FEXIT, MODIFY_RETURN -> {
                name = target;
                kind = 12;
            }
            case TRACE_RAW_TP -> {
                name = "btf_trace_" + target;
                kind = 8;
            }
            case TRACE_ITER -> {
                name = "bpf_iter_" + target;
                kind = 12;
            }
            case LSM_MAC, LSM_CGROUP -> {
                name = "bpf_lsm_" + target;
                kind = 12;
            }
            default -> {
                return 0;
            }
        }
        if (target.isEmpty()) {
            throw new UnsupportedFeatureException(object.name() + ": program '" + p.name() + "' (section '"
                    + p.sectionName() + "') names no attach target");
        }
        Btf vmlinux = kernel.vmlinuxBtf().orElseThrow(() -> new UnsupportedFeatureException(object.name()
                + ": program '" + p.name() + "' needs the kernel's BTF to find '" + target + "'"));
        int id = vmlinux.typeIdByName(name, kind);
        if (id < 0) {
            throw new UnsupportedFeatureException(object.name() + ": program '" + p.name() + "': attach target '"
                    + target + "' is not in the kernel's BTF (looked for " + name + ")");
        }
        return id;
    }

    // ---- struct_ops

    private StructOpsSpec structOpsOf(ProgramSpec p) {
        return object.structOps().stream().filter(o -> o.functions().containsValue(p.name())).findFirst()
                .orElseThrow(() -> new UnsupportedFeatureException(object.name() + ": struct_ops program '" + p.name()
                        + "' is not used by any struct_ops variable, so its kernel struct is unknown"));
    }

    private Btf vmlinuxFor(String what) {
        return kernel.vmlinuxBtf().orElseThrow(() -> new UnsupportedFeatureException(object.name() + ": " + what
                + " needs the kernel's BTF, which this kernel does not have"));
    }

    private int kernelStruct(Btf vmlinux, String typeName, String what) {
        int id = vmlinux.typeIdByName(typeName, BTF_KIND_STRUCT);
        if (id < 0) {
            throw new UnsupportedFeatureException(object.name() + ": " + what + ": the kernel has no struct "
                    + typeName + " (is the subsystem built in or its module loaded?)");
        }
        return id;
    }

    /** For a struct_ops program: the kernel struct's BTF id and the index of the member it implements. */
    private int[] structOpsTarget(ProgramSpec p) {
        StructOpsSpec ops = structOpsOf(p);
        String member = ops.functions().entrySet().stream().filter(e -> e.getValue().equals(p.name()))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        String what = "struct_ops program '" + p.name() + "'";
        Btf vmlinux = vmlinuxFor(what);
        int id = kernelStruct(vmlinux, ops.typeName(), what);
        List<BtfType.Member> members = ((BtfType.Struct) vmlinux.typeById(id)).members();
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).name().equals(member)) {
                return new int[] {id, i};
            }
        }
        throw new UnsupportedFeatureException(object.name() + ": " + what + ": the kernel's struct " + ops.typeName()
                + " has no member '" + member + "'");
    }

    /**
     * Creates each struct_ops map: {@code BPF_MAP_TYPE_STRUCT_OPS} with the kernel's
     * {@code struct bpf_struct_ops_TYPE} as value type, and builds its value: the object's data
     * copied member by member (matched by name, sizes checked), the function pointers set to
     * the programs' fds. Maps of {@code .struct_ops.link} are updated now (their link registers
     * them later); the others are updated when registered.
     */
    private void createStructOps(List<KernelObject.Outcome> outcomes) {
        if (object.structOps().isEmpty()) {
            return;
        }
        Map<String, KernelProgram> loaded = new HashMap<>();
        for (KernelObject.Outcome o : outcomes) {
            if (o instanceof KernelObject.Outcome.Loaded l) {
                loaded.put(l.name(), l.program());
            }
        }
        Btf local = object.btf().orElseThrow();
        for (StructOpsSpec ops : object.structOps()) {
            String what = "struct_ops '" + ops.name() + "'";
            if (btfFd.isEmpty()) {
                throw new UnsupportedFeatureException(object.name() + ": " + what
                        + " needs the object's BTF, which the kernel refused");
            }
            Btf vmlinux = vmlinuxFor(what);
            int kernelId = kernelStruct(vmlinux, ops.typeName(), what);
            int valueId = kernelStruct(vmlinux, "bpf_struct_ops_" + ops.typeName(), what);
            BtfType.Struct valueType = (BtfType.Struct) vmlinux.typeById(valueId);
            long dataOffset = valueType.members().stream().filter(m -> m.name().equals("data")).findFirst()
                    .map(m -> m.bitOffset() / 8).orElseThrow(() -> new UnsupportedFeatureException(object.name()
                            + ": " + what + ": struct bpf_struct_ops_" + ops.typeName() + " has no 'data' member"));
            byte[] value = new byte[(int) valueType.size()];
            BtfType.Struct kernelType = (BtfType.Struct) vmlinux.typeById(kernelId);
            BtfType.Struct localType = (BtfType.Struct) local.typeById(ops.typeId());
            byte[] data = ops.data().toArray();
            for (BtfType.Member lm : localType.members()) {
                BtfType.Member km = kernelType.members().stream().filter(m -> m.name().equals(lm.name())).findFirst()
                        .orElseThrow(() -> new UnsupportedFeatureException(object.name() + ": " + what + ": member '"
                                + lm.name() + "' is not in the kernel's struct " + ops.typeName()));
                int at = (int) (dataOffset + km.bitOffset() / 8);
                String prog = ops.functions().get(lm.name());
                if (prog != null) {
                    KernelProgram kp = loaded.get(prog);
                    if (kp == null) {
                        throw new UnsupportedFeatureException(object.name() + ": " + what + ": member '" + lm.name()
                                + "' is program '" + prog + "', which was not loaded");
                    }
                    for (int b = 0; b < 8; b++) {
                        value[at + b] = (byte) ((long) kp.fd() >>> (8 * b));
                    }
                    continue;
                }
                if (lm.bitfieldSize() != 0 || km.bitfieldSize() != 0) {
                    throw new UnsupportedFeatureException(object.name() + ": " + what + ": member '" + lm.name()
                            + "' is a bit field, which bpf4j does not copy into struct_ops maps");
                }
                long localSize = local.sizeOf(lm.type());
                long kernelSize = vmlinux.sizeOf(km.type());
                boolean function = vmlinux.typeById(vmlinux.skipQualifiers(km.type())) instanceof BtfType.Ptr ptr
                        && vmlinux.typeById(vmlinux.skipQualifiers(ptr.type())) instanceof BtfType.FuncProto;
                int from = (int) (lm.bitOffset() / 8);
                if (function) {
                    for (int b = 0; b < localSize; b++) {
                        if (data[from + b] != 0) {
                            throw new UnsupportedFeatureException(object.name() + ": " + what + ": member '"
                                    + lm.name() + "' is a function pointer that names no program");
                        }
                    }
                    continue;
                }
                if (localSize != kernelSize) {
                    throw new UnsupportedFeatureException(object.name() + ": " + what + ": member '" + lm.name()
                            + "' has " + localSize + " bytes, the kernel's has " + kernelSize);
                }
                System.arraycopy(data, from, value, at, (int) localSize);
            }
            KernelMap map;
            try {
                map = kernel.createMap(new Bpf.MapCreate(MapType.STRUCT_OPS.id(), 4, value.length, 1,
                        ops.link() ? BPF_F_LINK : 0, 0, 0, Names.object(ops.name()), 0, btfFd.get().value(), 0, 0,
                        valueId, 0));
            } catch (KernelException e) {
                throw new KernelException(e.syscall(), e.errno(), object.name() + ": creating " + what + " ("
                        + ops.typeName() + ")");
            }
            KernelStructOps created = new KernelStructOps(ops.name(), ops.typeName(), map, value, ops.link());
            structOps.put(ops.name(), created);
            if (ops.link()) {
                try {
                    map.update(new byte[4], value, KernelMap.ANY);
                } catch (KernelException e) {
                    throw new KernelException(e.syscall(), e.errno(), object.name() + ": filling " + what + " ("
                            + ops.typeName() + ")");
                }
            }
        }
    }

    private static byte[] funcInfo(List<FuncInfo> infos) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (FuncInfo f : infos) {
            u32(out, f.slot());
            u32(out, f.typeId());
        }
        return out.toByteArray();
    }

    private byte[] lineInfo(List<LineInfo> infos) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (LineInfo l : infos) {
            u32(out, l.slot());
            u32(out, encoded.offset(l.fileName()));
            u32(out, encoded.offset(l.sourceLine()));
            u32(out, l.line() << 10 | (l.column() & 0x3ff));
        }
        return out.toByteArray();
    }

    private static void u32(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    // ---- program arrays and maps of maps

    private void fillSlots(List<KernelObject.Outcome> outcomes) {
        Map<String, KernelProgram> loaded = new HashMap<>();
        for (KernelObject.Outcome o : outcomes) {
            if (o instanceof KernelObject.Outcome.Loaded l) {
                loaded.put(l.name(), l.program());
            }
        }
        for (int i = 0; i < object.maps().size(); i++) {
            MapSpec s = object.maps().get(i);
            for (MapSlot slot : s.initialSlots()) {
                int fd;
                if (s.type() == MapType.PROG_ARRAY.id()) {
                    KernelProgram prog = loaded.get(slot.target());
                    if (prog == null) {
                        warnings.add("map '" + s.name() + "'[" + slot.index() + "]: program '" + slot.target()
                                + "' was not loaded");
                        continue;
                    }
                    fd = prog.fd();
                } else {
                    int target = object.mapIndex(slot.target());
                    if (target < 0) {
                        warnings.add("map '" + s.name() + "'[" + slot.index() + "]: no map '" + slot.target() + "'");
                        continue;
                    }
                    fd = maps.get(target).fd();
                }
                KernelMap m = maps.get(i);
                byte[] key = new byte[m.keySize()];
                byte[] value = new byte[4];
                for (int b = 0; b < 4; b++) {
                    key[b] = (byte) (slot.index() >>> (8 * b));
                    value[b] = (byte) (fd >>> (8 * b));
                }
                bpf.mapUpdate(m.fd(), key, value, KernelMap.ANY);
            }
        }
    }
}
