/*
 * Map semantics as programs see them: flags and error codes of array, hash and their per-CPU and
 * LRU variants, LPM tries, queues, stacks, bloom filters, bpf_for_each_map_elem, ring buffers,
 * perf event arrays. Each program is an XDP program whose packet byte 14 selects nothing but
 * keeps the compiler honest; results land in `results` (return codes as negative errnos).
 */
#include "common.h"

RESULTS(64);

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} pcpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} lru SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} lru_pcpu SEC(".maps");

struct lpm_v4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4);
	__type(value, __u32);
} lpm SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 4);
	__type(value, __u32);
} queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 4);
	__type(value, __u32);
} stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__uint(map_flags, BPF_F_ZERO_SEED);
	__type(value, __u32);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} events SEC(".maps");

static __always_inline __u32 seed(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 *p = data;

	if ((void *)(p + 15) > end)
		return 0;
	return p[14];
}

SEC("xdp")
int map_array(struct xdp_md *ctx)
{
	__u32 k = seed(ctx), big = 4, neg = 0xffffffff;
	__u64 v = 10 + k, *p;

	put_result(&results, 0, bpf_map_update_elem(&arr, &k, &v, BPF_ANY));
	put_result(&results, 1, bpf_map_update_elem(&arr, &k, &v, BPF_NOEXIST));
	v++;
	put_result(&results, 2, bpf_map_update_elem(&arr, &k, &v, BPF_EXIST));
	put_result(&results, 3, bpf_map_update_elem(&arr, &big, &v, BPF_ANY));
	put_result(&results, 4, bpf_map_update_elem(&arr, &k, &v, 42));
	put_result(&results, 5, bpf_map_delete_elem(&arr, &k));
	p = bpf_map_lookup_elem(&arr, &big);
	put_result(&results, 6, p == 0);
	p = bpf_map_lookup_elem(&arr, &neg);
	put_result(&results, 7, p == 0);
	p = bpf_map_lookup_elem(&arr, &k);
	if (p)
		put_result(&results, 8, *p);
	return XDP_PASS;
}

SEC("xdp")
int map_hash(struct xdp_md *ctx)
{
	__u32 k = seed(ctx);
	__u64 v = 100, *p;
	__u32 i;

	put_result(&results, 0, bpf_map_update_elem(&hash, &k, &v, BPF_EXIST));
	put_result(&results, 1, bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST));
	put_result(&results, 2, bpf_map_update_elem(&hash, &k, &v, BPF_NOEXIST));
	v = 200;
	put_result(&results, 3, bpf_map_update_elem(&hash, &k, &v, BPF_EXIST));
	for (i = 1; i <= 4; i++) {
		__u32 kk = k + i;

		v = i;
		put_result(&results, 3 + i, bpf_map_update_elem(&hash, &kk, &v, BPF_ANY));
	}
	p = bpf_map_lookup_elem(&hash, &k);
	put_result(&results, 8, p ? (__s64)*p : -1);
	put_result(&results, 9, bpf_map_delete_elem(&hash, &k));
	put_result(&results, 10, bpf_map_delete_elem(&hash, &k));
	k += 10;
	put_result(&results, 11, bpf_map_update_elem(&hash, &k, &v, BPF_ANY));
	put_result(&results, 12, bpf_map_update_elem(&hash, &k, &v, BPF_ANY));
	put_result(&results, 13, bpf_map_update_elem(&hash, &k, &v, 4));
	return XDP_PASS;
}

SEC("xdp")
int map_percpu(struct xdp_md *ctx)
{
	__u32 k = seed(ctx) & 1, one = 1;
	__u64 *p = bpf_map_lookup_elem(&pcpu_arr, &k);

	if (p)
		*p += 5;
	__u32 *q = bpf_map_lookup_elem(&pcpu_hash, &k);

	if (q)
		*q += 1;
	else
		bpf_map_update_elem(&pcpu_hash, &k, &one, BPF_NOEXIST);
	put_result(&results, 0, bpf_get_smp_processor_id());
	return XDP_PASS;
}

