/* Open-coded number iterators (bpf_iter_num_*): loops the verifier must see converge. */
#include "kfuncs.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u8[64]);
} buf SEC(".maps");

/* Sums 0..9 through the iterator. */
SEC("xdp")
int sum_to_ten(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    int *v, sum = 0;

    bpf_iter_num_new(&it, 0, 10);
    while ((v = bpf_iter_num_next(&it)))
        sum += *v;
    bpf_iter_num_destroy(&it);
    return sum > 40 ? XDP_PASS : XDP_DROP;
}

/* Fills a map value, the index checked against its size inside the loop. */
SEC("xdp")
int fill_checked(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    __u32 zero = 0;
    __u8 *b = bpf_map_lookup_elem(&buf, &zero);
    int *v;

    if (!b)
        return XDP_ABORTED;
    bpf_iter_num_new(&it, 0, 100);
    while ((v = bpf_iter_num_next(&it))) {
        __u32 i = *v;
        if (i >= 64)
            break;
        b[i] = 1;
    }
    bpf_iter_num_destroy(&it);
    return XDP_PASS;
}

/* The index comes from the iterator's bounds only, which the verifier does not trust. */
SEC("xdp")
int fill_unchecked(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    __u32 zero = 0;
    __u8 *b = bpf_map_lookup_elem(&buf, &zero);
    int *v;
    __u32 i = 0;

    if (!b)
        return XDP_ABORTED;
    bpf_iter_num_new(&it, 0, 64);
    while ((v = bpf_iter_num_next(&it))) {
        b[i & 127] = 1;
        i++;
    }
    bpf_iter_num_destroy(&it);
    return XDP_PASS;
}

/* Returns with the iterator still held. */
SEC("xdp")
int leak(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    int *v;

    bpf_iter_num_new(&it, 0, 10);
    v = bpf_iter_num_next(&it);
    if (v && *v == 3) {
        bpf_iter_num_destroy(&it);
        return XDP_PASS;
    }
    return XDP_DROP;
}

/* Two nested iterators. */
SEC("xdp")
int nested(struct xdp_md *ctx)
{
    struct bpf_iter_num outer, inner;
    int *i, *j, n = 0;

    bpf_iter_num_new(&outer, 0, 5);
    while ((i = bpf_iter_num_next(&outer))) {
        bpf_iter_num_new(&inner, 0, 5);
        while ((j = bpf_iter_num_next(&inner)))
            n += *i * *j;
        bpf_iter_num_destroy(&inner);
    }
    bpf_iter_num_destroy(&outer);
    return n == 100 ? XDP_PASS : XDP_DROP;
}

/* The element's bounds checked in the loop condition make it a safe index (the shape of
 * libbpf's bpf_for() loops). */
SEC("xdp")
int bounded_index(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    __u32 zero = 0;
    __u8 *b = bpf_map_lookup_elem(&buf, &zero);
    int *p, i = 0;

    if (!b)
        return XDP_ABORTED;
    bpf_iter_num_new(&it, 0, 64);
    while ((p = bpf_iter_num_next(&it)) && (i = *p, i >= 0 && i < 64))
        b[i] += i;
    bpf_iter_num_destroy(&it);
    return XDP_PASS;
}

/* The same loop one element too far. */
SEC("xdp")
int bounded_index_off_by_one(struct xdp_md *ctx)
{
    struct bpf_iter_num it;
    __u32 zero = 0;
    __u8 *b = bpf_map_lookup_elem(&buf, &zero);
    int *p, i = 0;

    if (!b)
        return XDP_ABORTED;
    bpf_iter_num_new(&it, 0, 65);
    while ((p = bpf_iter_num_next(&it)) && (i = *p, i >= 0 && i <= 64))
        b[i] += i;
    bpf_iter_num_destroy(&it);
    return XDP_PASS;
}

/* Reads the map under an RCU read-side critical section. */
SEC("xdp")
int rcu_section(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u8 *b;
    int ret = XDP_PASS;

    bpf_rcu_read_lock();
    b = bpf_map_lookup_elem(&buf, &zero);
    if (b && b[0])
        ret = XDP_DROP;
    bpf_rcu_read_unlock();
    return ret;
}

/* Leaves the critical section open on one path. */
SEC("xdp")
int rcu_unbalanced(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u8 *b;

    bpf_rcu_read_lock();
    b = bpf_map_lookup_elem(&buf, &zero);
    if (b && b[0])
        return XDP_DROP;
    bpf_rcu_read_unlock();
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
