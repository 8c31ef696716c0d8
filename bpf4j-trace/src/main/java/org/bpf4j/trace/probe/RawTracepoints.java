package org.bpf4j.trace.probe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfFormat;
import org.bpf4j.object.btf.BtfType;

/**
 * The raw tracepoints of the running kernel and its modules, found as current bpftrace finds
 * them: in their BTF ({@code /sys/kernel/btf/vmlinux}, {@code /sys/kernel/btf/MODULE}), each
 * raw tracepoint {@code NAME} has a function {@code __probestub_NAME} or {@code __traceiter_NAME}
 * whose prototype is the tracepoint's, after a first {@code void *} that is not one of its
 * arguments. Read once per process; thread-safe.
 */
public final class RawTracepoints {
    /** Where the kernel publishes its BTF and its modules'. */
    static final Path BTF_DIR = Path.of("/sys/kernel/btf");

    /** The prefixes of the functions whose prototype is a raw tracepoint's. */
    private static final List<String> PREFIXES = List.of("__probestub_", "__traceiter_");

    /** The most arguments a probe function takes in registers (x86_64, arm64: 6, with the first void *). */
    private static final int MAX_PARAMS = 6;

    /**
     * One argument of a raw tracepoint.
     *
     * @param name its name in the prototype
     * @param type its BTF type id (in the BTF of {@link Entry#btf()})
     * @param declaration its type as C writes it ({@code struct sk_buff *}), for {@code -lv}
     */
    public record Param(String name, int type, String declaration) {}

    /**
     * A raw tracepoint.
     *
     * @param module {@code vmlinux} or the module that defines it
     * @param name its name ({@code sys_enter})
     * @param params its arguments, in order ({@code arg0} is the first)
     * @param btf the BTF the parameter types are ids of (the kernel's, or a module's on top of it)
     */
    public record Entry(String module, String name, List<Param> params, Btf btf) {
        public Entry {
            params = List.copyOf(params);
        }

        /** {@code MODULE:NAME}, as {@code -l} and attach points write it. */
        public String qualified() {
            return module + ":" + name;
        }
    }

    private static volatile List<Entry> system;

    private RawTracepoints() {}

    /**
     * The raw tracepoints of this machine, by module ({@code vmlinux} first) then name; empty
     * when the kernel publishes no BTF.
     */
    public static List<Entry> system() {
        List<Entry> s = system;
        if (s == null) {
            synchronized (RawTracepoints.class) {
                if (system == null) {
                    system = read(BTF_DIR);
                }
                s = system;
            }
        }
        return s;
    }

    /** The raw tracepoints of the BTF files of a directory laid out as {@code /sys/kernel/btf}. */
    static List<Entry> read(Path dir) {
        return KernelBtfFiles.read(dir, RawTracepoints::of);
    }

    /** The raw tracepoints a BTF defines among its types from {@code firstId} on, by name. */
    static List<Entry> of(String module, Btf btf, int firstId) {
        Map<String, Entry> found = new TreeMap<>();
        for (int id = firstId; id < btf.size(); id++) {
            if (!(btf.typeById(id) instanceof BtfType.Func f)) {
                continue;
            }
            String prefix = PREFIXES.stream().filter(f.name()::startsWith).findFirst().orElse(null);
            if (prefix == null || !(btf.typeById(f.type()) instanceof BtfType.FuncProto proto)
                    || proto.params().size() > MAX_PARAMS || proto.params().isEmpty()) {
                continue;
            }
            String name = f.name().substring(prefix.length());
            if (found.containsKey(name)) {
                continue;
            }
            List<Param> params = new ArrayList<>();
            for (BtfType.Param p : proto.params().subList(1, proto.params().size())) {
                params.add(new Param(p.name(), p.type(), declaration(btf, p.type())));
            }
            found.put(name, new Entry(module, name, params, btf));
        }
        return List.copyOf(found.values());
    }

    /** A parameter's type as C writes it, without a name. */
    private static String declaration(Btf btf, int type) {
        try {
            return BtfFormat.typeName(btf, type).strip();
        } catch (RuntimeException e) {
            return btf.describe(type);
        }
    }
}
