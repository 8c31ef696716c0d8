/*
 * Tail calls through a prog_array initialized in the object (libbpf's `.values`), the kernel's
 * limit of 33 tail calls per run, and maps of maps (array_of_maps, hash_of_maps) with inner maps
 * given as initial values.
 */
#include "common.h"

RESULTS(16);

__u32 hops;      /* .bss: tail calls taken in this run */
__u32 trail[8];  /* .bss: the stages a run went through */

static __always_inline void mark(__u32 stage)
{
	__u32 h = hops;

	if (h < 8)
		trail[h] = stage;
	hops = h + 1;
}

int stage_a(struct xdp_md *ctx);
int stage_b(struct xdp_md *ctx);
int self_loop(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, int(struct xdp_md *));
} jmp SEC(".maps") = {
	.values = {
		[0] = (void *)&stage_a,
		[1] = (void *)&stage_b,
		[3] = (void *)&self_loop,
	},
};

static __always_inline __u32 first_byte(struct xdp_md *ctx, __u32 at)
{
	__u8 *p = (void *)(long)ctx->data;

	if ((void *)(p + at + 1) > (void *)(long)ctx->data_end)
		return 0xff;
	return p[at];
}

/* Jumps to the slot named by packet byte 14; falls through (XDP_PASS) if the slot is empty. */
SEC("xdp")
int tail_entry(struct xdp_md *ctx)
{
	hops = 0;
	mark(100);
	bpf_tail_call(ctx, &jmp, first_byte(ctx, 14));
	mark(101);
	return XDP_PASS;
}

SEC("xdp")
int stage_a(struct xdp_md *ctx)
{
	mark(1);
	bpf_tail_call(ctx, &jmp, 1);
	return XDP_ABORTED;
}

SEC("xdp")
int stage_b(struct xdp_md *ctx)
{
	mark(2);
	return first_byte(ctx, 15) == 0xdd ? XDP_DROP : XDP_TX;
}

SEC("xdp")
int self_loop(struct xdp_md *ctx)
{
	hops++;
	bpf_tail_call(ctx, &jmp, 3);
	put_result(&results, 0, hops);
	return XDP_REDIRECT;
}

struct inner_arr {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_arr inner0 SEC(".maps"), inner1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner_arr);
} outer_arr SEC(".maps") = {
	.values = { [0] = &inner0, [2] = &inner1 },
};

struct inner_hash {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner_hash ih SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_hash);
} outer_hash SEC(".maps") = {
	.values = { [7] = &ih },
};

/* Adds 1 to element (byte 15 & 3) of the inner array in slot (byte 14), and records the hash of
 * maps' inner map under key 7. */
SEC("xdp")
int map_in_map(struct xdp_md *ctx)
{
	__u32 slot = first_byte(ctx, 14), idx = first_byte(ctx, 15) & 3, seven = 7;
	void *inner = bpf_map_lookup_elem(&outer_arr, &slot);
	__u64 *v;

	put_result(&results, 0, inner != 0);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &idx);
		if (v)
			*v += 1 + slot;
	}
	inner = bpf_map_lookup_elem(&outer_hash, &seven);
	put_result(&results, 1, inner != 0);
	if (inner) {
		__u32 val = slot * 100 + idx;

		put_result(&results, 2, bpf_map_update_elem(inner, &slot, &val, BPF_ANY));
	}
	inner = bpf_map_lookup_elem(&outer_hash, &slot);
	put_result(&results, 3, inner != 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
