package org.bpf4j.spec;

import java.util.Optional;

/**
 * The kernel's program types ({@code enum bpf_prog_type}, {@code BPF_PROG_TYPE_*}) with their ids,
 * names and context types. The program type decides the context the program receives in r1, the
 * helpers it may call ({@link HelperCatalog#allowed(ProgramType, HelperSpec)}) and where it can be
 * attached.
 *
 * <p>{@link #kernelName()} is the lower-case name bpftool and libbpf print ({@code socket_filter},
 * {@code sched_cls}, {@code xdp}). {@link #contextType()} is the C type the program sees (the
 * UAPI context, such as {@code struct __sk_buff}); {@link #kernelContextType()} is the kernel
 * object behind it ({@code struct sk_buff}); both as spelled in the kernel's
 * {@code include/linux/bpf_types.h}. Types whose context is not a fixed struct (tracing, LSM,
 * struct_ops, extension, syscall programs) have {@code void *}.
 */
public enum ProgramType {
    /** {@code BPF_PROG_TYPE_UNSPEC} = 0: not a program type. */
    UNSPEC(0, "unspec", "", ""),
    /** {@code BPF_PROG_TYPE_SOCKET_FILTER} = 1: filters packets on a socket. */
    SOCKET_FILTER(1, "socket_filter", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_KPROBE} = 2: kprobes, uprobes, USDT and their multi forms. */
    KPROBE(2, "kprobe", "bpf_user_pt_regs_t", "struct pt_regs"),
    /** {@code BPF_PROG_TYPE_SCHED_CLS} = 3: tc classifier, tcx and netkit. */
    SCHED_CLS(3, "sched_cls", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_SCHED_ACT} = 4: tc action. */
    SCHED_ACT(4, "sched_act", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_TRACEPOINT} = 5: the context is the tracepoint's record. */
    TRACEPOINT(5, "tracepoint", "__u64", "u64"),
    /** {@code BPF_PROG_TYPE_XDP} = 6: eXpress Data Path. */
    XDP(6, "xdp", "struct xdp_md", "struct xdp_buff"),
    /** {@code BPF_PROG_TYPE_PERF_EVENT} = 7: perf event sampling. */
    PERF_EVENT(7, "perf_event", "struct bpf_perf_event_data", "struct bpf_perf_event_data_kern"),
    /** {@code BPF_PROG_TYPE_CGROUP_SKB} = 8: cgroup ingress/egress packet filter. */
    CGROUP_SKB(8, "cgroup_skb", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCK} = 9: cgroup socket create/release/post-bind. */
    CGROUP_SOCK(9, "cgroup_sock", "struct bpf_sock", "struct sock"),
    /** {@code BPF_PROG_TYPE_LWT_IN} = 10: lightweight tunnel input. */
    LWT_IN(10, "lwt_in", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_LWT_OUT} = 11: lightweight tunnel output. */
    LWT_OUT(11, "lwt_out", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_LWT_XMIT} = 12: lightweight tunnel transmit. */
    LWT_XMIT(12, "lwt_xmit", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_SOCK_OPS} = 13: TCP socket operations. */
    SOCK_OPS(13, "sock_ops", "struct bpf_sock_ops", "struct bpf_sock_ops_kern"),
    /** {@code BPF_PROG_TYPE_SK_SKB} = 14: sockmap stream parser and verdict. */
    SK_SKB(14, "sk_skb", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_CGROUP_DEVICE} = 15: cgroup device access control. */
    CGROUP_DEVICE(15, "cgroup_device", "struct bpf_cgroup_dev_ctx", "struct bpf_cgroup_dev_ctx"),
    /** {@code BPF_PROG_TYPE_SK_MSG} = 16: sockmap message verdict. */
    SK_MSG(16, "sk_msg", "struct sk_msg_md", "struct sk_msg"),
    /** {@code BPF_PROG_TYPE_RAW_TRACEPOINT} = 17: raw tracepoint arguments. */
    RAW_TRACEPOINT(17, "raw_tracepoint", "struct bpf_raw_tracepoint_args", "u64"),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCK_ADDR} = 18: cgroup bind/connect/sendmsg/recvmsg/getname hooks. */
    CGROUP_SOCK_ADDR(18, "cgroup_sock_addr", "struct bpf_sock_addr", "struct bpf_sock_addr_kern"),
    /** {@code BPF_PROG_TYPE_LWT_SEG6LOCAL} = 19: SRv6 local behaviour. */
    LWT_SEG6LOCAL(19, "lwt_seg6local", "struct __sk_buff", "struct sk_buff"),
    /** {@code BPF_PROG_TYPE_LIRC_MODE2} = 20: infrared remote-control decoding. */
    LIRC_MODE2(20, "lirc_mode2", "__u32", "u32"),
    /** {@code BPF_PROG_TYPE_SK_REUSEPORT} = 21: SO_REUSEPORT socket selection. */
    SK_REUSEPORT(21, "sk_reuseport", "struct sk_reuseport_md", "struct sk_reuseport_kern"),
    /** {@code BPF_PROG_TYPE_FLOW_DISSECTOR} = 22: packet flow dissection. */
    FLOW_DISSECTOR(22, "flow_dissector", "struct __sk_buff", "struct bpf_flow_dissector"),
    /** {@code BPF_PROG_TYPE_CGROUP_SYSCTL} = 23: cgroup sysctl access control. */
    CGROUP_SYSCTL(23, "cgroup_sysctl", "struct bpf_sysctl", "struct bpf_sysctl_kern"),
    /** {@code BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE} = 24: raw tracepoint with a writable buffer. */
    RAW_TRACEPOINT_WRITABLE(24, "raw_tracepoint_writable", "struct bpf_raw_tracepoint_args", "u64"),
    /** {@code BPF_PROG_TYPE_CGROUP_SOCKOPT} = 25: cgroup getsockopt/setsockopt hooks. */
    CGROUP_SOCKOPT(25, "cgroup_sockopt", "struct bpf_sockopt", "struct bpf_sockopt_kern"),
    /** {@code BPF_PROG_TYPE_TRACING} = 26: BTF-typed tracing: fentry, fexit, fmod_ret, tp_btf, iterators. */
    TRACING(26, "tracing", "void *", "void *"),
    /** {@code BPF_PROG_TYPE_STRUCT_OPS} = 27: implementations of kernel ops structs. */
    STRUCT_OPS(27, "struct_ops", "void *", "void *"),
    /** {@code BPF_PROG_TYPE_EXT} = 28: freplace, replacing a function of another BPF program. */
    EXT(28, "ext", "void *", "void *"),
    /** {@code BPF_PROG_TYPE_LSM} = 29: Linux security module hooks. */
    LSM(29, "lsm", "void *", "void *"),
    /** {@code BPF_PROG_TYPE_SK_LOOKUP} = 30: socket lookup dispatch. */
    SK_LOOKUP(30, "sk_lookup", "struct bpf_sk_lookup", "struct bpf_sk_lookup_kern"),
    /** {@code BPF_PROG_TYPE_SYSCALL} = 31: programs that run bpf() syscalls (loaders). */
    SYSCALL(31, "syscall", "void *", "void *"),
    /** {@code BPF_PROG_TYPE_NETFILTER} = 32: netfilter hooks. */
    NETFILTER(32, "netfilter", "struct bpf_nf_ctx", "struct bpf_nf_ctx");

    private static final ProgramType[] BY_ID = values();

    private final int id;
    private final String kernelName;
    private final String contextType;
    private final String kernelContextType;

    ProgramType(int id, String kernelName, String contextType, String kernelContextType) {
        this.id = id;
        this.kernelName = kernelName;
        this.contextType = contextType;
        this.kernelContextType = kernelContextType;
    }

    /** The kernel's id, the {@code prog_type} of {@code BPF_PROG_LOAD}. */
    public int id() {
        return id;
    }

    /** The lower-case name used by bpftool and libbpf, such as {@code socket_filter}. */
    public String kernelName() {
        return kernelName;
    }

    /** The C type of the context the program receives in r1, such as {@code struct __sk_buff}; empty for {@link #UNSPEC}. */
    public String contextType() {
        return contextType;
    }

    /** The kernel type behind the context, such as {@code struct sk_buff}; empty for {@link #UNSPEC}. */
    public String kernelContextType() {
        return kernelContextType;
    }

    /** The struct name of the context without {@code struct }, such as {@code __sk_buff}, if the context is a struct. */
    public Optional<String> contextStruct() {
        return contextType.startsWith("struct ") ? Optional.of(contextType.substring(7)) : Optional.empty();
    }

    /** The program type with this kernel id. */
    public static Optional<ProgramType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }

    /** The program type with this kernel name ({@code xdp}) or constant name ({@code XDP}, {@code BPF_PROG_TYPE_XDP}). */
    public static Optional<ProgramType> byName(String name) {
        String constant = name.startsWith("BPF_PROG_TYPE_") ? name.substring(14) : name;
        for (ProgramType t : BY_ID) {
            if (t.kernelName.equals(name) || t.name().equals(constant)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
