/*
 * Helpers the other programs do not reach: bpf_probe_read_kernel(_str) and bpf_probe_read_user
 * (a fault gives a negative result and a zeroed buffer), bpf_map_lookup_percpu_elem,
 * bpf_trace_vprintk, bpf_timer_init / bpf_timer_cancel return codes (no timer is started),
 * bpf_csum_update, bpf_skb_load_bytes_relative and l4_csum_replace on a UDP checksum of zero.
 */
#include "common.h"
#include <stddef.h>

RESULTS(32);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} pcpu SEC(".maps");

struct timed {
	struct bpf_timer timer;
	__u64 fired;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timed);
} timers SEC(".maps");

char copy[16];  /* .bss */

SEC("xdp")
int probe_reads(struct xdp_md *ctx)
{
	char src[8] = "abcdefg";
	__u64 v = 0x1122334455667788ULL;
	__u64 got = 0xffff;
	char str[6];

	put_result(&results, 0, bpf_probe_read_kernel(&got, sizeof(got), &v));
	put_result(&results, 1, got);
	got = 0xffff;
	put_result(&results, 2, bpf_probe_read_kernel(&got, sizeof(got), (void *)8));
	put_result(&results, 3, got);
	put_result(&results, 4, bpf_probe_read_kernel_str(copy, sizeof(copy), src));
	put_result(&results, 5, bpf_probe_read_kernel_str(str, sizeof(str), src));
	put_result(&results, 6, str[5]);
	got = 0xffff;
	put_result(&results, 7, bpf_probe_read_user(&got, sizeof(got), (void *)16));
	put_result(&results, 8, got);
	put_result(&results, 9, bpf_probe_read_kernel_str(str, sizeof(str), (void *)0));
	put_result(&results, 10, str[0]);
	return XDP_PASS;
}

SEC("xdp")
int percpu_and_print(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *mine = bpf_map_lookup_elem(&pcpu, &k);
	__u64 *cpu1 = bpf_map_lookup_percpu_elem(&pcpu, &k, 1);
	__u64 args[3] = { 7, ctx->data_end - ctx->data, 0xabc };

	if (mine)
		*mine += 10;
	put_result(&results, 0, cpu1 ? (__s64)*cpu1 : -1);
	put_result(&results, 1, bpf_map_lookup_percpu_elem(&pcpu, &k, 4096) == 0);
	put_result(&results, 2, bpf_trace_vprintk("bpf4j %d %u %x\n", 16, args, sizeof(args)));
	put_result(&results, 3, bpf_trace_vprintk("bpf4j\n", 7, 0, 0));
	return XDP_PASS;
}

static int fire(void *map, __u32 *key, struct timed *t)
{
	t->fired++;
	return 0;
}

SEC("tc")
int timer_codes(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct timed *t = bpf_map_lookup_elem(&timers, &k);

	if (!t)
		return TC_ACT_SHOT;
	put_result(&results, 0, bpf_timer_cancel(&t->timer));
	put_result(&results, 1, bpf_timer_init(&t->timer, &timers, 1 /* CLOCK_MONOTONIC */));
	put_result(&results, 2, bpf_timer_init(&t->timer, &timers, 1));
	put_result(&results, 3, bpf_timer_set_callback(&t->timer, fire));
	put_result(&results, 4, bpf_timer_cancel(&t->timer));
	return TC_ACT_OK;
}

#define UDP_CSUM_OFF (ETH_HLEN + sizeof(struct iphdr) + offsetof(struct udphdr, check))

SEC("tc")
int tc_csum_misc(struct __sk_buff *skb)
{
	__u8 ttl = 0;
	__be16 port = bpf_htons(9999);

	put_result(&results, 0, bpf_csum_update(skb, 0x1234));
	put_result(&results, 1, bpf_skb_load_bytes_relative(skb, 8, &ttl, 1, BPF_HDR_START_NET));
	put_result(&results, 2, ttl);
	put_result(&results, 3, bpf_skb_load_bytes_relative(skb, 0, &ttl, 1, BPF_HDR_START_MAC));
	put_result(&results, 4, ttl);
	put_result(&results, 5, bpf_skb_load_bytes_relative(skb, 0, &ttl, 1, 7));
	/* UDP port 53 -> 9999 with BPF_F_MARK_MANGLED_0: a zero checksum stays zero. */
	put_result(&results, 6, bpf_l4_csum_replace(skb, UDP_CSUM_OFF, bpf_htons(53), port,
						    BPF_F_MARK_MANGLED_0 | sizeof(port)));
	put_result(&results, 7, bpf_skb_store_bytes(skb, ETH_HLEN + sizeof(struct iphdr) + 2, &port, 2, 0));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