/* Inserts keys seed+1 .. seed+16 into both LRU maps (8 entries each) in a bpf_loop, touching
 * seed+1 after each insertion so that it stays recently used. */
static long lru_step(__u32 index, __u32 *base)
{
	__u32 i = index + 1, k = *base + i, first = *base + 1;

	put_result(&results, i, bpf_map_update_elem(&lru, &k, &i, BPF_NOEXIST));
	bpf_map_update_elem(&lru_pcpu, &k, &i, BPF_ANY);
	bpf_map_lookup_elem(&lru, &first);
	bpf_map_lookup_elem(&lru_pcpu, &first);
	return 0;
}

SEC("xdp")
int map_lru(struct xdp_md *ctx)
{
	__u32 base = seed(ctx);

	put_result(&results, 0, bpf_loop(16, lru_step, &base, 0));
	return XDP_PASS;
}

static __always_inline __s64 lpm_find(__u8 a, __u8 b, __u8 c, __u8 d)
{
	struct lpm_v4 key = { .prefixlen = 32, .addr = { a, b, c, d } };
	__u32 *v = bpf_map_lookup_elem(&lpm, &key);

	return v ? *v : -1;
}

/* Routes in the trie come from the host (the case's updates) and from the program. */
SEC("xdp")
int map_lpm(struct xdp_md *ctx)
{
	struct lpm_v4 key = { .prefixlen = 24, .addr = { 10, 1, 2, 0 } };
	__u32 v = 24;
	__u8 s = seed(ctx);

	put_result(&results, 0, bpf_map_update_elem(&lpm, &key, &v, BPF_NOEXIST));
	key.prefixlen = 33;
	put_result(&results, 1, bpf_map_update_elem(&lpm, &key, &v, BPF_ANY));
	put_result(&results, 2, lpm_find(10, 1, 2, s));
	put_result(&results, 3, lpm_find(10, 1, 3, s));
	put_result(&results, 4, lpm_find(10, 9, 9, s));
	put_result(&results, 5, lpm_find(192, 168, 1, s));
	put_result(&results, 6, lpm_find(172, 16, 0, s));
	key.prefixlen = 16;
	key.addr[2] = 0;
	put_result(&results, 7, bpf_map_delete_elem(&lpm, &key));
	put_result(&results, 8, lpm_find(10, 1, 3, s));
	put_result(&results, 9, bpf_map_delete_elem(&lpm, &key));
	return XDP_PASS;
}

SEC("xdp")
int map_queue_stack(struct xdp_md *ctx)
{
	__u32 base = seed(ctx), v, i;

	for (i = 1; i <= 5; i++) {
		v = base + i;
		put_result(&results, i, bpf_map_push_elem(&queue, &v, 0));
		put_result(&results, 10 + i, bpf_map_push_elem(&stack, &v, 0));
	}
	v = base + 6;
	put_result(&results, 6, bpf_map_push_elem(&queue, &v, BPF_EXIST));
	put_result(&results, 16, bpf_map_push_elem(&stack, &v, BPF_EXIST));
	put_result(&results, 7, bpf_map_peek_elem(&queue, &v));
	put_result(&results, 8, v);
	put_result(&results, 17, bpf_map_pop_elem(&stack, &v));
	put_result(&results, 18, v);
	put_result(&results, 9, bpf_map_pop_elem(&queue, &v));
	put_result(&results, 10, v);
	put_result(&results, 20, bpf_map_push_elem(&queue, &v, 7));
	return XDP_PASS;
}

SEC("xdp")
int map_bloom(struct xdp_md *ctx)
{
	__u32 base = seed(ctx), v, i;

	for (i = 0; i < 8; i++) {
		v = base + i * 3;
		put_result(&results, i, bpf_map_push_elem(&bloom, &v, BPF_ANY));
	}
	for (i = 0; i < 24; i++) {
		v = base + i;
		put_result(&results, 10 + i, bpf_map_peek_elem(&bloom, &v));
	}
	put_result(&results, 40, bpf_map_push_elem(&bloom, &v, BPF_EXIST));
	return XDP_PASS;
}

