/*
 * Global data: .rodata (const volatile configuration and constant strings), .data (initialized
 * counters), .bss (zeroed state), and custom .data.* / .rodata.* sections, which libbpf turns
 * into separate array maps. Uses bpf_strncmp against read-only strings.
 */
#include "common.h"

const volatile __u32 threshold = 100;
const volatile char banner[8] = "bpf4j";
const char words[3][8] = { "alpha", "beta", "gamma" };

__u64 packets = 1000;
__s32 last_len = -1;
__u8 seen[16];
__u64 big_total;

__u64 stats_small SEC(".data.stats") = 7;
__u64 stats_large SEC(".data.stats") = 9;
const volatile __u32 limits[2] SEC(".rodata.limits") = { 60, 1500 };

SEC("xdp")
int globals(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 len = end - (void *)p;
	char name[8] = {};

	packets++;
	last_len = len;
	seen[len & 15]++;
	if (len > threshold) {
		big_total += len;
		stats_large++;
	} else {
		stats_small++;
	}
	if (len < limits[0] || len > limits[1])
		return XDP_DROP;
	if ((void *)(p + 22) > end)
		return XDP_ABORTED;
	/* bytes 14..21 as a NUL-padded name: which word is it? */
	__builtin_memcpy(name, p + 14, 7);
	if (bpf_strncmp(name, sizeof(name), words[0]) == 0)
		return XDP_TX;
	if (bpf_strncmp(name, sizeof(name), words[1]) == 0)
		return XDP_REDIRECT;
	if (bpf_strncmp(name, 6, (const char *)banner) == 0)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
