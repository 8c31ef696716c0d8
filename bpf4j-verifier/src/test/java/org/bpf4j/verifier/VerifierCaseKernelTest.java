package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Loads every verifier case into the running kernel (maps created as the case's {@code map:}
 * lines say, passed through {@code fd_array}) and compares the kernel's verdict with the case's
 * expected one. A case the kernel cannot judge (it refuses the load before verifying, for example
 * a map type or attach type this kernel lacks: an error with no verifier log) is counted as not
 * judged, with its reason printed. Known disagreements are listed with their reason in
 * {@code verifier-cases-kernel.tsv}; the test fails when a case disagrees and is not listed, or is
 * listed and now agrees. Skipped, with the reason, when bpf() is unavailable.
 * {@code -Dbpf4j.kernelVerdicts=FILE} prints the kernel's verdict (its last log line) on every case of the
 * case files whose names contain FILE; {@code -Dbpf4j.kernelLog=NAME} the whole log of cases so named.
 */
class VerifierCaseKernelTest {
    private static final int BPF_F_RDONLY_PROG = 1 << 7;
    private static final int BPF_F_WRONLY_PROG = 1 << 8;

    @Test
    void casesAgreeWithTheKernel() throws IOException {
        Kernel.Availability a = Kernel.probe();
        assumeTrue(a.available(), "kernel cross-check of the verifier cases skipped: " + a.reason());
        Kernel kernel = Kernel.system();
        Map<String, String> listed = listed();
        int agreed = 0;
        List<String> notJudged = new ArrayList<>();
        Map<String, String> problems = new TreeMap<>();
        List<VerifierCase> all = VerifierCaseTest.all();
        for (VerifierCase c : all) {
            String key = c.file() + "\t" + c.name();
            String kernelVerdict = kernelVerdict(kernel, c);
            String verdicts = System.getProperty("bpf4j.kernelVerdicts", "");
            if (!verdicts.isEmpty() && c.file().contains(verdicts)) {
                System.out.println("kernel verdict " + key.replace('\t', ' ') + ": " + kernelVerdict); // a developer aid
            }
            if (kernelVerdict.startsWith("error")) {
                notJudged.add(key.replace('\t', ' ') + ": " + kernelVerdict);
                continue;
            }
            boolean kernelAccepts = kernelVerdict.startsWith("accepted");
            if (kernelAccepts && c.processed() >= 0 && !kernelVerdict.equals("accepted, processed " + c.processed())) {
                problems.put(key, "case expects " + c.processed() + " instructions processed, kernel: " + kernelVerdict);
                continue;
            }
            if (kernelAccepts == c.accept()) {
                agreed++;
                if (listed.containsKey(key)) {
                    problems.put(key, "listed in verifier-cases-kernel.tsv but the kernel now agrees: remove it");
                }
            } else if (!listed.containsKey(key)) {
                problems.put(key, "case expects " + (c.accept() ? "accept" : "reject") + ", kernel: " + kernelVerdict);
            }
        }
        System.out.printf("verifier cases in the kernel: %d of %d agree, %d disagree (%d of them listed with a "
                + "reason), %d not judged by the kernel%n", agreed, all.size(), all.size() - agreed - notJudged.size(),
                listed.size(), notJudged.size());
        notJudged.forEach(n -> System.out.println("  not judged: " + n));
        problems.forEach((k, v) -> System.out.println("  MISMATCH " + k.replace('\t', ' ') + ": " + v));
        assertEquals(Map.of(), problems);
    }

