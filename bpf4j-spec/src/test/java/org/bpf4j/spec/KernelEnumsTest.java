package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelEnumsTest {
    @Test
    void programTypeIdsRunWithoutGaps() {
        Set<String> names = new HashSet<>();
        for (ProgramType t : ProgramType.values()) {
            assertEquals(t.ordinal(), t.id());
            assertTrue(names.add(t.kernelName()), t.kernelName());
            assertEquals(t, ProgramType.byId(t.id()).orElseThrow());
            assertEquals(t, ProgramType.byName(t.kernelName()).orElseThrow());
            assertEquals(t, ProgramType.byName("BPF_PROG_TYPE_" + t.name()).orElseThrow());
        }
        assertEquals(33, ProgramType.values().length);
        assertTrue(ProgramType.byId(33).isEmpty());
    }

    @Test
    void programTypeAnchors() {
        assertEquals(1, ProgramType.SOCKET_FILTER.id());
        assertEquals(2, ProgramType.KPROBE.id());
        assertEquals(3, ProgramType.SCHED_CLS.id());
        assertEquals(5, ProgramType.TRACEPOINT.id());
        assertEquals(6, ProgramType.XDP.id());
        assertEquals(7, ProgramType.PERF_EVENT.id());
        assertEquals(8, ProgramType.CGROUP_SKB.id());
        assertEquals(17, ProgramType.RAW_TRACEPOINT.id());
        assertEquals(26, ProgramType.TRACING.id());
        assertEquals(29, ProgramType.LSM.id());
        assertEquals(31, ProgramType.SYSCALL.id());
        assertEquals(32, ProgramType.NETFILTER.id());
        assertEquals("sched_cls", ProgramType.SCHED_CLS.kernelName());
        assertEquals("socket_filter", ProgramType.SOCKET_FILTER.kernelName());
    }

    @Test
    void programContexts() {
        assertEquals("struct __sk_buff", ProgramType.SCHED_CLS.contextType());
        assertEquals("__sk_buff", ProgramType.SOCKET_FILTER.contextStruct().orElseThrow());
        assertEquals("struct sk_buff", ProgramType.CGROUP_SKB.kernelContextType());
        assertEquals("xdp_md", ProgramType.XDP.contextStruct().orElseThrow());
        assertEquals("struct xdp_buff", ProgramType.XDP.kernelContextType());
        assertEquals("bpf_user_pt_regs_t", ProgramType.KPROBE.contextType());
        assertTrue(ProgramType.KPROBE.contextStruct().isEmpty());
        assertEquals("struct pt_regs", ProgramType.KPROBE.kernelContextType());
        assertEquals("bpf_perf_event_data", ProgramType.PERF_EVENT.contextStruct().orElseThrow());
        assertEquals("bpf_sock_addr", ProgramType.CGROUP_SOCK_ADDR.contextStruct().orElseThrow());
        assertEquals("sk_msg_md", ProgramType.SK_MSG.contextStruct().orElseThrow());
        assertEquals("bpf_raw_tracepoint_args", ProgramType.RAW_TRACEPOINT.contextStruct().orElseThrow());
        assertEquals("void *", ProgramType.TRACING.contextType());
        assertEquals("bpf_nf_ctx", ProgramType.NETFILTER.contextStruct().orElseThrow());
        for (ProgramType t : ProgramType.values()) {
            assertEquals(t == ProgramType.UNSPEC, t.contextType().isEmpty(), t.name());
        }
    }

    @Test
    void attachTypes() {
        for (AttachType t : AttachType.values()) {
            assertEquals(t.ordinal(), t.id());
            assertEquals(t, AttachType.byId(t.id()).orElseThrow());
            assertEquals(t, AttachType.byName(t.kernelName()).orElseThrow());
            assertEquals(t, AttachType.byName("BPF_" + t.name()).orElseThrow());
        }
        assertEquals(0, AttachType.CGROUP_INET_INGRESS.id());
        assertEquals(1, AttachType.CGROUP_INET_EGRESS.id());
        assertEquals(3, AttachType.CGROUP_SOCK_OPS.id());
        assertEquals(10, AttachType.CGROUP_INET4_CONNECT.id());
        assertEquals(23, AttachType.TRACE_RAW_TP.id());
        assertEquals(24, AttachType.TRACE_FENTRY.id());
        assertEquals(27, AttachType.LSM_MAC.id());
        assertEquals(28, AttachType.TRACE_ITER.id());
        assertEquals(37, AttachType.XDP.id());
        assertEquals(42, AttachType.TRACE_KPROBE_MULTI.id());
        assertEquals(45, AttachType.NETFILTER.id());
        assertEquals(46, AttachType.TCX_INGRESS.id());
        assertEquals(48, AttachType.TRACE_UPROBE_MULTI.id());
        assertEquals(55, AttachType.NETKIT_PEER.id());
        assertEquals("cgroup_inet_ingress", AttachType.CGROUP_INET_INGRESS.kernelName());
        assertEquals("trace_fentry", AttachType.TRACE_FENTRY.kernelName());
    }

    @Test
    void mapTypes() {
        Set<String> names = new HashSet<>();
        for (MapType t : MapType.values()) {
            assertEquals(t.ordinal(), t.id());
            assertTrue(names.add(t.kernelName()));
            assertEquals(t, MapType.byId(t.id()).orElseThrow());
            assertEquals(t, MapType.byName(t.kernelName()).orElseThrow());
            assertEquals(t, MapType.byName("BPF_MAP_TYPE_" + t.name()).orElseThrow());
        }
        assertEquals(1, MapType.HASH.id());
        assertEquals(2, MapType.ARRAY.id());
        assertEquals(3, MapType.PROG_ARRAY.id());
        assertEquals(4, MapType.PERF_EVENT_ARRAY.id());
        assertEquals(5, MapType.PERCPU_HASH.id());
        assertEquals(9, MapType.LRU_HASH.id());
        assertEquals(11, MapType.LPM_TRIE.id());
        assertEquals(15, MapType.SOCKMAP.id());
        assertEquals(19, MapType.CGROUP_STORAGE.id());
        assertEquals(22, MapType.QUEUE.id());
        assertEquals(27, MapType.RINGBUF.id());
        assertEquals(30, MapType.BLOOM_FILTER.id());
        assertEquals(31, MapType.USER_RINGBUF.id());
        assertEquals(32, MapType.CGRP_STORAGE.id());
        assertEquals(33, MapType.ARENA.id());
        assertEquals("lru_percpu_hash", MapType.LRU_PERCPU_HASH.kernelName());
        assertTrue(MapType.PERCPU_ARRAY.perCpu());
        assertFalse(MapType.ARRAY.perCpu());
        assertTrue(MapType.HASH_OF_MAPS.mapOfMaps());
    }
}
