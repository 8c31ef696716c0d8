/*
 * Arithmetic on packet-derived values, so that the compiler cannot fold it: 32- and 64-bit ALU,
 * division and modulo (by zero too), shifts, byte swaps, sign extension, signed comparisons.
 * With -mcpu=v4 (alu.v4.o) clang uses the v4 instructions: sdiv/smod, movsx, ldsx, bswap.
 */
#include "common.h"

RESULTS(40);

static __always_inline __u64 word_at(struct xdp_md *ctx, __u32 at)
{
	__u8 *p = (void *)(long)ctx->data;
	__u64 v;

	if ((void *)(p + at + 8) > (void *)(long)ctx->data_end)
		return 0;
	__builtin_memcpy(&v, p + at, 8);
	return v;
}

SEC("xdp")
int alu(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 a = word_at(ctx, 14), b = word_at(ctx, 22);
	__s64 sa = (__s64)a, sb = (__s64)b;
	__u32 a32 = (__u32)a, b32 = (__u32)b;
	__s32 sa32 = (__s32)a32, sb32 = (__s32)b32;

	put_result(&results, 0, a + b);
	put_result(&results, 1, a - b);
	put_result(&results, 2, a * b);
	put_result(&results, 3, b ? a / b : 0);
	put_result(&results, 4, b ? a % b : 0);
#if __BPF_CPU_VERSION__ >= 4 /* signed division exists from v4 on */
	put_result(&results, 5, sb ? sa / sb : 0);
	put_result(&results, 6, sb ? sa % sb : 0);
#endif
	put_result(&results, 7, (__u32)(a32 * b32));
	put_result(&results, 8, b32 ? a32 / b32 : 0);
#if __BPF_CPU_VERSION__ >= 4 /* signed division exists from v4 on */
	put_result(&results, 9, sb32 ? sa32 / sb32 : 0);
	put_result(&results, 10, sb32 ? sa32 % sb32 : 0);
#endif
	put_result(&results, 11, a << (b & 63));
	put_result(&results, 12, a >> (b & 63));
	put_result(&results, 13, sa >> (b & 63));
	put_result(&results, 14, a32 << (b32 & 31));
	put_result(&results, 15, sa32 >> (b32 & 31));
	put_result(&results, 16, __builtin_bswap16((__u16)a));
	put_result(&results, 17, __builtin_bswap32(a32));
	put_result(&results, 18, __builtin_bswap64(a));
	put_result(&results, 19, (__s8)a);
	put_result(&results, 20, (__s16)a);
	put_result(&results, 21, (__s32)a);
	put_result(&results, 22, sa < sb);
	put_result(&results, 23, sa32 <= sb32);
	put_result(&results, 24, a < b);
	put_result(&results, 25, ~a ^ (b | 0x0f0f));
	put_result(&results, 26, -sa);
	put_result(&results, 27, (__u32)-sa32);
	if ((void *)(p + 32) <= end) {
		put_result(&results, 28, *(__s8 *)(p + 30));
		put_result(&results, 29, *(__s16 *)(p + 30));
		put_result(&results, 30, *(__s32 *)(p + 28));
	}
	put_result(&results, 31, a / 7);
#if __BPF_CPU_VERSION__ >= 4 /* signed division exists from v4 on */
	put_result(&results, 32, sa / -3);
	put_result(&results, 33, sa % -3);
#endif
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
