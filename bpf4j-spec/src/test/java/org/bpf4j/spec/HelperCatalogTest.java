package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HelperCatalogTest {
    private final HelperCatalog catalog = HelperCatalog.linux();

    private HelperSpec helper(String name) {
        return catalog.byName(name).orElseThrow(() -> new AssertionError("no helper " + name));
    }

    @Test
    void idsRunWithoutGapsFromZeroToTheLastHelper() {
        List<HelperSpec> all = catalog.all();
        assertEquals(212, all.size(), "Linux has helper ids 0..211 (the list is frozen)");
        assertEquals(211, catalog.maxId());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).id());
            assertTrue(names.add(all.get(i).name()), "duplicate name " + all.get(i).name());
            assertEquals(all.get(i), catalog.byId(i).orElseThrow());
        }
        assertTrue(catalog.byId(-1).isEmpty());
        assertTrue(catalog.byId(212).isEmpty());
    }

    @Test
    void anchorsMatchTheUapiHeader() {
        String[][] anchors = {
            {"0", "unspec"}, {"1", "map_lookup_elem"}, {"2", "map_update_elem"}, {"3", "map_delete_elem"},
            {"4", "probe_read"}, {"5", "ktime_get_ns"}, {"6", "trace_printk"}, {"7", "get_prandom_u32"},
            {"8", "get_smp_processor_id"}, {"12", "tail_call"}, {"14", "get_current_pid_tgid"},
            {"16", "get_current_comm"}, {"23", "redirect"}, {"25", "perf_event_output"}, {"26", "skb_load_bytes"},
            {"27", "get_stackid"}, {"35", "get_current_task"}, {"44", "xdp_adjust_head"}, {"51", "redirect_map"},
            {"67", "get_stack"}, {"84", "sk_lookup_tcp"}, {"86", "sk_release"}, {"93", "spin_lock"},
            {"112", "probe_read_user"}, {"113", "probe_read_kernel"}, {"130", "ringbuf_output"},
            {"131", "ringbuf_reserve"}, {"132", "ringbuf_submit"}, {"133", "ringbuf_discard"},
            {"158", "get_current_task_btf"}, {"164", "for_each_map_elem"}, {"165", "snprintf"},
            {"181", "loop"}, {"194", "kptr_xchg"}, {"209", "user_ringbuf_drain"}, {"210", "cgrp_storage_get"},
            {"211", "cgrp_storage_delete"},
        };
        for (String[] a : anchors) {
            assertEquals(a[1], catalog.byId(Integer.parseInt(a[0])).orElseThrow().name(), "helper " + a[0]);
        }
    }

    @Test
    void namesAreFoundWithAndWithoutThePrefix() {
        assertEquals(1, helper("map_lookup_elem").id());
        assertEquals(1, helper("bpf_map_lookup_elem").id());
        assertEquals("bpf_map_lookup_elem", helper("map_lookup_elem").kernelName());
        assertTrue(catalog.byName("no_such_helper").isEmpty());
        assertTrue(catalog.byName("bpf_").isEmpty());
    }

    @Test
    void everyHelperButTheReservedIdHasAKernelPrototype() {
        for (HelperSpec h : catalog.all()) {
            if (h.id() == 0) {
                assertTrue(h.reserved());
                assertEquals("", h.kernelProto());
                assertFalse(h.note().isEmpty(), "id 0 carries its reason");
                continue;
            }
            assertFalse(h.reserved(), h.name());
            assertTrue(h.kernelProto().endsWith("_proto") || h.kernelProto().contains("_proto_"),
                    h.name() + " -> " + h.kernelProto());
            assertTrue(h.args().size() <= HelperSpec.MAX_ARGS);
            assertEquals(h, catalog.byKernelProto(h.kernelProto()).orElseThrow());
        }
    }

    @Test
    void mapHelpers() {
        HelperSpec lookup = helper("map_lookup_elem");
        assertEquals(ReturnType.PTR_TO_MAP_VALUE_OR_NULL, lookup.ret());
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MAP_KEY), lookup.args());
        assertEquals("bpf_map_lookup_elem_proto", lookup.kernelProto());
        assertFalse(lookup.gplOnly());
        assertTrue(lookup.ret().isNullable());

        HelperSpec update = helper("map_update_elem");
        assertEquals(ReturnType.INTEGER, update.ret());
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MAP_KEY, ArgType.PTR_TO_MAP_VALUE,
                ArgType.ANYTHING), update.args());
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MAP_KEY), helper("map_delete_elem").args());
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_UNINIT_MAP_VALUE), helper("map_pop_elem").args());
        assertEquals(ReturnType.PTR_TO_MAP_VALUE, helper("get_local_storage").ret());
    }

    @Test
    void tracingHelpers() {
        HelperSpec printk = helper("trace_printk");
        assertEquals(List.of(ArgType.PTR_TO_MEM, ArgType.CONST_SIZE), printk.args());
        assertTrue(printk.gplOnly());
        assertTrue(helper("probe_read_kernel").gplOnly());
        assertEquals(List.of(ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE_OR_ZERO, ArgType.ANYTHING),
                helper("probe_read_kernel").args());
        assertTrue(helper("get_current_pid_tgid").args().isEmpty());
        assertEquals(ReturnType.INTEGER, helper("ktime_get_ns").ret());
        HelperSpec output = helper("perf_event_output");
        assertEquals(List.of(ArgType.PTR_TO_CTX, ArgType.CONST_MAP_PTR, ArgType.ANYTHING, ArgType.PTR_TO_MEM,
                ArgType.CONST_SIZE_OR_ZERO), output.args());
        assertTrue(output.gplOnly());
        HelperSpec task = helper("get_current_task_btf");
        assertEquals(ReturnType.PTR_TO_BTF_ID_TRUSTED, task.ret());
        assertEquals("task_struct", task.retBtfType().orElseThrow());
        assertEquals("task_struct", helper("task_storage_get").argBtfType(2).orElseThrow());
        assertTrue(helper("copy_from_user").has(HelperFlag.SLEEPABLE));
        assertTrue(helper("d_path").has(HelperFlag.ATTACH_RESTRICTED));
    }

    @Test
    void tailCallIsVoidAndCountsAsPacketChanging() {
        HelperSpec tailCall = helper("tail_call");
        assertEquals(ReturnType.VOID, tailCall.ret());
        assertEquals(List.of(ArgType.PTR_TO_CTX, ArgType.CONST_MAP_PTR, ArgType.ANYTHING), tailCall.args());
        assertTrue(tailCall.changesPacketData());
    }

    @Test
    void packetHelpers() {
        for (String name : List.of("skb_store_bytes", "l3_csum_replace", "l4_csum_replace", "skb_vlan_push",
                "skb_change_tail", "skb_pull_data", "xdp_adjust_head", "xdp_adjust_meta", "xdp_adjust_tail",
                "msg_push_data", "lwt_push_encap", "skb_adjust_room", "store_hdr_opt")) {
            assertTrue(helper(name).changesPacketData(), name);
        }
        for (String name : List.of("skb_load_bytes", "redirect", "map_lookup_elem", "xdp_store_bytes")) {
            assertFalse(helper(name).changesPacketData(), name);
        }
        assertTrue(helper("map_lookup_elem").has(HelperFlag.PACKET_ACCESS));
        assertEquals(List.of(ArgType.PTR_TO_CTX, ArgType.ANYTHING, ArgType.PTR_TO_UNINIT_MEM, ArgType.CONST_SIZE),
                helper("skb_load_bytes").args());
    }

    @Test
    void ringBufferReferences() {
        HelperSpec reserve = helper("ringbuf_reserve");
        assertEquals(ReturnType.PTR_TO_RINGBUF_MEM_OR_NULL, reserve.ret());
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.CONST_ALLOC_SIZE_OR_ZERO, ArgType.ANYTHING),
                reserve.args());
        assertTrue(reserve.acquires());
        assertFalse(reserve.releases());
        for (String name : List.of("ringbuf_submit", "ringbuf_discard")) {
            HelperSpec h = helper(name);
            assertEquals(ReturnType.VOID, h.ret());
            assertEquals(List.of(ArgType.PTR_TO_RINGBUF_MEM, ArgType.ANYTHING), h.args());
            assertTrue(h.releases());
            assertEquals(1, h.releasedArg());
        }
        assertEquals(List.of(ArgType.CONST_MAP_PTR, ArgType.PTR_TO_MEM, ArgType.CONST_SIZE_OR_ZERO,
                ArgType.ANYTHING), helper("ringbuf_output").args());
        assertTrue(helper("ringbuf_reserve_dynptr").acquires());
        assertEquals(ArgType.PTR_TO_UNINIT_DYNPTR_RINGBUF, helper("ringbuf_reserve_dynptr").arg(4));
        assertEquals(1, helper("ringbuf_submit_dynptr").releasedArg());
    }

    @Test
    void socketReferences() {
        for (String name : List.of("sk_lookup_tcp", "sk_lookup_udp")) {
            assertEquals(ReturnType.PTR_TO_SOCKET_OR_NULL, helper(name).ret());
            assertTrue(helper(name).acquires(), name);
        }
        assertEquals(ReturnType.PTR_TO_SOCK_COMMON_OR_NULL, helper("skc_lookup_tcp").ret());
        assertEquals(1, helper("sk_release").releasedArg());
        assertTrue(helper("tcp_sock").has(HelperFlag.POINTER_CAST));
        assertEquals(ReturnType.PTR_TO_TCP_SOCK_OR_NULL, helper("tcp_sock").ret());
        assertEquals("tcp6_sock", helper("skc_to_tcp6_sock").retBtfType().orElseThrow());
        HelperSpec xchg = helper("kptr_xchg");
        assertTrue(xchg.acquires());
        assertEquals(2, xchg.releasedArg());
        assertEquals(ArgType.PTR_TO_KPTR, xchg.arg(1));
    }

    @Test
    void callbacksAndFixedSizeArguments() {
        HelperSpec loop = helper("loop");
        assertEquals(List.of(ArgType.SCALAR, ArgType.PTR_TO_FUNC, ArgType.PTR_TO_STACK_OR_NULL, ArgType.ANYTHING),
                loop.args());
        assertTrue(loop.has(HelperFlag.CALLBACK));
        assertTrue(helper("for_each_map_elem").has(HelperFlag.CALLBACK));
        assertTrue(helper("timer_set_callback").has(HelperFlag.ASYNC_CALLBACK));
        assertEquals(ArgType.PTR_TO_TIMER, helper("timer_init").arg(1));
        assertEquals(ArgType.PTR_TO_SPIN_LOCK, helper("spin_lock").arg(1));

        HelperSpec strtol = helper("strtol");
        assertEquals(ArgType.PTR_TO_LONG, strtol.arg(4));
        assertEquals(OptionalInt.of(8), strtol.argSize(4));
        assertTrue(strtol.arg(4).mayBeUninitialized());
        assertEquals(ArgType.PTR_TO_CONST_STR, helper("strncmp").arg(3));
        assertEquals(ArgType.PTR_TO_INT, helper("check_mtu").arg(3));
        assertEquals(OptionalInt.of(4), helper("check_mtu").argSize(3));
        HelperSpec syncookie = helper("tcp_raw_gen_syncookie_ipv6");
        assertEquals(ArgType.PTR_TO_FIXED_SIZE_MEM, syncookie.arg(1));
        assertEquals(OptionalInt.of(40), syncookie.argSize(1), "sizeof(struct ipv6hdr)");
        assertEquals(OptionalInt.empty(), syncookie.argSize(2));
    }

    @Test
    void argumentTypePredicates() {
        assertTrue(ArgType.PTR_TO_MEM.isMemory());
        assertTrue(ArgType.CONST_SIZE_OR_ZERO.isSize());
        assertTrue(ArgType.PTR_TO_UNINIT_MEM.helperWrites());
        assertFalse(ArgType.PTR_TO_MEM.helperWrites());
        assertTrue(ArgType.PTR_TO_CTX_OR_NULL.isNullable());
        assertEquals("ARG_PTR_TO_MEM | MEM_RDONLY", ArgType.PTR_TO_MEM.kernelName());
        assertTrue(ReturnType.PTR_TO_SOCKET_OR_NULL.isPointer());
        assertFalse(ReturnType.VOID.isPointer());
        // every memory argument of every prototype is directly followed by its size
        for (HelperSpec h : catalog.all()) {
            for (int i = 0; i < h.args().size(); i++) {
                if (h.args().get(i).isMemory()) {
                    assertTrue(i + 1 < h.args().size() && h.args().get(i + 1).isSize(), h + " argument " + (i + 1));
                }
            }
        }
    }

    @Test
    void variantsBelongToTheirHelper() {
        assertFalse(catalog.variants().isEmpty());
        for (HelperSpec v : catalog.variants()) {
            HelperSpec general = catalog.byId(v.id()).orElseThrow();
            assertEquals(general.name(), v.name());
            assertNotNull(catalog.byKernelProto(v.kernelProto()).orElse(null));
        }
        HelperSpec tracingCookie = catalog.byKernelProto("bpf_get_socket_ptr_cookie_proto").orElseThrow();
        assertEquals(ArgType.PTR_TO_BTF_ID_SOCK_COMMON_OR_NULL, tracingCookie.arg(1));
    }

    @Test
    void toStringReadsLikeAPrototype() {
        assertEquals("1 map_lookup_elem(CONST_MAP_PTR, PTR_TO_MAP_KEY) -> PTR_TO_MAP_VALUE_OR_NULL",
                helper("map_lookup_elem").toString());
    }
}
