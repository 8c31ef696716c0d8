package org.bpf4j.trace.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfFormat;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;

/**
 * The kernel's BPF iterators, as current bpftrace finds them: every {@code struct bpf_iter__NAME}
 * of the kernel's BTF (but the verifier's {@code __safe_trusted} variants) is the context of
 * iterator {@code NAME}; its fields for {@code -lv} are the parameters of the kernel's
 * {@code bpf_iter_NAME} function but the first ({@code struct bpf_iter_meta *meta}). Immutable.
 */
public final class Iterators {
    private static final String CONTEXT_PREFIX = "bpf_iter__";
    private static final String SAFE_TRUSTED = "__safe_trusted";

    /**
     * One iterator.
     *
     * @param name its name ({@code task})
     * @param params its fields as {@code -lv} shows them ({@code struct task_struct * task})
     */
    public record Entry(String name, List<String> params) {
        public Entry {
            params = List.copyOf(params);
        }
    }

    private static volatile List<Entry> system;

    private Iterators() {}

    /** This machine's iterators, by name; empty when the kernel publishes no BTF. */
    public static List<Entry> system() {
        List<Entry> s = system;
        if (s == null) {
            synchronized (Iterators.class) {
                if (system == null) {
                    system = read(RawTracepoints.BTF_DIR.resolve("vmlinux"));
                }
                s = system;
            }
        }
        return s;
    }

