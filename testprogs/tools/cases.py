"""The inputs of every test program: per object file, cases of one or more runs.

A case loads the object afresh, applies `updates` (map, key bytes, value bytes) from the host,
then runs `program` once per Run (packet `data`, optional context `ctx`)."""
import struct
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from packets import *  # noqa: F401,F403


@dataclass
class Run:
    data: bytes
    ctx: Optional[bytes] = None


@dataclass
class Case:
    name: str
    program: str
    runs: List[Run]
    updates: List[Tuple[str, bytes, bytes]] = field(default_factory=list)
    note: str = ""


def one(name, program, data, ctx=None, updates=(), note=""):
    return Case(name, program, [Run(data, ctx)], list(updates), note)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


CASES = {}

CASES["xdp_parse.o"] = [
    one("ipv4_tcp_pass", "xdp_parse", tcp4()),
    one("ipv4_tcp_telnet_drop", "xdp_parse", tcp4(dport=23)),
    one("ipv4_udp", "xdp_parse", udp4()),
    one("ipv4_options_udp", "xdp_parse", udp4(options=b"\x01\x01\x01\x00")),
    one("ipv4_fragment_drop", "xdp_parse", udp4(frag=0x2000)),
    one("ipv4_bad_ihl_aborted", "xdp_parse", udp4(bad_ihl=3)),
    one("ipv4_ihl_past_end_drop", "xdp_parse", eth(0x0800, ipv4("10.0.0.1", "10.0.0.2", 17, b"", bad_ihl=15))),
    one("ipv4_truncated_udp", "xdp_parse", udp4()[:14 + 20 + 4]),
    one("ipv6_tcp", "xdp_parse", tcp6()),
    one("ipv6_udp", "xdp_parse", udp6()),
    one("ipv6_truncated", "xdp_parse", tcp6()[:14 + 30]),
    one("vlan_ipv4_udp", "xdp_parse", tagged(udp4(dport=5353), [(0x8100, 100)])),
    one("qinq_ipv6_tcp", "xdp_parse", tagged(tcp6(dport=22), [(0x88A8, 10), (0x8100, 20)])),
    one("vlan_truncated", "xdp_parse", tagged(udp4(), [(0x8100, 5)])[:16]),
    one("arp", "xdp_parse", arp()),
    one("icmp_echo_tx", "xdp_parse", icmp4()),
    one("icmp_reply_pass", "xdp_parse", icmp4(kind=0)),
    one("other_ethertype", "xdp_parse", eth(0x88CC, zeros(46))),
    one("short_frame", "xdp_parse", zeros(14)[:14]),
    Case("ports_accumulate", "xdp_parse", [Run(udp4(dport=53)), Run(udp4(dport=53, payload=b"q2")),
                                           Run(tcp4(dport=80)), Run(tcp6(dport=80))],
         note="four runs on one load: bytes per port add up"),
]


def ipip(inner_frame):
    return eth(0x0800, ipv4("192.0.2.1", "192.0.2.2", 4, inner_frame[14:], ident=0))


def xdp_md(data_len, ingress_ifindex=0, rx_queue_index=0, meta_len=0):
    # struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex
    return struct.pack("<6I", meta_len, meta_len + data_len, 0, ingress_ifindex, rx_queue_index, 0)


CASES["xdp_adjust.o"] = [
    one("encap_ipv4", "xdp_encap", udp4()),
    one("encap_not_ipv4", "xdp_encap", tcp6()),
    one("decap_ipip", "xdp_decap", ipip(udp4())),
    one("decap_plain_ipv4", "xdp_decap", udp4()),
    one("resize_trim", "xdp_resize", tcp4(payload=b"x" * 100)),
    one("resize_grow", "xdp_resize", udp4()[:42]),
    one("resize_same", "xdp_resize", udp4(payload=b"q" * 18)),
    one("limits_small", "xdp_limits", udp4()),
    one("limits_large", "xdp_limits", udp4(payload=b"L" * 1400)),
    one("meta", "xdp_meta", udp4()),
    one("ctx_default", "xdp_ctx", udp4()),
    one("ctx_lo_queue0", "xdp_ctx", udp4(), ctx=xdp_md(len(udp4()), ingress_ifindex=1)),
]


