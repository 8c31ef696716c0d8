package org.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
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
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static volatile Kernel system;
    private static volatile Availability availability;

    private final Bpf bpf;
    private final int cpus;
    private final Supplier<Optional<Btf>> vmlinuxSource;
    private volatile Optional<Btf> vmlinux;

    /**
     * A backend over a syscall layer.
     *
     * @param bpf the layer
     * @param cpus the number of possible CPUs
     * @param vmlinux the kernel's BTF, read when first needed (empty if the kernel has none)
     */
    public Kernel(Bpf bpf, int cpus, Supplier<Optional<Btf>> vmlinux) {
        this.bpf = Objects.requireNonNull(bpf, "bpf");
        this.cpus = cpus;
        this.vmlinuxSource = Objects.requireNonNull(vmlinux, "vmlinux");
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

    /** Opens a program pinned at a path in a bpf file system. */
    public KernelProgram openPinnedProgram(String path) {
        int fd = bpf.objGet(path, 0);
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
