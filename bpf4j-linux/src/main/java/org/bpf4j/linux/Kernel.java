package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.Optional;
import java.util.function.Supplier;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.NativeBpf;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/**
 * The kernel backend's entry point: creates maps, loads programs and whole objects through a
 * {@link Bpf} layer (the real syscalls for {@link #system()}, a fake in unit tests). Holds the
 * machine's facts that loading needs: the number of possible CPUs and the kernel's BTF (read
 * from {@code /sys/kernel/btf/vmlinux} on first use). Thread-safe.
 */
public final class Kernel {
    private static final Path BTF_DIR = Path.of("/sys/kernel/btf");
    private static final Path VMLINUX = BTF_DIR.resolve("vmlinux");
    private static volatile Kernel system;
    private static volatile Availability availability;

    private final Bpf bpf;
    private final int cpus;
    private final Supplier<Optional<Btf>> vmlinuxSource;
    private volatile Optional<Btf> vmlinux;
    private final Path btfDir;
    private final Map<String, Optional<Btf>> modules = new ConcurrentHashMap<>();

    /**
     * A backend over a syscall layer.
     *
     * @param bpf the layer
     * @param cpus the number of possible CPUs
     * @param vmlinux the kernel's BTF, read when first needed (empty if the kernel has none)
     */
    public Kernel(Bpf bpf, int cpus, Supplier<Optional<Btf>> vmlinux) {
        this(bpf, cpus, vmlinux, BTF_DIR);
    }

    /**
     * A backend over a syscall layer, with the kernel modules' BTF read from a directory.
     *
     * @param bpf the layer
     * @param cpus the number of possible CPUs
     * @param vmlinux the kernel's BTF, read when first needed (empty if the kernel has none)
     * @param btfDir where the modules' split BTF files are ({@code /sys/kernel/btf}; every file but {@code vmlinux})
     */
    public Kernel(Bpf bpf, int cpus, Supplier<Optional<Btf>> vmlinux, Path btfDir) {
        this.bpf = Objects.requireNonNull(bpf, "bpf");
        this.cpus = cpus;
        this.vmlinuxSource = Objects.requireNonNull(vmlinux, "vmlinux");
        this.btfDir = Objects.requireNonNull(btfDir, "btfDir");
    }

    /** The backend over the running kernel. */
    public static Kernel system() {
        Kernel k = system;
        if (k == null) {
            synchronized (Kernel.class) {
                k = system;
                if (k == null) {
                    k = new Kernel(NativeBpf.INSTANCE, PossibleCpus.count(), Kernel::readVmlinux);
                    system = k;
                }
            }
        }
        return k;
    }

    private static Optional<Btf> readVmlinux() {
        if (!Files.isReadable(VMLINUX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Btf.parse(ByteReader.of(Files.readAllBytes(VMLINUX), VMLINUX.toString())));
        } catch (IOException e) {
            throw new Bpf4jException("cannot read " + VMLINUX + ": " + e.getMessage(), e);
        } catch (MalformedInputException e) {
            throw new Bpf4jException("cannot parse the kernel's BTF: " + e.getMessage(), e);
        }
    }

    /**
     * Whether bpf() works here, and why not.
     *
     * @param available whether maps can be created
     * @param reason why not, empty when available
     */
    public record Availability(boolean available, String reason) {
    }

    /**
     * Probes once whether this process can use bpf() (creates and closes a one-element array);
     * the answer is cached.
     */
    public static Availability probe() {
        Availability a = availability;
        if (a == null) {
            a = doProbe();
            availability = a;
        }
        return a;
    }