def sk_buff(**f):
    """A struct __sk_buff (192 bytes) with the named fields set; the rest zero."""
    offs = {"len": 0, "pkt_type": 4, "mark": 8, "queue_mapping": 12, "protocol": 16, "priority": 32,
            "ingress_ifindex": 36, "ifindex": 40, "tc_index": 44, "cb0": 48, "cb1": 52, "cb2": 56, "cb3": 60,
            "cb4": 64, "tc_classid": 72, "wire_len": 160, "gso_segs": 164, "gso_size": 176}
    b = bytearray(192)
    for k, v in f.items():
        struct.pack_into("<I", b, offs[k], v)
    return bytes(b)


def redirect_frame(flags, ifindex):
    return udp4(payload=b"rd" + bytes([flags, ifindex]))


CASES["tc_skb.o"] = [
    one("fields_ipv4", "tc_fields", udp4()),
    one("fields_ipv6_ctx", "tc_fields", tcp6(), ctx=sk_buff(mark=5, priority=3, cb0=0x11, cb4=0x44, ifindex=1)),
    one("fields_broadcast", "tc_fields", arp()),
    one("fields_other_host", "tc_fields", eth(0x0800, udp4()[14:], dst=bytes.fromhex("020000000009"))),
    one("nat_udp", "tc_nat", udp4()),
    one("nat_tcp", "tc_nat", tcp4(dport=443)),
    one("nat_ipv6_untouched", "tc_nat", udp6()),
    one("nat_icmp_untouched", "tc_nat", icmp4()),
    one("load_udp", "tc_load", udp4()),
    one("load_short", "tc_load", eth(0x0800, zeros(10))),
    one("pull_long", "tc_pull", tcp4(payload=b"0123456789abcdef")),
    one("pull_short", "tc_pull", eth(0x88B5, zeros(10))),
    one("redirect_lo", "tc_redirect", redirect_frame(0, 1)),
    one("redirect_ingress", "tc_redirect", redirect_frame(1, 1)),
    one("redirect_bad_flags", "tc_redirect", redirect_frame(0x80, 1)),
]

CASES["socket_filter.o"] = [
    one("dns_keep_all", "sock_dns", udp4(dport=53)),
    one("other_udp_drop", "sock_dns", udp4(dport=123)),
    one("tcp_truncate", "sock_dns", tcp4(payload=b"t" * 100)),
    one("ipv6_drop", "sock_dns", udp6()),
    one("view_ipv4", "sock_view", tcp4(payload=b"p" * 40)),
    one("view_arp", "sock_view", arp()),
    one("ldabs_out_of_bounds", "sock_ldabs_oob", udp4()),
]


def seeded(n):
    """A UDP frame whose byte 14 (the IPv4 version/IHL byte in a real frame) is n: the maps
    programs read it as a seed. The rest is a valid frame so that any test run accepts it."""
    f = bytearray(udp4())
    f[14] = n
    return bytes(f)


def lpm_key(prefixlen, a):
    return struct.pack("<I", prefixlen) + bytes(a)


LPM_ROUTES = [("lpm", lpm_key(8, [10, 0, 0, 0]), u32(8)), ("lpm", lpm_key(16, [10, 1, 0, 0]), u32(16)),
              ("lpm", lpm_key(0, [0, 0, 0, 0]), u32(0)), ("lpm", lpm_key(12, [172, 16, 0, 0]), u32(12))]

CASES["maps.o"] = [
    one("array_seed0", "map_array", seeded(0)),
    one("array_seed3", "map_array", seeded(3)),
    one("array_seed9_out_of_range", "map_array", seeded(9)),
    one("hash", "map_hash", seeded(5)),
    one("hash_prefilled", "map_hash", seeded(5), updates=[("hash", u32(5), u64(77)), ("hash", u32(99), u64(1))]),
    Case("percpu_twice", "map_percpu", [Run(seeded(0)), Run(seeded(0)), Run(seeded(1))]),
    one("lru", "map_lru", seeded(0)),
    Case("lru_twice", "map_lru", [Run(seeded(0)), Run(seeded(100))]),
    one("lpm_host_routes", "map_lpm", seeded(7), updates=LPM_ROUTES),
    one("lpm_empty", "map_lpm", seeded(7)),
    one("queue_stack", "map_queue_stack", seeded(0x40)),
    one("bloom", "map_bloom", seeded(1)),
    one("foreach", "map_foreach", seeded(2)),
    one("ringbuf", "map_ringbuf", seeded(9)),
    Case("ringbuf_until_full", "map_ringbuf", [Run(seeded(1)), Run(seeded(2))]),
    one("perf_no_events", "map_perf", seeded(0)),
]


