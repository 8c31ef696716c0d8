/*
 * bpf4j example: a small XDP firewall.
 *
 * Parses Ethernet (with one optional VLAN tag), IPv4 and IPv6, TCP and UDP. Drops
 *   - packets whose (protocol, destination port) has a DROP rule in the `rules` hash map,
 *   - IPv4 packets whose source address lies in a prefix of the `blocked_src` LPM trie,
 *   - truncated headers,
 * and passes everything else. Counts packets per protocol in the per-CPU array `proto_stats`
 * and dropped packets per rule in `drops`.
 *
 * The rule map starts with the defaults of `default_rules` (.rodata), which the program inserts
 * on its first run; a host may add or delete rules afterwards. `blocked_src` starts with
 * 203.0.113.0/24 the same way.
 *
 * Build: clang-19 -O2 -g -target bpf -I/usr/include/$(uname -m)-linux-gnu -c xdp_firewall.c
 * Run:   ./bpf4j run examples/xdp_firewall.o --pcap examples/traffic.pcap
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

enum stat { STAT_IPV4, STAT_IPV6, STAT_TCP, STAT_UDP, STAT_OTHER_L4, STAT_NON_IP, STAT_MALFORMED, STAT_MAX };

struct rule_key {
	__u8 proto;   /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;
	__u16 port;   /* destination port, host order */
};

enum action { ACT_PASS = 0, ACT_DROP = 1 };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct rule_key);
	__type(value, __u32); /* enum action */
} rules SEC(".maps");

struct src_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 64);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct src_key);
	__type(value, __u32);
} blocked_src SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} proto_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct rule_key);
	__type(value, __u64);
} drops SEC(".maps");

const volatile struct rule_key default_rules[3] = {
	{ .proto = IPPROTO_TCP, .port = 23 },   /* telnet */
	{ .proto = IPPROTO_TCP, .port = 445 },  /* SMB */
	{ .proto = IPPROTO_UDP, .port = 161 },  /* SNMP */
};

__u32 initialized; /* .bss */

static __always_inline void count(__u32 stat)
{
	__u64 *v = bpf_map_lookup_elem(&proto_stats, &stat);

	if (v)
		*v += 1;
}

static __always_inline void init_rules(void)
{
	__u32 drop = ACT_DROP;
	struct src_key net = { .prefixlen = 24, .addr = { 203, 0, 113, 0 } };

	if (initialized)
		return;
	initialized = 1;
	for (int i = 0; i < 3; i++) {
		struct rule_key k = default_rules[i];

		bpf_map_update_elem(&rules, &k, &drop, BPF_NOEXIST);
	}
	bpf_map_update_elem(&blocked_src, &net, &drop, BPF_NOEXIST);
}

static __always_inline int check_port(void *l4, void *end, __u8 proto)
{
	struct rule_key k = { .proto = proto };
	__u32 *action;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > end) {
			count(STAT_MALFORMED);
			return XDP_DROP;
		}
		count(STAT_TCP);
		k.port = bpf_ntohs(tcp->dest);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > end) {
			count(STAT_MALFORMED);
			return XDP_DROP;
		}
		count(STAT_UDP);
		k.port = bpf_ntohs(udp->dest);
	} else {
		count(STAT_OTHER_L4);
		return XDP_PASS;
	}
	action = bpf_map_lookup_elem(&rules, &k);
	if (action && *action == ACT_DROP) {
		__u64 one = 1, *n = bpf_map_lookup_elem(&drops, &k);

		if (n)
			__sync_fetch_and_add(n, 1);
		else
			bpf_map_update_elem(&drops, &k, &one, BPF_NOEXIST);
		return XDP_DROP;
	}
	return XDP_PASS;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *cur = eth + 1;
	__u16 proto;

	init_rules();
	if (cur > end) {
		count(STAT_MALFORMED);
		return XDP_DROP;
	}
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		__be16 *tag = cur;

		if ((void *)(tag + 2) > end) {
			count(STAT_MALFORMED);
			return XDP_DROP;
		}
		proto = tag[1];
		cur = tag + 2;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cur;
		struct src_key src = { .prefixlen = 32 };

		if ((void *)(ip + 1) > end || ip->ihl < 5 || cur + ip->ihl * 4 > end) {
			count(STAT_MALFORMED);
			return XDP_DROP;
		}
		count(STAT_IPV4);
		__builtin_memcpy(src.addr, &ip->saddr, 4);
		if (bpf_map_lookup_elem(&blocked_src, &src))
			return XDP_DROP;
		return check_port(cur + ip->ihl * 4, end, ip->protocol);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cur;

		if ((void *)(ip6 + 1) > end) {
			count(STAT_MALFORMED);
			return XDP_DROP;
		}
		count(STAT_IPV6);
		return check_port(ip6 + 1, end, ip6->nexthdr);
	}
	count(STAT_NON_IP);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
