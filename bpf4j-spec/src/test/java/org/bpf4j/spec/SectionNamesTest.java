package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;

class SectionNamesTest {
    private static SectionDef resolve(String name) {
        return SectionNames.resolve(name).orElseThrow(() -> new AssertionError("no convention for " + name));
    }

    private static void check(String name, ProgramType type, AttachType attach) {
        SectionDef def = resolve(name);
        assertEquals(type, def.programType(), name);
        assertEquals(Optional.ofNullable(attach), def.expectedAttachType(), name);
    }

    @Test
    void probes() {
        check("kprobe/do_unlinkat", ProgramType.KPROBE, null);
        check("kprobe", ProgramType.KPROBE, null);
        check("kretprobe/do_unlinkat", ProgramType.KPROBE, null);
        check("uprobe//bin/bash:readline", ProgramType.KPROBE, null);
        check("uretprobe/libc.so.6:malloc", ProgramType.KPROBE, null);
        check("kprobe.multi/tcp_*", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI);
        check("kprobe.session/x", ProgramType.KPROBE, AttachType.TRACE_KPROBE_SESSION);
        check("uprobe.multi/lib:f*", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI);
        check("ksyscall/openat", ProgramType.KPROBE, null);
        assertTrue(resolve("uprobe.s/lib:f").sleepable());
        assertFalse(resolve("uprobe/lib:f").sleepable());
        SectionDef usdt = resolve("usdt/libc:probe");
        assertTrue(usdt.has(SectionFlag.USDT));
        assertEquals("usdt", usdt.autoAttach().orElseThrow());
        assertEquals("do_unlinkat", resolve("kprobe/do_unlinkat").target("kprobe/do_unlinkat").orElseThrow());
        assertTrue(resolve("kprobe").target("kprobe").isEmpty());
    }