    private static List<Entry> read(Path vmlinux) {
        if (!Files.isReadable(vmlinux)) {
            return List.of();
        }
        try {
            return of(Btf.parse(ByteReader.of(Files.readAllBytes(vmlinux), vmlinux.toString())));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The iterators a BTF defines, by name. */
    public static List<Entry> of(Btf btf) {
        Map<String, Entry> found = new TreeMap<>();
        for (int id = 1; id < btf.size(); id++) {
            if (!(btf.typeById(id) instanceof BtfType.Struct st) || !st.name().startsWith(CONTEXT_PREFIX)
                    || st.name().endsWith(SAFE_TRUSTED)) {
                continue;
            }
            String name = st.name().substring(CONTEXT_PREFIX.length());
            found.put(name, new Entry(name, params(btf, name)));
        }
        return List.copyOf(found.values());
    }

    /** The parameters of {@code bpf_iter_NAME} after its meta pointer, as C declarations with their names. */
    private static List<String> params(Btf btf, String name) {
        int fid = btf.typeIdByName("bpf_iter_" + name, 12); // BTF_KIND_FUNC
        if (fid < 0 || !(btf.typeById(fid) instanceof BtfType.Func f)
                || !(btf.typeById(f.type()) instanceof BtfType.FuncProto proto) || proto.params().isEmpty()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (BtfType.Param p : proto.params().subList(1, proto.params().size())) {
            out.add(declaration(btf, p.type()) + " " + p.name());
        }
        return out;
    }

    /** A type as libbpf's {@code btf_dump__emit_type_decl} writes it without a name ({@code struct file *}). */
    private static String declaration(Btf btf, int type) {
        try {
            return BtfFormat.typeName(btf, type).strip();
        } catch (RuntimeException e) {
            return btf.describe(type);
        }
    }

    /**
     * Whether the kernel loads a program for iterator {@code name} (a tracing program for
     * {@code bpf_iter_NAME} with expected attach type {@code BPF_TRACE_ITER}), as current bpftrace's
     * {@code has_iter}: some the BTF names are refused (the map element iterators here, with EPERM).
     */
    public static boolean loads(Kernel kernel, String name) {
        int id = kernel.vmlinuxBtf().map(b -> b.typeIdByName("bpf_iter_" + name, 12)).orElse(-1); // BTF_KIND_FUNC
        if (id <= 0) {
            return false;
        }
        byte[] insns = {(byte) 0xb7, 0, 0, 0, 0, 0, 0, 0, (byte) 0x95, 0, 0, 0, 0, 0, 0, 0}; // r0 = 0; exit
        ProgramType tracing = ProgramType.TRACING;
        try (KernelProgram p = kernel.loadProgram("iterator probe", tracing,
                new Bpf.ProgLoad(tracing.id(), insns, "GPL", 0, 0, 0, 0, "iter_probe", 0,
                        AttachType.TRACE_ITER.id(), 0, new byte[0], new byte[0], id, 0, new int[0]))) {
            return p.fd() >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The iterators {@code -l} lists, as current bpftrace: those whose program the kernel loads
     * ({@link #loads}); each other one is reported to {@code warnings} in bpftrace's words. Without
     * bpf() (no privileges) every iterator is listed.
     */
    public static List<Entry> listed(List<Entry> all, Consumer<String> warnings) {
        if (all.isEmpty() || !Kernel.probe().available()) {
            return all;
        }
        Kernel kernel = Kernel.system();
        List<Entry> out = new ArrayList<>();
        for (Entry e : all) {
            if (loads(kernel, e.name())) {
                out.add(e);
            } else {
                warnings.accept("WARNING: The kernel contains bpf_iter__" + e.name() + " struct but does not support "
                        + "loading an iterator program against it. Please report this bug.");
            }
        }
        return out;
    }

    /** Whether {@code name} is one of the iterators. */
    public static boolean contains(List<Entry> iterators, String name) {
        return iterators.stream().anyMatch(e -> e.name().equals(name));
    }

    /**
     * {@code iter:NAME[:PIN]}, checked as current bpftrace checks it: one or two parts, no
     * wildcard, an iterator the kernel's BTF has ({@code struct bpf_iter__NAME}).
     */
    static void resolve(AttachPoint ap, ProbeSource source, AttachPoints.Target target, Diagnostics diags,
            Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        if (parts.isEmpty() || parts.size() > 2) {
            diags.error(ap.span(), "iter probe type takes 2 arguments (1 optional)");
            return;
        }
        if (parts.stream().anyMatch(AttachPoints::isGlob)) {
            diags.error(ap.span(), "iter probe type does not support wildcards");
            return;
        }
        if (target == AttachPoints.Target.VM) {
            diags.error(ap.span(), "iter probes need the kernel backend: the kernel runs an iterator's program "
                    + "over its objects (the VM backend runs BEGIN, END, interval and java probes)");
            return;
        }
        String name = parts.getFirst();
        int before = diags.errorCount();
        List<Entry> all = source.iterators();
        if (!all.isEmpty() && !contains(all, name)) {
            diags.error(ap.span(), "iter " + name + " not available for your kernel version.");
        }
        if (name.isEmpty()) {
            diags.error(ap.span(), "iter should specify a iterator's name");
        }
        if (diags.errorCount() != before) {
            return;
        }
        out.put(ap, new Resolved.Iterator(name, parts.size() == 2 ? Optional.of(parts.get(1)) : Optional.empty()));
    }

    /**
     * The sentence of bpftrace's documentation, "Iterator probe can't be mixed with any other
     * probe, not even another iterator", as an error: reported at each probe but the first iterator
     * that attaches (BEGIN and END run before and after the iterator, as in current bpftrace).
     */
    static void checkAlone(List<Probe> probes, Diagnostics diags) {
        Probe iterator = null;
        for (Probe p : probes) {
            if (p.attachPoints().stream().anyMatch(ap -> ap.provider().equals("iter"))) {
                iterator = p;
                break;
            }
        }
        if (iterator == null) {
            return;
        }
        for (Probe p : probes) {
            if (p == iterator) {
                continue;
            }
            for (AttachPoint ap : p.attachPoints()) {
                if (!Set.of("BEGIN", "END", "self", "bench", "test").contains(ap.provider())) {
                    diags.error(ap.span(), "Iterator probe can't be mixed with any other probe, not even another "
                            + "iterator");
                    return;
                }
            }
        }
    }
}
