/*
 * Helpers with deterministic results (csum_diff, strncmp, strtol, strtoul, snprintf,
 * trace_printk's byte count, the CPU and NUMA node of a test run on CPU 0), and helpers whose
 * values are not deterministic (clocks, jiffies, random numbers), of which only properties are
 * recorded: monotonic clocks do not go back, a random u32 has no bits above 32.
 */
#include "common.h"

RESULTS(48);

char out[64];   /* .bss: bpf_snprintf's output */
char text[32];  /* .bss: the packet's bytes 14.. as a string */

SEC("xdp")
int helpers_time(struct xdp_md *ctx)
{
	__u64 t1 = bpf_ktime_get_ns(), t2 = bpf_ktime_get_ns();
	__u64 b1 = bpf_ktime_get_boot_ns(), b2 = bpf_ktime_get_boot_ns();
	__u64 c1 = bpf_ktime_get_coarse_ns();
	__u64 j = bpf_jiffies64();
	__u64 r = bpf_get_prandom_u32();

	put_result(&results, 0, t2 >= t1);
	put_result(&results, 1, b2 >= b1);
	put_result(&results, 2, b1 >= t1);
	put_result(&results, 3, c1 > 0);
	put_result(&results, 4, j > 0);
	put_result(&results, 5, (r >> 32) == 0);
	put_result(&results, 6, bpf_get_smp_processor_id());
	put_result(&results, 7, bpf_get_numa_node_id());
	return XDP_PASS;
}

static __always_inline int load_text(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if ((void *)(p + 14 + sizeof(text)) > end)
		return -1;
	__builtin_memcpy(text, p + 14, sizeof(text));
	text[sizeof(text) - 1] = 0;
	return 0;
}

/* strtol / strtoul of the packet's text with flags (base) from the case, and strncmp. */
SEC("xdp")
int helpers_str(struct xdp_md *ctx)
{
	long l = 0;
	unsigned long ul = 0;

	if (load_text(ctx))
		return XDP_ABORTED;
	put_result(&results, 0, bpf_strtol(text, sizeof(text), 0, &l));
	put_result(&results, 1, l);
	put_result(&results, 2, bpf_strtol(text, sizeof(text), 10, &l));
	put_result(&results, 3, l);
	put_result(&results, 4, bpf_strtol(text, sizeof(text), 16, &l));
	put_result(&results, 5, l);
	put_result(&results, 6, bpf_strtoul(text, sizeof(text), 0, &ul));
	put_result(&results, 7, ul);
	put_result(&results, 8, bpf_strtoul(text, 4, 0, &ul));
	put_result(&results, 9, ul);
	put_result(&results, 10, bpf_strtol(text, sizeof(text), 3, &l));
	put_result(&results, 11, bpf_strncmp(text, sizeof(text), "0x1f"));
	put_result(&results, 12, bpf_strncmp(text, 3, "-12"));
	put_result(&results, 13, bpf_strncmp(text, sizeof(text), "zzz") < 0);
	return XDP_PASS;
}

SEC("xdp")
int helpers_fmt(struct xdp_md *ctx)
{
	__u64 args[6];
	__u32 len = ctx->data_end - ctx->data;

	if (load_text(ctx))
		return XDP_ABORTED;
	args[0] = len;
	args[1] = (__u64)-5;
	args[2] = 0xbeef;
	args[3] = (__u64)(long)text;
	args[4] = 'Z';
	args[5] = 0x1234567890ULL;
	put_result(&results, 0, bpf_snprintf(out, sizeof(out), "%u|%d|%x|%s|%c|%llx", args, sizeof(args)));
	put_result(&results, 1, bpf_snprintf(out + 48, 8, "%d-%d", args, 16));
	put_result(&results, 2, bpf_snprintf(0, 0, "%u-%d", args, 16));
	put_result(&results, 3, bpf_trace_printk("bpf4j %d\n", 10, len));
	put_result(&results, 4, bpf_trace_printk("bpf4j %s %x\n", 13, text, 255));
	return XDP_PASS;
}

SEC("xdp")
int helpers_csum(struct xdp_md *ctx)
{
	__be32 a[4] = { bpf_htonl(0x45000054), bpf_htonl(0x00004000), bpf_htonl(0x40010000), bpf_htonl(0xc0a80001) };
	__be32 b[2] = { bpf_htonl(0x0a000001), bpf_htonl(0xffffffff) };

	put_result(&results, 0, bpf_csum_diff(0, 0, a, sizeof(a), 0));
	put_result(&results, 1, bpf_csum_diff(a, sizeof(a), 0, 0, 0));
	put_result(&results, 2, bpf_csum_diff(a, 8, b, 8, 0xffff));
	put_result(&results, 3, bpf_csum_diff(b, 8, b, 8, 7));
	put_result(&results, 4, bpf_csum_diff(0, 0, 0, 0, 0x12345678));
	put_result(&results, 5, bpf_csum_diff(a, 6, 0, 0, 0));
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
