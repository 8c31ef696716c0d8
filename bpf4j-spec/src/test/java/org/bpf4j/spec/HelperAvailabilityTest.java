package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;

class HelperAvailabilityTest {
    private final HelperCatalog catalog = HelperCatalog.linux();

    private HelperSpec helper(String name) {
        return catalog.byName(name).orElseThrow(() -> new AssertionError("no helper " + name));
    }

    private void allows(ProgramType type, String... names) {
        for (String name : names) {
            assertTrue(catalog.allowed(type, helper(name)), type + " should allow " + name);
        }
    }

    private void denies(ProgramType type, String... names) {
        for (String name : names) {
            assertFalse(catalog.allowed(type, helper(name)), type + " should not allow " + name);
            assertTrue(catalog.prototype(type, helper(name)).isEmpty());
        }
    }

    @Test
    void everyRealProgramTypeHasTheMapHelpers() {
        for (ProgramType type : ProgramType.values()) {
            if (type == ProgramType.UNSPEC) {
                assertTrue(catalog.allowedHelpers(type).isEmpty());
                continue;
            }
            allows(type, "map_lookup_elem", "map_update_elem", "map_delete_elem", "ktime_get_ns", "tail_call",
                    "get_prandom_u32");
            denies(type, "unspec");
        }
    }

    @Test
    void everyHelperIsAllowedSomewhereBesidesFreplace() {
        for (HelperSpec h : catalog.all()) {
            if (h.reserved()) {
                continue;
            }
            boolean somewhere = false;
            for (ProgramType type : ProgramType.values()) {
                somewhere |= type != ProgramType.EXT && catalog.allowed(type, h);
            }
            assertTrue(somewhere, h + " is allowed in no program type");
        }
    }

    @Test
    void kprobe() {
        allows(ProgramType.KPROBE, "get_current_pid_tgid", "get_current_comm", "probe_read_kernel", "probe_read_user",
                "override_return", "perf_event_output", "get_stackid", "get_stack", "trace_printk", "send_signal",
                "ringbuf_reserve", "get_func_ip", "get_attach_cookie");
        denies(ProgramType.KPROBE, "skb_store_bytes", "xdp_adjust_head", "redirect", "seq_printf",
                "get_func_arg", "d_path", "sys_bpf", "rc_repeat");
        assertEquals("bpf_perf_event_output_proto",
                catalog.prototype(ProgramType.KPROBE, helper("perf_event_output")).orElseThrow().kernelProto());
        assertEquals("bpf_get_func_ip_proto_kprobe",
                catalog.prototype(ProgramType.KPROBE, helper("get_func_ip")).orElseThrow().kernelProto());
    }

    @Test
    void tracepointAndPerfEventGetTheirOwnPrototypes() {
        assertEquals("bpf_perf_event_output_proto_tp",
                catalog.prototype(ProgramType.TRACEPOINT, helper("perf_event_output")).orElseThrow().kernelProto());
        assertEquals("bpf_get_stackid_proto_pe",
                catalog.prototype(ProgramType.PERF_EVENT, helper("get_stackid")).orElseThrow().kernelProto());
        allows(ProgramType.PERF_EVENT, "perf_prog_read_value", "read_branch_records");
        denies(ProgramType.TRACEPOINT, "perf_prog_read_value", "override_return");
        assertEquals("bpf_perf_event_output_proto_raw_tp",
                catalog.prototype(ProgramType.RAW_TRACEPOINT, helper("perf_event_output")).orElseThrow().kernelProto());
    }

    @Test
    void tracingIterAndTrampolineHelpers() {
        allows(ProgramType.TRACING, "seq_printf", "seq_write", "get_func_arg", "get_func_ret", "d_path",
                "skc_to_tcp_sock", "sock_from_file", "get_current_task_btf", "task_storage_get", "setsockopt");
        assertEquals("attach=trace_iter", catalog.condition(ProgramType.TRACING, helper("seq_printf")).orElseThrow());
        assertEquals("bpf_sk_storage_get_tracing_proto",
                catalog.prototype(ProgramType.TRACING, helper("sk_storage_get")).orElseThrow().kernelProto());
        assertEquals(ArgType.PTR_TO_BTF_ID_OR_NULL,
                catalog.prototype(ProgramType.TRACING, helper("sk_storage_get")).orElseThrow().arg(2));
        allows(ProgramType.LSM, "bprm_opts_set", "ima_inode_hash", "inode_storage_get", "get_func_arg", "d_path");
        denies(ProgramType.KPROBE, "bprm_opts_set", "inode_storage_get");
        allows(ProgramType.SYSCALL, "sys_bpf", "sys_close", "btf_find_by_name_kind", "kallsyms_lookup_name",
                "get_func_arg");
    }

