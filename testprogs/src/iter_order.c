/*
 * Iteration order of hash maps created with BPF_F_ZERO_SEED, seen by programs: bpf_for_each_map_elem
 * visits the elements bucket by bucket (the kernel's order, which the dumps record too), over a
 * hash, a per-CPU hash and an LRU hash filled by the host and by the program; a callback that
 * returns 1 stops the walk early.
 */
#include "common.h"

RESULTS(40);

#define ZERO_SEED_HASH(name, kind)                  \
	struct {                                    \
		__uint(type, kind);                 \
		__uint(max_entries, 16);            \
		__uint(map_flags, BPF_F_ZERO_SEED); \
		__type(key, __u32);                 \
		__type(value, __u64);               \
	} name SEC(".maps")

ZERO_SEED_HASH(plain, BPF_MAP_TYPE_HASH);
ZERO_SEED_HASH(percpu, BPF_MAP_TYPE_PERCPU_HASH);
ZERO_SEED_HASH(lru, BPF_MAP_TYPE_LRU_HASH);

struct walk {
	__u32 at;   /* the next results slot */
	__u32 stop; /* stop after this many elements (0: never) */
	__u32 seen;
};

static long visit(void *map, __u32 *key, __u64 *value, struct walk *w)
{
	put_result(&results, w->at & 31, *key);
	w->at++;
	w->seen++;
	return w->stop && w->seen >= w->stop;
}

/* Byte 14: how many elements each walk may visit (0: all); byte 15: a key the program adds first. */
SEC("xdp")
int walk_maps(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	struct walk w = {};
	__u32 key;
	__u64 one = 1;

	if ((void *)(p + 16) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	key = p[15];
	if (key) {
		bpf_map_update_elem(&plain, &key, &one, BPF_ANY);
		bpf_map_update_elem(&percpu, &key, &one, BPF_ANY);
		bpf_map_update_elem(&lru, &key, &one, BPF_ANY);
	}
	w.stop = p[14];
	put_result(&results, 32, bpf_for_each_map_elem(&plain, visit, &w, 0));
	w.seen = 0;
	put_result(&results, 33, bpf_for_each_map_elem(&percpu, visit, &w, 0));
	w.seen = 0;
	put_result(&results, 34, bpf_for_each_map_elem(&lru, visit, &w, 0));
	put_result(&results, 35, w.at);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