def bytes_at_14(b, total=64):
    """An Ethernet frame (type 0x88B5, local experimental) whose bytes from 14 are b, padded."""
    return eth(0x88B5, b + zeros(total - 14 - len(b)))


CASES["tailcall.o"] = [
    one("chain_a_b_tx", "tail_entry", bytes_at_14(b"\x00\x00")),
    one("chain_a_b_drop", "tail_entry", bytes_at_14(b"\x00\xdd")),
    one("direct_b", "tail_entry", bytes_at_14(b"\x01\x00")),
    one("empty_slot_falls_through", "tail_entry", bytes_at_14(b"\x02")),
    one("out_of_range_falls_through", "tail_entry", bytes_at_14(b"\x09")),
    one("limit_33", "tail_entry", bytes_at_14(b"\x03")),
    one("map_in_map_slot0", "map_in_map", bytes_at_14(b"\x00\x01")),
    one("map_in_map_slot2", "map_in_map", bytes_at_14(b"\x02\x07")),
    one("map_in_map_empty_slot", "map_in_map", bytes_at_14(b"\x01\x00")),
    one("map_in_map_out_of_range", "map_in_map", bytes_at_14(b"\x05\x00")),
]

CASES["globals.o"] = [
    one("alpha_tx", "globals", bytes_at_14(b"alpha")),
    one("beta_redirect", "globals", bytes_at_14(b"beta")),
    one("banner_drop", "globals", bytes_at_14(b"bpf4j!")),
    one("other_pass", "globals", bytes_at_14(b"gamma")),
    one("too_short_drop", "globals", bytes_at_14(b"alpha", total=40)),
    one("big_pass", "globals", bytes_at_14(b"delta", total=200)),
    Case("three_runs", "globals", [Run(bytes_at_14(b"alpha")), Run(bytes_at_14(b"x", total=150)),
                                   Run(bytes_at_14(b"y", total=2000))]),
]


def words(a, b, tail=b""):
    return eth(0x88B5, struct.pack("<QQ", a & (2**64 - 1), b & (2**64 - 1)) + tail + zeros(max(0, 32 - len(tail))))


ALU_INPUTS = [
    ("small", 1000, 7), ("zero_divisor", 12345, 0), ("negative", -1000, 7), ("negative_divisor", 1000, -7),
    ("int_min", -2**63, -1), ("int32_min", 0x80000000, 0xFFFFFFFF), ("big_shift", 0x8000000000000001, 63),
    ("mixed", 0x0123456789ABCDEF, 0xFEDCBA9876543210),
]

CASES["alu.o"] = [one(n, "alu", words(a, b, bytes(range(0x80, 0x90)))) for (n, a, b) in ALU_INPUTS]
CASES["alu.v4.o"] = [one(n, "alu", words(a, b, bytes(range(0x80, 0x90)))) for (n, a, b) in ALU_INPUTS]

CALL_INPUTS = [("small", b"\x05\x07\x03"), ("zeros", b"\x00\x00\x00"), ("large", b"\xfe\xff\x40"),
               ("loop_stop_first", b"\x10\x20\x01")]
CASES["calls.o"] = ([one("calls_" + n, "calls", bytes_at_14(b)) for (n, b) in CALL_INPUTS]
                    + [one("atomics_3", "atomics", bytes_at_14(b"\x03")),
                       Case("atomics_twice", "atomics", [Run(bytes_at_14(b"\x03")), Run(bytes_at_14(b"\xff"))])])
CASES["calls.v4.o"] = CASES["calls.o"]


def text_frame(s):
    return bytes_at_14(s.encode() + b"\0", total=64)


CASES["helpers.o"] = (
    [one("time_and_ids", "helpers_time", udp4(),
         note="clocks, jiffies and random numbers vary: only properties are recorded (monotonic, non-zero, "
              "32-bit); the CPU is 0 because the run is pinned to CPU 0")]
    + [one("str_" + n, "helpers_str", text_frame(s)) for (n, s) in [
        ("hex_prefix", "0x1f"), ("negative", "-12"), ("spaces_decimal", "  42abc"), ("octal", "0755"),
        ("plus", "+7"), ("empty", ""), ("letters", "zzz"), ("overflow", "99999999999999999999"),
        ("max_long", "9223372036854775807"), ("min_long", "-9223372036854775808"), ("newline", "\n5")]]
    + [one("fmt_hello", "helpers_fmt", text_frame("hello")),
       one("fmt_long_text", "helpers_fmt", text_frame("a-rather-long-string-of-text"))]
    + [one("csum", "helpers_csum", udp4())])

