package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.linux.btf.BtfEncoder;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;

/**
 * Probes what the running kernel supports, as {@code bpftool feature probe} and libbpf's
 * {@code libbpf_probe_bpf_*} do: a program type is available if a trivial program of it loads
 * (or, for types that need an attach target, if the refusal is about the target, not the type);
 * a map type if a small map of it can be created (with the BTF, inner map or flags it needs); a
 * helper for a program type if the verifier's refusal of a program calling it is not "unknown
 * func" or "cannot use helper". Answers are computed on each call; callers cache what they need.
 */
public final class Features {
    private final Kernel kernel;
    private final Bpf bpf;

    /** Probes through a kernel backend. */
    public Features(Kernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.bpf = kernel.bpf();
    }

    private static final Set<ProgramType> NEEDS_TARGET = Set.of(ProgramType.TRACING, ProgramType.LSM,
            ProgramType.EXT, ProgramType.STRUCT_OPS);

    private Bpf.ProgLoad trivial(ProgramType type, List<Instruction> body, int logSize) {
        AttachType expected = switch (type) {
            case CGROUP_SOCK_ADDR -> AttachType.CGROUP_INET4_CONNECT;
            case SK_LOOKUP -> AttachType.SK_LOOKUP;
            case TRACING -> AttachType.TRACE_FENTRY;
            case LSM -> AttachType.LSM_MAC;
            case NETFILTER -> AttachType.NETFILTER;
            case CGROUP_SOCKOPT -> AttachType.CGROUP_GETSOCKOPT;
            default -> null;
        };
        int flags = type == ProgramType.SYSCALL ? 1 << 4 : 0; // syscall programs must be sleepable
        int attachBtfId = NEEDS_TARGET.contains(type) ? 1 : 0;
        List<Instruction> insns = new ArrayList<>(body);
        insns.add(new Instruction.Alu(true, AluOp.MOV, 0, Operand.imm(0)));
        insns.add(new Instruction.Exit());
        return new Bpf.ProgLoad(type.id(), Code.of(insns).toBytes(), "GPL", logSize > 0 ? 1 : 0, logSize,
                KernelRelease.versionCode(), flags, "", 0, expected == null ? 0 : expected.id(), 0, new byte[0],
                new byte[0], attachBtfId, 0, new int[0]);
    }

    /** Whether the kernel knows a program type. */
    public boolean programType(ProgramType type) {
        if (type == ProgramType.UNSPEC) {
            return false;
        }
        Bpf.LoadResult r = bpf.progLoad(trivial(type, List.of(), NEEDS_TARGET.contains(type) ? 1 << 16 : 0));
        if (r.ok()) {
            bpf.close(r.fd());
            return true;
        }
        // Types that need an attach target get past the type check and fail on target 1.
        return NEEDS_TARGET.contains(type) && r.log().contains("attach_btf_id 1");
    }

    /** Whether the kernel can create maps of a type. */
    public boolean mapType(MapType type) {
        List<Fd> extra = new ArrayList<>();
        try {
            int key = 4;
            int value = 4;
            int max = 1;
            int flags = 0;
            int inner = 0;
            int btfFd = 0;
            int keyId = 0;
            int valueId = 0;
            int vmlinuxValueId = 0;
            long mapExtra = 0;
            switch (type) {
                case UNSPEC, INSN_ARRAY, RHASH -> {
                    if (type == MapType.UNSPEC) {
                        return false;
                    }
                }
                case LPM_TRIE -> {
                    key = 8;
                    flags = 1; // BPF_F_NO_PREALLOC
                }
                case STACK_TRACE -> value = 8;
                case RINGBUF, USER_RINGBUF -> {
                    key = 0;
                    value = 0;
                    max = Native.pageSize();
                }
                case QUEUE, STACK, BLOOM_FILTER -> key = 0;
                case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> {
                    key = 16; // sizeof(struct bpf_cgroup_storage_key)
                    value = 8;
                    max = 0;
                }
                case REUSEPORT_SOCKARRAY -> value = 8;
                case ARRAY_OF_MAPS, HASH_OF_MAPS -> {
                    Fd f = new Fd(bpf.mapCreate(new Bpf.MapCreate(MapType.ARRAY.id(), 4, 4, 1, 0, 0, 0, "", 0, 0, 0, 0,
                            0, 0)), bpf, "inner map");
                    extra.add(f);
                    inner = f.value();
                }
                case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> {
                    Fd f = localStorageBtf();
                    extra.add(f);
                    btfFd = f.value();
                    keyId = 1;
                    valueId = 3;
                    value = 8;
                    max = 0;
                    flags = 1;
                }
                case ARENA -> {
                    key = 0;
                    value = 0;
                    flags = 1 << 10; // BPF_F_MMAPABLE
                }
                case STRUCT_OPS -> vmlinuxValueId = 1;
                default -> {
                }
            }
            try {
                int fd = bpf.mapCreate(new Bpf.MapCreate(type.id(), key, value, max, flags, inner, 0, "", 0, btfFd,
                        keyId, valueId, vmlinuxValueId, mapExtra));
                bpf.close(fd);
                return true;
            } catch (KernelException e) {
                // A struct_ops map of type id 1 is refused for the type id, not the map type.
                return type == MapType.STRUCT_OPS && e.errno() == Errno.ENOTSUPP;
            }
        } finally {
            extra.forEach(Fd::close);
        }
    }

