/*
 * XDP programs that move the packet's boundaries: bpf_xdp_adjust_head (IPIP encapsulation and
 * decapsulation), bpf_xdp_adjust_tail (trim and grow), bpf_xdp_adjust_meta (metadata before the
 * packet), and probes that record the helpers' return codes at and beyond their limits.
 */
#include "common.h"

RESULTS(32);

struct outer {
	struct ethhdr eth;
	struct iphdr ip;
} __attribute__((packed));

/* Pushes an outer IPv4 header (IPIP, 192.0.2.1 -> 192.0.2.2) in front of an IPv4 packet. */
SEC("xdp")
int xdp_encap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ethhdr saved;
	struct outer *o;
	__u16 inner_len;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	saved = *eth;
	inner_len = end - data - sizeof(*eth);
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	o = data;
	if ((void *)(o + 1) > end)
		return XDP_ABORTED;
	o->eth = saved;
	o->ip.version = 4;
	o->ip.ihl = 5;
	o->ip.tos = 0;
	o->ip.tot_len = bpf_htons(inner_len + sizeof(struct iphdr));
	o->ip.id = 0;
	o->ip.frag_off = 0;
	o->ip.ttl = 64;
	o->ip.protocol = IPPROTO_IPIP;
	o->ip.check = 0;
	o->ip.saddr = bpf_htonl(0xc0000201);
	o->ip.daddr = bpf_htonl(0xc0000202);
	__u32 sum = 0;
	__u16 *w = (void *)o + sizeof(struct ethhdr);
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	o->ip.check = ~sum & 0xffff;
	return XDP_TX;
}

/* Removes the outer IPv4 header of an IPIP packet. */
SEC("xdp")
int xdp_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct outer *o = data;
	struct ethhdr saved;

	if ((void *)(o + 1) > end || o->eth.h_proto != bpf_htons(ETH_P_IP) || o->ip.protocol != IPPROTO_IPIP
	    || o->ip.ihl != 5)
		return XDP_PASS;
	saved = o->eth;
	if (bpf_xdp_adjust_head(ctx, sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	*eth = saved;
	return XDP_TX;
}

/* Makes the packet 60 bytes long: trims a longer one, grows a shorter one with zeros... as the
 * kernel leaves them: the grown bytes are whatever the buffer held, so they are written here. */
SEC("xdp")
int xdp_resize(struct xdp_md *ctx)
{
	int len = ctx->data_end - ctx->data;
	int delta = 60 - len;
	long rc = bpf_xdp_adjust_tail(ctx, delta);

	put_result(&results, 0, rc);
	put_result(&results, 1, ctx->data_end - ctx->data);
	if (rc)
		return XDP_ABORTED;
	if (delta > 0) {
		void *data = (void *)(long)ctx->data;
		void *end = (void *)(long)ctx->data_end;
		unsigned char *p = data + 14;

		for (int i = 0; i < 46; i++) {
			if ((void *)(p + i + 1) > end)
				break;
			if (i >= len - 14)
				p[i] = 0xee;
		}
	}
	return XDP_TX;
}

/* Records bpf_xdp_adjust_tail and bpf_xdp_adjust_head results at their limits; each success is
 * undone, so the packet comes back unchanged. */
SEC("xdp")
int xdp_limits(struct xdp_md *ctx)
{
	static const int tail[] = { 1, 64, 1024, 3000, 3500, 4096, -1, -40, -100000 };
	static const int head[] = { -1, -8, -64, -200, -216, -217, -256, -300, 1, 8, 100000 };
	int len = ctx->data_end - ctx->data;
	__u32 i;

	for (i = 0; i < sizeof(tail) / sizeof(tail[0]); i++) {
		int d = tail[i];
		long rc = bpf_xdp_adjust_tail(ctx, d);

		put_result(&results, i, rc);
		if (rc == 0)
			bpf_xdp_adjust_tail(ctx, -d);
	}
	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++) {
		int d = head[i];
		long rc = bpf_xdp_adjust_head(ctx, d);

		put_result(&results, 10 + i, rc);
		if (rc == 0)
			bpf_xdp_adjust_head(ctx, -d);
	}
	put_result(&results, 30, len);
	put_result(&results, 31, ctx->data_end - ctx->data);
	return XDP_PASS;
}

/* Writes 8 bytes of metadata before the packet and reads them back; probes bad deltas. */
SEC("xdp")
int xdp_meta(struct xdp_md *ctx)
{
	put_result(&results, 0, bpf_xdp_adjust_meta(ctx, -3));
	put_result(&results, 1, bpf_xdp_adjust_meta(ctx, 4));
	long rc = bpf_xdp_adjust_meta(ctx, -8);

	put_result(&results, 2, rc);
	if (rc)
		return XDP_ABORTED;
	void *meta = (void *)(long)ctx->data_meta;
	void *data = (void *)(long)ctx->data;
	__u32 *m = meta;

	if ((void *)(m + 2) > data)
		return XDP_ABORTED;
	m[0] = 0xfeedf00d;
	m[1] = ctx->data_end - ctx->data;
	put_result(&results, 3, (long)data - (long)meta);
	put_result(&results, 4, bpf_xdp_adjust_meta(ctx, -256));
	return XDP_PASS;
}

/* The context fields a test run gives: interface, queue, and how data, meta and end relate. */
SEC("xdp")
int xdp_ctx(struct xdp_md *ctx)
{
	put_result(&results, 0, ctx->ingress_ifindex);
	put_result(&results, 1, ctx->rx_queue_index);
	put_result(&results, 2, ctx->data_end - ctx->data);
	put_result(&results, 3, ctx->data - ctx->data_meta);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
