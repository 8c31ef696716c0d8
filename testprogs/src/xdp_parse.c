/*
 * XDP packet parsing: Ethernet, up to two VLAN tags, IPv4 (with options), IPv6, TCP, UDP and ICMP,
 * with the bounds checks the verifier demands. Counts packets per protocol and bytes per
 * destination port, drops TCP to port 23 and IPv4 fragments, answers ICMP echo requests by
 * rewriting them in place (XDP_TX) and aborts on a malformed IPv4 header length.
 */
#include "common.h"

enum proto_slot { P_OTHER, P_ARP, P_IPV4, P_IPV6, P_TCP, P_UDP, P_ICMP, P_VLAN, P_SHORT, P_MAX };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, P_MAX);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u16);
	__type(value, __u64);
} port_bytes SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&proto_count, &slot);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void account_port(__u16 port, __u64 bytes)
{
	__u64 *v = bpf_map_lookup_elem(&port_bytes, &port);

	if (v) {
		*v += bytes;
		return;
	}
	bpf_map_update_elem(&port_bytes, &port, &bytes, BPF_NOEXIST);
}

static __always_inline int l4(void *l4p, void *end, __u8 proto, __u64 len)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4p;

		if ((void *)(tcp + 1) > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		count(P_TCP);
		account_port(bpf_ntohs(tcp->dest), len);
		if (tcp->dest == bpf_htons(23))
			return XDP_DROP;
		return XDP_PASS;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4p;

		if ((void *)(udp + 1) > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		count(P_UDP);
		account_port(bpf_ntohs(udp->dest), len);
		return XDP_PASS;
	}
	return -1; /* not handled here */
}

/* Answers an ICMP echo request: swaps MACs and IPv4 addresses, type 8 -> 0, fixes the checksum. */
static __always_inline int icmp_echo(struct ethhdr *eth, struct iphdr *ip, struct icmphdr *icmp)
{
	unsigned char mac[ETH_ALEN];
	__be32 addr;

	if (icmp->type != ICMP_ECHO)
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	icmp->type = ICMP_ECHOREPLY;
	/* RFC 1624 incremental update: the type byte went from 8 to 0. */
	__u32 sum = (__u16)~bpf_ntohs(icmp->checksum) + (__u16)~0x0800 + 0x0000;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->checksum = bpf_htons(~sum & 0xffff);
	return XDP_TX;
}

SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u64 len = end - data;
	__u16 proto;
	void *cur;
	int ret;

	if ((void *)(eth + 1) > end) {
		count(P_SHORT);
		return XDP_DROP;
	}
	proto = eth->h_proto;
	cur = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		struct vlan_tag *tag = cur;

		if ((void *)(tag + 1) > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		count(P_VLAN);
		proto = tag->next_proto;
		cur = tag + 1;
	}
	if (proto == bpf_htons(ETH_P_ARP)) {
		count(P_ARP);
		return XDP_PASS;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = cur;
		__u32 hl;

		if ((void *)(ip + 1) > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		count(P_IPV4);
		hl = ip->ihl * 4;
		if (hl < sizeof(*ip))
			return XDP_ABORTED;
		if ((ip->frag_off & bpf_htons(0x3fff)) != 0)
			return XDP_DROP; /* a fragment */
		if (cur + hl > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		if (ip->protocol == IPPROTO_ICMP) {
			struct icmphdr *icmp = cur + hl;

			if ((void *)(icmp + 1) > end) {
				count(P_SHORT);
				return XDP_DROP;
			}
			count(P_ICMP);
			return icmp_echo(eth, ip, icmp);
		}
		ret = l4(cur + hl, end, ip->protocol, len);
		return ret < 0 ? XDP_PASS : ret;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = cur;

		if ((void *)(ip6 + 1) > end) {
			count(P_SHORT);
			return XDP_DROP;
		}
		count(P_IPV6);
		ret = l4(ip6 + 1, end, ip6->nexthdr, len);
		return ret < 0 ? XDP_PASS : ret;
	}
	count(P_OTHER);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