    @Test
    void aQuestionMarkOnlyTurnsAutoloadOff() {
        // libbpf's SEC("?tp"): the program is not loaded unless asked for, its type is the section's
        check("?tp/sched/sched_switch", ProgramType.TRACEPOINT, null);
        check("?raw_tp", ProgramType.RAW_TRACEPOINT, null);
        check("?cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG);
        assertEquals("task_newtask", resolve("?tp_btf/task_newtask").target("?tp_btf/task_newtask").orElseThrow());
        assertEquals("tp/x", SectionNames.withoutAutoloadMark("?tp/x"));
        assertEquals("tp/x", SectionNames.withoutAutoloadMark("tp/x"));
        assertTrue(SectionNames.resolve("??tp").isEmpty());
    }

    @Test
    void plusPatternsNeedASlash() {
        assertTrue(SectionNames.resolve("kprobes/x").isEmpty());
        assertTrue(SectionNames.resolve("kprobex").isEmpty());
        assertTrue(SectionNames.resolve("xdp_prog").isEmpty());
        assertTrue(SectionNames.resolve("xdp/foo").isEmpty(), "xdp matches exactly");
        assertTrue(SectionNames.resolve("").isEmpty());
        assertTrue(SectionNames.resolve(".text").isEmpty());
        assertTrue(SectionNames.resolve("license").isEmpty());
    }

    @Test
    void tracepointsAndBtfTracing() {
        check("tracepoint/syscalls/sys_enter_openat", ProgramType.TRACEPOINT, null);
        check("tp/sched/sched_switch", ProgramType.TRACEPOINT, null);
        assertEquals("sched/sched_switch", resolve("tp/sched/sched_switch").target("tp/sched/sched_switch").orElseThrow());
        check("raw_tracepoint/sched_switch", ProgramType.RAW_TRACEPOINT, null);
        check("raw_tp/sched_switch", ProgramType.RAW_TRACEPOINT, null);
        check("raw_tp.w/x", ProgramType.RAW_TRACEPOINT_WRITABLE, null);
        check("tp_btf/sched_switch", ProgramType.TRACING, AttachType.TRACE_RAW_TP);
        check("fentry/do_unlinkat", ProgramType.TRACING, AttachType.TRACE_FENTRY);
        check("fexit/do_unlinkat", ProgramType.TRACING, AttachType.TRACE_FEXIT);
        check("fmod_ret/x", ProgramType.TRACING, AttachType.MODIFY_RETURN);
        assertTrue(resolve("fentry/do_unlinkat").has(SectionFlag.ATTACH_BTF));
        assertTrue(resolve("fentry.s/x").sleepable());
        check("freplace/handler", ProgramType.EXT, null);
        check("lsm/file_open", ProgramType.LSM, AttachType.LSM_MAC);
        assertTrue(resolve("lsm.s/bprm_committed_creds").sleepable());
        check("lsm_cgroup/socket_bind", ProgramType.LSM, AttachType.LSM_CGROUP);
        check("iter/task", ProgramType.TRACING, AttachType.TRACE_ITER);
        check("struct_ops/tcp_init", ProgramType.STRUCT_OPS, null);
        check("struct_ops", ProgramType.STRUCT_OPS, null);
        check("perf_event", ProgramType.PERF_EVENT, null);
        check("syscall", ProgramType.SYSCALL, null);
        assertTrue(resolve("syscall").sleepable());
    }

    @Test
    void networking() {
        check("socket", ProgramType.SOCKET_FILTER, null);
        check("xdp", ProgramType.XDP, AttachType.XDP);
        SectionDef frags = resolve("xdp.frags");
        assertEquals(ProgramType.XDP, frags.programType());
        assertTrue(frags.has(SectionFlag.XDP_FRAGS));
        assertFalse(resolve("xdp").has(SectionFlag.XDP_FRAGS));
        check("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP);
        check("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP);
        check("tc", ProgramType.SCHED_CLS, null);
        check("classifier", ProgramType.SCHED_CLS, null);
        check("action", ProgramType.SCHED_ACT, null);
        check("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        check("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS);
        check("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        check("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER);
        check("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR);
        check("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP);
        check("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER);
        check("lwt_in", ProgramType.LWT_IN, null);
        check("lwt_xmit", ProgramType.LWT_XMIT, null);
        check("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null);
        check("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT);
        check("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER);
        check("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT);
        check("sk_skb", ProgramType.SK_SKB, null);
        check("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS);
        check("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE);
        check("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT);
        check("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2);
    }

    @Test
    void cgroups() {
        check("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS);
        check("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS);
        check("cgroup/skb", ProgramType.CGROUP_SKB, null);
        check("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        check("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE);
        check("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND);
        check("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND);
        check("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT);
        check("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT);
        check("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG);
        check("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG);
        check("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME);
        check("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL);
        check("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT);
        check("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT);
        check("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE);
        assertTrue(SectionNames.resolve("cgroup/connect").isEmpty());
        assertTrue(resolve("cgroup/dev").has(SectionFlag.ATTACH_OPTIONAL));
    }

    @Test
    void tableIsWellFormed() {
        Set<String> patterns = new HashSet<>();
        for (SectionDef def : SectionNames.all()) {
            assertTrue(patterns.add(def.pattern()), "duplicate " + def.pattern());
            // every pattern's own name resolves to an entry of the same program type
            assertEquals(def.programType(), resolve(def.prefix()).programType(), def.pattern());
        }
        assertEquals(116, SectionNames.all().size());
        // every program type except UNSPEC can be reached by a section name
        for (ProgramType t : ProgramType.values()) {
            boolean reached = SectionNames.all().stream().anyMatch(d -> d.programType() == t);
            assertEquals(t != ProgramType.UNSPEC, reached, t.name());
        }
    }

    @Test
    void malformedTableNamesTheLine() {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> SectionNames.parse("# c\nkprobe+\tKPROBE\t-\t-\n", "t.tsv"));
        assertEquals("t.tsv:2: expected 5 tab-separated fields (pattern, program, attach, flags, auto), found 4",
                e.getMessage());
        e = assertThrows(MalformedInputException.class,
                () -> SectionNames.parse("x\tNOPE\t-\t-\t-\n", "t.tsv"));
        assertEquals("t.tsv:1: unknown ProgramType 'NOPE'", e.getMessage());
    }
}
