#!/usr/bin/env python3
"""Writes context-layouts.tsv: the program contexts as the kernel's verifier lets programs see them.

Usage: gen_context_layouts.py LINUX_SOURCE_TREE OUT_DIR

Field offsets and sizes come from the kernel tree's UAPI header (include/uapi/linux/bpf.h), measured
by compiling a small C file with gcc (offsetof/sizeof), so they cannot drift from the header. Which
program may read or write which field, with which access sizes, is written here by hand from the
*_is_valid_access() functions of Linux 6.12 (net/core/filter.c, kernel/trace/bpf_trace.c,
kernel/bpf/cgroup.c, kernel/bpf/syscall.c, net/netfilter/nf_bpf_link.c, drivers/media/rc/bpf-lirc.c).
Review the diff of the output after a kernel update; a member listed here that the header lacks
fails the compilation.
"""
import os
import shutil
import subprocess
import sys
import tempfile

# Struct members in declaration order: (struct, member, display name). Unions list the member whose
# name the row takes; arrays are one row unless an element needs its own rules.
MEMBERS = {
    "xdp_md": ["data", "data_end", "data_meta", "ingress_ifindex", "rx_queue_index", "egress_ifindex"],
    "__sk_buff": ["len", "pkt_type", "mark", "queue_mapping", "protocol", "vlan_present", "vlan_tci",
                  "vlan_proto", "priority", "ingress_ifindex", "ifindex", "tc_index", "cb", "hash",
                  "tc_classid", "data", "data_end", "napi_id", "family", "remote_ip4", "local_ip4",
                  "remote_ip6", "local_ip6", "remote_port", "local_port", "data_meta", "flow_keys",
                  "tstamp", "wire_len", "gso_segs", "sk", "gso_size", "tstamp_type", "hwtstamp"],
    "bpf_sock": ["bound_dev_if", "family", "type", "protocol", "mark", "priority", "src_ip4", "src_ip6",
                 "src_port", "dst_port", "dst_ip4", "dst_ip6", "state", "rx_queue_mapping"],
    "bpf_sock_addr": ["user_family", "user_ip4", "user_ip6", "user_port", "family", "type", "protocol",
                      "msg_src_ip4", "msg_src_ip6", "sk"],
    "bpf_sock_ops": ["op", "reply", "args[1]", "args[2]", "args[3]", "family", "remote_ip4", "local_ip4",
                     "remote_ip6", "local_ip6", "remote_port", "local_port", "is_fullsock", "snd_cwnd",
                     "srtt_us", "bpf_sock_ops_cb_flags", "state", "rtt_min", "snd_ssthresh", "rcv_nxt",
                     "snd_nxt", "snd_una", "mss_cache", "ecn_flags", "rate_delivered", "rate_interval_us",
                     "packets_out", "retrans_out", "total_retrans", "segs_in", "data_segs_in", "segs_out",
                     "data_segs_out", "lost_out", "sacked_out", "sk_txhash", "bytes_received", "bytes_acked",
                     "sk", "skb_data", "skb_data_end", "skb_len", "skb_tcp_flags", "skb_hwtstamp"],
    "sk_msg_md": ["data", "data_end", "family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6",
                  "remote_port", "local_port", "size", "sk"],
    "sk_reuseport_md": ["data", "data_end", "len", "eth_protocol", "ip_protocol", "bind_inany", "hash", "sk",
                        "migrating_sk"],
    "bpf_sk_lookup": ["sk", "family", "protocol", "remote_ip4", "remote_ip6", "remote_port", "local_ip4",
                      "local_ip6", "local_port", "ingress_ifindex"],
    "bpf_cgroup_dev_ctx": ["access_type", "major", "minor"],
    "bpf_sysctl": ["write", "file_pos"],
    "bpf_sockopt": ["sk", "optval", "optval_end", "level", "optname", "optlen", "retval"],
}

# Padding the kernel lets programs read, as (struct, name, after member, size).
PADDING = {
    ("bpf_sk_lookup", "remote_port"): ("remote_port_pad", 2),
}