    private static Availability doProbe() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return new Availability(false, "not Linux (" + System.getProperty("os.name") + ")");
        }
        try {
            Bpf b = NativeBpf.INSTANCE;
            int fd = b.mapCreate(new Bpf.MapCreate(MapType.ARRAY.id(), 4, 4, 1, 0, 0, 0, "bpf4j_probe", 0, 0, 0, 0,
                    0, 0));
            b.close(fd);
            return new Availability(true, "");
        } catch (KernelException e) {
            String why = switch (e.errno()) {
                case Errno.EPERM -> "bpf() is not permitted to this process (needs root or CAP_BPF)";
                case Errno.ENOSYS -> "the kernel has no bpf() system call";
                default -> "bpf() failed: " + Errno.describe(e.errno());
            };
            return new Availability(false, why);
        } catch (RuntimeException | LinkageError e) {
            return new Availability(false, "bpf() cannot be called: " + e);
        }
    }

    /** The syscall layer. */
    public Bpf bpf() {
        return bpf;
    }

    /** The number of possible CPUs (per-CPU values have one slot each). */
    public int cpus() {
        return cpus;
    }

    /** The kernel's BTF, if it has one. */
    public Optional<Btf> vmlinuxBtf() {
        Optional<Btf> v = vmlinux;
        if (v == null) {
            synchronized (this) {
                v = vmlinux;
                if (v == null) {
                    v = vmlinuxSource.get();
                    vmlinux = v;
                }
            }
        }
        return v;
    }

    /** The names of the kernel modules that have BTF (the files of the BTF directory but {@code vmlinux}), sorted. */
    public List<String> moduleBtfNames() {
        if (!Files.isDirectory(btfDir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(btfDir)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> !n.equals("vmlinux")).sorted().toList();
        } catch (IOException e) {
            throw new Bpf4jException("cannot list " + btfDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A module's BTF on top of the kernel's ({@link Btf#parseSplit}): the kernel's types, then the
     * module's own from {@link Btf#firstOwnId()}. Empty if the module has no BTF or the kernel none.
     * Parsed once per module.
     */
    public Optional<Btf> moduleBtf(String module) {
        return modules.computeIfAbsent(module, m -> {
            Path file = btfDir.resolve(m);
            Optional<Btf> base = vmlinuxBtf();
            if (base.isEmpty() || !Files.isReadable(file)) {
                return Optional.empty();
            }
            try {
                return Optional.of(Btf.parseSplit(ByteReader.of(Files.readAllBytes(file), file.toString()), base.get()));
            } catch (IOException e) {
                throw new Bpf4jException("cannot read " + file + ": " + e.getMessage(), e);
            } catch (MalformedInputException e) {
                throw new Bpf4jException("cannot parse the BTF of module " + m + ": " + e.getMessage(), e);
            }
        });
    }

    /**
     * A kernel module with BTF, by name, and its BTF on top of the kernel's.
     *
     * @param name the module's name
     * @param btf its BTF (the kernel's types, then the module's own)
     */
    public record ModuleBtf(String name, Btf btf) {
    }

    /**
     * The first module, by name, whose own BTF types include one named {@code typeName}, as
     * libbpf searches the modules when the kernel's BTF has no candidate for a CO-RE relocation.
     * Only modules whose BTF strings contain the name are parsed.
     */
    public Optional<ModuleBtf> moduleDefining(String typeName) {
        byte[] needle = ("\0" + typeName + "\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (String m : moduleBtfNames()) {
            if (!modules.containsKey(m)) {
                try {
                    if (!contains(Files.readAllBytes(btfDir.resolve(m)), needle)) {
                        continue;
                    }
                } catch (IOException e) {
                    continue; // unloaded meanwhile
                }
            }
            Optional<Btf> btf = moduleBtf(m);
            if (btf.isPresent()) {
                for (int id : btf.get().typeIdsByName(typeName)) {
                    if (id >= btf.get().firstOwnId()) {
                        return Optional.of(new ModuleBtf(m, btf.get()));
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * Creates a map.
     *
     * @throws KernelException if the kernel refuses
     */
    public KernelMap createMap(Bpf.MapCreate attr) {
        int fd = bpf.mapCreate(attr);
        return new KernelMap(bpf, new Fd(fd, bpf, "map '" + attr.name() + "'"), attr.name(), attr.mapType(),
                attr.keySize(), attr.valueSize(), attr.maxEntries(), attr.flags(), cpus);
    }

    /** Creates a map with no BTF and no special options. */
    public KernelMap createMap(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags) {
        return createMap(new Bpf.MapCreate(type.id(), keySize, valueSize, maxEntries, flags, 0, 0, Names.object(name),
                0, 0, 0, 0, 0, 0));
    }

    /** Opens a map by its kernel id. */
    public KernelMap openMap(int id) {
        return wrapMap(KernelIds.openRaw(bpf, KernelIds.Kind.MAP, id), "map id " + id);
    }

    /** Opens a map pinned at a path in a bpf file system. */
    public KernelMap openPinnedMap(String path) {
        return wrapMap(bpf.objGet(path, 0), path);
    }

    private KernelMap wrapMap(int fd, String what) {
        try {
            KernelInfo.MapInfo info = KernelInfo.mapInfo(bpf, fd);
            return new KernelMap(bpf, new Fd(fd, bpf, "map '" + info.name() + "'"), info.name(), info.type(),
                    info.keySize(), info.valueSize(), info.maxEntries(), info.flags(), cpus);
        } catch (RuntimeException e) {
            bpf.close(fd);
            throw e;
        }
    }

    /** Opens a program by its kernel id. */
    public KernelProgram openProgram(int id) {
        return wrapProgram(KernelIds.openRaw(bpf, KernelIds.Kind.PROGRAM, id));
    }

    /** Opens a program pinned at a path in a bpf file system. */
    public KernelProgram openPinnedProgram(String path) {
        return wrapProgram(bpf.objGet(path, 0));
    }

    private KernelProgram wrapProgram(int fd) {
        try {
            KernelInfo.ProgramInfo info = KernelInfo.programInfo(bpf, fd);
            return new KernelProgram(bpf, new Fd(fd, bpf, "program '" + info.name() + "'"), info.name(),
                    ProgramType.byId(info.type()).orElse(ProgramType.UNSPEC));
        } catch (RuntimeException e) {
            bpf.close(fd);
            throw e;
        }
    }

    /**
     * Loads a program with the verifier's log (level 1) in a buffer of {@code logSize} bytes, once:
     * as libbpf with a caller's buffer, a log that does not fit fails the load (ENOSPC, on kernels
     * that report a truncated log). For {@code -v}, where current bpftrace logs every load.
     *
     * @param name the program's name for messages
     * @param type the program type, for the returned object
     * @param attr the load's attributes (their log level and size replaced)
     * @param logSize the log buffer's size in bytes
     * @throws VerifierException if the kernel refuses, with its (possibly cut) log
     */
    public KernelProgram loadProgramWithLog(String name, ProgramType type, Bpf.ProgLoad attr, int logSize) {
        Bpf.LoadResult r = bpf.progLoad(attr.withLog(1, logSize));
        if (!r.ok()) {
            throw new VerifierException(Bpf.Command.PROG_LOAD.callName(), r.errno(), name, r.log());
        }
        return new KernelProgram(bpf, new Fd(r.fd(), bpf, "program '" + name + "'"), name, type);
    }

    /**
     * Loads a program. The first attempt asks for no log; if the kernel refuses, the load is
     * repeated with a verifier log, with a bigger buffer while the log does not fit (ENOSPC).
     *
     * @param name the program's name for messages
     * @param type the program type, for the returned object
     * @throws VerifierException if the kernel refuses, with its log
     */
    public KernelProgram loadProgram(String name, ProgramType type, Bpf.ProgLoad attr) {
        Bpf.LoadResult r = bpf.progLoad(attr.withLog(0, 0));
        int size = 1 << 20;
        while (!r.ok()) {
            Bpf.LoadResult again = bpf.progLoad(attr.withLog(1, size));
            if (again.ok()) {
                r = again;
                break;
            }
            if (again.errno() == Errno.ENOSPC && size < (1 << 28)) {
                size <<= 2;
                continue;
            }
            String log = again.log();
            int errno = again.errno() == Errno.ENOSPC ? r.errno() : again.errno();
            throw new VerifierException(Bpf.Command.PROG_LOAD.callName(), errno, name, log);
        }
        return new KernelProgram(bpf, new Fd(r.fd(), bpf, "program '" + name + "'"), name, type);
    }

    /**
     * Loads a BTF blob.
     *
     * @throws VerifierException if the kernel refuses it, with the BTF checker's log
     */
    public Fd loadBtf(byte[] btf, String what) {
        Bpf.LoadResult r = bpf.btfLoad(btf, 0, 0);
        if (!r.ok()) {
            Bpf.LoadResult again = bpf.btfLoad(btf, 1, 1 << 22);
            if (again.ok()) {
                r = again;
            } else {
                throw new VerifierException(Bpf.Command.BTF_LOAD.callName(), again.errno(), what, again.log());
            }
        }
        return new Fd(r.fd(), bpf, what);
    }

    /**
     * Loads an object: creates its maps, loads its BTF and programs, fills its program arrays.
     * Programs the kernel refuses are reported in the result; a map the kernel refuses fails the
     * whole load.
     *
     * @throws KernelException if a map cannot be created or filled
     */
    public KernelObject load(ObjectSpec object, LoadOptions options) {
        return new ObjectLoader(this, object, options).load();
    }
}
