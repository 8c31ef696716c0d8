package org.bpf4j.object.btf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.spec.KernelTypes;

/**
 * A kernel's types ({@link KernelTypes}) read from its BTF: {@code /sys/kernel/btf/vmlinux} of
 * the running kernel, or a vmlinux BTF file saved from another machine (for example with
 * {@code cp /sys/kernel/btf/vmlinux}), so that programs are verified against the kernel they will
 * run on without running on it. Structures are converted when first asked for. Immutable and
 * thread-safe.
 */
public final class BtfKernelTypes implements KernelTypes {
    /** Where Linux exposes its own BTF. */
    public static final Path SYSTEM_VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private final Btf btf;
    private final String source;
    private final Map<Integer, Struct> structs = new ConcurrentHashMap<>();
    private volatile Set<Integer> percpu;

    /** The types of {@code btf}, a kernel's BTF; {@code source} names it in messages. */
    public BtfKernelTypes(Btf btf, String source) {
        this.btf = Objects.requireNonNull(btf, "btf");
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * Reads a vmlinux BTF file (raw BTF, as {@code /sys/kernel/btf/vmlinux}).
     *
     * @throws MalformedInputException if the file cannot be read or is not BTF
     */
    public static BtfKernelTypes load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new MalformedInputException(file + ": cannot read kernel BTF: " + e.getMessage());
        }
        return new BtfKernelTypes(Btf.parse(ByteReader.of(bytes, file.toString())), file.toString());
    }

    /** The running kernel's types, when {@link #SYSTEM_VMLINUX} exists (Linux with BTF). */
    public static Optional<KernelTypes> system() {
        return Files.isReadable(SYSTEM_VMLINUX) ? Optional.of(load(SYSTEM_VMLINUX)) : Optional.empty();
    }

    /**
     * The types of the vmlinux BTF file {@code file}, read when first asked for (so that programs
     * that need none do not pay for reading the kernel's BTF); a file that cannot be read then
     * throws {@link MalformedInputException}.
     */
    public static KernelTypes lazy(Path file) {
        return new Lazy(file);
    }

    /**
     * The BTF behind kernel types made here ({@link #load}, {@link #system}, {@link #lazy}), for
     * what needs the kernel's BTF itself, such as CO-RE relocations; empty for other kernel types.
     */
    public static Optional<Btf> btfOf(KernelTypes types) {
        if (types instanceof BtfKernelTypes b) {
            return Optional.of(b.btf());
        }
        if (types instanceof Lazy l) {
            return Optional.of(l.get().btf());
        }
        return Optional.empty();
    }

    /** Kernel types read from a file when first asked for. */
    private static final class Lazy implements KernelTypes {
        private final Path file;
        private volatile BtfKernelTypes loaded;

        Lazy(Path file) {
            this.file = file;
        }

        BtfKernelTypes get() {
            BtfKernelTypes k = loaded;
            if (k == null) {
                synchronized (this) {
                    if (loaded == null) {
                        loaded = load(file);
                    }
                    k = loaded;
                }
            }
            return k;
        }

        @Override
        public String source() {
            return file.toString();
        }

        @Override
        public Optional<Function> function(String name) {
            return get().function(name);
        }

        @Override
        public Optional<Struct> struct(int id) {
            return get().struct(id);
        }

        @Override
        public Optional<Struct> structByName(String name) {
            return get().structByName(name);
        }

        @Override
        public Optional<Function> pointedPrototype(String name) {
            return get().pointedPrototype(name);
        }

        @Override
        public Optional<Variable> variable(String name) {
            return get().variable(name);
        }

        @Override
        public String toString() {
            return "kernel types of " + file + " (read when needed)";
        }
    }

    /** The BTF these types come from. */
    public Btf btf() {
        return btf;
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Optional<Function> function(String name) {
        for (int id : btf.typeIdsByName(name)) {
            if (btf.typeById(id) instanceof BtfType.Func f
                    && btf.resolve(f.type()) instanceof BtfType.FuncProto p) {
                return Optional.of(prototype(name, p));
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<Function> pointedPrototype(String name) {
        for (int id : btf.typeIdsByName(name)) {
            if (btf.typeById(id) instanceof BtfType.Typedef d && btf.resolve(d.type()) instanceof BtfType.Ptr p
                    && btf.resolve(p.type()) instanceof BtfType.FuncProto fp) {
                return Optional.of(prototype(name, fp));
            }
        }
        return Optional.empty();
    }

    @Override
    public Optional<Variable> variable(String name) {
        int id = btf.typeIdByName(name, 14);
        if (id <= 0 || !(btf.typeById(id) instanceof BtfType.Var v)) {
            return Optional.empty();
        }
        int typeId = btf.skipQualifiers(v.type());
        long size;
        try {
            size = btf.sizeOf(typeId);
        } catch (MalformedInputException e) {
            size = 0;
        }
        return Optional.of(new Variable(name, typeId, nameOf(btf.typeById(typeId)), type(v.type()), size,
                percpuVariables().contains(id)));
    }

    /** The BTF ids of the variables of the kernel's per-CPU section, found when first asked for. */
    private Set<Integer> percpuVariables() {
        Set<Integer> ids = percpu;
        if (ids == null) {
            ids = new HashSet<>();
            int sec = btf.typeIdByName(".data..percpu", 15);
            if (sec > 0 && btf.typeById(sec) instanceof BtfType.Datasec d) {
                for (BtfType.VarSecInfo vi : d.vars()) {
                    ids.add(vi.type());
                }
            }
            percpu = ids = Set.copyOf(ids);
        }
        return ids;
    }

    private Function prototype(String name, BtfType.FuncProto p) {
        List<Param> params = new ArrayList<>();
        for (BtfType.Param x : p.params()) {
            params.add(new Param(x.name(), x.type() == 0 ? new Other("varargs") : type(x.type())));
        }
        return new Function(name, type(p.returnType()), params);
    }

    @Override
    public Optional<Struct> struct(int id) {
        if (id <= 0 || id >= btf.size()) {
            return Optional.empty();
        }
        BtfType t = btf.typeById(id);
        if (!(t instanceof BtfType.Struct) && !(t instanceof BtfType.Union)) {
            return Optional.empty();
        }
        return Optional.of(structs.computeIfAbsent(id, this::convert));
    }

    @Override
    public Optional<Struct> structByName(String name) {
        for (int id : btf.typeIdsByName(name)) {
            Optional<Struct> s = struct(id);
            if (s.isPresent()) {
                return s;
            }
        }
        return Optional.empty();
    }

    private Struct convert(int id) {
        BtfType t = btf.typeById(id);
        String name;
        long size;
        List<BtfType.Member> members;
        boolean union = t instanceof BtfType.Union;
        if (t instanceof BtfType.Struct s) {
            name = s.name();
            size = s.size();
            members = s.members();
        } else {
            BtfType.Union u = (BtfType.Union) t;
            name = u.name();
            size = u.size();
            members = u.members();
        }
        List<Member> out = new ArrayList<>();
        for (BtfType.Member m : members) {
            long msize;
            try {
                msize = m.bitfieldSize() != 0 ? (m.bitfieldSize() + 7) / 8 : btf.sizeOf(m.type());
            } catch (MalformedInputException e) {
                msize = 0; // a flexible array of an incomplete type
            }
            out.add(new Member(m.name(), m.bitOffset() / 8, m.bitOffset(), m.bitfieldSize(), type(m.type()), msize));
        }
        return new Struct(id, name, size, union, out);
    }

    /** The type {@code id} with typedefs and qualifiers skipped. */
    private Type type(int id) {
        BtfType t = btf.resolve(id);
        return switch (t) {
            case BtfType.Void v -> new Void();
            case BtfType.Int i -> new Scalar(i.size());
            case BtfType.Enum e -> new Scalar(e.size());
            case BtfType.Enum64 e -> new Scalar(e.size());
            case BtfType.Float f -> new Scalar(f.size());
            case BtfType.Ptr p -> pointer(p.type());
            case BtfType.Struct s -> new Composite(btf.skipQualifiers(id));
            case BtfType.Union u -> new Composite(btf.skipQualifiers(id));
            case BtfType.Array a -> {
                long es;
                try {
                    es = btf.sizeOf(a.type());
                } catch (MalformedInputException e) {
                    es = 0;
                }
                yield new Array(type(a.type()), es, a.elements());
            }
            default -> new Other(t.getClass().getSimpleName());
        };
    }

    /** A pointer to {@code target}, with the type tags found on the way to it. */
    private Type pointer(int target) {
        Set<String> tags = new LinkedHashSet<>();
        int cur = target;
        for (int depth = 0; depth <= Btf.MAX_RESOLVE_DEPTH; depth++) {
            BtfType t = btf.typeById(cur);
            switch (t) {
                case BtfType.TypeTag tt -> {
                    tags.add(tt.name());
                    cur = tt.type();
                }
                case BtfType.Typedef d -> cur = d.type();
                case BtfType.Const c -> cur = c.type();
                case BtfType.Volatile v -> cur = v.type();
                case BtfType.Restrict r -> cur = r.type();
                default -> {
                    boolean struct = t instanceof BtfType.Struct || t instanceof BtfType.Union;
                    long size;
                    try {
                        size = t instanceof BtfType.Void || t instanceof BtfType.FuncProto ? 0 : btf.sizeOf(cur);
                    } catch (MalformedInputException e) {
                        size = 0;
                    }
                    String name = t instanceof BtfType.Void ? "void" : nameOf(t);
                    return new Pointer(struct ? cur : 0, name, size, tags);
                }
            }
        }
        return new Other("pointer chain");
    }

    private static String nameOf(BtfType t) {
        return switch (t) {
            case BtfType.Int i -> i.name();
            case BtfType.Struct s -> s.name();
            case BtfType.Union u -> u.name();
            case BtfType.Enum e -> e.name();
            case BtfType.Enum64 e -> e.name();
            case BtfType.Fwd f -> f.name();
            case BtfType.Float f -> f.name();
            default -> "";
        };
    }

    @Override
    public String toString() {
        return "kernel types of " + source;
    }
}