    private Fd localStorageBtf() {
        // [1] int, [2] struct bpf_spin_lock { int val; }, [3] struct val { int cnt; struct bpf_spin_lock l; }
        List<BtfType> types = List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct("bpf_spin_lock", 4, List.of(new BtfType.Member("val", 1, 0, 0))),
                new BtfType.Struct("val", 8, List.of(new BtfType.Member("cnt", 1, 0, 0),
                        new BtfType.Member("l", 2, 32, 0))));
        return kernel.loadBtf(BtfEncoder.encode(types, List.of()).bytes(), "probe BTF");
    }

    /** Whether programs of a type may call a helper. The type must be available. */
    public boolean helper(ProgramType type, HelperSpec helper) {
        Bpf.LoadResult r = bpf.progLoad(trivial(type, List.of(Instruction.Call.helper(helper.id())), 1 << 16));
        if (r.ok()) {
            bpf.close(r.fd());
            return true;
        }
        String log = r.log();
        return !(log.contains("invalid func ") || log.contains("unknown func ")
                || log.contains("program of this type cannot use helper"));
    }

    /**
     * Whether programs of a type may call a kernel function (kfunc), found by its BTF id in
     * vmlinux: as current bpftrace's {@code kfunc_allowed}, unless the refusal of a program calling
     * it says "calling kernel function NAME is not allowed" (a refusal for its arguments is not one).
     */
    public boolean kfunc(ProgramType type, int btfId, String name) {
        Bpf.LoadResult r = bpf.progLoad(trivial(type, List.of(new Instruction.Call(org.bpf4j.isa.CallKind.KFUNC, btfId,
                (short) 0)), 1 << 16));
        if (r.ok()) {
            bpf.close(r.fd());
            return true;
        }
        return !r.log().contains("calling kernel function " + name + " is not allowed");
    }

    /** Every program type's availability, in id order. */
    public Map<ProgramType, Boolean> programTypes() {
        Map<ProgramType, Boolean> out = new LinkedHashMap<>();
        for (ProgramType t : ProgramType.values()) {
            if (t != ProgramType.UNSPEC) {
                out.put(t, programType(t));
            }
        }
        return out;
    }

    /** Every map type's availability, in id order. */
    public Map<MapType, Boolean> mapTypes() {
        Map<MapType, Boolean> out = new LinkedHashMap<>();
        for (MapType t : MapType.values()) {
            if (t != MapType.UNSPEC) {
                out.put(t, mapType(t));
            }
        }
        return out;
    }

    /** The helpers a program type may call, from the catalog's helpers, in id order. */
    public List<HelperSpec> helpers(ProgramType type) {
        List<HelperSpec> out = new ArrayList<>();
        for (HelperSpec h : HelperCatalog.linux().all()) {
            if (h.id() > 0 && helper(type, h)) {
                out.add(h);
            }
        }
        return out;
    }

    /** Whether helpers can be probed for a type by a plain load (types that need attach targets cannot). */
    public static boolean helpersProbeable(ProgramType type) {
        return !NEEDS_TARGET.contains(type);
    }
}
