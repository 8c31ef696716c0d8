/*
 * bpf_redirect_map into a devmap_hash and a cpumap filled by the host (hits, misses with the
 * fallback action in the flags, flags a map type does not take), a program lookup of the first, and a
 * hash map with BPF_F_ZERO_SEED whose iteration order (recorded) is the kernel's bucket order.
 */
#include "common.h"

RESULTS(16);

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(key, __u32);
	__type(value, __u64);
} flows SEC(".maps");

/* Byte 14: the key; byte 15: the flags (fallback action and BPF_F_BROADCAST = 8). */
SEC("xdp")
int xdp_devhash(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	__u32 key;
	__u32 *dev;

	if ((void *)(p + 16) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	key = p[14];
	dev = bpf_map_lookup_elem(&devs, &key);
	put_result(&results, 0, dev ? *dev : -1);
	return bpf_redirect_map(&devs, key, p[15]);
}

SEC("xdp")
int xdp_cpu(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;

	/* (programs cannot look a cpumap up: the verifier refuses bpf_map_lookup_elem on one) */
	if ((void *)(p + 16) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	return bpf_redirect_map(&cpus, p[14], p[15]);
}

/* Counts packets per flow key (bytes 14-17), replacing or adding elements in the zero-seeded map. */
SEC("xdp")
int xdp_flows(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	__u32 key;
	__u64 *count, one = 1;

	if ((void *)(p + 18) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	key = p[14] | p[15] << 8 | p[16] << 16 | p[17] << 24;
	count = bpf_map_lookup_elem(&flows, &key);
	if (count) {
		__u64 next = *count + 1;

		/* a replacing update: the kernel moves the element to the front of its bucket */
		bpf_map_update_elem(&flows, &key, &next, BPF_EXIST);
	} else {
		bpf_map_update_elem(&flows, &key, &one, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
