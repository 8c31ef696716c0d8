/*
 * XDP redirects: bpf_redirect_map into a devmap (a slot the host filled, an empty slot with the
 * fallback action in the flags, a bad fallback) and bpf_redirect to an interface index. A test
 * run reports XDP_REDIRECT (4) without sending the frame anywhere.
 */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

/* Redirects through devmap slot (byte 14) with the fallback action in byte 15; a slot of 9 uses
 * bpf_redirect to ifindex 1 instead. */
SEC("xdp")
int xdp_redirect_dev(struct xdp_md *ctx)
{
	__u8 *p = (void *)(long)ctx->data;

	if ((void *)(p + 16) > (void *)(long)ctx->data_end)
		return XDP_ABORTED;
	if (p[14] == 9)
		return bpf_redirect(1, 0);
	return bpf_redirect_map(&devs, p[14], p[15]);
}

char LICENSE[] SEC("license") = "GPL";