    @Test
    void xdp() {
        allows(ProgramType.XDP, "xdp_adjust_head", "xdp_adjust_tail", "xdp_adjust_meta", "redirect", "redirect_map",
                "xdp_load_bytes", "xdp_store_bytes", "fib_lookup", "check_mtu", "sk_lookup_tcp", "csum_diff",
                "ringbuf_output", "perf_event_output", "skc_to_tcp_sock");
        denies(ProgramType.XDP, "skb_store_bytes", "skb_load_bytes", "override_return", "probe_write_user",
                "clone_redirect");
        // by Linux 6.18 these tracing helpers are in bpf_base_func_proto: every program type has them
        allows(ProgramType.XDP, "get_current_comm", "perf_event_read", "send_signal", "get_current_uid_gid",
                "task_storage_get", "find_vma", "copy_from_user");
        assertEquals("bpf_xdp_redirect_proto",
                catalog.prototype(ProgramType.XDP, helper("redirect")).orElseThrow().kernelProto());
        assertEquals("bpf_xdp_fib_lookup_proto",
                catalog.prototype(ProgramType.XDP, helper("fib_lookup")).orElseThrow().kernelProto());
        assertEquals("cap=CAP_PERFMON", catalog.condition(ProgramType.XDP, helper("skc_to_tcp_sock")).orElseThrow());
    }

    @Test
    void tcAndSocketFilter() {
        for (ProgramType tc : List.of(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT)) {
            allows(tc, "skb_store_bytes", "skb_load_bytes", "l3_csum_replace", "l4_csum_replace", "clone_redirect",
                    "redirect", "redirect_neigh", "redirect_peer", "skb_vlan_push", "skb_change_head",
                    "skb_adjust_room", "skb_get_tunnel_key", "skb_set_tunnel_key", "fib_lookup", "sk_assign");
            denies(tc, "xdp_adjust_head", "probe_write_user", "msg_push_data", "override_return");
            allows(tc, "get_current_comm", "get_netns_cookie");
        }
        allows(ProgramType.SOCKET_FILTER, "skb_load_bytes", "skb_load_bytes_relative", "get_socket_cookie",
                "get_socket_uid", "perf_event_output", "get_netns_cookie", "send_signal_thread");
        denies(ProgramType.SOCKET_FILTER, "skb_store_bytes", "redirect", "l3_csum_replace", "xdp_adjust_head");
        assertEquals("bpf_skb_event_output_proto",
                catalog.prototype(ProgramType.SOCKET_FILTER, helper("perf_event_output")).orElseThrow().kernelProto());
    }

    @Test
    void cgroupHooks() {
        allows(ProgramType.CGROUP_SKB, "sk_fullsock", "sk_storage_get", "skb_cgroup_id", "get_local_storage",
                "skb_load_bytes", "sk_lookup_tcp", "tcp_sock");
        denies(ProgramType.CGROUP_SKB, "skb_store_bytes", "redirect");
        allows(ProgramType.CGROUP_SOCK_ADDR, "bind", "setsockopt", "getsockopt", "get_current_uid_gid",
                "get_current_comm", "get_retval", "set_retval");
        assertEquals("attach=cgroup_inet4_connect|cgroup_inet6_connect",
                catalog.condition(ProgramType.CGROUP_SOCK_ADDR, helper("bind")).orElseThrow());
        assertEquals("bpf_sock_addr_setsockopt_proto",
                catalog.prototype(ProgramType.CGROUP_SOCK_ADDR, helper("setsockopt")).orElseThrow().kernelProto());
        denies(ProgramType.CGROUP_SOCK, "bind");
        allows(ProgramType.CGROUP_SYSCTL, "sysctl_get_name", "sysctl_set_new_value", "strtol");
        denies(ProgramType.CGROUP_DEVICE, "sysctl_get_name");
        allows(ProgramType.SOCK_OPS, "sock_ops_cb_flags_set", "sock_map_update", "load_hdr_opt", "store_hdr_opt");
    }

