/* Callbacks and global functions in the same object as kfuncs (which need the object's BTF with
 * its extern function declarations), and a weak kfunc the kernel does not have. */
#include "kfuncs.h"

extern int bpf_dynptr_from_xdp(struct xdp_md *x, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *p, __u32 offset, void *buffer__opt, __u32 buffer__szk) __ksym;
extern int bpf4j_no_such_kfunc(int x) __ksym __weak;

static int add_one(__u32 i, void *ctx)
{
    (*(__u64 *)ctx)++;
    return 0;
}

/* A global function: verified on its own, from its BTF prototype. */
__attribute__((noinline)) int twice(int x)
{
    return x * 2;
}

__u64 loops;

/* XDP_PASS (2) for an IPv4 Ethernet frame, XDP_DROP (1) otherwise, after counting to 4 in a
 * bpf_loop callback and adding the count to loops. */
SEC("xdp")
int loop_and_slice(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    __u8 buf[14];
    __u8 *eth;
    __u64 n = 0;

    bpf_loop(4, add_one, &n, 0);
    __sync_fetch_and_add(&loops, n);
    if (bpf_dynptr_from_xdp(ctx, 0, &d))
        return XDP_ABORTED;
    eth = bpf_dynptr_slice(&d, 0, buf, sizeof(buf));
    if (!eth)
        return XDP_DROP;
    return eth[12] == 0x08 && eth[13] == 0x00 ? XDP_PASS : XDP_DROP;
}

/* Sums 0..9 with the number iterator and doubles it in a global function: returns 90. */
SEC("tc")
int iter_and_global(struct __sk_buff *skb)
{
    struct bpf_iter_num it;
    int *v;
    int sum = 0;

    bpf_iter_num_new(&it, 0, 10);
    while ((v = bpf_iter_num_next(&it)))
        sum += *v;
    bpf_iter_num_destroy(&it);
    return twice(sum);
}

/* Tests whether the missing weak kfunc exists (its address resolves to 0): returns XDP_PASS. */
SEC("xdp")
int weak_missing(struct xdp_md *ctx)
{
    return bpf4j_no_such_kfunc ? XDP_ABORTED : XDP_PASS;
}

/* Calls the missing weak kfunc where the verifier can reach the call: refused. */
SEC("xdp")
int calls_missing_weak(struct xdp_md *ctx)
{
    return bpf4j_no_such_kfunc(1);
}

char LICENSE[] SEC("license") = "GPL";
