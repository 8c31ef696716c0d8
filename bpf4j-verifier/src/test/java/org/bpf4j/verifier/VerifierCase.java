package org.bpf4j.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/**
 * One verifier test case read from a case file. A file holds cases separated by lines
 * {@code === name}; each case has header lines, a line {@code ---}, then the program in the
 * assembler's syntax. Headers:
 * <ul>
 *   <li>{@code type: xdp} (the program type; default {@code socket_filter});
 *   <li>{@code map: NAME TYPE KEY VALUE ENTRIES [rdonly] [wronly] [inner=TYPE:KEY:VALUE:ENTRIES] [lock=OFF] [timer=OFF]
 *       [kptr=OFF:STRUCT] [ukptr=OFF:STRUCT]}, in index order ({@code lock=}/{@code timer=}: the value's BTF has a
 *       {@code struct bpf_spin_lock} or {@code struct bpf_timer} there; {@code kptr=}/{@code ukptr=}: a
 *       {@code __kptr}/{@code __kptr_untrusted} pointer to the kernel's {@code struct STRUCT});
 *   <li>{@code expect: accept} or {@code expect: reject};
 *   <li>{@code error: TEXT}, a substring of the rejection message;
 *   <li>{@code at: N}, the slot of the rejection;
 *   <li>{@code license: proprietary} for a non-GPL program;
 *   <li>{@code global: SLOT NAME scalar,ctx,mem:SIZE} a global function at SLOT with its BTF
 *       parameters (verified on its own, as Linux does with BTF); also {@code mem!:SIZE} (tagged
 *       {@code __arg_nonnull}), {@code trusted:STRUCT} and {@code trusted?:STRUCT} ({@code __arg_trusted},
 *       the second also {@code __arg_nullable}), {@code dynptr} (a {@code struct bpf_dynptr *});
 *   <li>{@code kfunc: NAME}, in order: {@code call kfunc N} calls the N-th (from 0) kernel function
 *       named so (the kernel cross-check puts its vmlinux BTF id there);
 *   <li>{@code btf: kernel}: the case is verified with the running kernel's types
 *       ({@code /sys/kernel/btf/vmlinux}, {@link #kernelTypes()}), and skipped where there are none;
 *   <li>{@code attach: tp_btf/NAME} (a tracing program's attach point, as a libbpf section name);
 *   <li>{@code processed: N}, for an accepted case: the number of instructions the verifier processes
 *       (the kernel's "processed N insns"), for cases about which paths are pruned; the kernel
 *       cross-check compares it with the kernel's own count.
 * </ul>
 */