CASES["core.o"] = [
    one("xdp", "core_xdp", udp4()),
    one("xdp_ctx_ifindex", "core_xdp", tcp4(), ctx=xdp_md(len(tcp4()), ingress_ifindex=1)),
    one("tc", "core_tc", udp6()),
    one("tc_mark", "core_tc", tcp4(), ctx=sk_buff(mark=0x55)),
]


def _firewall():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "gen_traffic.py")
    spec = importlib.util.spec_from_file_location("gen_traffic", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.frames()


CASES["../examples/xdp_firewall.o"] = [
    Case("traffic_pcap", "xdp_firewall", [Run(f) for (_, f) in _firewall()],
         note="every frame of examples/traffic.pcap in order on one load, as bpf4j run --pcap runs them"),
    one("ipv4_tcp_80_first_run", "xdp_firewall", tcp4(dport=80)),
    one("telnet_first_run", "xdp_firewall", tcp4(dport=23)),
]


CASES["redirect.o"] = [
    one("redirect_devmap_slot0", "xdp_redirect_dev", bytes_at_14(b"\x00\x00"), updates=[("devs", u32(0), u32(1))]),
    one("redirect_devmap_empty_fallback_pass", "xdp_redirect_dev", bytes_at_14(b"\x01\x02"),
        updates=[("devs", u32(0), u32(1))]),
    one("redirect_devmap_empty_fallback_aborted", "xdp_redirect_dev", bytes_at_14(b"\x01\x00")),
    one("redirect_devmap_bad_fallback", "xdp_redirect_dev", bytes_at_14(b"\x02\x09")),
    one("redirect_ifindex", "xdp_redirect_dev", bytes_at_14(b"\x09\x00")),
]

CASES["net_helpers.o"] = [
    one("xdp_bytes", "xdp_bytes", udp4()),
    one("vlan_push_pop", "tc_vlan", udp4()),
    one("vlan_push_pop_tagged", "tc_vlan", tagged(udp4(), [(0x8100, 5)])),
    one("resize", "tc_resize", udp4(payload=b"r" * 30)),
    one("resize_ipv6", "tc_resize", udp6()),
    Case("spin_lock_three", "tc_locked", [Run(udp4()), Run(tcp4()), Run(udp6())]),
    one("hash_cookie", "tc_hash_cookie", udp4(),
        note="the hash and the cookie come from per-boot random state and counters: only properties are recorded"),
    one("action_ipv4", "act_mark", tcp4()),
    one("action_ipv6", "act_mark", tcp6()),
    one("cgroup_dns", "cg_ingress", udp4(dport=53)),
    one("cgroup_other", "cg_ingress", udp4(dport=80)),
    one("cgroup_ipv6", "cg_ingress", udp6()),
]


def udp4_zero_csum(dport=53):
    f = bytearray(udp4(dport=dport))
    f[14 + 20 + 6:14 + 20 + 8] = b"\0\0"
    return bytes(f)


CASES["more_helpers.o"] = [
    one("probe_reads", "probe_reads", udp4()),
    Case("percpu_and_print", "percpu_and_print", [Run(udp4()), Run(tcp4())],
         note="bpf_map_lookup_percpu_elem reads CPU 1's value, which stays 0; bpf_trace_vprintk returns the "
              "bytes written"),
    one("timer_codes", "timer_codes", udp4(), note="no timer is started, so nothing fires after the run"),
    one("csum_misc_zero_udp_csum", "tc_csum_misc", udp4_zero_csum()),
    one("csum_misc_udp_csum", "tc_csum_misc", udp4()),
]


def vip_key(addr, port, proto):
    return ip4addr(addr) + struct.pack("!H", port) + bytes([proto, 0])


def backend(addr, port, mac_last):
    return ip4addr(addr) + struct.pack("!H", port) + bytes([2, 0, 0, 0, 0xbe, mac_last])


LB_SETUP = [
    ("vips", vip_key("10.0.0.100", 80, 6), u32(0) + u32(3)),
    ("vips", vip_key("10.0.0.100", 53, 17), u32(4) + u32(2)),
    ("vips", vip_key("10.0.0.101", 80, 6), u32(8) + u32(0)),
    ("vips", vip_key("10.0.0.102", 80, 6), u32(10) + u32(1)),
    ("backends", u32(0), backend("192.168.1.10", 8080, 0x10)),
    ("backends", u32(1), backend("192.168.1.11", 8080, 0x11)),
    ("backends", u32(2), backend("192.168.1.12", 8081, 0x12)),
    ("backends", u32(4), backend("192.168.2.1", 5353, 0x21)),
    ("backends", u32(5), backend("192.168.2.2", 5353, 0x22)),
]

CASES["lb.o"] = [
    Case("tcp_flows", "lb", [Run(tcp4(src="172.16.0.%d" % i, dst="10.0.0.100", sport=1000 + 7 * i, dport=80))
                             for i in range(1, 9)], updates=LB_SETUP,
         note="eight flows spread over three backends; destination, port, MAC and both checksums rewritten"),
    Case("udp_flows", "lb", [Run(udp4(src="172.16.1.%d" % i, dst="10.0.0.100", sport=2000 + i, dport=53))
                             for i in range(1, 5)] + [Run(udp4_zero_csum(dport=53))],
         updates=LB_SETUP),
    one("udp_zero_checksum_kept", "lb", eth(0x0800, ipv4("172.16.1.1", "10.0.0.100", 17,
                                                          struct.pack("!HHHH", 3000, 53, 12, 0) + b"abcd")),
        updates=LB_SETUP),
    one("vip_without_backends_drop", "lb", tcp4(dst="10.0.0.101", dport=80), updates=LB_SETUP),
    one("vip_with_empty_backend_aborted", "lb", tcp4(dst="10.0.0.102", dport=80), updates=LB_SETUP),
    one("not_a_vip_pass", "lb", tcp4(dst="10.0.0.100", dport=443), updates=LB_SETUP),
    one("no_vips_pass", "lb", tcp4(dst="10.0.0.100", dport=80)),
    one("truncated_tcp_drop", "lb", tcp4(dst="10.0.0.100", dport=80)[:40], updates=LB_SETUP),
]


def dns_query(name, qtype=1, dport=53, raw_name=None):
    q = raw_name if raw_name is not None else b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    msg = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)
    return udp4(dport=dport, payload=msg)


