/* bpf_spin_lock and bpf_timer in a map value: offsets from the value's BTF. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define CLOCK_MONOTONIC 1

struct val {
    __u64 count;
    struct bpf_spin_lock lock;
    struct bpf_timer timer;
    __u64 fired;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct val);
} vals SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct val);
} other SEC(".maps");

static int on_timer(void *map, __u32 *key, struct val *v)
{
    v->fired++;
    bpf_timer_start(&v->timer, 1000000, 0);
    return 0;
}

static int bad_timer(void *map, __u32 *key, struct val *v)
{
    return 1;
}

/* Counts under the element's lock. */
SEC("tc")
int count_locked(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_spin_lock(&v->lock);
    v->count++;
    bpf_spin_unlock(&v->lock);
    return TC_ACT_OK;
}

/* Arms the element's timer with a callback that re-arms it. */
SEC("tc")
int arm_timer(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_timer_init(&v->timer, &vals, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->timer, on_timer);
    bpf_timer_start(&v->timer, 1000000, 0);
    return TC_ACT_OK;
}

/* A timer callback must return 0. */
SEC("tc")
int arm_bad_timer(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_timer_init(&v->timer, &vals, CLOCK_MONOTONIC);
    bpf_timer_set_callback(&v->timer, bad_timer);
    return TC_ACT_OK;
}

/* The timer must be initialised with its own map. */
SEC("tc")
int init_other_map(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_timer_init(&v->timer, &other, CLOCK_MONOTONIC);
    return TC_ACT_OK;
}

/* Returns with the lock held when the count is odd. */
SEC("tc")
int lock_leak(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_spin_lock(&v->lock);
    if (v->count & 1)
        return TC_ACT_SHOT;
    bpf_spin_unlock(&v->lock);
    return TC_ACT_OK;
}

/* Calls a helper while holding the lock. */
SEC("tc")
int call_in_lock(struct __sk_buff *skb)
{
    __u32 k = 0;
    struct val *v = bpf_map_lookup_elem(&vals, &k);

    if (!v)
        return TC_ACT_OK;
    bpf_spin_lock(&v->lock);
    v->count = bpf_ktime_get_ns();
    bpf_spin_unlock(&v->lock);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
