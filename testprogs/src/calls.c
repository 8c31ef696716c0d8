/*
 * Control flow: bpf-to-bpf calls to static and global functions (global ones are verified on
 * their own), nested calls, bounded loops, bpf_loop with a callback, and atomic operations on
 * map values and global data. Built for -mcpu=v3 (calls.o) and -mcpu=v4 (calls.v4.o).
 */
#include "common.h"

RESULTS(32);

__u64 counter;
__u32 flags32;

static __noinline __u32 gcd(__u32 a, __u32 b)
{
	for (int i = 0; i < 64 && b != 0; i++) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

__noinline __u32 collatz_steps(__u32 n)
{
	__u32 steps = 0;

	while (n > 1 && steps < 120) {
		n = (n & 1) ? 3 * n + 1 : n / 2;
		steps++;
	}
	return steps;
}

static __noinline __u64 depth3(__u64 x)
{
	return x * 3 + 1;
}

static __noinline __u64 depth2(__u64 x)
{
	return depth3(x + 1) * 2;
}

static __noinline __u64 depth1(__u64 x, __u64 y, __u64 z, __u64 w, __u64 v)
{
	return depth2(x) + y * z - w + (v << 2);
}

__noinline int global_sum(__u32 a, __u32 b)
{
	if (a > 1000 || b > 1000)
		return -1;
	return a + b;
}

__noinline int global_ctx_len(struct xdp_md *ctx)
{
	if (!ctx)
		return -1;
	return ctx->data_end - ctx->data;
}

struct loop_state {
	__u64 acc;
	__u32 limit;
};

static long loop_body(__u32 i, struct loop_state *s)
{
	s->acc = s->acc * 31 + i;
	return i + 1 >= s->limit; /* 1 stops the loop */
}

static __always_inline __u32 byte_at(struct xdp_md *ctx, __u32 at)
{
	__u8 *p = (void *)(long)ctx->data;

	if ((void *)(p + at + 1) > (void *)(long)ctx->data_end)
		return 0;
	return p[at];
}

SEC("xdp")
int calls(struct xdp_md *ctx)
{
	__u32 a = byte_at(ctx, 14) + 1, b = byte_at(ctx, 15) + 1;
	struct loop_state s = { .acc = 1, .limit = byte_at(ctx, 16) };
	__u64 sum = 0;

	put_result(&results, 0, gcd(a * 12, b * 18));
	put_result(&results, 1, collatz_steps(a));
	put_result(&results, 2, depth1(a, b, 3, 4, 5));
	put_result(&results, 3, global_sum(a, b));
	put_result(&results, 4, global_sum(a * 1000, b));
	put_result(&results, 5, global_ctx_len(ctx));
	put_result(&results, 6, bpf_loop(20, loop_body, &s, 0));
	put_result(&results, 7, s.acc);
	put_result(&results, 8, bpf_loop(5, loop_body, &s, 1));
	for (__u32 i = 0; i < 100; i++) {
		if (i > a + b)
			break;
		sum = (sum ^ (sum >> 5)) * 3 + i;
	}
	put_result(&results, 9, sum);
	return XDP_PASS;
}

SEC("xdp")
int atomics(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&results, &k);
	__u64 x = byte_at(ctx, 14);

	if (!v)
		return XDP_ABORTED;
	*v = 100;
	put_result(&results, 1, __sync_fetch_and_add(v, x));
	put_result(&results, 2, __sync_fetch_and_or(v, 0xf00));
	put_result(&results, 3, __sync_fetch_and_and(v, 0xff0f));
	put_result(&results, 4, __sync_fetch_and_xor(v, 0x5555));
	put_result(&results, 5, __sync_lock_test_and_set(v, 77));
	put_result(&results, 6, __sync_val_compare_and_swap(v, 77, 88));
	put_result(&results, 7, __sync_val_compare_and_swap(v, 77, 99));
	__sync_fetch_and_add(&counter, 5);
	__sync_fetch_and_sub(&counter, 2);
	__sync_fetch_and_or(&flags32, 0x11);
	__sync_fetch_and_xor(&flags32, 0x1);
	put_result(&results, 8, __sync_add_and_fetch(&flags32, 3));
	put_result(&results, 9, counter);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