def fnv1a(wire):
    h = 2166136261
    for c in wire:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
    return h


def wire(name):
    return b"".join(bytes([len(p)]) + p.encode() for p in name.split("."))


CASES["dns.o"] = [
    Case("queries", "dns", [Run(dns_query("example.com")), Run(dns_query("example.com", qtype=28)),
                            Run(dns_query("example.com")), Run(dns_query("a.b.c.d.example.org", qtype=16)),
                            Run(dns_query("bad.test")), Run(dns_query("x.com", dport=5353))],
         updates=[("blocked", u32(fnv1a(wire("bad.test"))), u32(1))],
         note="the blocked name's hash is FNV-1a of its labels in wire format, without the final zero"),
    one("label_past_end", "dns", dns_query("", raw_name=b"\x3fabc")),
    one("label_too_long", "dns", dns_query("", raw_name=b"\x40" + b"a" * 64 + b"\0")),
    one("too_many_labels", "dns", dns_query(".".join(["a"] * 20))),
    one("name_too_long", "dns", dns_query("a" * 40 + "." + "b" * 30)),
    one("not_ipv4", "dns", udp6()),
]


def ip6in4(inner_frame):
    return eth(0x0800, ipv4("192.0.2.1", "192.0.2.2", 41, inner_frame[14:], ident=0))


CASES["skb_room.o"] = [
    one("encap_ipv4_udp", "room_encap", udp4()),
    one("encap_ipv6_udp", "room_encap", udp6()),
    one("encap_arp", "room_encap", arp(), note="adjust_room refuses a protocol other than IPv4/IPv6"),
    one("decap_ipip", "room_decap", ipip(udp4())),
    one("decap_ip6in4", "room_decap", ip6in4(udp6()), note="the decap flag switches skb->protocol to IPv6"),
    one("decap_plain_ipv4", "room_decap", udp4()),
    one("head_ipv4", "room_head", udp4()),
    one("proto_4_to_6", "room_proto", udp4()),
    one("proto_6_to_4", "room_proto", tcp6()),
    one("proto_arp", "room_proto", arp()),
    one("vlan_untagged", "vlan_ldabs", udp4()),
    one("vlan_tagged", "vlan_ldabs", tagged(udp4(dport=5353), [(0x8100, 100)])),
    one("vlan_qinq", "vlan_ldabs", tagged(tcp6(dport=22), [(0x88A8, 10), (0x8100, 20)])),
    one("encap_kind_udp", "room_encap_kinds", udp4(tos=1)),
    one("encap_kind_gre", "room_encap_kinds", udp4(tos=2)),
    one("encap_kind_eth_udp", "room_encap_kinds", udp4(tos=3)),
    one("encap_kind_short_l2", "room_encap_kinds", udp4(tos=4)),
    one("encap_kind_ipv6_outer", "room_encap_kinds", udp4(tos=5)),
    one("encap_kind_ipv6_inner", "room_encap_kinds", udp6()),
    one("vlan_short", "vlan_ldabs", tagged(udp4(), [(0x8100, 5)])[:16],
        note="a tag that is not whole: the pop fails, the pushes work"),
]