    private static Map<String, String> listed() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (var in = VerifierCaseKernelTest.class.getResourceAsStream("/verifier-cases-kernel.tsv")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t");
                out.put(f[0] + "\t" + f[1], f[2]);
            }
        }
        return out;
    }

    /**
     * "accepted" (with ", processed N" when the case gives a count: the kernel's statistics),
     * "rejected: LAST LOG LINE" or "error: WHY" (the kernel did not verify it).
     */
    private static String kernelVerdict(Kernel kernel, VerifierCase c) {
        VerifierInput in = c.input();
        List<KernelMap> maps = new ArrayList<>();
        List<Fd> mapBtfs = new ArrayList<>();
        Fd btf = null;
        try {
            int[] fds = new int[in.maps().size()];
            for (int i = 0; i < fds.length; i++) {
                MapInfo m = in.maps().get(i);
                int innerFd = 0;
                if (m.inner().isPresent()) {
                    MapInfo im = m.inner().get();
                    KernelMap inner = kernel.createMap(m.name() + "_in", im.type(), im.keySize(), im.valueSize(),
                            im.maxEntries(), 0);
                    maps.add(inner);
                    innerFd = inner.fd();
                }
                int btfFd = 0;
                if (m.spinLockOff() >= 0 || m.timerOff() >= 0 || !m.kptrs().isEmpty()) {
                    Fd mb = kernel.loadBtf(org.bpf4j.linux.btf.BtfEncoder.encode(valueBtf(m), List.of()).bytes(),
                            "map BTF");
                    mapBtfs.add(mb);
                    btfFd = mb.value();
                }
                KernelMap km = kernel.createMap(new Bpf.MapCreate(m.type().id(), m.keySize(), m.valueSize(),
                        m.maxEntries(), (m.readOnlyProg() ? BPF_F_RDONLY_PROG : 0) | (m.writeOnlyProg() ? BPF_F_WRONLY_PROG : 0), innerFd, 0, "case" + i, 0, btfFd,
                        btfFd != 0 ? 1 : 0, btfFd != 0 ? 2 : 0, 0, 0));
                maps.add(km);
                fds[i] = km.fd();
            }
            int attach = in.type() == ProgramType.CGROUP_SOCK_ADDR ? AttachType.CGROUP_INET4_CONNECT.id() : 0;
            int attachBtfId = 0;
            if (!in.attachTo().isEmpty() && in.type() != ProgramType.TRACING) {
                // a section name (attach: cgroup/getsockopt) gives the expected attach type, as libbpf does
                attach = org.bpf4j.spec.SectionNames.resolve(in.attachTo())
                        .flatMap(org.bpf4j.spec.SectionDef::expectedAttachType).map(AttachType::id).orElse(attach);
            }
            if (in.attachTo().startsWith("tp_btf/")) {
                // a BTF tracepoint: attach_btf_id names the kernel's btf_trace_NAME typedef
                attach = AttachType.TRACE_RAW_TP.id();
                org.bpf4j.object.btf.Btf vmlinux = kernel.vmlinuxBtf().orElse(null);
                if (vmlinux == null) {
                    return "error: no vmlinux BTF for " + in.attachTo();
                }
                for (int id : vmlinux.typeIdsByName("btf_trace_" + in.attachTo().substring(7))) {
                    if (vmlinux.typeById(id) instanceof org.bpf4j.object.btf.BtfType.Typedef) {
                        attachBtfId = id;
                    }
                }
            }
            if (in.attachTo().startsWith("iter/") || in.attachTo().startsWith("lsm/")) {
                // an iterator or LSM program: attach_btf_id names the kernel's bpf_iter_NAME or bpf_lsm_NAME
                boolean lsm = in.attachTo().startsWith("lsm/");
                attach = lsm ? AttachType.LSM_MAC.id() : AttachType.TRACE_ITER.id();
                org.bpf4j.object.btf.Btf vmlinux = kernel.vmlinuxBtf().orElse(null);
                if (vmlinux == null) {
                    return "error: no vmlinux BTF for " + in.attachTo();
                }
                String fn = lsm ? "bpf_lsm_" + in.attachTo().substring(4) : "bpf_iter_" + in.attachTo().substring(5);
                for (int id : vmlinux.typeIdsByName(fn)) {
                    if (vmlinux.typeById(id) instanceof org.bpf4j.object.btf.BtfType.Func) {
                        attachBtfId = id;
                    }
                }
            }
            // Linux wants BTF function info for a program that takes a function's address (a
            // callback): every function is described as static, returning int
            java.util.TreeSet<Integer> starts = functionStarts(in.code(), !in.globals().isEmpty());
            int btfFd = 0;
            byte[] funcInfo = new byte[0];
            if (starts != null) {
                List<org.bpf4j.object.btf.BtfType> types = new ArrayList<>();
                int[] funcIds = btfOf(starts, in, types);
                btf = kernel.loadBtf(org.bpf4j.linux.btf.BtfEncoder.encode(types, List.of()).bytes(), "case BTF");
                btfFd = btf.value();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * starts.size())
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                int k = 0;
                for (int slot : starts) {
                    b.putInt(slot).putInt(funcIds[k++]);
                }
                funcInfo = b.array();
            }
            Bpf.ProgLoad attr = new Bpf.ProgLoad(in.type().id(), byIndex(in.code(), kfuncIds(kernel, in)).toBytes(), in.gpl() ? "GPL" : "Proprietary",
                    0, 0, 0, 0, "case", 0, attach, btfFd, funcInfo, new byte[0], attachBtfId, 0, fds);
            Bpf bpf = kernel.bpf();
            Bpf.LoadResult r = bpf.progLoad(c.processed() >= 0 ? attr.withLog(4, 1 << 16) : attr);
            if (r.ok()) {
                new Fd(r.fd(), bpf, "case program").close();
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("processed (\\d+) insns").matcher(r.log());
                return c.processed() >= 0 && m.find() ? "accepted, processed " + m.group(1) : "accepted";
            }
            Bpf.LoadResult logged = bpf.progLoad(attr.withLog(1, 1 << 24));
            if (logged.ok()) {
                new Fd(logged.fd(), bpf, "case program").close();
                return "error: refused without a log (errno " + r.errno() + "), accepted with one";
            }
            String log = logged.log().strip();
            String show = System.getProperty("bpf4j.kernelLog", "");
            if (!show.isEmpty() && c.name().contains(show)) {
                System.out.println("kernel log of '" + c.name() + "':\n" + log); // a developer aid
            }
            if (log.isEmpty()) {
                return "error: refused before verification, errno " + logged.errno();
            }
            String[] lines = log.split("\n");
            String last = lines[lines.length - 1];
            for (int i = lines.length - 1; i >= 0; i--) {
                if (!lines[i].startsWith("processed ") && !lines[i].startsWith("verification time")) {
                    last = lines[i];
                    break;
                }
            }
            return "rejected: " + last;
        } catch (KernelException e) {
            return "error: " + e.getMessage();
        } finally {
            for (KernelMap m : maps) {
                m.close();
            }
            if (btf != null) {
                btf.close();
            }
            mapBtfs.forEach(Fd::close);
        }
    }

    /**
     * BTF for a map whose value holds a {@code struct bpf_spin_lock}, {@code struct bpf_timer} or kptrs:
     * type 1 the key (a 32-bit int, or a structure of the key's size), type 2 the value (a
     * structure with the special fields at their offsets).
     */
    private static List<org.bpf4j.object.btf.BtfType> valueBtf(MapInfo m) {
        List<org.bpf4j.object.btf.BtfType> t = new ArrayList<>();
        t.add(new org.bpf4j.object.btf.BtfType.Void());
        t.add(m.keySize() == 4 ? new org.bpf4j.object.btf.BtfType.Int("int", 4, 1, 0, 32)
                : new org.bpf4j.object.btf.BtfType.Struct("key", m.keySize(), List.of())); // 1
        t.add(null); // 2: the value, below
        t.add(new org.bpf4j.object.btf.BtfType.Int("unsigned int", 4, 0, 0, 32)); // 3
        t.add(new org.bpf4j.object.btf.BtfType.Struct("bpf_spin_lock", 4,
                List.of(new org.bpf4j.object.btf.BtfType.Member("val", 3, 0, 0)))); // 4
        t.add(new org.bpf4j.object.btf.BtfType.Struct("bpf_timer", 16, List.of())); // 5
        List<org.bpf4j.object.btf.BtfType.Member> members = new ArrayList<>();
        if (m.spinLockOff() >= 0) {
            members.add(new org.bpf4j.object.btf.BtfType.Member("lock", 4, m.spinLockOff() * 8L, 0));
        }
        if (m.timerOff() >= 0) {
            members.add(new org.bpf4j.object.btf.BtfType.Member("timer", 5, m.timerOff() * 8L, 0));
        }
        for (MapInfo.Kptr k : m.kptrs()) {
            // a pointer to a type tag (kptr, kptr_untrusted) on a structure of the kernel's name,
            // which the kernel finds in vmlinux by that name
            t.add(new org.bpf4j.object.btf.BtfType.Struct(k.struct(), 0, List.of()));
            t.add(new org.bpf4j.object.btf.BtfType.TypeTag(k.referenced() ? "kptr" : "kptr_untrusted", t.size() - 1));
            t.add(new org.bpf4j.object.btf.BtfType.Ptr("", t.size() - 1));
            members.add(new org.bpf4j.object.btf.BtfType.Member("kptr" + k.offset(), t.size() - 1, k.offset() * 8L, 0));
        }
        members.sort(java.util.Comparator.comparingLong(org.bpf4j.object.btf.BtfType.Member::bitOffset));
        t.set(2, new org.bpf4j.object.btf.BtfType.Struct("value", m.valueSize(), members));
        return t;
    }

    /** The vmlinux BTF id of each named kfunc call's function, by slot (-1 for a name vmlinux lacks). */
    private static Map<Integer, Integer> kfuncIds(Kernel kernel, VerifierInput in) {
        Map<Integer, Integer> out = new TreeMap<>();
        if (in.kfuncs().isEmpty()) {
            return out;
        }
        org.bpf4j.object.btf.Btf vmlinux = kernel.vmlinuxBtf().orElse(null);
        for (var e : in.kfuncs().entrySet()) {
            if (vmlinux == null) {
                continue;
            }
            for (int id : vmlinux.typeIdsByName(e.getValue())) {
                if (vmlinux.typeById(id) instanceof org.bpf4j.object.btf.BtfType.Func) {
                    out.put(e.getKey(), id);
                }
            }
            // a kfunc the kernel lacks: poisoned as libbpf poisons an unresolved __weak one
            out.putIfAbsent(e.getKey(), -1);
        }
        return out;
    }

    /**
     * The code with map references by "fd" (in cases, map indexes) turned into references by
     * index, and kfunc calls given their vmlinux BTF ids.
     */
    private static org.bpf4j.isa.Code byIndex(org.bpf4j.isa.Code code, Map<Integer, Integer> kfuncIds) {
        List<org.bpf4j.isa.Instruction> out = new ArrayList<>();
        for (org.bpf4j.isa.Instruction insn : code.instructions()) {
            int slot = code.slotOf(out.size());
            if (insn instanceof org.bpf4j.isa.Instruction.Call c && kfuncIds.containsKey(slot)) {
                insn = kfuncIds.get(slot) < 0 ? org.bpf4j.isa.Instruction.Call.helper(2002000000)
                        : new org.bpf4j.isa.Instruction.Call(org.bpf4j.isa.CallKind.KFUNC, kfuncIds.get(slot), c.off());
            }
            if (insn instanceof org.bpf4j.isa.Instruction.LoadImm64 l && (l.kind() == org.bpf4j.isa.Imm64Kind.MAP_BY_FD
                    || l.kind() == org.bpf4j.isa.Imm64Kind.MAP_VALUE_BY_FD)) {
                insn = new org.bpf4j.isa.Instruction.LoadImm64(l.dst(), l.kind() == org.bpf4j.isa.Imm64Kind.MAP_BY_FD
                        ? org.bpf4j.isa.Imm64Kind.MAP_BY_INDEX : org.bpf4j.isa.Imm64Kind.MAP_VALUE_BY_INDEX, l.imm(),
                        l.nextImm());
            }
            out.add(insn);
        }
        return org.bpf4j.isa.Code.of(out);
    }

    /** The first slot of every function when the code takes a function's address; null otherwise. */
    private static java.util.TreeSet<Integer> functionStarts(org.bpf4j.isa.Code code, boolean btfAnyway) {
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>(List.of(0));
        boolean address = false;
        for (int slot = 0; slot < code.slotCount(); slot++) {
            org.bpf4j.isa.Instruction insn = code.atSlot(slot);
            if (insn instanceof org.bpf4j.isa.Instruction.LoadImm64 l
                    && l.kind() == org.bpf4j.isa.Imm64Kind.CODE_ADDRESS) {
                address = true;
                starts.add(code.targetOf(slot));
            } else if (insn instanceof org.bpf4j.isa.Instruction.Call c
                    && c.kind() == org.bpf4j.isa.CallKind.LOCAL) {
                starts.add(code.targetOf(slot));
            }
        }
        return address || btfAnyway ? starts : null;
    }

    /**
     * BTF describing every function: the case's global functions with their prototypes (int
     * parameters, a pointer to the context structure, or a pointer to a structure of the memory's
     * size), the others as static {@code int f(void)}. Fills {@code types}; returns the function
     * type id of each start, in order.
     */
    private static int[] btfOf(java.util.TreeSet<Integer> starts, VerifierInput in,
            List<org.bpf4j.object.btf.BtfType> types) {
        types.add(new org.bpf4j.object.btf.BtfType.Void());
        types.add(new org.bpf4j.object.btf.BtfType.Int("int", 4, 1, 0, 32)); // 1
        types.add(new org.bpf4j.object.btf.BtfType.FuncProto("", 1, List.of())); // 2
        int[] ids = new int[starts.size()];
        int k = 0;
        for (int slot : starts) {
            GlobalFunction g = in.globals().stream().filter(x -> x.slot() == slot).findFirst().orElse(null);
            int proto = 2;
            List<String[]> tags = new ArrayList<>();
            if (g != null) {
                List<org.bpf4j.object.btf.BtfType.Param> params = new ArrayList<>();
                for (int i = 0; i < g.params().size(); i++) {
                    int t = switch (g.params().get(i)) {
                        case GlobalFunction.Param.Scalar x -> 1;
                        case GlobalFunction.Param.Context x -> {
                            types.add(new org.bpf4j.object.btf.BtfType.Struct(in.type().contextStruct().orElse("ctx"),
                                    4, List.of()));
                            types.add(new org.bpf4j.object.btf.BtfType.Ptr("", types.size() - 1));
                            yield types.size() - 1;
                        }
                        case GlobalFunction.Param.Memory m -> {
                            types.add(new org.bpf4j.object.btf.BtfType.Struct("m" + m.size(), m.size(), List.of()));
                            types.add(new org.bpf4j.object.btf.BtfType.Ptr("", types.size() - 1));
                            if (m.nonNull()) {
                                tags.add(new String[] {"arg:nonnull", String.valueOf(i)});
                            }
                            yield types.size() - 1;
                        }
                        case GlobalFunction.Param.Dynptr d -> {
                            types.add(new org.bpf4j.object.btf.BtfType.Struct("bpf_dynptr", 16, List.of()));
                            types.add(new org.bpf4j.object.btf.BtfType.Ptr("", types.size() - 1));
                            yield types.size() - 1;
                        }
                        case GlobalFunction.Param.Trusted tr -> {
                            // the kernel finds the structure in its own BTF by name
                            types.add(new org.bpf4j.object.btf.BtfType.Struct(tr.struct(), 0, List.of()));
                            types.add(new org.bpf4j.object.btf.BtfType.Ptr("", types.size() - 1));
                            tags.add(new String[] {"arg:trusted", String.valueOf(i)});
                            if (tr.nullable()) {
                                tags.add(new String[] {"arg:nullable", String.valueOf(i)});
                            }
                            yield types.size() - 1;
                        }
                        case GlobalFunction.Param.Unsupported u -> 1;
                    };
                    params.add(new org.bpf4j.object.btf.BtfType.Param("a" + i, t));
                }
                types.add(new org.bpf4j.object.btf.BtfType.FuncProto("", 1, params));
                proto = types.size() - 1;
            }
            types.add(new org.bpf4j.object.btf.BtfType.Func(g != null ? g.name() : "f" + k, proto,
                    g != null ? org.bpf4j.object.btf.BtfType.Linkage.GLOBAL
                            : org.bpf4j.object.btf.BtfType.Linkage.STATIC));
            ids[k++] = types.size() - 1;
            int func = types.size() - 1;
            for (String[] tag : tags) {
                types.add(new org.bpf4j.object.btf.BtfType.DeclTag(tag[0], func, Integer.parseInt(tag[1])));
            }
        }
        return ids;
    }
}