    @Test
    void smallerProgramTypes() {
        allows(ProgramType.LIRC_MODE2, "rc_repeat", "rc_keydown", "rc_pointer_rel", "trace_printk");
        denies(ProgramType.LIRC_MODE2, "get_current_pid_tgid", "ringbuf_output", "loop", "skb_load_bytes");
        allows(ProgramType.SK_MSG, "msg_redirect_map", "msg_apply_bytes", "msg_push_data", "msg_pop_data");
        allows(ProgramType.SK_SKB, "sk_redirect_map", "skb_change_tail", "skb_pull_data");
        assertEquals("sk_skb_pull_data_proto",
                catalog.prototype(ProgramType.SK_SKB, helper("skb_pull_data")).orElseThrow().kernelProto());
        allows(ProgramType.SK_REUSEPORT, "sk_select_reuseport", "skb_load_bytes");
        allows(ProgramType.SK_LOOKUP, "sk_assign", "sk_release");
        assertEquals("bpf_sk_lookup_assign_proto",
                catalog.prototype(ProgramType.SK_LOOKUP, helper("sk_assign")).orElseThrow().kernelProto());
        allows(ProgramType.FLOW_DISSECTOR, "skb_load_bytes");
        allows(ProgramType.LWT_XMIT, "skb_set_tunnel_key", "lwt_push_encap", "clone_redirect");
        allows(ProgramType.LWT_IN, "lwt_push_encap");
        denies(ProgramType.LWT_OUT, "lwt_push_encap");
        allows(ProgramType.LWT_SEG6LOCAL, "lwt_seg6_action", "lwt_seg6_store_bytes");
        allows(ProgramType.NETFILTER, "ringbuf_output", "loop");
        denies(ProgramType.NETFILTER, "skb_load_bytes");
        allows(ProgramType.STRUCT_OPS, "tcp_send_ack", "task_storage_get", "loop");
    }

    @Test
    void lwtSeg6localDeniesSkbPullDataExplicitly() {
        // lwt_out allows it, and lwt_seg6local falls back to lwt_out, but returns NULL for it first
        allows(ProgramType.LWT_OUT, "skb_pull_data");
        denies(ProgramType.LWT_SEG6LOCAL, "skb_pull_data");
    }

    @Test
    void baseHelperCapabilityTiersAreReported() {
        assertTrue(catalog.condition(ProgramType.SOCKET_FILTER, helper("map_lookup_elem")).isEmpty());
        assertEquals("cap=CAP_BPF", catalog.condition(ProgramType.SOCKET_FILTER, helper("loop")).orElseThrow());
        assertEquals("cap=CAP_PERFMON",
                catalog.condition(ProgramType.SOCKET_FILTER, helper("get_current_task")).orElseThrow());
    }

    @Test
    void freplaceTakesEveryHelper() {
        assertEquals(catalog.all().size() - 1, catalog.allowedHelpers(ProgramType.EXT).size());
    }

    @Test
    void malformedAvailabilityNamesTheLine() {
        String helpers = Tsv.resource("helpers.tsv");
        String variants = Tsv.resource("helper-variants.tsv");
        String bad = Tsv.resource("helper-availability.tsv").replace("\nmap_lookup_elem\tbpf_map_lookup_elem_proto",
                "\nmap_lookup_elem\tbpf_no_such_proto");
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> HelperCatalog.load(helpers, variants, bad));
        assertTrue(e.getMessage().startsWith("helper-availability.tsv:"), e.getMessage());
        assertTrue(e.getMessage().contains("bpf_no_such_proto"), e.getMessage());
    }

    @Test
    void malformedHelperTableNamesTheLine() {
        String variants = Tsv.resource("helper-variants.tsv");
        String availability = Tsv.resource("helper-availability.tsv");
        String gap = Tsv.resource("helpers.tsv").replace("\n5\tktime_get_ns", "\n55\tktime_get_ns");
        assertThrows(MalformedInputException.class, () -> HelperCatalog.load(gap, variants, availability));
        String badType = Tsv.resource("helpers.tsv").replace("PTR_TO_MAP_KEY", "PTR_TO_NOWHERE");
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> HelperCatalog.load(badType, variants, availability));
        assertTrue(e.getMessage().matches("helpers\\.tsv:\\d+: unknown ArgType 'PTR_TO_NOWHERE'"), e.getMessage());
    }
}
