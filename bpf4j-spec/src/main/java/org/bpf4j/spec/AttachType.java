package org.bpf4j.spec;

import java.util.Optional;

/**
 * The kernel's attach types ({@code enum bpf_attach_type}, {@code BPF_*}) with their ids and the
 * lower-case names libbpf and bpftool print. An attach type is given as
 * {@code expected_attach_type} when a program is loaded and as the attach type of a link or of
 * {@code BPF_PROG_ATTACH}; {@link SectionNames} gives the one a section name implies. The ids run
 * without gaps from 0 ({@link #CGROUP_INET_INGRESS}, which is also what "none" is on the wire).
 */
public enum AttachType {
    /** {@code BPF_CGROUP_INET_INGRESS} = 0. */
    CGROUP_INET_INGRESS(0, "cgroup_inet_ingress"),
    /** {@code BPF_CGROUP_INET_EGRESS} = 1. */
    CGROUP_INET_EGRESS(1, "cgroup_inet_egress"),
    /** {@code BPF_CGROUP_INET_SOCK_CREATE} = 2. */
    CGROUP_INET_SOCK_CREATE(2, "cgroup_inet_sock_create"),
    /** {@code BPF_CGROUP_SOCK_OPS} = 3. */
    CGROUP_SOCK_OPS(3, "cgroup_sock_ops"),
    /** {@code BPF_SK_SKB_STREAM_PARSER} = 4. */
    SK_SKB_STREAM_PARSER(4, "sk_skb_stream_parser"),
    /** {@code BPF_SK_SKB_STREAM_VERDICT} = 5. */
    SK_SKB_STREAM_VERDICT(5, "sk_skb_stream_verdict"),
    /** {@code BPF_CGROUP_DEVICE} = 6. */
    CGROUP_DEVICE(6, "cgroup_device"),
    /** {@code BPF_SK_MSG_VERDICT} = 7. */
    SK_MSG_VERDICT(7, "sk_msg_verdict"),
    /** {@code BPF_CGROUP_INET4_BIND} = 8. */
    CGROUP_INET4_BIND(8, "cgroup_inet4_bind"),
    /** {@code BPF_CGROUP_INET6_BIND} = 9. */
    CGROUP_INET6_BIND(9, "cgroup_inet6_bind"),
    /** {@code BPF_CGROUP_INET4_CONNECT} = 10. */
    CGROUP_INET4_CONNECT(10, "cgroup_inet4_connect"),
    /** {@code BPF_CGROUP_INET6_CONNECT} = 11. */
    CGROUP_INET6_CONNECT(11, "cgroup_inet6_connect"),
    /** {@code BPF_CGROUP_INET4_POST_BIND} = 12. */
    CGROUP_INET4_POST_BIND(12, "cgroup_inet4_post_bind"),
    /** {@code BPF_CGROUP_INET6_POST_BIND} = 13. */
    CGROUP_INET6_POST_BIND(13, "cgroup_inet6_post_bind"),
    /** {@code BPF_CGROUP_UDP4_SENDMSG} = 14. */
    CGROUP_UDP4_SENDMSG(14, "cgroup_udp4_sendmsg"),
    /** {@code BPF_CGROUP_UDP6_SENDMSG} = 15. */
    CGROUP_UDP6_SENDMSG(15, "cgroup_udp6_sendmsg"),
    /** {@code BPF_LIRC_MODE2} = 16. */
    LIRC_MODE2(16, "lirc_mode2"),
    /** {@code BPF_FLOW_DISSECTOR} = 17. */
    FLOW_DISSECTOR(17, "flow_dissector"),
    /** {@code BPF_CGROUP_SYSCTL} = 18. */
    CGROUP_SYSCTL(18, "cgroup_sysctl"),
    /** {@code BPF_CGROUP_UDP4_RECVMSG} = 19. */
    CGROUP_UDP4_RECVMSG(19, "cgroup_udp4_recvmsg"),
    /** {@code BPF_CGROUP_UDP6_RECVMSG} = 20. */
    CGROUP_UDP6_RECVMSG(20, "cgroup_udp6_recvmsg"),
    /** {@code BPF_CGROUP_GETSOCKOPT} = 21. */
    CGROUP_GETSOCKOPT(21, "cgroup_getsockopt"),
    /** {@code BPF_CGROUP_SETSOCKOPT} = 22. */
    CGROUP_SETSOCKOPT(22, "cgroup_setsockopt"),
    /** {@code BPF_TRACE_RAW_TP} = 23. */
    TRACE_RAW_TP(23, "trace_raw_tp"),
    /** {@code BPF_TRACE_FENTRY} = 24. */
    TRACE_FENTRY(24, "trace_fentry"),
    /** {@code BPF_TRACE_FEXIT} = 25. */
    TRACE_FEXIT(25, "trace_fexit"),
    /** {@code BPF_MODIFY_RETURN} = 26. */
    MODIFY_RETURN(26, "modify_return"),
    /** {@code BPF_LSM_MAC} = 27. */
    LSM_MAC(27, "lsm_mac"),
    /** {@code BPF_TRACE_ITER} = 28. */
    TRACE_ITER(28, "trace_iter"),
    /** {@code BPF_CGROUP_INET4_GETPEERNAME} = 29. */
    CGROUP_INET4_GETPEERNAME(29, "cgroup_inet4_getpeername"),
    /** {@code BPF_CGROUP_INET6_GETPEERNAME} = 30. */
    CGROUP_INET6_GETPEERNAME(30, "cgroup_inet6_getpeername"),
    /** {@code BPF_CGROUP_INET4_GETSOCKNAME} = 31. */
    CGROUP_INET4_GETSOCKNAME(31, "cgroup_inet4_getsockname"),
    /** {@code BPF_CGROUP_INET6_GETSOCKNAME} = 32. */
    CGROUP_INET6_GETSOCKNAME(32, "cgroup_inet6_getsockname"),
    /** {@code BPF_XDP_DEVMAP} = 33. */
    XDP_DEVMAP(33, "xdp_devmap"),
    /** {@code BPF_CGROUP_INET_SOCK_RELEASE} = 34. */
    CGROUP_INET_SOCK_RELEASE(34, "cgroup_inet_sock_release"),
    /** {@code BPF_XDP_CPUMAP} = 35. */
    XDP_CPUMAP(35, "xdp_cpumap"),
    /** {@code BPF_SK_LOOKUP} = 36. */
    SK_LOOKUP(36, "sk_lookup"),
    /** {@code BPF_XDP} = 37. */
    XDP(37, "xdp"),
    /** {@code BPF_SK_SKB_VERDICT} = 38. */
    SK_SKB_VERDICT(38, "sk_skb_verdict"),
    /** {@code BPF_SK_REUSEPORT_SELECT} = 39. */
    SK_REUSEPORT_SELECT(39, "sk_reuseport_select"),
    /** {@code BPF_SK_REUSEPORT_SELECT_OR_MIGRATE} = 40. */
    SK_REUSEPORT_SELECT_OR_MIGRATE(40, "sk_reuseport_select_or_migrate"),
    /** {@code BPF_PERF_EVENT} = 41. */
    PERF_EVENT(41, "perf_event"),
    /** {@code BPF_TRACE_KPROBE_MULTI} = 42. */
    TRACE_KPROBE_MULTI(42, "trace_kprobe_multi"),
    /** {@code BPF_LSM_CGROUP} = 43. */
    LSM_CGROUP(43, "lsm_cgroup"),
    /** {@code BPF_STRUCT_OPS} = 44. */
    STRUCT_OPS(44, "struct_ops"),
    /** {@code BPF_NETFILTER} = 45. */
    NETFILTER(45, "netfilter"),
    /** {@code BPF_TCX_INGRESS} = 46. */
    TCX_INGRESS(46, "tcx_ingress"),
    /** {@code BPF_TCX_EGRESS} = 47. */
    TCX_EGRESS(47, "tcx_egress"),
    /** {@code BPF_TRACE_UPROBE_MULTI} = 48. */
    TRACE_UPROBE_MULTI(48, "trace_uprobe_multi"),
    /** {@code BPF_CGROUP_UNIX_CONNECT} = 49. */
    CGROUP_UNIX_CONNECT(49, "cgroup_unix_connect"),
    /** {@code BPF_CGROUP_UNIX_SENDMSG} = 50. */
    CGROUP_UNIX_SENDMSG(50, "cgroup_unix_sendmsg"),
    /** {@code BPF_CGROUP_UNIX_RECVMSG} = 51. */
    CGROUP_UNIX_RECVMSG(51, "cgroup_unix_recvmsg"),
    /** {@code BPF_CGROUP_UNIX_GETPEERNAME} = 52. */
    CGROUP_UNIX_GETPEERNAME(52, "cgroup_unix_getpeername"),
    /** {@code BPF_CGROUP_UNIX_GETSOCKNAME} = 53. */
    CGROUP_UNIX_GETSOCKNAME(53, "cgroup_unix_getsockname"),
    /** {@code BPF_NETKIT_PRIMARY} = 54. */
    NETKIT_PRIMARY(54, "netkit_primary"),
    /** {@code BPF_NETKIT_PEER} = 55. */
    NETKIT_PEER(55, "netkit_peer"),
    /** {@code BPF_TRACE_KPROBE_SESSION} = 56. */
    TRACE_KPROBE_SESSION(56, "trace_kprobe_session"),
    /** {@code BPF_TRACE_UPROBE_SESSION} = 57. */
    TRACE_UPROBE_SESSION(57, "trace_uprobe_session"),
    /** {@code BPF_TRACE_FSESSION} = 58. */
    TRACE_FSESSION(58, "trace_fsession"),
    /** {@code BPF_TRACE_FENTRY_MULTI} = 59. */
    TRACE_FENTRY_MULTI(59, "trace_fentry_multi"),
    /** {@code BPF_TRACE_FEXIT_MULTI} = 60. */
    TRACE_FEXIT_MULTI(60, "trace_fexit_multi"),
    /** {@code BPF_TRACE_FSESSION_MULTI} = 61. */
    TRACE_FSESSION_MULTI(61, "trace_fsession_multi");

    private static final AttachType[] BY_ID = values();

    private final int id;
    private final String kernelName;

    AttachType(int id, String kernelName) {
        this.id = id;
        this.kernelName = kernelName;
    }

    /** The kernel's id. */
    public int id() {
        return id;
    }

    /** The lower-case name used by libbpf and bpftool, such as {@code cgroup_inet_ingress}. */
    public String kernelName() {
        return kernelName;
    }

    /** The attach type with this kernel id. */
    public static Optional<AttachType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }

    /** The attach type with this kernel name ({@code xdp}) or constant name ({@code XDP}, {@code BPF_XDP}). */
    public static Optional<AttachType> byName(String name) {
        String constant = name.startsWith("BPF_") ? name.substring(4) : name;
        for (AttachType t : BY_ID) {
            if (t.kernelName.equals(name) || t.name().equals(constant)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
