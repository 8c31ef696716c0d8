/* Dynptrs over packets (bpf_dynptr_from_xdp) and their slices (bpf_dynptr_slice), kfuncs. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk) __ksym;

/* Reads the Ethernet type through a dynptr over the packet. */
SEC("xdp")
int eth_type(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    __u8 buf[14];
    __u8 *eth;

    if (bpf_dynptr_from_xdp(ctx, 0, &d))
        return XDP_ABORTED;
    eth = bpf_dynptr_slice(&d, 0, buf, sizeof(buf));
    if (!eth)
        return XDP_DROP;
    return eth[12] == 0x08 && eth[13] == 0x00 ? XDP_PASS : XDP_DROP;
}

/* Reads past the slice it asked for. */
SEC("xdp")
int eth_type_overread(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    __u8 buf[12];
    __u8 *eth;

    bpf_dynptr_from_xdp(ctx, 0, &d);
    eth = bpf_dynptr_slice(&d, 0, buf, sizeof(buf));
    if (!eth)
        return XDP_DROP;
    return *(volatile __u8 *)(eth + 12) ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
