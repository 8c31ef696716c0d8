package org.bpf4j.trace.probe;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * The kernel functions fentry/fexit ({@code kfunc}/{@code kretfunc}) probes may be placed on, as
 * current bpftrace finds them: the functions of the kernel's BTF ({@code /sys/kernel/btf/vmlinux})
 * and its modules', each with its prototype, which types {@code args} and {@code retval}. Read
 * once per process; thread-safe.
 */
public final class FentryFunctions {
    /** The most arguments an fentry program sees (the kernel's MAX_BPF_FUNC_ARGS). */
    private static final int MAX_PARAMS = 12;

    /**
     * A kernel function.
     *
     * @param entry its module, name and parameters (typed in {@code entry.btf()}), as a raw
     *     tracepoint's, since both programs read the arguments from a context of 8-byte slots
     * @param returnType the BTF type id of its return value (0 for void)
     * @param btfId the id of its {@code BTF_KIND_FUNC} type, the program's attach target
     */
    public record Function(RawTracepoints.Entry entry, int returnType, int btfId) {
        /** {@code vmlinux} or the module. */
        public String module() {
            return entry.module();
        }

        /** The function's name. */
        public String name() {
            return entry.name();
        }
    }

    private static volatile List<Function> system;

    private FentryFunctions() {}

    /** The functions of this machine's BTF, {@code vmlinux}'s first; empty without BTF. */
    public static List<Function> system() {
        List<Function> s = system;
        if (s == null) {
            synchronized (FentryFunctions.class) {
                if (system == null) {
                    system = read(RawTracepoints.BTF_DIR);
                }
                s = system;
            }
        }
        return s;
    }

    /** The functions of the BTF files of a directory laid out as {@code /sys/kernel/btf}. */
    static List<Function> read(Path dir) {
        return KernelBtfFiles.read(dir, FentryFunctions::of);
    }

    /** The functions a BTF defines among its types from {@code firstId} on (the first of a name). */
    static List<Function> of(String module, Btf btf, int firstId) {
        Map<String, Function> found = new LinkedHashMap<>();
        for (int id = firstId; id < btf.size(); id++) {
            if (!(btf.typeById(id) instanceof BtfType.Func f) || found.containsKey(f.name())
                    || !(btf.typeById(f.type()) instanceof BtfType.FuncProto proto)
                    || proto.params().size() > MAX_PARAMS) {
                continue;
            }
            List<RawTracepoints.Param> params = new ArrayList<>();
            for (BtfType.Param p : proto.params()) {
                if (p.type() == 0) {
                    break; // a variadic function's "..."
                }
                params.add(new RawTracepoints.Param(p.name(), p.type(), ""));
            }
            found.put(f.name(), new Function(new RawTracepoints.Entry(module, f.name(), params, btf),
                    proto.returnType(), id));
        }
        return List.copyOf(found.values());
    }
}