def flow_frame(key):
    return bytes_at_14(struct.pack("<I", key))


CASES["redirect_maps.o"] = [
    one("devhash_hit", "xdp_devhash", bytes_at_14(b"\x05\x00"), updates=[("devs", u32(5), u32(1))]),
    one("devhash_miss_fallback_pass", "xdp_devhash", bytes_at_14(b"\x06\x02"), updates=[("devs", u32(5), u32(1))]),
    one("devhash_miss_broadcast", "xdp_devhash", bytes_at_14(b"\x06\x08"), updates=[("devs", u32(5), u32(1))],
        note="BPF_F_BROADCAST: XDP_REDIRECT even without an element"),
    one("devhash_bad_flags", "xdp_devhash", bytes_at_14(b"\x05\x40")),
    one("cpumap_hit", "xdp_cpu", bytes_at_14(b"\x01\x00"),
        updates=[("cpus", u32(1), u32(256) + u32(0))]),
    one("cpumap_miss_fallback_drop", "xdp_cpu", bytes_at_14(b"\x00\x01"),
        updates=[("cpus", u32(1), u32(256) + u32(0))]),
    one("cpumap_broadcast_refused", "xdp_cpu", bytes_at_14(b"\x01\x08"),
        updates=[("cpus", u32(1), u32(256) + u32(0))], note="a cpumap takes no BPF_F_BROADCAST: XDP_ABORTED"),
    one("cpumap_out_of_range", "xdp_cpu", bytes_at_14(b"\x07\x02")),
    Case("flows_order", "xdp_flows", [Run(flow_frame(k)) for k in (5, 1, 9, 3, 7, 2, 17, 1, 33, 9, 100000, 5)],
         updates=[("flows", u32(12), u64(40)), ("flows", u32(4), u64(41))],
         note="the dump order of a BPF_F_ZERO_SEED hash is the kernel's bucket order, recorded"),
]


def zero_seed_fill(keys, value=7):
    ups = []
    for k in keys:
        ups += [("plain", u32(k), u64(value)), ("lru", u32(k), u64(value))]
    return ups


CASES["iter_order.o"] = [
    one("walk_all", "walk_maps", bytes_at_14(b"\x00\x00"), updates=zero_seed_fill([5, 1, 9, 3, 7])),
    one("walk_stop_after_2", "walk_maps", bytes_at_14(b"\x02\x00"), updates=zero_seed_fill([5, 1, 9, 3, 7])),
    one("walk_program_adds", "walk_maps", bytes_at_14(b"\x00\x11"), updates=zero_seed_fill([4, 20, 36, 2]),
        note="keys 4, 20, 36 share a bucket; 17 added by the program"),
    Case("walk_replaced_moves", "walk_maps", [Run(bytes_at_14(b"\x00\x05")), Run(bytes_at_14(b"\x00\x01"))],
         updates=zero_seed_fill([5, 1, 9, 3]),
         note="updating existing keys moves them to the front of their bucket (hash, LRU), not per-CPU"),
]


CASES["skb_misc.o"] = [
    one("ipv4_ect0", "skb_misc", udp4(tos=2), note="ECT(0) becomes CE, the IPv4 checksum follows"),
    one("ipv4_ect1", "skb_misc", udp4(tos=1)),
    one("ipv4_not_ect", "skb_misc", udp4(tos=0x10)),
    one("ipv4_ce", "skb_misc", udp4(tos=3)),
    one("ipv6_ect", "skb_misc", eth(0x86DD, bytes([0x60, 0x20]) + tcp6()[16:])),
    one("ipv6_plain", "skb_misc", tcp6()),
    one("arp", "skb_misc", arp(), note="set_tstamp refuses a protocol other than IPv4/IPv6"),
]


CASES["skb_ids.o"] = [
    one("socket_uid", "sock_ids", udp4()),
    one("cgroup_classid", "tc_ids", udp4()),
]
