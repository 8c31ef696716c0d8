/*
 * A small XDP layer-4 load balancer, as a realistic whole program: a VIP table (hash, filled by
 * the host) names a range of backends (array, filled by the host); a 5-tuple hash picks one; the
 * packet's destination address, port and MAC are rewritten with incremental checksum updates
 * (RFC 1624) and sent back out (XDP_TX). Per-backend packet counts are per-CPU.
 */
#include "common.h"

struct vip_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 pad;
};

struct vip {
	__u32 first;  /* first backend index */
	__u32 count;  /* number of backends */
};

struct backend {
	__be32 addr;
	__be16 port;
	__u8 mac[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, struct vip_key);
	__type(value, struct vip);
} vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} backend_packets SEC(".maps");

static __always_inline __u32 rol32(__u32 w, int s)
{
	return (w << s) | (w >> (32 - s));
}

/* A jhash_3words-style mix of the flow. */
static __noinline __u32 flow_hash(__u32 a, __u32 b, __u32 c)
{
	a += 0xdeadbeef;
	b += 0xdeadbeef;
	c ^= b; c -= rol32(b, 14);
	a ^= c; a -= rol32(c, 11);
	b ^= a; b -= rol32(a, 25);
	c ^= b; c -= rol32(b, 16);
	a ^= c; a -= rol32(c, 4);
	b ^= a; b -= rol32(a, 14);
	c ^= b; c -= rol32(b, 24);
	return c;
}

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624: HC' = ~(~HC + ~m + m') for a 32-bit field, as two 16-bit halves. */
static __always_inline __u16 csum_replace4(__u16 check, __be32 from, __be32 to)
{
	__u32 s = (__u16)~check;

	s += (__u16)~(from & 0xffff) + (__u16)~(from >> 16);
	s += (to & 0xffff) + (to >> 16);
	return ~csum_fold(s);
}

static __always_inline __u16 csum_replace2(__u16 check, __be16 from, __be16 to)
{
	__u32 s = (__u16)~check;

	s += (__u16)~from + to;
	return ~csum_fold(s);
}

SEC("xdp")
int lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct vip_key key = {};
	__be16 *ports;
	__sum16 *l4check;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_PASS;
	ports = (void *)(ip + 1);
	if (ip->protocol == IPPROTO_TCP) {
		struct tcphdr *t = (void *)(ip + 1);

		if ((void *)(t + 1) > end)
			return XDP_DROP;
		l4check = &t->check;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *u = (void *)(ip + 1);

		if ((void *)(u + 1) > end)
			return XDP_DROP;
		l4check = &u->check;
	} else {
		return XDP_PASS;
	}
	key.addr = ip->daddr;
	key.port = ports[1];
	key.proto = ip->protocol;
	struct vip *v = bpf_map_lookup_elem(&vips, &key);

	if (!v)
		return XDP_PASS;
	if (v->count == 0 || v->count > 8)
		return XDP_DROP;
	__u32 h = flow_hash(ip->saddr, ((__u32)ports[0] << 16) | ports[1], ip->protocol);
	__u32 idx = v->first + h % v->count;
	struct backend *b = bpf_map_lookup_elem(&backends, &idx);

	if (!b || b->addr == 0)
		return XDP_ABORTED;
	__u64 *n = bpf_map_lookup_elem(&backend_packets, &idx);

	if (n)
		*n += 1;
	/* Rewrite: L4 checksum covers the pseudo-header address and the port. */
	if (!(ip->protocol == IPPROTO_UDP && *l4check == 0)) {
		__u16 c = csum_replace4(*l4check, ip->daddr, b->addr);

		*l4check = csum_replace2(c, ports[1], b->port);
	}
	ip->check = csum_replace4(ip->check, ip->daddr, b->addr);
	ip->daddr = b->addr;
	ports[1] = b->port;
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, b->mac, ETH_ALEN);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
