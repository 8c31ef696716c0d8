package org.bpf4j.trace.sema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.trace.symbols.Dwarf;

/**
 * The kernel's types, read from its BTF ({@code /sys/kernel/btf/vmlinux}), for {@code curtask},
 * casts to {@code struct X *}, field access through pointers, {@code sizeof} and {@code offsetof}.
 * On the VM backend there are none.
 */
public final class KernelTypes {
    /** Where the running kernel publishes its BTF. */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private final Path path;
    private final List<String> definitions;
    private Btf btf;
    private String failure;
    private String definitionFailure;
    private int firstScriptId = Integer.MAX_VALUE;
    private final Map<String, Long> scriptEnumerators = new HashMap<>();
    private Map<String, Long> kernelEnumerators;

    private final List<Path> binaries;

    private KernelTypes(Path path, List<String> definitions, List<Path> binaries) {
        this.path = path;
        this.definitions = List.copyOf(definitions);
        this.binaries = List.copyOf(binaries);
    }

    private KernelTypes(Path path) {
        this(path, List.of(), List.of());
    }

    /**
     * These types plus the structs, unions and enums of the DWARF debug information of the
     * binaries a script's uprobes attach to ({@code struct Foo} of a test program); the script's
     * own definitions hide them, and they hide the kernel's of the same name.
     */
    public KernelTypes withBinaries(List<Path> files) {
        return files.isEmpty() || path == null ? this : new KernelTypes(path, definitions, files);
    }

    /**
     * These types plus the {@code struct}/{@code union}/{@code enum} definitions of a script (the
     * {@code directives} of its program that are definitions); a script's struct hides the
     * kernel's of the same name. A definition that cannot be read makes {@link #btf()} empty with
     * the reason in {@link #failure()}.
     */
    public KernelTypes withDefinitions(List<String> directives) {
        List<String> defs = directives.stream().filter(d -> !d.startsWith("#")).toList();
        return defs.isEmpty() || path == null ? this : new KernelTypes(path, defs, binaries);
    }

    /** The running kernel's types, read on first use. */
    public static KernelTypes system() {
        return new KernelTypes(VMLINUX);
    }

    /**
     * The environment variable naming the BTF file the kernel's types are read from instead of
     * {@link #VMLINUX}, as in current bpftrace (raw BTF, such as a copy of {@code /sys/kernel/btf/vmlinux}).
     */
    public static final String BTF_ENV = "BPFTRACE_BTF";

    /**
     * Where the kernel's types are read from with this environment: the file {@link #BTF_ENV}
     * names when it is set (also when empty, as bpftrace, whose reading then fails), else
     * {@link #VMLINUX}.
     */
    public static Path path(Map<String, String> env) {
        String given = env.get(BTF_ENV);
        return given != null ? Path.of(given) : VMLINUX;
    }

    /** The kernel's types as current bpftrace reads them with this environment ({@link #path(Map)}), on first use. */
    public static KernelTypes system(Map<String, String> env) {
        return new KernelTypes(path(env));
    }

    /**
     * Current bpftrace's warning when the file {@link #BTF_ENV} names cannot be read as BTF
     * ({@code BTF: failed to parse BTF from PATH}; the script then has no kernel types), or null
     * when the variable is not set or the file reads. Reads the file.
     */
    public static String environmentProblem(Map<String, String> env) {
        String given = env.get(BTF_ENV);
        if (given == null) {
            return null;
        }
        try {
            Btf.parse(ByteReader.of(readBtfFile(Path.of(given)), given));
            return null;
        } catch (IOException | RuntimeException e) {
            return "BTF: failed to parse BTF from " + given;
        }
    }

    /** The largest BTF file read (the kernel's own is a few MiB). */
    private static final long MAX_BTF_BYTES = 256L << 20;