record VerifierCase(String file, String name, int line, ProgramType type, List<MapInfo> maps, boolean accept,
        String error, int at, boolean gpl, String asm, int asmLine, List<GlobalFunction> globals,
        List<String> kfuncNames, int processed, boolean needsKernelTypes, String attachTo) {
    private static volatile java.util.Optional<org.bpf4j.spec.KernelTypes> system;

    /** The running kernel's types (read once), if it exposes its BTF. */
    static java.util.Optional<org.bpf4j.spec.KernelTypes> kernelTypes() {
        java.util.Optional<org.bpf4j.spec.KernelTypes> k = system;
        if (k == null) {
            synchronized (VerifierCase.class) {
                if (system == null) {
                    system = org.bpf4j.object.btf.BtfKernelTypes.system();
                }
                k = system;
            }
        }
        return k;
    }

    static List<VerifierCase> parse(String file, String text) {
        List<VerifierCase> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            String l = lines[i];
            if (!l.startsWith("=== ")) {
                if (!l.isBlank() && !l.startsWith("#")) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected '=== name', got: " + l);
                }
                i++;
                continue;
            }
            String name = l.substring(4).trim();
            int start = i + 1;
            ProgramType type = ProgramType.SOCKET_FILTER;
            List<MapInfo> maps = new ArrayList<>();
            Boolean accept = null;
            String error = "";
            int at = -1;
            boolean gpl = true;
            List<GlobalFunction> globals = new ArrayList<>();
            List<String> kfuncNames = new ArrayList<>();
            boolean needsBtf = false;
            String attachTo = "";
            int processed = -1;
            i++;
            for (; i < lines.length && !lines[i].equals("---"); i++) {
                String h = lines[i].trim();
                if (h.isEmpty() || h.startsWith("#")) {
                    continue;
                }
                int colon = h.indexOf(':');
                if (colon < 0) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": bad header: " + h);
                }
                String key = h.substring(0, colon).trim();
                String val = h.substring(colon + 1).trim();
                switch (key) {
                    case "type" -> type = ProgramType.byName(val).orElseThrow(
                            () -> new IllegalArgumentException("unknown program type " + val));
                    case "map" -> maps.add(map(val));
                    case "expect" -> accept = switch (val) {
                        case "accept" -> true;
                        case "reject" -> false;
                        default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": expect accept|reject");
                    };
                    case "error" -> error = val;
                    case "at" -> at = Integer.parseInt(val);
                    case "license" -> gpl = !val.equals("proprietary");
                    case "global" -> globals.add(global(val));
                    case "kfunc" -> kfuncNames.add(val);
                    case "attach" -> attachTo = val;
                    case "btf" -> {
                        if (!val.equals("kernel")) {
                            throw new IllegalArgumentException(file + ":" + (i + 1) + ": btf: takes 'kernel'");
                        }
                        needsBtf = true;
                    }
                    case "processed" -> processed = Integer.parseInt(val);
                    default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown header " + key);
                }
            }
            if (accept == null) {
                throw new IllegalArgumentException(file + ":" + start + ": case '" + name + "' has no expect:");
            }
            if (!accept && processed >= 0) {
                throw new IllegalArgumentException(file + ":" + start + ": rejected case '" + name + "' has processed:");
            }
            if (!accept && error.isEmpty()) {
                throw new IllegalArgumentException(file + ":" + start + ": rejected case '" + name + "' has no error:");
            }
            int asmLine = i + 2;
            StringBuilder asm = new StringBuilder();
            for (i++; i < lines.length && !lines[i].startsWith("=== "); i++) {
                asm.append(lines[i]).append('\n');
            }
            out.add(new VerifierCase(file, name, start, type, maps, accept, error, at, gpl, asm.toString(), asmLine,
                    globals, kfuncNames, processed, needsBtf, attachTo));
        }
        return out;
    }

    static MapInfo map(String spec) {
        String[] f = spec.split("\\s+");
        MapType t = MapType.byName(f[1]).orElseThrow(() -> new IllegalArgumentException("unknown map type " + f[1]));
        boolean ro = false;
        boolean wo = false;
        Optional<MapInfo> inner = Optional.empty();
        int lock = -1;
        int timer = -1;
        List<MapInfo.Kptr> kptrs = new ArrayList<>();
        for (int k = 5; k < f.length; k++) {
            if (f[k].startsWith("lock=")) {
                lock = Integer.parseInt(f[k].substring(5));
            } else if (f[k].startsWith("timer=")) {
                timer = Integer.parseInt(f[k].substring(6));
            } else if (f[k].startsWith("kptr=") || f[k].startsWith("ukptr=")) {
                String[] g = f[k].substring(f[k].indexOf('=') + 1).split(":");
                kptrs.add(new MapInfo.Kptr(Integer.parseInt(g[0]), f[k].startsWith("kptr="), g[1]));
            } else if (f[k].equals("rdonly")) {
                ro = true;
            } else if (f[k].equals("wronly")) {
                wo = true;
            } else if (f[k].startsWith("inner=")) {
                String[] g = f[k].substring(6).split(":");
                inner = Optional.of(MapInfo.of(f[0] + ".inner", MapType.byName(g[0]).orElseThrow(),
                        Integer.parseInt(g[1]), Integer.parseInt(g[2]), Integer.parseInt(g[3])));
            }
        }
        return new MapInfo(f[0], t, Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), ro, inner,
                Optional.empty(), lock, timer, kptrs).withWriteOnlyProg(wo);
    }

    Code code() {
        return Assembler.assemble(kernelOffsets(asm), file, asmLine);
    }

    private static final java.util.regex.Pattern OFFSET = java.util.regex.Pattern.compile(
            "\\$\\{(sizeof:)?([a-z_0-9]+)(?:\\.([a-z_0-9.]+))?}");

    /**
     * The program with {@code ${STRUCT.FIELD[.FIELD...]}} replaced by the field's byte offset in
     * the running kernel's structure (through embedded structures) and {@code ${sizeof:STRUCT}}
     * by its size, so that cases reading kernel objects hold on any kernel's layout.
     */
    private String kernelOffsets(String text) {
        if (!text.contains("${")) {
            return text;
        }
        org.bpf4j.spec.KernelTypes k = kernelTypes().orElseThrow(() -> new IllegalStateException(file + ":" + line
                + ": case '" + name + "' uses kernel offsets and this system has no kernel BTF"));
        java.util.regex.Matcher m = OFFSET.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            org.bpf4j.spec.KernelTypes.Struct st = k.structByName(m.group(2)).orElseThrow(
                    () -> new IllegalArgumentException(file + ": no kernel struct " + m.group(2)));
            long value;
            if (m.group(1) != null) {
                value = st.size();
            } else {
                value = 0;
                for (String f : m.group(3).split("\\.")) {
                    long[] at = new long[1];
                    org.bpf4j.spec.KernelTypes.Member mem = field(k, st, f, at);
                    if (mem == null) {
                        throw new IllegalArgumentException(file + ": no field " + f + " in " + m.group());
                    }
                    value += at[0];
                    if (mem.type() instanceof org.bpf4j.spec.KernelTypes.Composite c) {
                        st = k.struct(c.id()).orElseThrow();
                    }
                }
            }
            m.appendReplacement(out, Long.toString(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The member {@code f} of {@code st}, looking into anonymous members; its offset goes to {@code at[0]}. */
    private static org.bpf4j.spec.KernelTypes.Member field(org.bpf4j.spec.KernelTypes k,
            org.bpf4j.spec.KernelTypes.Struct st, String f, long[] at) {
        for (org.bpf4j.spec.KernelTypes.Member mem : st.members()) {
            if (mem.name().equals(f)) {
                at[0] = mem.offset();
                return mem;
            }
            if (mem.name().isEmpty() && mem.type() instanceof org.bpf4j.spec.KernelTypes.Composite c) {
                org.bpf4j.spec.KernelTypes.Member inner = field(k, k.struct(c.id()).orElseThrow(), f, at);
                if (inner != null) {
                    at[0] += mem.offset();
                    return inner;
                }
            }
        }
        return null;
    }

    VerifierInput input() {
        Code code = code();
        VerifierInput in = new VerifierInput(name, code, type, maps, gpl, globals, kfuncs(code));
        in = in.withAttachTo(attachTo);
        return needsKernelTypes && kernelTypes().isPresent() ? in.withKernelTypes(kernelTypes().get()) : in;
    }

    /** The name of each {@code call kfunc N}'s function ({@code kfunc:} line N), by slot. */
    java.util.Map<Integer, String> kfuncs(Code code) {
        java.util.Map<Integer, String> out = new java.util.TreeMap<>();
        for (int slot = 0; slot < code.slotCount(); slot++) {
            if (code.atSlot(slot) instanceof org.bpf4j.isa.Instruction.Call c
                    && c.kind() == org.bpf4j.isa.CallKind.KFUNC && c.imm() >= 0 && c.imm() < kfuncNames.size()) {
                out.put(slot, kfuncNames.get(c.imm()));
            }
        }
        return out;
    }

    /** {@code SLOT NAME [scalar|ctx|mem:SIZE,...]}: a global function starting at SLOT, with its parameters. */
    private static GlobalFunction global(String val) {
        String[] f = val.split("\\s+");
        List<GlobalFunction.Param> params = new ArrayList<>();
        if (f.length > 2) {
            for (String p : f[2].split(",")) {
                params.add(switch (p) {
                    case "scalar" -> new GlobalFunction.Param.Scalar();
                    case "ctx" -> new GlobalFunction.Param.Context();
                    case "dynptr" -> new GlobalFunction.Param.Dynptr();
                    default -> {
                        if (p.startsWith("trusted:") || p.startsWith("trusted?:")) {
                            yield new GlobalFunction.Param.Trusted(p.substring(p.indexOf(':') + 1), p.contains("?"));
                        }
                        if (p.startsWith("mem!:")) {
                            yield new GlobalFunction.Param.Memory(Long.parseLong(p.substring(5)), true);
                        }
                        if (!p.startsWith("mem:")) {
                            throw new IllegalArgumentException("unknown parameter kind " + p);
                        }
                        yield new GlobalFunction.Param.Memory(Long.parseLong(p.substring(4)));
                    }
                });
            }
        }
        return new GlobalFunction(Integer.parseInt(f[0]), f[1], params);
    }
}