def geometry(ksrc):
    """{struct: [(member, offset, size, elem)]} measured with gcc against the tree's UAPI header."""
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <linux/bpf.h>", "int main(void) {"]
    for struct, members in MEMBERS.items():
        for m in members:
            c = m
            base = c.split("[")[0]
            lines.append('printf("%s\\t%s\\t%zu\\t%zu\\t%zu\\n", "{s}", "{m}", offsetof(struct {s}, {c}), '
                         'sizeof(((struct {s} *)0)->{c}), sizeof(((struct {s} *)0)->{c}){el});'
                         .format(s=struct, m=m, c=c, el="[0]" if is_array(struct, base) and "[" not in c else ""))
        lines.append('printf("%s\\t-\\t%zu\\t0\\t0\\n", "{s}", sizeof(struct {s}));'.format(s=struct))
    lines.append("return 0; }")
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "g.c")
        with open(src, "w") as f:
            f.write("\n".join(lines) + "\n")
        exe = os.path.join(d, "g")
        # The tree's bpf.h over the system's other UAPI headers (the tree's own need kernel-internal ones).
        os.mkdir(os.path.join(d, "linux"))
        for h in ("bpf.h", "bpf_common.h"):
            shutil.copy(os.path.join(ksrc, "include/uapi/linux", h), os.path.join(d, "linux", h))
        subprocess.run(["gcc", "-o", exe, "-I", d, src], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    geo = {}
    for line in out.splitlines():
        s, m, off, size, elem = line.split("\t")
        geo.setdefault(s, []).append((m, int(off), int(size), int(elem) or int(size)))
    return geo


ARRAYS = {("__sk_buff", "cb"), ("__sk_buff", "remote_ip6"), ("__sk_buff", "local_ip6"),
          ("bpf_sock", "src_ip6"), ("bpf_sock", "dst_ip6"), ("bpf_sock_addr", "user_ip6"),
          ("bpf_sock_addr", "msg_src_ip6"), ("bpf_sock_ops", "remote_ip6"), ("bpf_sock_ops", "local_ip6"),
          ("sk_msg_md", "remote_ip6"), ("sk_msg_md", "local_ip6"), ("bpf_sk_lookup", "remote_ip6"),
          ("bpf_sk_lookup", "local_ip6")}


def is_array(struct, member):
    return (struct, member) in ARRAYS


# Access rules: {field: (kind, read sizes, write sizes)}; a field not listed is not accessible.
# Sizes: comma list of access widths; "-" none. See the header of the output for their meaning.
N = "1,2,4"          # narrow loads of a u32 (bpf_ctx_narrow_access_ok)
N64 = "1,2,4,8"


def skb_base():
    """bpf_skb_is_valid_access: reads of every plain field; what each program type adds or removes follows."""
    rules = {}
    for f in ["len", "pkt_type", "mark", "queue_mapping", "protocol", "vlan_present", "vlan_tci", "vlan_proto",
              "priority", "ingress_ifindex", "ifindex", "tc_index", "hash", "tc_classid", "napi_id", "family",
              "remote_port", "local_port", "wire_len", "gso_segs", "gso_size"]:
        rules[f] = ("scalar", N, "-")
    rules["cb"] = ("scalar", N64, "-")
    for f in ["remote_ip4", "local_ip4", "remote_ip6", "local_ip6"]:
        rules[f] = ("scalar", "4", "-")
    rules["data"] = ("pkt", "4", "-")
    rules["data_end"] = ("pkt_end", "4", "-")
    rules["data_meta"] = ("pkt_meta", "4", "-")
    rules["tstamp"] = ("scalar", "8", "-")
    rules["hwtstamp"] = ("scalar", "8", "-")
    rules["sk"] = ("sock_common_or_null", "8", "-")
    return rules


SK_SOCKET_FIELDS = ["family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6", "remote_port", "local_port"]


def skb_profile(denied, writable, extra=None):
    rules = skb_base()
    for f in denied:
        rules.pop(f, None)
    for f in writable:
        kind, read, _ = rules[f]
        rules[f] = (kind, read, N64 if f == "cb" else ("8" if f == "tstamp" else "4"))
    if extra:
        rules.update(extra)
    return rules


def layouts():
    L = {}
    L["xdp_md"] = ("xdp_md", {"data": ("pkt", "4", "-"), "data_end": ("pkt_end", "4", "-"),
                              "data_meta": ("pkt_meta", "4", "-"), "ingress_ifindex": ("scalar", "4", "-"),
                              "rx_queue_index": ("scalar", "4", "-")})
    L["xdp_md/devmap"] = ("xdp_md", dict(L["xdp_md"][1], egress_ifindex=("scalar", "4", "-")))
    L["__sk_buff/socket_filter"] = ("__sk_buff", skb_profile(
        ["tc_classid", "data", "data_meta", "data_end", "tstamp", "wire_len", "hwtstamp"] + SK_SOCKET_FIELDS,
        ["cb"]))
    L["__sk_buff/tc"] = ("__sk_buff", skb_profile(
        SK_SOCKET_FIELDS, ["mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping"],
        {"tstamp_type": ("scalar", "1", "-")}))
    L["__sk_buff/cgroup_skb"] = ("__sk_buff", skb_profile(
        ["tc_classid", "data_meta", "wire_len"], ["mark", "priority", "cb", "tstamp"]))
    L["__sk_buff/lwt"] = ("__sk_buff", skb_profile(
        ["tc_classid", "data_meta", "tstamp", "wire_len", "hwtstamp"] + SK_SOCKET_FIELDS,
        ["mark", "priority", "cb"]))
    L["__sk_buff/sk_skb"] = ("__sk_buff", skb_profile(
        ["tc_classid", "data_meta", "tstamp", "wire_len", "hwtstamp", "mark"], ["tc_index", "priority"]))
    L["__sk_buff/flow_dissector"] = ("__sk_buff", {"data": ("pkt", "4", "-"), "data_end": ("pkt_end", "4", "-"),
                                                   "flow_keys": ("flow_keys", "8", "-")})

    sock = {f: ("scalar", N, "-") for f in ["family", "type", "protocol", "src_port", "src_ip4", "src_ip6",
                                            "dst_ip4", "dst_ip6", "state", "rx_queue_mapping"]}
    sock["dst_port"] = ("scalar", "1,2,4", "-")   # 4: the legacy load of the port with its zero padding
    for f in ["bound_dev_if", "mark", "priority"]:
        sock[f] = ("scalar", "4", "-")
    create = dict(sock)
    for f in ["bound_dev_if", "mark", "priority"]:
        create[f] = ("scalar", "4", "4")
    for f in ["src_ip4", "src_ip6", "src_port"]:
        create.pop(f)
    L["bpf_sock/create"] = ("bpf_sock", create)
    bind4 = {f: r for f, r in sock.items() if f not in ("bound_dev_if", "mark", "priority", "src_ip6")}
    L["bpf_sock/post_bind4"] = ("bpf_sock", bind4)
    bind6 = {f: r for f, r in sock.items() if f not in ("bound_dev_if", "mark", "priority", "src_ip4")}
    L["bpf_sock/post_bind6"] = ("bpf_sock", bind6)
    # A socket reached through a pointer (bpf_sock_is_valid_access alone): read-only, every field.
    L["bpf_sock"] = ("bpf_sock", sock)

    sa = {"user_family": ("scalar", "4", "-"), "family": ("scalar", "4", "-"), "type": ("scalar", "4", "-"),
          "protocol": ("scalar", "4", "-"), "user_port": ("scalar", N, "4"), "sk": ("sock", "8", "-")}
    ip4 = ("scalar", N, "4")
    ip6 = ("scalar", N64, "4,8")
    L["bpf_sock_addr/inet4"] = ("bpf_sock_addr", dict(sa, user_ip4=ip4))
    L["bpf_sock_addr/inet6"] = ("bpf_sock_addr", dict(sa, user_ip6=ip6))
    L["bpf_sock_addr/udp4_sendmsg"] = ("bpf_sock_addr", dict(sa, user_ip4=ip4, msg_src_ip4=ip4))
    L["bpf_sock_addr/udp6_sendmsg"] = ("bpf_sock_addr", dict(sa, user_ip6=ip6, msg_src_ip6=ip6))
    L["bpf_sock_addr/unix"] = ("bpf_sock_addr", sa)

    ops = {}
    for m in MEMBERS["bpf_sock_ops"]:
        ops[m] = ("scalar", "4", "-")
    ops["reply"] = ("scalar", "4", "4")
    ops["sk_txhash"] = ("scalar", "4", "4")
    ops["bytes_received"] = ("scalar", "8", "-")
    ops["bytes_acked"] = ("scalar", "8", "-")
    ops["sk"] = ("sock_or_null", "8", "-")
    ops["skb_data"] = ("pkt", "8", "-")
    ops["skb_data_end"] = ("pkt_end", "8", "-")
    ops["skb_tcp_flags"] = ("scalar", N, "-")
    ops["skb_hwtstamp"] = ("scalar", "8", "-")
    L["bpf_sock_ops"] = ("bpf_sock_ops", ops)

    msg = {f: ("scalar", "4", "-") for f in ["family", "remote_ip4", "local_ip4", "remote_ip6", "local_ip6",
                                             "remote_port", "local_port", "size"]}
    msg.update(data=("pkt", "8", "-"), data_end=("pkt_end", "8", "-"), sk=("sock", "8", "-"))
    L["sk_msg_md"] = ("sk_msg_md", msg)

    L["sk_reuseport_md"] = ("sk_reuseport_md", {
        "data": ("pkt", "8", "-"), "data_end": ("pkt_end", "8", "-"), "len": ("scalar", N, "-"),
        "eth_protocol": ("scalar", "2,4", "-"), "ip_protocol": ("scalar", N, "-"),
        "bind_inany": ("scalar", N, "-"), "hash": ("scalar", "4", "-"), "sk": ("sock", "8", "-"),
        "migrating_sk": ("sock_common_or_null", "8", "-")})

    look = {f: ("scalar", N, "-") for f in ["family", "protocol", "remote_ip4", "remote_ip6", "local_ip4",
                                            "local_ip6", "local_port", "ingress_ifindex"]}
    look["sk"] = ("sock_or_null", "8", "-")
    look["remote_port"] = ("scalar", "1,2,4", "-")   # 4: the legacy load of the port with its zero padding
    look["remote_port_pad"] = ("scalar", "1,2", "-")
    L["bpf_sk_lookup"] = ("bpf_sk_lookup", look)

    L["bpf_cgroup_dev_ctx"] = ("bpf_cgroup_dev_ctx", {"access_type": ("scalar", N, "-"),
                                                      "major": ("scalar", "4", "-"), "minor": ("scalar", "4", "-")})
    L["bpf_sysctl"] = ("bpf_sysctl", {"write": ("scalar", N, "-"), "file_pos": ("scalar", N, "4")})
    so = {"sk": ("sock", "8", "-"), "optval": ("pkt", "8", "-"), "optval_end": ("pkt_end", "8", "-"),
          "level": ("scalar", "4", "-"), "optname": ("scalar", "4", "-"), "optlen": ("scalar", "4", "4")}
    L["bpf_sockopt/getsockopt"] = ("bpf_sockopt", dict(so, retval=("scalar", "4", "4")))
    L["bpf_sockopt/setsockopt"] = ("bpf_sockopt", dict(so, level=("scalar", "4", "4"),
                                                       optname=("scalar", "4", "4")))
    return L


X86_64_REGS = ["r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
               "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss"]
AARCH64_REGS = [("regs", 31)] + [(r, 1) for r in ("sp", "pc", "pstate")]


def u64_rows(layout, names, base, read):
    """Rows of consecutive u64 fields from byte base; names are (name, count) or plain names."""
    rows, off = [], base
    for item in names:
        name, count = item if isinstance(item, tuple) else (item, 1)
        rows.append((layout, name, off, 8 * count, 8, "scalar", read, "-"))
        off += 8 * count
    return rows, off


HEADER = """# bpf4j context layouts: the context each program type receives in r1, field by field, and which loads and
# stores the kernel's verifier lets a program make (the *_is_valid_access() functions of Linux 6.12).
# Generated by tools/gen_context_layouts.py (offsets measured from the UAPI header; access rules written
# for bpf4j from the kernel's functions). Do not edit by hand: change the generator and run it again.
#
# columns (tab-separated):
#   layout  the layout's name: the UAPI struct, with "/variant" when the program or attach type changes
#           what is accessible
#   field   the member's name (an array is one row covering all its elements)
#   offset  byte offset in the struct; size: bytes the row covers; elem: bytes per element (= size for
#           a non-array member)
#   kind    what a load of the field gives: scalar; pkt, pkt_end, pkt_meta (packet pointers: the kernel
#           rewrites the load, a 32-bit field of __sk_buff or xdp_md reads as a 64-bit pointer); sock,
#           sock_or_null, sock_common_or_null (pointers to a struct bpf_sock); flow_keys (pointer to
#           struct bpf_flow_keys); tp_buffer (the writable buffer of a writable raw tracepoint);
#           btf:<type> (a pointer to the kernel type, checked with BTF)
#   read    the access widths a load may have, "-" for none. An access of width w at offset o is
#   write   allowed when w is listed, o % w == 0 and: w <= elem and o is inside the row (a narrow or
#           whole access of one element); or elem < w <= size and o + w <= the row's end (an 8-byte
#           access over two u32 elements, as for cb[] and user_ip6[]); or w > size and o is the row's
#           offset (the legacy 4-byte load of a 16-bit port with its zero padding). A narrow load reads
#           the low-order bytes at that offset of the little-endian field, as the kernel's rewrite does.
#           Sign-extending loads (BPF_MEMSX) are refused for every kind but scalar.
# The first row of each layout, with field "-", gives the size of the struct (sizeof).
# A load or store that no row allows is refused ("invalid bpf_context access off=%d size=%d").
#
# layout	field	offset	size	elem	kind	read	write
"""


def main():
    ksrc, out_dir = sys.argv[1], sys.argv[2]
    geo = geometry(ksrc)
    rows = []
    sizes = {}
    for name, (struct, rules) in layouts().items():
        members = geo[struct]
        sizes[name] = [off for m, off, _, _ in members if m == "-"][0]
        for m, off, size, elem in members:
            if m == "-":
                continue
            if m in rules:
                kind, read, write = rules.pop(m)
                rows.append((name, m, off, size, elem, kind, read, write))
            pad = PADDING.get((struct, m))
            if pad and pad[0] in rules:
                kind, read, write = rules.pop(pad[0])
                rows.append((name, pad[0], off + size, pad[1], pad[1], kind, read, write))
        if rules:
            sys.exit("rules for members the geometry lacks in %s: %s" % (name, sorted(rules)))
    r, end = u64_rows("pt_regs/x86_64", X86_64_REGS, 0, N64)
    rows += r
    sizes["pt_regs/x86_64"] = end
    r, end = u64_rows("pt_regs/aarch64", AARCH64_REGS, 0, N64)
    rows += r
    sizes["pt_regs/aarch64"] = end
    for arch, regs in (("x86_64", X86_64_REGS), ("aarch64", AARCH64_REGS)):
        name = "bpf_perf_event_data/" + arch
        r, end = u64_rows(name, regs, 0, "8")
        r2, end = u64_rows(name, ["sample_period", "addr"], end, N64)
        rows += r + r2
        sizes[name] = end
    # Tracepoint record: 8 bytes of common fields the program may not read, then the event's fields.
    rows.append(("tracepoint", "record", 8, 8192 - 8, 8, "scalar", N64, "-"))
    sizes["tracepoint"] = 8192
    rows.append(("bpf_raw_tracepoint_args", "args", 0, 96, 8, "scalar", N64, "-"))
    sizes["bpf_raw_tracepoint_args"] = 96
    rows.append(("bpf_raw_tracepoint_args/writable", "args[0]", 0, 8, 8, "tp_buffer", "8", "-"))
    rows.append(("bpf_raw_tracepoint_args/writable", "args", 8, 88, 8, "scalar", N64, "-"))
    sizes["bpf_raw_tracepoint_args/writable"] = 96
    rows.append(("bpf_nf_ctx", "state", 0, 8, 8, "btf:nf_hook_state", "8", "-"))
    rows.append(("bpf_nf_ctx", "skb", 8, 8, 8, "btf:sk_buff", "8", "-"))
    sizes["bpf_nf_ctx"] = 16
    rows.append(("lirc_mode2", "sample", 0, 4, 4, "scalar", "4", "-"))
    sizes["lirc_mode2"] = 4
    rows.append(("syscall", "args", 0, 65535, 1, "scalar", N64, N64))  # the kernel: any aligned access at offsets below U16_MAX
    sizes["syscall"] = 65535
    with open(os.path.join(out_dir, "context-layouts.tsv"), "w") as f:
        f.write(HEADER)
        last = None
        for row in rows:
            if row[0] != last:
                f.write("# %s: %d bytes\n" % (row[0], sizes[row[0]]))
                f.write("%s\t-\t0\t%d\t0\t-\t-\t-\n" % (row[0], sizes[row[0]]))
                last = row[0]
            f.write("\t".join(str(x) for x in row) + "\n")


if __name__ == "__main__":
    main()