    /**
     * The bytes of a BTF file: a regular file of at most {@link #MAX_BTF_BYTES} (a device such as
     * /dev/zero would never end, a FIFO could block; sysfs reports /sys/kernel/btf/vmlinux's size).
     */
    private static byte[] readBtfFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("not a regular file");
        }
        if (Files.size(file) > MAX_BTF_BYTES) {
            throw new IOException("larger than " + (MAX_BTF_BYTES >> 20) + " MiB");
        }
        return Files.readAllBytes(file);
    }

    /** No kernel types (the VM backend). */
    public static KernelTypes none() {
        return new KernelTypes(null);
    }

    /** Whether this is a kernel backend's set of types (even if its BTF cannot be read). */
    public boolean available() {
        return path != null;
    }

    /** The BTF, or empty with {@link #failure()} saying why. */
    public Optional<Btf> btf() {
        if (path == null) {
            return Optional.empty();
        }
        if (btf == null && failure == null) {
            try {
                btf = Btf.parse(ByteReader.of(readBtfFile(path), path.toString()));
            } catch (IOException | RuntimeException e) {
                failure = "cannot read kernel BTF " + path + ": " + e.getMessage();
                return Optional.empty();
            }
            int kernelCount = btf.size();
            if (!binaries.isEmpty()) {
                int first = btf.size();
                List<BtfType> more = new ArrayList<>();
                for (Path b : binaries) {
                    try {
                        more.addAll(Dwarf.cached(b).btfTypes(first + more.size()));
                    } catch (RuntimeException e) {
                        // a binary whose debug information cannot be read adds no types
                    }
                }
                btf = btf.plus(more); // the kernel's types keep their index: only the new ones are indexed
                firstScriptId = first;
            }
            if (!definitions.isEmpty()) {
                try {
                    int first = Math.min(firstScriptId, btf.size());
                    List<BtfType> all = CDefinitions.read(btf, kernelCount, definitions, scriptEnumerators);
                    btf = btf.plus(all.subList(btf.size(), all.size()));
                    firstScriptId = first;
                } catch (CDefinitions.CError | MalformedInputException e) {
                    failure = "cannot read the script's C definitions: " + e.getMessage();
                    definitionFailure = failure;
                    btf = null;
                }
            }
        }
        return Optional.ofNullable(btf);
    }

    /** Why the script's C definitions could not be read (reading them if needed), or null. */
    public String definitionFailure() {
        if (!definitions.isEmpty()) {
            btf();
        }
        return definitionFailure;
    }

    /** Why the BTF could not be read, or null. */
    public String failure() {
        return failure;
    }

    /** The id of {@code struct NAME} (or {@code union NAME}), or -1. */
    public int structId(String name) {
        return lookup(name, t -> t instanceof BtfType.Struct || t instanceof BtfType.Union);
    }

    /**
     * The id of the kernel's variable {@code NAME} (a BTF {@code VAR}: per-CPU variables such as
     * {@code runqueues}), or -1 if the kernel's BTF has none.
     */
    public int variableId(String name) {
        Optional<Btf> b = btf();
        if (b.isEmpty()) {
            return -1;
        }
        for (int id : b.get().typeIdsByName(name)) {
            if (id < firstScriptId && b.get().typeById(id) instanceof BtfType.Var) {
                return id;
            }
        }
        return -1;
    }

    /**
     * The id of a typedef or base integer type named {@code name} ({@code uint64_t}, {@code size_t}),
     * or -1: the script's and the binaries' before the kernel's.
     */
    public int typedefId(String name) {
        return lookup(name, t -> t instanceof BtfType.Typedef || t instanceof BtfType.Int);
    }

    /**
     * The id of the type named {@code name} that {@code kind} accepts: the script's own, then the
     * binaries', then the kernel's; or -1.
     */
    private int lookup(String name, Predicate<BtfType> kind) {
        Optional<Btf> b = btf();
        if (b.isEmpty()) {
            return -1;
        }
        int found = -1;
        for (int id : b.get().typeIdsByName(name)) {
            if (kind.test(b.get().typeById(id)) && (id >= firstScriptId || found < 0)) {
                found = id;
            }
        }
        return found;
    }

    /**
     * The value of an enumerator ({@code SKB_DROP_REASON_NOT_SPECIFIED}): the script's enums
     * first, then the kernel's; empty if there is none or no BTF.
     */
    public Optional<Long> enumerator(String name) {
        if (btf().isEmpty()) {
            return Optional.empty();
        }
        Long own = scriptEnumerators.get(name);
        if (own != null) {
            return Optional.of(own);
        }
        if (kernelEnumerators == null) {
            Map<String, Long> all = new HashMap<>();
            for (BtfType t : btf.types()) {
                List<BtfType.EnumValue> values = t instanceof BtfType.Enum e ? e.values()
                        : t instanceof BtfType.Enum64 e ? e.values() : List.of();
                for (BtfType.EnumValue v : values) {
                    all.putIfAbsent(v.name(), v.value());
                }
            }
            kernelEnumerators = all;
        }
        return Optional.ofNullable(kernelEnumerators.get(name));
    }

    /**
     * The enumerators of {@code enum NAME} by value (the script's definition first, then the
     * kernel's; the first name of a value kept), or null if there is no such enum or no BTF.
     */
    public Map<Long, String> enumValues(String name) {
        Optional<Btf> b = btf();
        if (b.isEmpty()) {
            return null;
        }
        Map<Long, String> found = null;
        List<Integer> ids = name.startsWith("#") ? List.of(Integer.parseInt(name.substring(1)))
                : b.get().typeIdsByName(name);
        for (int id : ids) {
            BtfType t = b.get().typeById(id);
            List<BtfType.EnumValue> values = t instanceof BtfType.Enum e ? e.values()
                    : t instanceof BtfType.Enum64 e ? e.values() : null;
            if (values == null) {
                continue;
            }
            Map<Long, String> m = new LinkedHashMap<>();
            for (BtfType.EnumValue v : values) {
                m.putIfAbsent(v.value(), v.name());
            }
            if (id >= firstScriptId) {
                return m;
            }
            if (found == null) {
                found = m;
            }
        }
        return found;
    }

    /**
     * The name of the enum that declares enumerator {@code name} (the script's first), {@code #ID}
     * for an anonymous enum of type id ID, or null.
     */
    public String enumOf(String name) {
        Optional<Btf> b = btf();
        if (b.isEmpty()) {
            return null;
        }
        if (enumOwners == null) {
            enumOwners = new HashMap<>();
            List<BtfType> all = b.get().types();
            for (int i = all.size() - 1; i >= 0; i--) { // script types are last: they win
                BtfType t = all.get(i);
                List<BtfType.EnumValue> values = t instanceof BtfType.Enum e ? e.values()
                        : t instanceof BtfType.Enum64 e ? e.values() : List.of();
                if (values.isEmpty()) {
                    continue;
                }
                String owner = t instanceof BtfType.Enum e ? e.name() : t instanceof BtfType.Enum64 e ? e.name() : "";
                if (owner.isEmpty()) {
                    owner = "#" + i; // an anonymous enum (enum { ONE = 1 }): by its type id
                }
                for (BtfType.EnumValue v : values) {
                    enumOwners.putIfAbsent(v.name(), owner);
                }
            }
        }
        return enumOwners.get(name);
    }

    private Map<String, String> enumOwners;

    /**
     * A field of a struct, found also inside anonymous struct and union members.
     *
     * @param offset its byte offset in the outer struct
     * @param type its BTF type id (qualifiers skipped)
     * @param bitfield whether it is a bit field (not readable as a whole byte range)
     * @param bitOffset its offset in bits in the outer struct
     * @param bitSize its width in bits for a bit field, else 0
     */
    public record Member(long offset, int type, boolean bitfield, long bitOffset, int bitSize) {}

    /** Field {@code name} of struct or union {@code structId}. */
    public Optional<Member> member(int structId, String name) {
        Btf b = btf().orElseThrow();
        List<BtfType.Member> members = switch (b.resolve(structId)) {
            case BtfType.Struct s -> s.members();
            case BtfType.Union u -> u.members();
            default -> List.of();
        };
        for (BtfType.Member m : members) {
            if (m.name().equals(name)) {
                return Optional.of(new Member(m.bitOffset() / 8, b.skipQualifiers(m.type()),
                        m.bitfieldSize() != 0 || m.bitOffset() % 8 != 0, m.bitOffset(), m.bitfieldSize()));
            }
            if (m.name().isEmpty()) {
                Optional<Member> inner = member(b.skipQualifiers(m.type()), name);
                if (inner.isPresent()) {
                    Member i = inner.get();
                    return Optional.of(new Member(m.bitOffset() / 8 + i.offset(), i.type(), i.bitfield(),
                            m.bitOffset() + i.bitOffset(), i.bitSize()));
                }
            }
        }
        return Optional.empty();
    }

    /** The type of id {@code id}, qualifiers skipped. */
    public BtfType type(int id) {
        return btf().orElseThrow().resolve(id);
    }

    /** {@code sizeof} of type id {@code id}. */
    public long sizeOf(int id) {
        return btf().orElseThrow().sizeOf(id);
    }
}