struct sum_ctx {
	__u64 sum;
	__u32 visited;
	__u32 stop_at;
};

static long sum_elem(void *map, __u32 *key, __u64 *val, struct sum_ctx *c)
{
	c->sum += *key * 1000 + *val;
	c->visited++;
	return c->visited >= c->stop_at;
}

static __always_inline void fill(__u32 i, __u32 base)
{
	__u64 v = base + i;
	__u32 k = i * 7;

	bpf_map_update_elem(&arr, &i, &v, BPF_ANY);
	if (i < 3)
		bpf_map_update_elem(&hash, &k, &v, BPF_ANY);
}

SEC("xdp")
int map_foreach(struct xdp_md *ctx)
{
	__u32 base = seed(ctx);
	struct sum_ctx c = { .stop_at = 100 };

	fill(0, base);
	fill(1, base);
	fill(2, base);
	fill(3, base);
	put_result(&results, 0, bpf_for_each_map_elem(&arr, sum_elem, &c, 0));
	put_result(&results, 1, c.sum);
	put_result(&results, 2, c.visited);
	c.sum = 0;
	c.visited = 0;
	c.stop_at = 2;
	put_result(&results, 3, bpf_for_each_map_elem(&arr, sum_elem, &c, 0));
	put_result(&results, 4, c.sum);
	c.sum = 0;
	c.visited = 0;
	c.stop_at = 100;
	put_result(&results, 5, bpf_for_each_map_elem(&hash, sum_elem, &c, 0));
	put_result(&results, 6, c.sum);
	put_result(&results, 7, bpf_for_each_map_elem(&hash, sum_elem, &c, 1));
	return XDP_PASS;
}

struct event {
	__u32 kind;
	__u32 len;
	__u64 word;
};

SEC("xdp")
int map_ringbuf(struct xdp_md *ctx)
{
	struct event e = { .kind = 1, .len = ctx->data_end - ctx->data, .word = seed(ctx) };
	struct event *r;

	put_result(&results, 0, bpf_ringbuf_output(&rb, &e, sizeof(e), 0));
	put_result(&results, 1, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	put_result(&results, 2, r != 0);
	if (r) {
		r->kind = 2;
		r->len = 0;
		r->word = 42;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
	r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);
	if (r)
		bpf_ringbuf_discard(r, 0);
	put_result(&results, 3, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	put_result(&results, 4, bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE));
	put_result(&results, 5, bpf_ringbuf_query(&rb, BPF_RB_CONS_POS));
	put_result(&results, 6, bpf_ringbuf_query(&rb, BPF_RB_PROD_POS));
	r = bpf_ringbuf_reserve(&rb, 8192, 0);
	put_result(&results, 7, r != 0);
	if (r)
		bpf_ringbuf_discard(r, 0);
	put_result(&results, 8, bpf_ringbuf_output(&rb, &e, sizeof(e), 4));
	for (int i = 0; i < 200; i++) {
		if (bpf_ringbuf_output(&rb, &e, sizeof(e), 0) < 0) {
			put_result(&results, 9, i);
			break;
		}
	}
	put_result(&results, 10, bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA));
	put_result(&results, 11, bpf_ringbuf_query(&rb, 99));
	return XDP_PASS;
}

SEC("xdp")
int map_perf(struct xdp_md *ctx)
{
	struct event e = { .kind = 3 };

	put_result(&results, 0, bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e)));
	put_result(&results, 1, bpf_perf_event_output(ctx, &events, 1, &e, sizeof(e)));
	put_result(&results, 2, bpf_perf_event_output(ctx, &events, 5, &e, sizeof(e)));
	put_result(&results, 3, bpf_perf_event_output(ctx, &events, 1ULL << 40, &e, sizeof(e)));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
